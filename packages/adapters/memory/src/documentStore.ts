import {
  type AdapterCapabilities,
  assertCollectionName,
  assertKey,
  type Clock,
  type CollectionDefinition,
  conflictError,
  type DeleteOptions,
  type DocumentInput,
  type DocumentStore,
  type FindPage,
  type FindQuery,
  normalizeCollectionDefinition,
  normalizeFindQuery,
  type PutManyOptions,
  type PutOptions,
  type StoredDocument,
  type TenantOptions,
  ThreadlineError,
  type TransactionContext,
  type TransactionOptions,
  tenantOf,
  validatePutMany,
} from '@threadline/core';
import { Collection, matchingIds, page, rangeHits, rangePage } from './collection.js';
import type { MemoryEventLog } from './eventLog.js';
import { frozenCopy } from './freeze.js';
import type { MemoryLeaseStore } from './leaseStore.js';
import type { MemoryOutbox } from './outbox.js';
import { ClosedConversationSweeper, checkRetention, type MemoryRetentionOptions } from './retention.js';
import { documentDraft, documentKey, prepareMany } from './storedDocument.js';
import { runTransaction, type TransactionHost } from './transaction.js';

/** A serialisable image of a memory document store. */
export interface DocumentStoreSnapshot {
  collections: Record<
    string,
    { indexes: string[]; unique?: string[][]; ranges?: string[]; documents: StoredDocument[] }
  >;
}

/** Options for {@link createMemoryDocumentStore}. */
export interface MemoryDocumentStoreOptions {
  /** Collections to declare up front (same as calling `defineCollection`). */
  collections?: Record<string, CollectionDefinition>;
  /** Outbox that transactions write to (set by `createMemoryStorage`). */
  outbox?: MemoryOutbox;
  /** Event log that transactions append to through `tx.events` (set by `createMemoryStorage`). */
  events?: MemoryEventLog;
  /** Lease store that `fence` options are checked against (set by `createMemoryStorage`). */
  leases?: MemoryLeaseStore;
  /**
   * What the store forgets, and when (default: nothing; every document stays until deleted).
   * `{ closedConversations: { closedForMs } }` removes a closed conversation and its messages
   * `closedForMs` after it closed; see the package README for what readers then see.
   */
  retention?: MemoryRetentionOptions;
  /** The clock retention windows are measured on (default: the system clock). */
  clock?: Clock;
}

const NO_IDS: ReadonlySet<string> = new Set();

/**
 * The in-memory reference `DocumentStore`. Documents are deep-frozen on write and returned
 * without copying, so reads cost a map lookup; treat returned documents as immutable snapshots
 * (spread them to change a field, then `put`).
 */
export class MemoryDocumentStore implements DocumentStore {
  readonly name = 'memory';
  readonly capabilities: AdapterCapabilities;
  readonly #collections = new Map<string, Collection>();
  readonly #outbox: MemoryOutbox | undefined;
  readonly #events: MemoryEventLog | undefined;
  readonly #leases: MemoryLeaseStore | undefined;
  /** What transactions read and write through (made on the first transaction). */
  #txHost: TransactionHost | undefined;
  /** Evicts closed conversations when `retention.closedConversations` is set. */
  readonly #sweeper: ClosedConversationSweeper | undefined;

  constructor(options: MemoryDocumentStoreOptions = {}) {
    const closed =
      options.retention === undefined ? undefined : checkRetention(options.retention).closedConversations;
    this.#sweeper =
      closed === undefined
        ? undefined
        : new ClosedConversationSweeper(closed, options.clock, (name) => this.#collection(name));
    this.#outbox = options.outbox;
    this.#events = options.events;
    this.#leases = options.leases;
    this.capabilities = {
      transactions: true,
      ordering: true,
      durable: false,
      uniqueIndexes: true,
      rangeQueries: true,
      fencing: options.leases !== undefined,
    };
    for (const [name, def] of Object.entries(options.collections ?? {})) this.#define(name, def);
    // The sweeper finds a conversation's messages through this index.
    if (this.#sweeper) this.#define(this.#sweeper.messages, { indexes: ['conversationId'] });
  }

  /**
   * Removes what the retention options say is due now (closed conversations past their window,
   * with their messages) and returns how many conversations went. Writes and transactions sweep
   * before they run, so a host only calls this to free memory while it writes nothing.
   */
  sweep(): number {
    return this.#sweeper?.sweep() ?? 0;
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
    this.#sweeper?.sweep();
    assertCollectionName(collection);
    const expectedVersion = options?.expectedVersion;
    const key = documentKey(document, expectedVersion);
    const { tenantId, id } = key;
    const previous = this.#collections.get(collection)?.slice(tenantId, false)?.docs.get(id);
    // One walk copies, freezes and checks the body (VALIDATION before any other error).
    const draft = documentDraft(document, key, expectedVersion, previous);
    if (options?.fence !== undefined) this.#fenced().assertFence(options.fence);
    const current = previous?.version ?? 0;
    if (expectedVersion !== undefined && expectedVersion !== current) {
      throw conflictError(`${collection}/${id}`, expectedVersion, current);
    }
    draft.version = current + 1;
    const stored = Object.freeze(draft) as StoredDocument;
    const slice = this.#collection(collection).slice(tenantId, true);
    slice.checkUniqueOne(collection, stored);
    slice.write(stored);
    return stored as T;
  }

  async putMany<T extends StoredDocument = StoredDocument>(
    collection: string,
    documents: readonly DocumentInput[],
    options?: PutManyOptions,
  ): Promise<T[]> {
    return this.putManySync<T>(collection, documents, options);
  }

  /**
   * Synchronous `putMany` for simulations and hot loops (same semantics): every document is
   * checked (body, version, unique indexes against the store and each other) before any is written.
   */
  putManySync<T extends StoredDocument = StoredDocument>(
    collection: string,
    documents: readonly DocumentInput[],
    options?: PutManyOptions,
  ): T[] {
    this.#sweeper?.sweep();
    const entries = validatePutMany(collection, documents, options);
    const coll = this.#collections.get(collection);
    const previous = entries.map((e) => coll?.slice(e.tenantId, false)?.docs.get(e.id));
    const { stored, byTenant } = prepareMany(collection, entries, previous, () => {
      if (options?.fence !== undefined) this.#fenced().assertFence(options.fence);
    });
    if (entries.length === 0) return [];
    const target = this.#collection(collection);
    for (const [tenantId, docs] of byTenant)
      target.slice(tenantId, true).checkUnique(collection, docs, NO_IDS);
    for (const [tenantId, docs] of byTenant) {
      const slice = target.slice(tenantId, true);
      for (const doc of docs) slice.write(doc);
    }
    return stored as T[];
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
    const q = normalizeFindQuery(collection, query, coll?.fields ?? NO_IDS, coll?.ranges ?? NO_IDS);
    const slice = coll?.slice(q.tenantId, false);
    if (!slice) return { items: [] };
    const load = slice.load as (id: string) => T;
    if (q.range) return rangePage(rangeHits(slice, q, q.limit + 1), q.limit, load);
    return page(matchingIds(slice, q.where), q, load);
  }

  async transaction<R>(fn: (tx: TransactionContext) => Promise<R>, options?: TransactionOptions): Promise<R> {
    this.#sweeper?.sweep();
    const fence = options?.fence;
    if (fence !== undefined) this.#fenced().assertFence(fence);
    this.#txHost ??= {
      collections: this.#collections,
      collection: (name) => this.#collection(name),
      outbox: this.#outbox,
      events: this.#events,
      capabilities: this.capabilities,
      defineCollection: (c, d) => this.defineCollection(c, d),
      leases: this.#leases,
    };
    return runTransaction(this.#txHost, fn, fence);
  }

  /** A JSON-serialisable image of every collection. */
  snapshot(): DocumentStoreSnapshot {
    const collections: DocumentStoreSnapshot['collections'] = {};
    for (const [name, coll] of this.#collections) {
      const documents: StoredDocument[] = [];
      for (const slice of coll.tenants.values()) documents.push(...slice.docs.values());
      collections[name] = {
        indexes: [...coll.fields],
        unique: coll.unique.map((u) => [...u.fields]),
        ranges: [...coll.ranges],
        documents,
      };
    }
    return { collections };
  }

  /** Replaces the whole content with a snapshot made by {@link MemoryDocumentStore.snapshot | snapshot()}. */
  restore(snapshot: DocumentStoreSnapshot): void {
    this.#collections.clear();
    // The restored closed conversations are noted again as they are written back.
    this.#sweeper?.clear();
    for (const [name, { indexes, unique, ranges, documents }] of Object.entries(snapshot.collections)) {
      this.#define(name, { indexes, ...(unique ? { unique } : {}), ...(ranges ? { ranges } : {}) });
      const coll = this.#collection(name);
      for (const doc of documents) coll.slice(doc.tenantId, true).write(frozenCopy(doc));
    }
    if (this.#sweeper) this.#define(this.#sweeper.messages, { indexes: ['conversationId'] });
  }

  #define(collection: string, definition: CollectionDefinition): void {
    assertCollectionName(collection);
    const def = normalizeCollectionDefinition(definition);
    const coll = this.#collection(collection);
    // Unique indexes first and all-or-nothing: existing duplicates are CONFLICT, nothing changes.
    const newUnique = def.unique.filter((u) => !coll.unique.some((x) => x.name === u.name));
    const built = newUnique.map((u) => {
      const perTenant = new Map<string, Map<unknown, string>>();
      for (const [tenantId, slice] of coll.tenants) perTenant.set(tenantId, slice.buildUnique(u, collection));
      return perTenant;
    });
    for (const [i, u] of newUnique.entries()) {
      coll.unique.push(u);
      for (const [tenantId, slice] of coll.tenants) slice.addUnique(u, built[i]?.get(tenantId));
    }
    for (const f of def.indexes) {
      if (coll.fields.has(f)) continue;
      coll.fields.add(f);
      for (const slice of coll.tenants.values()) slice.addIndex(f);
    }
    for (const f of def.ranges) {
      if (coll.ranges.has(f)) continue;
      coll.ranges.add(f);
      for (const slice of coll.tenants.values()) slice.addRange(f);
    }
  }

  /** The lease store fences are checked against; `UNSUPPORTED` when this store has none. */
  #fenced(): MemoryLeaseStore {
    if (this.#leases) return this.#leases;
    throw new ThreadlineError(
      'UNSUPPORTED',
      'This memory store has no lease store to check a fence against; create it with createMemoryStorage()',
    );
  }

  #collection(name: string): Collection {
    let c = this.#collections.get(name);
    if (!c) {
      this.#collections.set(name, (c = new Collection()));
      const sweeper = this.#sweeper;
      if (sweeper && name === sweeper.conversations) c.onWrite = (doc) => sweeper.noteWrite(doc);
    }
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
