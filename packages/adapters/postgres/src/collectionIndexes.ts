import { createHash } from 'node:crypto';
import {
  type NormalizedCollectionDefinition,
  readPath,
  ThreadlineError,
  type UniqueIndex,
  uniqueConflictError,
} from '@threadline/core';
import type { Queryable } from './driver/driver.js';
import { lockName } from './migrations.js';
import type { Tables } from './schema.js';

/** What a collection declares, as this process last read it. */
export interface DeclaredIndexes {
  /** Equality fields (declared indexes plus every unique and range field). */
  fields: Set<string>;
  /** Range fields. */
  ranges: Set<string>;
  /** Unique indexes by their SQL index name, so a 23505 on that index maps back to its name. */
  unique: Map<string, UniqueIndex>;
}

/** Declared indexes per collection. */
export type IndexCache = Map<string, DeclaredIndexes>;

/** A copy of `d` (transactions work on copies until they commit). */
export function copyDeclared(d: DeclaredIndexes): DeclaredIndexes {
  return { fields: new Set(d.fields), ranges: new Set(d.ranges), unique: new Map(d.unique) };
}

function hashName(prefix: string, ...parts: string[]): string {
  return `${prefix}_${createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 24)}`;
}

/** The name of the expression index for one (collection, field): short, stable, SQL-safe. */
export function indexName(collection: string, field: string): string {
  return hashName('doc_ix', collection, field);
}

/** The SQL name of a unique index (`doc_ux_…`); `details.index` reports the `+`-joined fields instead. */
export function uniqueSqlName(collection: string, name: string): string {
  return hashName('doc_ux', collection, 'unique', name);
}

function rangeSqlName(collection: string, field: string): string {
  return hashName('doc_rx', collection, 'range', field);
}

/** `profile.email` → `'{profile,email}'`. Field paths are validated identifiers, so inlining is safe. */
export function pathLiteral(field: string): string {
  return `'{${field.split('.').join(',')}}'`;
}

/**
 * The value a range index orders by: the field as `float8` when it is a JSON number, else NULL
 * (so non-numbers never match a bound). `float8` is exactly a JavaScript number, so the order is
 * the memory adapter's; the CASE keeps the cast from ever seeing a non-number.
 */
export function rangeExpr(field: string): string {
  const p = pathLiteral(field);
  return `(CASE WHEN jsonb_typeof(body #> ${p}) = 'number' THEN (body #>> ${p})::float8 END)`;
}

// Missing, null, objects and arrays leave a document unconstrained (as the port specifies).
function constrained(field: string): string {
  return `jsonb_typeof(body #> ${pathLiteral(field)}) IN ('string', 'number', 'boolean')`;
}

/** Reads what `collection` declares from the database. */
export async function loadDeclared(q: Queryable, t: Tables, collection: string): Promise<DeclaredIndexes> {
  const fields = await q.query<{ field: string }>(
    `SELECT field FROM ${t.collectionIndexes} WHERE collection = $1`,
    [collection],
  );
  const keys = await q.query<{ kind: string; name: string; fields: string[]; index_name: string }>(
    `SELECT kind, name, fields, index_name FROM ${t.collectionKeys} WHERE collection = $1`,
    [collection],
  );
  const declared: DeclaredIndexes = {
    fields: new Set(fields.rows.map((r) => r.field)),
    ranges: new Set(),
    unique: new Map(),
  };
  for (const r of keys.rows) {
    if (r.kind === 'range') declared.ranges.add(r.name);
    else declared.unique.set(r.index_name, { name: r.name, fields: r.fields });
  }
  return declared;
}

/** Whether `def` declares anything `known` does not have yet. */
export function hasFresh(def: NormalizedCollectionDefinition, known: DeclaredIndexes | undefined): boolean {
  if (!known) return true;
  return (
    def.indexes.some((f) => !known.fields.has(f)) ||
    def.ranges.some((f) => !known.ranges.has(f)) ||
    def.unique.some((u) => !hasUnique(known, u.name))
  );
}

function hasUnique(known: DeclaredIndexes, name: string): boolean {
  for (const u of known.unique.values()) if (u.name === name) return true;
  return false;
}

/**
 * Creates the SQL indexes `def` declares (idempotently, under the schema's DDL lock) and records
 * them. Run it inside a transaction: a unique index that stored documents violate fails with
 * `CONFLICT` naming it, and the transaction takes every index of the call back with it.
 */
export async function createIndexes(
  q: Queryable,
  t: Tables,
  collection: string,
  def: NormalizedCollectionDefinition,
): Promise<DeclaredIndexes> {
  // Serialise DDL per schema: concurrent CREATE INDEX IF NOT EXISTS of one name can collide.
  await lockName(q, `threadline:ddl:${t.schema}`);
  const where = `WHERE collection = '${collection}'`;
  for (const field of def.indexes) {
    const name = indexName(collection, field);
    await q.query(
      `CREATE INDEX IF NOT EXISTS "${name}" ON ${t.documents}
         USING gin ((body #> ${pathLiteral(field)}) jsonb_path_ops) ${where}`,
    );
    await q.query(
      `INSERT INTO ${t.collectionIndexes} (collection, field, index_name) VALUES ($1, $2, $3)
         ON CONFLICT (collection, field) DO NOTHING`,
      [collection, field, name],
    );
  }
  for (const field of def.ranges) {
    const name = rangeSqlName(collection, field);
    await q.query(
      `CREATE INDEX IF NOT EXISTS "${name}" ON ${t.documents} (tenant_id, ${rangeExpr(field)}, id) ${where}`,
    );
    await recordKey(q, t, collection, 'range', field, [field], name);
  }
  for (const u of def.unique) {
    const name = uniqueSqlName(collection, u.name);
    const columns = u.fields.map((f) => `(body #> ${pathLiteral(f)})`).join(', ');
    const partial = u.fields.map(constrained).join(' AND ');
    try {
      await q.query(
        `CREATE UNIQUE INDEX IF NOT EXISTS "${name}" ON ${t.documents} (tenant_id, ${columns})
           ${where} AND ${partial}`,
      );
    } catch (error) {
      if (sqlStateOf(error) !== '23505') throw error;
      throw new ThreadlineError(
        'CONFLICT',
        `${collection}: stored documents already violate unique index "${u.name}"; nothing was declared`,
        { details: { collection, index: u.name }, cause: error },
      );
    }
    await recordKey(q, t, collection, 'unique', u.name, u.fields, name);
  }
  return loadDeclared(q, t, collection);
}

async function recordKey(
  q: Queryable,
  t: Tables,
  collection: string,
  kind: 'unique' | 'range',
  name: string,
  fields: readonly string[],
  indexName: string,
): Promise<void> {
  await q.query(
    `INSERT INTO ${t.collectionKeys} (collection, kind, name, fields, index_name) VALUES ($1, $2, $3, $4::jsonb, $5)
       ON CONFLICT (collection, kind, name) DO NOTHING`,
    [collection, kind, name, JSON.stringify(fields), indexName],
  );
}

function sqlStateOf(error: unknown): string | undefined {
  const details = (error as { details?: { sqlState?: unknown } } | null)?.details;
  return typeof details?.sqlState === 'string' ? details.sqlState : undefined;
}

/** The SQL name of the unique index a 23505 error is about (from `constraint`, else the message). */
export function violatedIndex(error: unknown): string | undefined {
  if (sqlStateOf(error) !== '23505') return undefined;
  const cause = (error as { cause?: { constraint?: unknown; message?: unknown } }).cause;
  const text = `${typeof cause?.constraint === 'string' ? cause.constraint : ''} ${String(cause?.message ?? '')}`;
  return /doc_ux_[0-9a-f]{24}/.exec(text)?.[0];
}

/**
 * Builds the `CONFLICT` for a violated unique index. `findHolder` looks the holder up; it is
 * absent when the connection cannot run queries any more (an aborted transaction).
 */
export async function uniqueViolation(
  collection: string,
  index: UniqueIndex,
  id: string,
  findHolder: ((index: UniqueIndex) => Promise<string | undefined>) | undefined,
  cause: unknown,
): Promise<ThreadlineError> {
  const holder = findHolder ? await findHolder(index) : undefined;
  if (holder !== undefined) return uniqueConflictError(collection, index.name, id, holder);
  return new ThreadlineError(
    'CONFLICT',
    `${collection}/${id}: unique index "${index.name}" already holds this key`,
    { details: { collection, index: index.name, id }, cause },
  );
}

/** SQL and parameters finding another document of the tenant holding `body`'s key in `index`. */
export function holderQuery(
  t: Tables,
  index: UniqueIndex,
  key: { tenantId: string; collection: string; id: string },
  body: unknown,
): { sql: string; params: unknown[] } {
  const params: unknown[] = [key.tenantId, key.collection, key.id];
  const clauses = index.fields.map((f) => {
    params.push(JSON.stringify(readPath(body, f)));
    return `(body #> ${pathLiteral(f)}) = $${params.length}::jsonb`;
  });
  return {
    sql: `SELECT id FROM ${t.documents}
           WHERE tenant_id = $1 AND collection = $2 AND id <> $3 AND ${clauses.join(' AND ')} LIMIT 1`,
    params,
  };
}
