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
  indexKeys,
  normalizeFindQuery,
  type PutOptions,
  readPath,
  type StoredDocument,
  type TenantOptions,
  ThreadlineError,
  type TransactionContext,
  tenantOf,
  validateDocumentInput,
} from '@threadline/core';
import { frozenCopy } from './freeze.js';
import type { MemoryOutbox } from './outbox.js';

type IndexKey = string | number | boolean | null;

/** The ids under one index key, with a lazily sorted copy for paging. */
class IdSet {
  readonly ids = new Set<string>();
  #sorted: string[] | undefined;

  add(id: string): void {
    if (this.ids.has(id)) return;
    this.ids.add(id);
    this.#sorted = undefined;
  }

  delete(id: string): void {
    if (this.ids.delete(id)) this.#sorted = undefined;
  }

  get size(): number {
    return this.ids.size;
  }

  sorted(): string[] {
    if (!this.#sorted) this.#sorted = [...this.ids].sort(compareIds);
    return this.#sorted;
  }
}

/** One tenant's slice of a collection: documents, their indexes and a lazily sorted id list. */
class TenantSlice {
  readonly docs = new Map<string, StoredDocument>();
  /** field → (typed key → ids) */
  readonly indexes = new Map<string, Map<string, IdSet>>();
  #sorted: string[] | undefined;

  constructor(fields: Iterable<string>) {
    for (const f of fields) this.indexes.set(f, new Map());
  }

  sortedIds(): string[] {
    if (!this.#sorted) this.#sorted = [...this.docs.keys()].sort(compareIds);
    return this.#sorted;
  }

  addIndex(field: string): void {
    if (this.indexes.has(field)) return;
    const index = new Map<string, IdSet>();
    this.indexes.set(field, index);
    for (const doc of this.docs.values()) addToIndex(index, field, doc);
  }

  write(doc: StoredDocument): void {
    const prev = this.docs.get(doc.id);
    if (prev) this.#unindex(prev);
    else this.#sorted = undefined;
    this.docs.set(doc.id, doc);
    for (const [field, index] of this.indexes) addToIndex(index, field, doc);
  }

  remove(id: string): void {
    const prev = this.docs.get(id);
    if (!prev) return;
    this.#unindex(prev);
    this.docs.delete(id);
    this.#sorted = undefined;
  }

  #unindex(doc: StoredDocument): void {
    for (const [field, index] of this.indexes) {
      for (const k of indexKeys(readPath(doc, field))) {
        const key = typedKey(k);
        const set = index.get(key);
        if (!set) continue;
        set.delete(doc.id);
        if (set.size === 0) index.delete(key);
      }
    }
  }
}

function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

// `1` and `'1'` must not collide in an index.
function typedKey(k: IndexKey): string {
  return `${typeof k}:${String(k)}`;
}

function addToIndex(index: Map<string, IdSet>, field: string, doc: StoredDocument): void {
  for (const k of indexKeys(readPath(doc, field))) {
    const key = typedKey(k);
    let set = index.get(key);
    if (!set) index.set(key, (set = new IdSet()));
    set.add(doc.id);
  }
}

/** First index in sorted `ids` strictly greater than `after`. */
function upperBound(ids: readonly string[], after: string): number {
  let lo = 0;
  let hi = ids.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((ids[mid] as string) <= after) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function matches(doc: StoredDocument, where: readonly [string, IndexKey][]): boolean {
  return where.every(([f, v]) => indexKeys(readPath(doc, f)).includes(v));
}

/** Sorted ids of a slice's documents matching every `where` pair (through the smallest index set). */
function matchingIds(slice: TenantSlice, where: readonly [string, IndexKey][]): readonly string[] {
  if (where.length === 0) return slice.sortedIds();
  let smallest: IdSet | undefined;
  for (const [field, value] of where) {
    const set = slice.indexes.get(field)?.get(typedKey(value));
    if (!set) return [];
    if (!smallest || set.size < smallest.size) smallest = set;
  }
  const sorted = (smallest as IdSet).sorted();
  if (where.length === 1) return sorted;
  return sorted.filter((id) => matches(slice.docs.get(id) as StoredDocument, where));
}

function page<T extends StoredDocument>(
  ids: readonly string[],
  q: { after: string | undefined; limit: number },
  load: (id: string) => T,
): FindPage<T> {
  const start = q.after === undefined ? 0 : upperBound(ids, q.after);
  const pageIds = ids.slice(start, start + q.limit);
  const items = pageIds.map(load);
  const last = pageIds[pageIds.length - 1];
  return start + q.limit < ids.length && last !== undefined
    ? { items, nextCursor: encodeCursor(last) }
    : { items };
}

class Collection {
  readonly fields = new Set<string>();
  readonly tenants = new Map<string, TenantSlice>();

  slice(tenantId: string, create: true): TenantSlice;
  slice(tenantId: string, create: false): TenantSlice | undefined;
  slice(tenantId: string, create: boolean): TenantSlice | undefined {
    let s = this.tenants.get(tenantId);
    if (!s && create) this.tenants.set(tenantId, (s = new TenantSlice(this.fields)));
    return s;
  }
}

/** A serialisable image of a memory document store. */
export interface DocumentStoreSnapshot {
  collections: Record<string, { indexes: string[]; documents: StoredDocument[] }>;
}

/** Options for {@link createMemoryDocumentStore}. */
export interface MemoryDocumentStoreOptions {
  /** Collections to declare up front (same as calling `defineCollection`). */
  collections?: Record<string, CollectionDefinition>;
  /** Outbox that transactions write to (set by `createMemoryStorage`). */
  outbox?: MemoryOutbox;
}

/** A staged write inside a transaction: the document, or `null` for a delete. */
interface StagedWrite {
  collection: string;
  tenantId: string;
  id: string;
  doc: StoredDocument | null;
  /** Version the transaction based this write on (0 = did not exist). */
  baseVersion: number;
}

/**
 * The in-memory reference `DocumentStore`. Documents are deep-frozen on write and returned
 * without copying, so reads cost a map lookup; treat returned documents as immutable snapshots
 * (spread them to change a field, then `put`).
 */
export class MemoryDocumentStore implements DocumentStore {
  readonly name = 'memory';
  readonly capabilities: AdapterCapabilities = { transactions: true, ordering: true, durable: false };
  readonly #collections = new Map<string, Collection>();
  readonly #outbox: MemoryOutbox | undefined;

  constructor(options: MemoryDocumentStoreOptions = {}) {
    this.#outbox = options.outbox;
    for (const [name, def] of Object.entries(options.collections ?? {})) this.#define(name, def);
  }

  async defineCollection(collection: string, definition: CollectionDefinition): Promise<void> {
    this.#define(collection, definition);
  }

  get<T extends StoredDocument = StoredDocument>(
    collection: string,
    id: string,
    options?: TenantOptions,
  ): Promise<T | undefined> {
    // Not `async`: an already-settled promise saves the async-function frame on the hottest call.
    try {
      return Promise.resolve(this.getSync<T>(collection, id, options));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Synchronous `get` for simulations and hot loops (same semantics). */
  getSync<T extends StoredDocument = StoredDocument>(
    collection: string,
    id: string,
    options?: TenantOptions,
  ): T | undefined {
    const coll = this.#collections.get(collection);
    // Known collections were validated when created; only unknown names need the check.
    if (!coll) assertCollectionName(collection);
    assertKey(id, 'id');
    const tenantId = tenantOf(options);
    return coll?.slice(tenantId, false)?.docs.get(id) as T | undefined;
  }

  async getMany<T extends StoredDocument = StoredDocument>(
    collection: string,
    ids: readonly string[],
    options?: TenantOptions,
  ): Promise<(T | undefined)[]> {
    assertCollectionName(collection);
    if (!Array.isArray(ids))
      throw new ThreadlineError('VALIDATION', 'Invalid ids: expected an array', {
        issues: [{ path: ['ids'], message: 'expected an array of strings', code: 'invalid_type' }],
      });
    const tenantId = tenantOf(options);
    const slice = this.#collections.get(collection)?.slice(tenantId, false);
    return ids.map((id, i) => {
      assertKey(id, `ids.${i}`);
      return slice?.docs.get(id) as T | undefined;
    });
  }

  async put<T extends StoredDocument = StoredDocument>(
    collection: string,
    document: DocumentInput,
    options?: PutOptions,
  ): Promise<T> {
    return this.putSync<T>(collection, document, options);
  }

  /** Synchronous `put` for simulations and hot loops (same semantics). */
  putSync<T extends StoredDocument = StoredDocument>(
    collection: string,
    document: DocumentInput,
    options?: PutOptions,
  ): T {
    assertCollectionName(collection);
    const { tenantId, id } = validateDocumentInput(document, options?.expectedVersion);
    const slice = this.#collection(collection).slice(tenantId, true);
    const current = slice.docs.get(id)?.version ?? 0;
    if (options?.expectedVersion !== undefined && options.expectedVersion !== current) {
      throw conflictError(`${collection}/${id}`, options.expectedVersion, current);
    }
    const stored = frozenCopy({ ...document, id, tenantId, version: current + 1 }) as StoredDocument;
    slice.write(stored);
    return stored as T;
  }

  async delete(collection: string, id: string, options?: DeleteOptions): Promise<boolean> {
    assertCollectionName(collection);
    assertKey(id, 'id');
    const tenantId = tenantOf(options);
    const slice = this.#collections.get(collection)?.slice(tenantId, false);
    const current = slice?.docs.get(id)?.version ?? 0;
    if (options?.expectedVersion !== undefined && options.expectedVersion !== current) {
      throw conflictError(`${collection}/${id}`, options.expectedVersion, current);
    }
    if (!slice || current === 0) return false;
    slice.remove(id);
    return true;
  }

  async find<T extends StoredDocument = StoredDocument>(
    collection: string,
    query?: FindQuery,
  ): Promise<FindPage<T>> {
    assertCollectionName(collection);
    const coll = this.#collections.get(collection);
    const q = normalizeFindQuery(collection, query, coll?.fields ?? new Set());
    const slice = coll?.slice(q.tenantId, false);
    if (!slice) return { items: [] };
    const ids = matchingIds(slice, q.where);
    return page(ids, q, (id) => slice.docs.get(id) as T);
  }

  async transaction<R>(fn: (tx: TransactionContext) => Promise<R>): Promise<R> {
    const staged = new Map<string, StagedWrite>();
    const stagedEvents: Parameters<TransactionContext['outbox']['add']>[0][] = [];
    const keyOf = (collection: string, tenantId: string, id: string) =>
      `${collection}\u0000${tenantId}\u0000${id}`;
    const read = (collection: string, tenantId: string, id: string): StoredDocument | undefined => {
      const s = staged.get(keyOf(collection, tenantId, id));
      if (s) return s.doc ?? undefined;
      return this.#collections.get(collection)?.slice(tenantId, false)?.docs.get(id);
    };
    const baseOf = (collection: string, tenantId: string, id: string) =>
      staged.get(keyOf(collection, tenantId, id))?.baseVersion ??
      this.#collections.get(collection)?.slice(tenantId, false)?.docs.get(id)?.version ??
      0;

    const self = this;
    const txStore: DocumentStore = {
      name: 'memory-tx',
      capabilities: this.capabilities,
      defineCollection: (c, d) => self.defineCollection(c, d),
      async get<T extends StoredDocument>(collection: string, id: string, options?: TenantOptions) {
        assertCollectionName(collection);
        assertKey(id, 'id');
        return read(collection, tenantOf(options), id) as T | undefined;
      },
      async getMany<T extends StoredDocument>(
        collection: string,
        ids: readonly string[],
        options?: TenantOptions,
      ) {
        assertCollectionName(collection);
        const t = tenantOf(options);
        return ids.map((id) => read(collection, t, id) as T | undefined);
      },
      async put<T extends StoredDocument>(collection: string, document: DocumentInput, options?: PutOptions) {
        assertCollectionName(collection);
        const { tenantId, id } = validateDocumentInput(document, options?.expectedVersion);
        const current = read(collection, tenantId, id)?.version ?? 0;
        if (options?.expectedVersion !== undefined && options.expectedVersion !== current) {
          throw conflictError(`${collection}/${id}`, options.expectedVersion, current);
        }
        const doc = frozenCopy({ ...document, id, tenantId, version: current + 1 }) as StoredDocument;
        staged.set(keyOf(collection, tenantId, id), {
          collection,
          tenantId,
          id,
          doc,
          baseVersion: baseOf(collection, tenantId, id),
        });
        return doc as T;
      },
      async delete(collection: string, id: string, options?: DeleteOptions) {
        assertCollectionName(collection);
        assertKey(id, 'id');
        const tenantId = tenantOf(options);
        const current = read(collection, tenantId, id)?.version ?? 0;
        if (options?.expectedVersion !== undefined && options.expectedVersion !== current) {
          throw conflictError(`${collection}/${id}`, options.expectedVersion, current);
        }
        if (current === 0) return false;
        staged.set(keyOf(collection, tenantId, id), {
          collection,
          tenantId,
          id,
          doc: null,
          baseVersion: baseOf(collection, tenantId, id),
        });
        return true;
      },
      async find<T extends StoredDocument>(collection: string, query?: FindQuery): Promise<FindPage<T>> {
        assertCollectionName(collection);
        const coll = self.#collections.get(collection);
        const q = normalizeFindQuery(collection, query, coll?.fields ?? new Set());
        const slice = coll?.slice(q.tenantId, false);
        // Committed matches, overlaid with this transaction's own writes.
        const ids = new Set(slice ? matchingIds(slice, q.where) : []);
        for (const w of staged.values()) {
          if (w.collection !== collection || w.tenantId !== q.tenantId) continue;
          ids.delete(w.id);
          if (w.doc && matches(w.doc, q.where)) ids.add(w.id);
        }
        return page([...ids].sort(compareIds), q, (id) => read(collection, q.tenantId, id) as T);
      },
    };
    const outbox = {
      async add(events: Parameters<TransactionContext['outbox']['add']>[0]) {
        if (!self.#outbox)
          throw new ThreadlineError(
            'UNSUPPORTED',
            'This memory store has no outbox; create it with createMemoryStorage()',
          );
        self.#outbox.validate(events);
        stagedEvents.push(events);
      },
    };

    const result = await fn({ documents: txStore, outbox });

    // Commit: every write must still be based on the version it saw (writers may have interleaved
    // while fn awaited). Check all before applying any, so a conflict writes nothing.
    for (const w of staged.values()) {
      const now = this.#collections.get(w.collection)?.slice(w.tenantId, false)?.docs.get(w.id)?.version ?? 0;
      if (now !== w.baseVersion)
        throw conflictError(`${w.collection}/${w.id} (transaction)`, w.baseVersion, now);
    }
    for (const w of staged.values()) {
      const slice = this.#collection(w.collection).slice(w.tenantId, true);
      if (w.doc) slice.write(w.doc);
      else slice.remove(w.id);
    }
    for (const events of stagedEvents) this.#outbox?.addSync(events);
    return result;
  }

  /** A JSON-serialisable image of every collection. */
  snapshot(): DocumentStoreSnapshot {
    const collections: DocumentStoreSnapshot['collections'] = {};
    for (const [name, coll] of this.#collections) {
      const documents: StoredDocument[] = [];
      for (const slice of coll.tenants.values()) documents.push(...slice.docs.values());
      collections[name] = { indexes: [...coll.fields], documents };
    }
    return { collections };
  }

  /** Replaces the whole content with a snapshot made by {@link snapshot}. */
  restore(snapshot: DocumentStoreSnapshot): void {
    this.#collections.clear();
    for (const [name, { indexes, documents }] of Object.entries(snapshot.collections)) {
      this.#define(name, { indexes });
      const coll = this.#collection(name);
      for (const doc of documents) coll.slice(doc.tenantId, true).write(frozenCopy(doc));
    }
  }

  #define(collection: string, definition: CollectionDefinition): void {
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
    const coll = this.#collection(collection);
    for (const f of definition.indexes) {
      if (coll.fields.has(f)) continue;
      coll.fields.add(f);
      for (const slice of coll.tenants.values()) slice.addIndex(f);
    }
  }

  #collection(name: string): Collection {
    let c = this.#collections.get(name);
    if (!c) this.#collections.set(name, (c = new Collection()));
    return c;
  }
}

/**
 * Creates the in-memory reference document store.
 *
 * @example
 * ```ts
 * const store = createMemoryDocumentStore({ collections: { customers: { indexes: ['email'] } } });
 * await store.put('customers', { id: 'c1', email: 'ana@example.com' });
 * const { items } = await store.find('customers', { where: { email: 'ana@example.com' } });
 * ```
 */
export function createMemoryDocumentStore(options: MemoryDocumentStoreOptions = {}): MemoryDocumentStore {
  return new MemoryDocumentStore(options);
}
