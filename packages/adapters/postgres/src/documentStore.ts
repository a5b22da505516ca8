import {
  type AdapterCapabilities,
  assertCollectionName,
  assertKey,
  type CollectionDefinition,
  conflictError,
  type DeleteOptions,
  type DocumentInput,
  type DocumentStore,
  encodeCursor,
  type FindPage,
  type FindQuery,
  normalizeCollectionDefinition,
  normalizeFindQuery,
  type OutboxWriter,
  type PutManyOptions,
  type PutOptions,
  readPath,
  type StoredDocument,
  type TenantOptions,
  ThreadlineError,
  type TransactionContext,
  type TransactionEventLog,
  type TransactionOptions,
  tenantOf,
  type UniqueIndex,
  validateDocumentInput,
  validatePutMany,
} from '@threadline/core';
import {
  copyDeclared,
  createIndexes,
  type DeclaredIndexes,
  hasFresh,
  holderQuery,
  type IndexCache,
  loadDeclared,
  pathLiteral,
  rangeExpr,
  uniqueViolation,
  violatedIndex,
} from './collectionIndexes.js';
import type { Driver, Queryable } from './driver/driver.js';
import { BATCH_FAILED, type PutBatcher } from './putBatcher.js';
import {
  batchUniqueConflict,
  chunkRows,
  isVersionCheckFailure,
  type PreparedRow,
  prepareRows,
  versionConflict,
  writeChunks,
} from './putMany.js';
import { assertStorable, assertStorableJson, type Tables } from './schema.js';

/** What a document store needs: where to run SQL and, outside a transaction, how to open one. */
export interface PostgresDocumentStoreOptions {
  name: string;
  tables: Tables;
  capabilities: AdapterCapabilities;
  /** Runs the store's statements (the driver, or an open transaction). */
  q: Queryable;
  /** Present on the top-level store only: transactions do not nest. */
  driver?: Driver;
  indexes: IndexCache;
  /** Makes the outbox writer bound to a transaction (set by `createPostgresStorage`). */
  outboxIn?: (tx: Queryable) => OutboxWriter;
  /** Makes the event log bound to a transaction (set by `createPostgresStorage`). */
  eventsIn?: (tx: Queryable) => TransactionEventLog;
  /** Groups concurrent puts into multi-row statements (top-level store only). */
  batcher?: PutBatcher;
  /** Checks a lease fence inside a transaction (set by `createPostgresStorage`). */
  checkFence?: (tx: Queryable, fence: unknown) => Promise<void>;
}

interface DocRow {
  id: string;
  version: number;
  body: Record<string, unknown>;
}

// Indexed values may be scalars or arrays; `@>` on the extracted value covers both (a top-level
// array contains each of its scalar elements) and keeps types apart (`1` does not match `"1"`).
function fieldMatch(field: string, param: string): string {
  return `(body #> ${pathLiteral(field)}) @> ${param}::jsonb`;
}

function toDocument<T extends StoredDocument>(row: DocRow): T {
  return { ...row.body, version: Number(row.version) } as T;
}

/**
 * The PostgreSQL `DocumentStore`: one `documents` table, JSONB bodies, optimistic concurrency on
 * a `version` column, per-collection expression indexes for `find`, keyset pagination by id.
 */
export class PostgresDocumentStore implements DocumentStore {
  readonly name: string;
  readonly capabilities: AdapterCapabilities;
  readonly #o: PostgresDocumentStoreOptions;
  readonly #t: Tables;

  constructor(options: PostgresDocumentStoreOptions) {
    this.#o = options;
    this.#t = options.tables;
    this.name = options.name;
    this.capabilities = options.capabilities;
  }

  async defineCollection(collection: string, definition: CollectionDefinition): Promise<void> {
    assertCollectionName(collection);
    const def = normalizeCollectionDefinition(definition);
    if (!hasFresh(def, this.#o.indexes.get(collection))) return;
    const create = (q: Queryable) => createIndexes(q, this.#t, collection, def);
    const declared = this.#o.driver ? await this.#o.driver.transaction(create) : await create(this.#o.q);
    this.#o.indexes.set(collection, declared);
  }

  async get<T extends StoredDocument = StoredDocument>(
    collection: string,
    id: string,
    options?: TenantOptions,
  ): Promise<T | undefined> {
    assertCollectionName(collection);
    assertKey(id, 'id');
    const tenantId = tenantOf(options);
    assertStorable('document key', { tenantId, id });
    const { rows } = await this.#o.q.query<DocRow>(
      `SELECT id, version, body FROM ${this.#t.documents} WHERE tenant_id = $1 AND collection = $2 AND id = $3`,
      [tenantId, collection, id],
    );
    return rows[0] ? toDocument<T>(rows[0]) : undefined;
  }

  async getMany<T extends StoredDocument = StoredDocument>(
    collection: string,
    ids: readonly string[],
    options?: TenantOptions,
  ): Promise<(T | undefined)[]> {
    assertCollectionName(collection);
    if (!Array.isArray(ids)) {
      throw new ThreadlineError('VALIDATION', 'Invalid ids: expected an array', {
        issues: [{ path: ['ids'], message: 'expected an array of strings', code: 'invalid_type' }],
      });
    }
    for (const [i, id] of ids.entries()) assertKey(id, `ids.${i}`);
    const tenantId = tenantOf(options);
    assertStorable('document keys', { tenantId, ids });
    if (ids.length === 0) return [];
    const { rows } = await this.#o.q.query<DocRow>(
      `SELECT id, version, body FROM ${this.#t.documents}
        WHERE tenant_id = $1 AND collection = $2 AND id IN (SELECT jsonb_array_elements_text($3::jsonb))`,
      [tenantId, collection, JSON.stringify([...new Set(ids)])],
    );
    const byId = new Map(rows.map((r) => [r.id, r]));
    return ids.map((id) => {
      const row = byId.get(id);
      return row ? toDocument<T>(row) : undefined;
    });
  }

  async put<T extends StoredDocument = StoredDocument>(
    collection: string,
    document: DocumentInput,
    options?: PutOptions,
  ): Promise<T> {
    assertCollectionName(collection);
    const expected = options?.expectedVersion;
    const { tenantId, id } = validateDocumentInput(document, expected);
    // The version lives in its own column; the body keeps everything else, id and tenant included.
    const { version: _ignored, ...fields } = document;
    const json = JSON.stringify({ ...fields, id, tenantId });
    assertStorableJson('document', document, json);
    if (options?.fence !== undefined) {
      // A fenced put is a transaction: the fence's row lock holds until the write commits.
      if (this.#o.driver) return this.transaction((tx) => tx.documents.put<T>(collection, document, options));
      await this.#fence(this.#o.q, options.fence);
    }
    // Inside a transaction a failed statement would abort it: a savepoint keeps a unique-index
    // violation to this put, as in the memory adapter (only collections with unique indexes pay).
    // A transaction needs the collection's unique indexes before it writes (it cannot look them
    // up after a violation has aborted it), even when another process declared them.
    if (this.#o.driver === undefined && !this.#o.indexes.has(collection)) await this.#reload(collection);
    const guarded = this.#o.driver === undefined && (this.#o.indexes.get(collection)?.unique.size ?? 0) > 0;
    if (guarded) await this.#o.q.query('SAVEPOINT threadline_put');
    let version: number;
    try {
      version = await this.#batchedWrite(collection, tenantId, id, json, expected);
    } catch (error) {
      if (guarded) await this.#o.q.query('ROLLBACK TO SAVEPOINT threadline_put');
      throw await this.#mapUnique(error, collection, { tenantId, collection, id }, JSON.parse(json), guarded);
    }
    if (guarded) await this.#o.q.query('RELEASE SAVEPOINT threadline_put');
    return { ...(JSON.parse(json) as Record<string, unknown>), version } as T;
  }

  /**
   * One statement per chunk of up to 1,000 documents (creates, updates at a version and
   * overwrites together); a call of several chunks, or a fenced one, runs in a transaction. Inside
   * a transaction a savepoint keeps a failed call from aborting it.
   */
  async putMany<T extends StoredDocument = StoredDocument>(
    collection: string,
    documents: readonly DocumentInput[],
    options?: PutManyOptions,
  ): Promise<T[]> {
    const rows = prepareRows(validatePutMany(collection, documents, options));
    const fence = options?.fence;
    if (rows.length === 0 && fence === undefined) return [];
    const driver = this.#o.driver;
    // A transaction needs the unique indexes before it writes (see `put`).
    if (driver === undefined && !this.#o.indexes.has(collection)) await this.#reload(collection);
    const known = this.#o.indexes.get(collection)?.unique;
    if (known !== undefined && known.size > 0) {
      const inBatch = batchUniqueConflict(collection, rows, known.values());
      if (inBatch) throw inBatch;
    }
    const chunks = chunkRows(rows);
    const write = (q: Queryable) => writeChunks(q, this.#t, collection, chunks);
    let versions: number[];
    if (driver !== undefined) {
      try {
        versions =
          fence === undefined && chunks.length <= 1
            ? await write(driver)
            : await driver.transaction(async (q) => {
                if (fence !== undefined) await this.#fence(q, fence);
                return write(q);
              });
      } catch (error) {
        throw await this.#mapPutMany(error, collection, rows, true);
      }
    } else {
      if (fence !== undefined) await this.#fence(this.#o.q, fence);
      const guarded = (known?.size ?? 0) > 0 || rows.some((r) => r.entry.expectedVersion !== undefined);
      if (guarded) await this.#o.q.query('SAVEPOINT threadline_put_many');
      try {
        versions = await write(this.#o.q);
      } catch (error) {
        if (guarded) await this.#o.q.query('ROLLBACK TO SAVEPOINT threadline_put_many');
        throw await this.#mapPutMany(error, collection, rows, guarded);
      }
      if (guarded) await this.#o.q.query('RELEASE SAVEPOINT threadline_put_many');
    }
    // The stored values without parsing them back: top-level copies that share nested values
    // with the input (the port allows it; parsing 100 bodies costs ~8 % of a batch's time).
    return rows.map(
      ({ entry }, i) => ({ ...entry.document, tenantId: entry.tenantId, version: versions[i] }) as T,
    );
  }

  /** A failed `putMany` as the port's error: a version `CONFLICT`, a unique-index `CONFLICT`, or as is. */
  async #mapPutMany(
    error: unknown,
    collection: string,
    rows: readonly PreparedRow[],
    canQuery: boolean,
  ): Promise<unknown> {
    if (isVersionCheckFailure(error)) {
      if (!canQuery)
        return new ThreadlineError('CONFLICT', `${collection}: a version check failed`, { cause: error });
      return versionConflict(this.#o.q, this.#t, collection, rows);
    }
    const sqlName = violatedIndex(error);
    if (sqlName === undefined) return error;
    let index = this.#o.indexes.get(collection)?.unique.get(sqlName);
    if (!index && canQuery) index = (await this.#reload(collection)).unique.get(sqlName);
    if (!index) return error;
    // Two documents of the call (an index this process had not seen declared), else a stored holder.
    const inBatch = batchUniqueConflict(collection, rows, [index]);
    if (inBatch) return inBatch;
    const found = canQuery ? await this.#storedHolder(collection, index, rows) : undefined;
    const id = found?.id ?? rows[0]?.entry.id ?? '';
    return uniqueViolation(
      collection,
      index,
      id,
      found === undefined ? undefined : async () => found.holder,
      error,
    );
  }

  /** The first document of `rows` whose key in `index` a stored document holds (at most 100 lookups). */
  async #storedHolder(
    collection: string,
    index: UniqueIndex,
    rows: readonly PreparedRow[],
  ): Promise<{ id: string; holder: string } | undefined> {
    for (const { entry } of rows.slice(0, 100)) {
      const key = { tenantId: entry.tenantId, collection, id: entry.id };
      const { sql, params } = holderQuery(this.#t, index, key, entry.document);
      const { rows: found } = await this.#o.q.query<{ id: string }>(sql, params);
      if (found[0]) return { id: entry.id, holder: found[0].id };
    }
    return undefined;
  }

  /**
   * Outside a transaction, puts without `expectedVersion` or with 0 go through the batcher, so
   * puts issued together share one multi-row statement; a put that was alone or whose batch
   * failed runs by itself, with its own result and error.
   */
  async #batchedWrite(
    collection: string,
    tenantId: string,
    id: string,
    json: string,
    expected: number | undefined,
  ): Promise<number> {
    const batcher = this.#o.batcher;
    if (batcher !== undefined && (expected === undefined || expected === 0)) {
      try {
        const version = await batcher.put(
          expected === 0 ? 'insert' : 'upsert',
          tenantId,
          collection,
          id,
          json,
        );
        if (version !== undefined) return version;
        throw conflictError(`${collection}/${id}`, 0, await this.#versionOf([tenantId, collection, id]));
      } catch (error) {
        if (error !== BATCH_FAILED) throw error;
      }
    }
    return this.#write(collection, tenantId, id, json, expected);
  }

  async #write(
    collection: string,
    tenantId: string,
    id: string,
    json: string,
    expected: number | undefined,
  ): Promise<number> {
    const t = this.#t.documents;
    const key = [tenantId, collection, id];
    let rows: { version: number }[];
    if (expected === undefined) {
      ({ rows } = await this.#o.q.query<{ version: number }>(
        `INSERT INTO ${t} (tenant_id, collection, id, version, body) VALUES ($1, $2, $3, 1, $4::jsonb)
           ON CONFLICT (tenant_id, collection, id)
           DO UPDATE SET version = ${t}.version + 1, body = EXCLUDED.body, updated_at = now()
         RETURNING version`,
        [...key, json],
      ));
    } else if (expected === 0) {
      ({ rows } = await this.#o.q.query<{ version: number }>(
        `INSERT INTO ${t} (tenant_id, collection, id, version, body) VALUES ($1, $2, $3, 1, $4::jsonb)
           ON CONFLICT (tenant_id, collection, id) DO NOTHING
         RETURNING version`,
        [...key, json],
      ));
    } else {
      ({ rows } = await this.#o.q.query<{ version: number }>(
        `UPDATE ${t} SET version = version + 1, body = $4::jsonb, updated_at = now()
          WHERE tenant_id = $1 AND collection = $2 AND id = $3 AND version = $5
         RETURNING version`,
        [...key, json, expected],
      ));
    }
    const row = rows[0];
    if (!row) throw conflictError(`${collection}/${id}`, expected ?? 0, await this.#versionOf(key));
    return Number(row.version);
  }

  /**
   * Turns a 23505 on one of the collection's unique indexes into `CONFLICT` naming it; any other
   * error is returned as is. `canQuery` is false inside a transaction the error has aborted.
   */
  async #mapUnique(
    error: unknown,
    collection: string,
    key: { tenantId: string; collection: string; id: string },
    body: unknown,
    canQuery: boolean,
  ): Promise<unknown> {
    const sqlName = violatedIndex(error);
    if (sqlName === undefined) return error;
    let index = this.#o.indexes.get(collection)?.unique.get(sqlName);
    const live = canQuery || this.#o.driver !== undefined;
    if (!index && live) index = (await this.#reload(collection)).unique.get(sqlName);
    if (!index) return error;
    const findHolder = live
      ? async (u: UniqueIndex) => {
          const { sql, params } = holderQuery(this.#t, u, key, body);
          const { rows } = await this.#o.q.query<{ id: string }>(sql, params);
          return rows[0]?.id;
        }
      : undefined;
    return uniqueViolation(collection, index, key.id, findHolder, error);
  }

  async delete(collection: string, id: string, options?: DeleteOptions): Promise<boolean> {
    assertCollectionName(collection);
    assertKey(id, 'id');
    const tenantId = tenantOf(options);
    assertStorable('document key', { tenantId, id });
    const expected = options?.expectedVersion;
    if (
      expected !== undefined &&
      (typeof expected !== 'number' || !Number.isInteger(expected) || expected < 0)
    ) {
      throw new ThreadlineError('VALIDATION', 'Invalid expectedVersion: expected a non-negative integer', {
        issues: [
          { path: ['expectedVersion'], message: 'expected a non-negative integer', code: 'invalid_type' },
        ],
      });
    }
    const key = [tenantId, collection, id];
    if (expected === 0) {
      const current = await this.#versionOf(key);
      if (current !== 0) throw conflictError(`${collection}/${id}`, 0, current);
      return false;
    }
    const { rows } = await this.#o.q.query(
      `DELETE FROM ${this.#t.documents} WHERE tenant_id = $1 AND collection = $2 AND id = $3
         ${expected === undefined ? '' : 'AND version = $4'} RETURNING version`,
      expected === undefined ? key : [...key, expected],
    );
    if (rows.length > 0) return true;
    if (expected === undefined) return false;
    throw conflictError(`${collection}/${id}`, expected, await this.#versionOf(key));
  }

  async find<T extends StoredDocument = StoredDocument>(
    collection: string,
    query?: FindQuery,
  ): Promise<FindPage<T>> {
    assertCollectionName(collection);
    const declared = await this.#declared(collection, query?.where ?? {});
    const q = normalizeFindQuery(collection, query, declared.fields, declared.ranges);
    assertStorable('find query', { tenantId: q.tenantId, where: Object.fromEntries(q.where) });
    if (q.after !== undefined) assertStorable('find query', q.after, ['cursor']);
    const params: unknown[] = [q.tenantId];
    const clauses = [`tenant_id = $1`, `collection = '${collection}'`];
    const p = (value: unknown) => {
      params.push(value);
      return `$${params.length}`;
    };
    const range = q.range;
    const value = range ? rangeExpr(range.field) : '';
    if (range) {
      const ops = { lt: '<', lte: '<=', gt: '>', gte: '>=' } as const;
      for (const op of ['lt', 'lte', 'gt', 'gte'] as const) {
        const bound = range[op];
        if (bound !== undefined) clauses.push(`${value} ${ops[op]} ${p(bound)}::float8`);
      }
      // Keyset on (value, id): rows written between pages cause no gaps or duplicates.
      if (q.after !== undefined && q.afterValue !== undefined) {
        clauses.push(`(${value}, id) > (${p(q.afterValue)}::float8, ${p(q.after)})`);
      }
    } else if (q.after !== undefined) {
      clauses.push(`id > ${p(q.after)}`);
    }
    for (const [field, v] of q.where) clauses.push(fieldMatch(field, p(JSON.stringify(v))));
    // One row past the page tells whether another page exists.
    const limit = p(q.limit + 1);
    const { rows } = await this.#o.q.query<DocRow>(
      `SELECT id, version, body FROM ${this.#t.documents} WHERE ${clauses.join(' AND ')}
        ORDER BY ${range ? `${value}, id` : 'id'} LIMIT ${limit}`,
      params,
    );
    const items = rows.slice(0, q.limit).map((r) => toDocument<T>(r));
    const last = items[items.length - 1];
    if (rows.length <= q.limit || !last) return { items };
    const cursor = range
      ? encodeCursor(last.id, readPath(last, range.field) as number)
      : encodeCursor(last.id);
    return { items, nextCursor: cursor };
  }

  async transaction<R>(fn: (tx: TransactionContext) => Promise<R>, options?: TransactionOptions): Promise<R> {
    const { driver, outboxIn, eventsIn } = this.#o;
    if (!driver || !outboxIn) {
      throw new ThreadlineError('UNSUPPORTED', 'Transactions do not nest: use the outer transaction');
    }
    const fence = options?.fence;
    return driver.transaction(async (q) => {
      if (fence !== undefined) await this.#fence(q, fence);
      const documents = new PostgresDocumentStore({
        ...this.#o,
        name: `${this.name}-tx`,
        q,
        // Index declarations inside a transaction stay private to it until (and unless) it commits.
        indexes: new Map([...this.#o.indexes].map(([c, d]) => [c, copyDeclared(d)])),
        driver: undefined,
        batcher: undefined,
        outboxIn: undefined,
        eventsIn: undefined,
      });
      const context: TransactionContext = { documents, outbox: outboxIn(q) };
      if (eventsIn) context.events = eventsIn(q);
      return fn(context);
    });
  }

  async #fence(q: Queryable, fence: unknown): Promise<void> {
    if (!this.#o.checkFence)
      throw new ThreadlineError(
        'UNSUPPORTED',
        'This document store has no lease store to check a fence against',
      );
    await this.#o.checkFence(q, fence);
  }

  /** The declared indexes of `collection`, re-read from the database when `where` needs unknown ones. */
  async #declared(collection: string, where: Readonly<Record<string, unknown>>): Promise<DeclaredIndexes> {
    const cached = this.#o.indexes.get(collection);
    const known = (field: string, v: unknown) =>
      cached !== undefined &&
      (v !== null && typeof v === 'object' ? cached.ranges.has(field) : cached.fields.has(field));
    if (cached && Object.entries(where).every(([f, v]) => known(f, v))) return cached;
    return this.#reload(collection);
  }

  async #reload(collection: string): Promise<DeclaredIndexes> {
    const declared = await loadDeclared(this.#o.q, this.#t, collection);
    this.#o.indexes.set(collection, declared);
    return declared;
  }

  async #versionOf(key: unknown[]): Promise<number> {
    const { rows } = await this.#o.q.query<{ version: number }>(
      `SELECT version FROM ${this.#t.documents} WHERE tenant_id = $1 AND collection = $2 AND id = $3`,
      key,
    );
    return rows[0] ? Number(rows[0].version) : 0;
  }
}
