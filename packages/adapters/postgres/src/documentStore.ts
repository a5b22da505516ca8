import { createHash } from 'node:crypto';
import {
  type AdapterCapabilities,
  assertCollectionName,
  assertFieldPath,
  assertKey,
  type CollectionDefinition,
  conflictError,
  type DeleteOptions,
  type DocumentInput,
  type DocumentStore,
  encodeCursor,
  type FindPage,
  type FindQuery,
  normalizeFindQuery,
  type OutboxWriter,
  type PutOptions,
  type StoredDocument,
  type TenantOptions,
  ThreadlineError,
  type TransactionContext,
  tenantOf,
  validateDocumentInput,
} from '@threadline/core';
import type { Driver, Queryable } from './driver/driver.js';
import { lockName } from './migrations.js';
import { assertStorable, type Tables } from './schema.js';

/** Declared index fields per collection, as this process last read them. */
export type IndexCache = Map<string, Set<string>>;

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
}

interface DocRow {
  id: string;
  version: number;
  body: Record<string, unknown>;
}

/** The name of the expression index for one (collection, field): short, stable, SQL-safe. */
export function indexName(collection: string, field: string): string {
  return `doc_ix_${createHash('sha256').update(`${collection}\u0000${field}`).digest('hex').slice(0, 24)}`;
}

/** `profile.email` → `'{profile,email}'`. Field paths are validated identifiers, so inlining is safe. */
function pathLiteral(field: string): string {
  return `'{${field.split('.').join(',')}}'`;
}

// Indexed values may be scalars or arrays; `@>` on the extracted value covers both (a top-level
// array contains each of its scalar elements) and keeps types apart (`1` does not match `"1"`).
function fieldMatch(field: string, param: number): string {
  return `(body #> ${pathLiteral(field)}) @> $${param}::jsonb`;
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
    if (typeof definition !== 'object' || definition === null || !Array.isArray(definition.indexes)) {
      throw new ThreadlineError(
        'VALIDATION',
        'Invalid collection definition: expected { indexes: string[] }',
        {
          issues: [{ path: ['indexes'], message: 'expected an array of field paths', code: 'invalid_type' }],
        },
      );
    }
    for (const f of definition.indexes) assertFieldPath(f);
    const known = this.#o.indexes.get(collection);
    const fresh = [...new Set(definition.indexes)].filter((f) => !known?.has(f));
    if (fresh.length === 0) return;
    const create = async (q: Queryable) => {
      // Serialise DDL per schema: concurrent CREATE INDEX IF NOT EXISTS of one name can collide.
      await lockName(q, `threadline:ddl:${this.#t.schema}`);
      for (const field of fresh) {
        const name = indexName(collection, field);
        await q.query(
          `CREATE INDEX IF NOT EXISTS "${name}" ON ${this.#t.documents}
             USING gin ((body #> ${pathLiteral(field)}) jsonb_path_ops) WHERE collection = '${collection}'`,
        );
        await q.query(
          `INSERT INTO ${this.#t.collectionIndexes} (collection, field, index_name) VALUES ($1, $2, $3)
             ON CONFLICT (collection, field) DO NOTHING`,
          [collection, field, name],
        );
      }
    };
    if (this.#o.driver) await this.#o.driver.transaction(create);
    else await create(this.#o.q);
    let set = this.#o.indexes.get(collection);
    if (!set) this.#o.indexes.set(collection, (set = new Set()));
    for (const f of fresh) set.add(f);
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
    assertStorable('document', document);
    // The version lives in its own column; the body keeps everything else, id and tenant included.
    const { version: _ignored, ...fields } = document;
    const json = JSON.stringify({ ...fields, id, tenantId });
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
    return { ...(JSON.parse(json) as Record<string, unknown>), version: Number(row.version) } as T;
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
    const declared = await this.#declared(collection, Object.keys(query?.where ?? {}));
    const q = normalizeFindQuery(collection, query, declared);
    assertStorable('find query', { tenantId: q.tenantId, where: Object.fromEntries(q.where) });
    if (q.after !== undefined) assertStorable('find query', q.after, ['cursor']);
    const params: unknown[] = [q.tenantId];
    const clauses = [`tenant_id = $1`, `collection = '${collection}'`];
    if (q.after !== undefined) {
      params.push(q.after);
      clauses.push(`id > $${params.length}`);
    }
    for (const [field, value] of q.where) {
      params.push(JSON.stringify(value));
      clauses.push(fieldMatch(field, params.length));
    }
    // One row past the page tells whether another page exists.
    params.push(q.limit + 1);
    const { rows } = await this.#o.q.query<DocRow>(
      `SELECT id, version, body FROM ${this.#t.documents} WHERE ${clauses.join(' AND ')}
        ORDER BY id LIMIT $${params.length}`,
      params,
    );
    const items = rows.slice(0, q.limit).map((r) => toDocument<T>(r));
    const last = items[items.length - 1];
    return rows.length > q.limit && last ? { items, nextCursor: encodeCursor(last.id) } : { items };
  }

  async transaction<R>(fn: (tx: TransactionContext) => Promise<R>): Promise<R> {
    const { driver, outboxIn } = this.#o;
    if (!driver || !outboxIn) {
      throw new ThreadlineError('UNSUPPORTED', 'Transactions do not nest: use the outer transaction');
    }
    return driver.transaction((q) => {
      const documents = new PostgresDocumentStore({
        ...this.#o,
        name: `${this.name}-tx`,
        q,
        // Index declarations inside a transaction stay private to it until (and unless) it commits.
        indexes: new Map([...this.#o.indexes].map(([c, f]) => [c, new Set(f)])),
        driver: undefined,
        outboxIn: undefined,
      });
      return fn({ documents, outbox: outboxIn(q) });
    });
  }

  /** The declared index fields of `collection`, re-read from the database when `needed` has unknown ones. */
  async #declared(collection: string, needed: readonly string[]): Promise<ReadonlySet<string>> {
    const cached = this.#o.indexes.get(collection);
    if (cached && needed.every((f) => cached.has(f))) return cached;
    const { rows } = await this.#o.q.query<{ field: string }>(
      `SELECT field FROM ${this.#t.collectionIndexes} WHERE collection = $1`,
      [collection],
    );
    const fields = new Set(rows.map((r) => r.field));
    this.#o.indexes.set(collection, fields);
    return fields;
  }

  async #versionOf(key: unknown[]): Promise<number> {
    const { rows } = await this.#o.q.query<{ version: number }>(
      `SELECT version FROM ${this.#t.documents} WHERE tenant_id = $1 AND collection = $2 AND id = $3`,
      key,
    );
    return rows[0] ? Number(rows[0].version) : 0;
  }
}
