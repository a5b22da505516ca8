import {
  atDocument,
  type PutManyEntry,
  putManyConflict,
  type ThreadlineError,
  type UniqueIndex,
  uniqueConflictError,
  uniqueKey,
  validateDocumentInput,
} from '@threadline/core';
import type { Queryable } from './driver/driver.js';
import { assertStorableJson, type Tables } from './schema.js';

/** One document of a `putMany`, checked and serialised. */
export interface PreparedRow {
  entry: PutManyEntry;
  /** The stored body: the document without `version`, with `id` and `tenantId`. */
  json: string;
}

/** Rows per statement: one statement (one round trip) writes up to this many documents. */
export const ROWS_PER_STATEMENT = 1000;
/** JSON characters per statement, so one huge batch does not become one huge parameter. */
const CHARS_PER_STATEMENT = 8 * 1024 * 1024;

/** Checks every body (`VALIDATION` under `documents.<i>`) and serialises it, before any SQL. */
export function prepareRows(entries: readonly PutManyEntry[]): PreparedRow[] {
  return entries.map((entry) => {
    const { document, id, tenantId } = entry;
    atDocument(entry.index, () => validateDocumentInput(document, entry.expectedVersion));
    // The version lives in its own column; the body keeps everything else, id and tenant included
    // (copied only when the document lacks its tenant or carries a version).
    let json: string;
    if (Object.hasOwn(document, 'version')) {
      const { version: _ignored, ...fields } = document;
      json = JSON.stringify({ ...fields, id, tenantId });
    } else {
      json = JSON.stringify(document.tenantId === tenantId ? document : { ...document, tenantId });
    }
    atDocument(entry.index, () => assertStorableJson('document', document, json));
    return { entry, json };
  });
}

/** Splits rows into statements of at most {@link ROWS_PER_STATEMENT} rows and ~8 MB of JSON. */
export function chunkRows(rows: readonly PreparedRow[]): PreparedRow[][] {
  const chunks: PreparedRow[][] = [];
  let current: PreparedRow[] = [];
  let chars = 0;
  for (const row of rows) {
    if (
      current.length > 0 &&
      (current.length >= ROWS_PER_STATEMENT || chars + row.json.length > CHARS_PER_STATEMENT)
    ) {
      chunks.push(current);
      current = [];
      chars = 0;
    }
    current.push(row);
    chars += row.json.length;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

// The text the statement casts to an integer when a version check fails: the cast error (22P02)
// aborts the statement, so nothing of it is written, and its message carries this marker.
const VERSION_CHECK = 'threadline putMany version check';

/**
 * One statement for a chunk: overwrites (`expectedVersion` undefined) as an upsert, creates
 * (`0`) as an insert that skips existing rows, updates (`n`) as an update at that version. The
 * creates and updates must all land: when fewer rows did than were asked, the statement casts
 * {@link VERSION_CHECK} to an integer, which fails it as a whole. Only overwrites of existing
 * documents come back (their version is the one unknown); every other version is known.
 */
function chunkSql(
  t: string,
  rows: readonly PreparedRow[],
): { sql: string; params: unknown[]; checked: number } {
  let upserts = 0;
  let inserts = 0;
  let updates = 0;
  const parts: string[] = [];
  for (const { entry, json } of rows) {
    const e = entry.expectedVersion;
    if (e === undefined) upserts++;
    else if (e === 0) inserts++;
    else updates++;
    parts.push(`[${JSON.stringify(entry.tenantId)},${JSON.stringify(entry.id)},${e ?? 'null'},${json}]`);
  }
  // Each mode reads the rows straight from the parameter (a shared `input` CTE would be
  // materialised, and ordering by ordinality costs ~10 % on a batch of 100); with one mode in the
  // chunk no filter is needed.
  const modes = (upserts > 0 ? 1 : 0) + (inserts > 0 ? 1 : 0) + (updates > 0 ? 1 : 0);
  const rowsOf = (filter: string) =>
    `jsonb_array_elements($2::jsonb) AS r${modes > 1 ? ` WHERE ${filter}` : ''}`;
  const ctes: string[] = [];
  if (upserts > 0) {
    ctes.push(`u AS (
       INSERT INTO ${t} (tenant_id, collection, id, version, body)
       SELECT r->>0, $1, r->>1, 1, r->3 FROM ${rowsOf(`jsonb_typeof(r->2) = 'null'`)}
           ON CONFLICT (tenant_id, collection, id)
           DO UPDATE SET version = ${t}.version + 1, body = EXCLUDED.body, updated_at = now()
       RETURNING tenant_id, id, version)`);
  }
  if (inserts > 0) {
    ctes.push(`i AS (
       INSERT INTO ${t} (tenant_id, collection, id, version, body)
       SELECT r->>0, $1, r->>1, 1, r->3 FROM ${rowsOf(`(r->>2)::integer = 0`)}
           ON CONFLICT (tenant_id, collection, id) DO NOTHING
       RETURNING 1)`);
  }
  if (updates > 0) {
    ctes.push(`m AS (
       UPDATE ${t} AS d SET version = d.version + 1, body = r->3, updated_at = now()
         FROM ${rowsOf(`(r->>2)::integer > 0`)}
        ${modes > 1 ? 'AND' : 'WHERE'} d.tenant_id = r->>0 AND d.collection = $1 AND d.id = r->>1
          AND d.version = (r->>2)::integer
       RETURNING 1)`);
  }
  const selects = [
    upserts > 0
      ? `SELECT tenant_id, id, version FROM u WHERE version > 1`
      : `SELECT NULL::text, NULL::text, 0 WHERE false`,
  ];
  const checked = inserts + updates;
  if (checked > 0) {
    const landed = [
      inserts > 0 ? '(SELECT count(*) FROM i)' : '0',
      updates > 0 ? '(SELECT count(*) FROM m)' : '0',
    ].join(' + ');
    selects.push(
      `SELECT NULL::text, NULL::text,
              CASE WHEN ${landed} = $3 THEN 0 ELSE ('${VERSION_CHECK}: ' || (${landed}))::integer END`,
    );
  }
  return {
    sql: `WITH ${ctes.join(',\n')}\n${selects.join('\nUNION ALL\n')}`,
    params: checked > 0 ? [undefined, `[${parts.join(',')}]`, checked] : [undefined, `[${parts.join(',')}]`],
    checked,
  };
}

/**
 * Writes the chunks in order on `q` and returns the new version of every row, in row order.
 * Each chunk is one statement, atomic on its own; several chunks need `q` to be a transaction.
 */
export async function writeChunks(
  q: Queryable,
  t: Tables,
  collection: string,
  chunks: readonly PreparedRow[][],
): Promise<number[]> {
  const versions: number[] = [];
  for (const rows of chunks) {
    const { sql, params } = chunkSql(t.documents, rows);
    params[0] = collection;
    const { rows: updated } = await q.query<{ tenant_id: string | null; id: string | null; version: number }>(
      sql,
      params,
    );
    const overwritten = new Map<string, number>();
    for (const r of updated) {
      if (r.id !== null) overwritten.set(`${r.tenant_id}\u0000${r.id}`, Number(r.version));
    }
    for (const { entry } of rows) {
      const e = entry.expectedVersion;
      versions.push(e === undefined ? (overwritten.get(`${entry.tenantId}\u0000${entry.id}`) ?? 1) : e + 1);
    }
  }
  return versions;
}

/** Whether `error` is the statement's own version-check failure. */
export function isVersionCheckFailure(error: unknown): boolean {
  const e = error as { details?: { sqlState?: unknown }; message?: unknown } | null;
  return (
    e?.details?.sqlState === '22P02' && typeof e.message === 'string' && e.message.includes(VERSION_CHECK)
  );
}

/**
 * The `CONFLICT` of a failed version check: the first row whose stored version is not the one
 * it expected (read again after the failed statement; `q` must be able to run queries).
 */
export async function versionConflict(
  q: Queryable,
  t: Tables,
  collection: string,
  rows: readonly PreparedRow[],
): Promise<ThreadlineError> {
  const checked = rows.filter((r) => r.entry.expectedVersion !== undefined);
  const keys = JSON.stringify(checked.map((r) => [r.entry.tenantId, r.entry.id]));
  const { rows: found } = await q.query<{ tenant_id: string; id: string; version: number }>(
    `SELECT d.tenant_id, d.id, d.version FROM ${t.documents} d
       JOIN jsonb_array_elements($2::jsonb) AS k ON d.tenant_id = k->>0 AND d.id = k->>1
      WHERE d.collection = $1`,
    [collection, keys],
  );
  const current = new Map(found.map((r) => [`${r.tenant_id}\u0000${r.id}`, Number(r.version)]));
  for (const { entry } of checked) {
    const actual = current.get(`${entry.tenantId}\u0000${entry.id}`) ?? 0;
    if (actual !== entry.expectedVersion) {
      return putManyConflict(collection, entry, entry.expectedVersion as number, actual);
    }
  }
  // Every version matches now: another writer changed a document and changed it back, or
  // deleted and recreated it, between the statement and this read. Still a lost race.
  const first = checked[0]?.entry as PutManyEntry;
  return putManyConflict(
    collection,
    first,
    first.expectedVersion as number,
    current.get(`${first.tenantId}\u0000${first.id}`) ?? 0,
  );
}

/**
 * Two documents of the call that share a key of `index` (in one tenant): the later one is
 * `CONFLICT` naming the index and the earlier as the holder. `undefined` when there are none.
 */
export function batchUniqueConflict(
  collection: string,
  rows: readonly PreparedRow[],
  indexes: Iterable<UniqueIndex>,
): ThreadlineError | undefined {
  for (const index of indexes) {
    const holders = new Map<string, string>();
    for (const { entry } of rows) {
      const key = uniqueKey(entry.document, index.fields);
      if (key === undefined) continue;
      const k = `${entry.tenantId}\u0000${key}`;
      const holder = holders.get(k);
      if (holder !== undefined) return uniqueConflictError(collection, index.name, entry.id, holder);
      holders.set(k, entry.id);
    }
  }
  return undefined;
}
