import {
  type AdapterCapabilities,
  type AppendOptions,
  type AppendResult,
  assertCollectionName,
  assertKey,
  type CollectionDefinition,
  conflictError,
  type DeleteOptions,
  type DocumentInput,
  type DocumentStore,
  type EventEnvelope,
  type FindPage,
  type FindQuery,
  inRange,
  type LeaseFence,
  normalizeFindQuery,
  type PutManyOptions,
  type PutOptions,
  type ReadStreamOptions,
  type StoredDocument,
  type StoredEvent,
  type TenantOptions,
  ThreadlineError,
  type TransactionContext,
  type TransactionEventLog,
  tenantOf,
  validateAppend,
  validatePutMany,
} from '@threadline/core';
import {
  type Collection,
  compareIds,
  matches,
  matchingIds,
  page,
  rangeHits,
  rangePage,
  rangeValue,
} from './collection.js';
import type { MemoryEventLog } from './eventLog.js';
import type { MemoryLeaseStore } from './leaseStore.js';
import type { MemoryOutbox } from './outbox.js';
import { documentDraft, documentKey, prepareMany } from './storedDocument.js';

/** What a transaction needs from its store. */
export interface TransactionHost {
  collections: ReadonlyMap<string, Collection>;
  collection(name: string): Collection;
  outbox: MemoryOutbox | undefined;
  events: MemoryEventLog | undefined;
  capabilities: AdapterCapabilities;
  defineCollection(collection: string, definition: CollectionDefinition): Promise<void>;
  /** Where fences are checked (absent: a fence is `UNSUPPORTED`). */
  leases?: MemoryLeaseStore | undefined;
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

/** A staged append; `result` is handed to the caller and gets its final positions at commit. */
interface StagedAppend {
  streamId: string;
  tenantId: string;
  events: EventEnvelope[];
  idempotencyKey: string | undefined;
  result: AppendResult;
}

const NUL = '\u0000';

/** Map key of a staged write. */
function writeKey(collection: string, tenantId: string, id: string): string {
  return `${collection}${NUL}${tenantId}${NUL}${id}`;
}

/**
 * One transaction's staged state and its commit. A class rather than closures made per call:
 * a transaction runs for every command of an engine on the memory store (identity commits one
 * per `resolve`), and a dozen closures per call was a measurable share of it.
 */
class MemoryTransaction {
  /** The transaction's fence and its puts' fences, checked again at commit. */
  readonly fences: unknown[];
  readonly staged = new Map<string, StagedWrite>();
  readonly stagedEvents: EventEnvelope[][] = [];
  readonly appends: StagedAppend[] = [];
  /** tenant + stream → committed version when the transaction first appended to it. */
  readonly streamBase = new Map<string, number>();

  constructor(
    readonly host: TransactionHost,
    fence: LeaseFence | undefined,
  ) {
    this.fences = fence === undefined ? [] : [fence];
  }

  assertFence(f: unknown): void {
    if (!this.host.leases)
      throw new ThreadlineError(
        'UNSUPPORTED',
        'This memory store has no lease store to check a fence against; create it with createMemoryStorage()',
      );
    this.host.leases.assertFence(f);
  }

  committed(collection: string, tenantId: string, id: string): StoredDocument | undefined {
    return this.host.collections.get(collection)?.slice(tenantId, false)?.docs.get(id);
  }

  read(collection: string, tenantId: string, id: string): StoredDocument | undefined {
    const s = this.staged.get(writeKey(collection, tenantId, id));
    return s ? (s.doc ?? undefined) : this.committed(collection, tenantId, id);
  }

  stage(collection: string, tenantId: string, id: string, doc: StoredDocument | null): void {
    const key = writeKey(collection, tenantId, id);
    const baseVersion =
      this.staged.get(key)?.baseVersion ?? this.committed(collection, tenantId, id)?.version ?? 0;
    this.staged.set(key, { collection, tenantId, id, doc, baseVersion });
  }

  /** Throws the unique-index conflict of the staged writes of one collection and tenant. */
  checkUnique(
    collection: string,
    tenantId: string,
    extra?: StoredDocument | readonly StoredDocument[],
  ): void {
    // Most collections declare no unique index: nothing to check, nothing to gather.
    if (this.host.collections.get(collection)?.unique.length === 0) return;
    const docs: StoredDocument[] = [];
    const removed = new Set<string>();
    const many = Array.isArray(extra) ? (extra as readonly StoredDocument[]) : undefined;
    const one = many ? undefined : (extra as StoredDocument | undefined);
    const replaced = many ? new Set(many.map((d) => d.id)) : undefined;
    for (const w of this.staged.values()) {
      if (w.collection !== collection || w.tenantId !== tenantId) continue;
      if (one && w.id === one.id) continue;
      if (replaced?.has(w.id)) continue;
      if (w.doc) docs.push(w.doc);
      else removed.add(w.id);
    }
    if (one) docs.push(one);
    if (many) docs.push(...many);
    this.host.collection(collection).slice(tenantId, true).checkUnique(collection, docs, removed);
  }

  stagedIn(tenantId: string, streamId: string): StagedAppend[] {
    return this.appends.filter((a) => a.tenantId === tenantId && a.streamId === streamId);
  }

  versionIn(memLog: MemoryEventLog, tenantId: string, streamId: string): number {
    return (
      memLog.streamVersionSync(streamId, { tenantId }) +
      this.stagedIn(tenantId, streamId).reduce((n, a) => n + a.events.length, 0)
    );
  }

  /**
   * Commit: every write must still be based on the version it saw (writers may have interleaved
   * while fn awaited), and every fence still current (another owner may have taken the lease).
   * Check everything before applying anything, so a conflict writes nothing.
   */
  commit(): void {
    const { host, staged, appends } = this;
    const log = host.events;
    for (const f of this.fences) this.assertFence(f);
    const touched = new Set<string>();
    for (const w of staged.values()) {
      const now = this.committed(w.collection, w.tenantId, w.id)?.version ?? 0;
      if (now !== w.baseVersion)
        throw conflictError(`${w.collection}/${w.id} (transaction)`, w.baseVersion, now);
      touched.add(`${w.collection}${NUL}${w.tenantId}`);
    }
    for (const t of touched) {
      const [collection, tenantId] = t.split(NUL) as [string, string];
      this.checkUnique(collection, tenantId);
    }
    if (log) {
      for (const [key, base] of this.streamBase) {
        const [tenantId, streamId] = key.split(NUL) as [string, string];
        const now = log.streamVersionSync(streamId, { tenantId });
        if (now !== base) throw conflictError(`stream ${streamId} (transaction)`, base, now);
      }
      for (const a of appends) {
        if (a.idempotencyKey !== undefined && log.appendedWithKey(a.tenantId, a.idempotencyKey))
          throw new ThreadlineError(
            'CONFLICT',
            `Idempotency key "${a.idempotencyKey}" was used by another writer during the transaction`,
            { details: { idempotencyKey: a.idempotencyKey, streamId: a.streamId } },
          );
      }
    }
    for (const w of staged.values()) {
      const slice = host.collection(w.collection).slice(w.tenantId, true);
      if (w.doc) slice.write(w.doc);
      else slice.remove(w.id);
    }
    if (log) {
      for (const a of appends) {
        const done = log.appendValidated(
          a.tenantId,
          a.streamId,
          a.events,
          a.idempotencyKey === undefined
            ? { tenantId: a.tenantId }
            : { tenantId: a.tenantId, idempotencyKey: a.idempotencyKey },
        );
        a.result.firstPosition = done.firstPosition;
        a.result.lastPosition = done.lastPosition;
        a.result.streamVersion = done.streamVersion;
      }
    }
    for (const e of this.stagedEvents) host.outbox?.addSync(e);
  }
}

/** The transaction's `DocumentStore`: reads see its own staged writes over the committed state. */
class TransactionDocuments implements DocumentStore {
  readonly name = 'memory-tx';
  readonly capabilities: AdapterCapabilities;
  readonly #tx: MemoryTransaction;

  constructor(tx: MemoryTransaction) {
    this.#tx = tx;
    this.capabilities = tx.host.capabilities;
  }

  defineCollection(collection: string, definition: CollectionDefinition): Promise<void> {
    return this.#tx.host.defineCollection(collection, definition);
  }

  async get<T extends StoredDocument>(collection: string, id: string, options?: TenantOptions) {
    assertCollectionName(collection);
    assertKey(id, 'id');
    return this.#tx.read(collection, tenantOf(options), id) as T | undefined;
  }

  async getMany<T extends StoredDocument>(
    collection: string,
    ids: readonly string[],
    options?: TenantOptions,
  ) {
    assertCollectionName(collection);
    const t = tenantOf(options);
    const tx = this.#tx;
    return ids.map((id) => tx.read(collection, t, id) as T | undefined);
  }

  async put<T extends StoredDocument>(collection: string, document: DocumentInput, options?: PutOptions) {
    assertCollectionName(collection);
    const tx = this.#tx;
    const expectedVersion = options?.expectedVersion;
    const key = documentKey(document, expectedVersion);
    const { tenantId, id } = key;
    const previous = tx.read(collection, tenantId, id);
    const draft = documentDraft(document, key, expectedVersion, previous);
    if (options?.fence !== undefined) {
      tx.assertFence(options.fence);
      tx.fences.push(options.fence);
    }
    const current = previous?.version ?? 0;
    if (expectedVersion !== undefined && expectedVersion !== current) {
      throw conflictError(`${collection}/${id}`, expectedVersion, current);
    }
    draft.version = current + 1;
    const doc = Object.freeze(draft) as StoredDocument;
    // Fail at the put, not only at commit, so the caller sees which write broke the index.
    tx.checkUnique(collection, tenantId, doc);
    tx.stage(collection, tenantId, id, doc);
    return doc as T;
  }

  async putMany<T extends StoredDocument>(
    collection: string,
    input: readonly DocumentInput[],
    options?: PutManyOptions,
  ) {
    const tx = this.#tx;
    const entries = validatePutMany(collection, input, options);
    const previous = entries.map((e) => tx.read(collection, e.tenantId, e.id));
    const { stored: docs, byTenant } = prepareMany(collection, entries, previous, () => {
      if (options?.fence !== undefined) {
        tx.assertFence(options.fence);
        tx.fences.push(options.fence);
      }
    });
    // Check every tenant before staging anything: a failed putMany leaves the transaction as it was.
    for (const [tenantId, list] of byTenant) tx.checkUnique(collection, tenantId, list);
    for (const [i, e] of entries.entries()) tx.stage(collection, e.tenantId, e.id, docs[i] as StoredDocument);
    return docs as T[];
  }

  async delete(collection: string, id: string, options?: DeleteOptions) {
    assertCollectionName(collection);
    assertKey(id, 'id');
    const tx = this.#tx;
    const tenantId = tenantOf(options);
    const current = tx.read(collection, tenantId, id)?.version ?? 0;
    if (options?.expectedVersion !== undefined && options.expectedVersion !== current) {
      throw conflictError(`${collection}/${id}`, options.expectedVersion, current);
    }
    if (current === 0) return false;
    tx.stage(collection, tenantId, id, null);
    return true;
  }

  async find<T extends StoredDocument>(collection: string, query?: FindQuery): Promise<FindPage<T>> {
    assertCollectionName(collection);
    const tx = this.#tx;
    const coll = tx.host.collections.get(collection);
    const q = normalizeFindQuery(collection, query, coll?.fields ?? new Set(), coll?.ranges ?? new Set());
    const slice = coll?.slice(q.tenantId, false);
    const load = (id: string) => tx.read(collection, q.tenantId, id) as T;
    const own = [...tx.staged.values()].filter(
      (w) => w.collection === collection && w.tenantId === q.tenantId,
    );
    const range = q.range;
    if (range) {
      // Committed hits after the cursor, overlaid with this transaction's own writes.
      const hits = new Map<string, number>();
      if (slice) for (const h of rangeHits(slice, q, Number.MAX_SAFE_INTEGER)) hits.set(h.id, h.value);
      for (const w of own) {
        hits.delete(w.id);
        const v = w.doc ? rangeValue(w.doc, range.field) : undefined;
        if (v === undefined || !inRange(v, range) || !matches(w.doc as StoredDocument, q.where)) continue;
        const afterCursor =
          q.after === undefined ||
          q.afterValue === undefined ||
          v > q.afterValue ||
          (v === q.afterValue && w.id > q.after);
        if (afterCursor) hits.set(w.id, v);
      }
      const sorted = [...hits]
        .map(([id, value]) => ({ id, value }))
        .sort((a, b) => a.value - b.value || compareIds(a.id, b.id));
      return rangePage(sorted.slice(0, q.limit + 1), q.limit, load);
    }
    const ids = new Set(slice ? matchingIds(slice, q.where) : []);
    for (const w of own) {
      ids.delete(w.id);
      if (w.doc && matches(w.doc, q.where)) ids.add(w.id);
    }
    return page([...ids].sort(compareIds), q, load);
  }
}

/** The transaction's outbox: events staged until the commit. */
class TransactionOutbox {
  readonly #tx: MemoryTransaction;

  constructor(tx: MemoryTransaction) {
    this.#tx = tx;
  }

  async add(events: readonly EventEnvelope[]): Promise<void> {
    const outbox = this.#tx.host.outbox;
    if (!outbox)
      throw new ThreadlineError(
        'UNSUPPORTED',
        'This memory store has no outbox; create it with createMemoryStorage()',
      );
    outbox.validate(events);
    this.#tx.stagedEvents.push([...events]);
  }
}

/** The transaction's event log: appends staged until the commit, reads that see them. */
class TransactionEvents implements TransactionEventLog {
  readonly #tx: MemoryTransaction;
  readonly #log: MemoryEventLog;

  constructor(tx: MemoryTransaction, log: MemoryEventLog) {
    this.#tx = tx;
    this.#log = log;
  }

  async append(streamId: string, input: readonly EventEnvelope[], options?: AppendOptions) {
    const tx = this.#tx;
    const log = this.#log;
    const appends = tx.appends;
    const { tenantId, events: valid } = validateAppend(streamId, input, options);
    const key = options?.idempotencyKey;
    if (key !== undefined) {
      const previous =
        appends.find((a) => a.tenantId === tenantId && a.idempotencyKey === key)?.result ??
        log.appendedWithKey(tenantId, key);
      if (previous) {
        if (previous.streamId !== streamId)
          throw new ThreadlineError(
            'CONFLICT',
            `Idempotency key "${key}" was already used for stream "${previous.streamId}"`,
            { details: { idempotencyKey: key, streamId: previous.streamId } },
          );
        return { ...previous, duplicate: true };
      }
    }
    const current = tx.versionIn(log, tenantId, streamId);
    if (options?.expectedVersion !== undefined && options.expectedVersion !== current)
      throw conflictError(`stream ${streamId}`, options.expectedVersion, current);
    const baseKey = `${tenantId}${NUL}${streamId}`;
    if (!tx.streamBase.has(baseKey))
      tx.streamBase.set(baseKey, log.streamVersionSync(streamId, { tenantId }));
    // Provisional positions; the commit replaces them with the final ones.
    const first = log.size + appends.reduce((n, a) => n + a.events.length, 0) + 1;
    const result: AppendResult = {
      streamId,
      streamVersion: current + valid.length,
      firstPosition: first,
      lastPosition: first + valid.length - 1,
      duplicate: false,
    };
    appends.push({ streamId, tenantId, events: [...valid], idempotencyKey: key, result });
    return result;
  }

  async readStream(streamId: string, options?: ReadStreamOptions) {
    const tenantId = tenantOf(options);
    const committedEvents = await this.#log.readStream(streamId, { tenantId });
    const all: StoredEvent[] = [...committedEvents];
    for (const a of this.#tx.stagedIn(tenantId, streamId)) {
      for (const [i, e] of a.events.entries()) {
        all.push({
          ...e,
          streamId,
          streamVersion: a.result.streamVersion - a.events.length + i + 1,
          position: a.result.firstPosition + i,
        });
      }
    }
    const from = options?.fromVersion ?? 1;
    return all.slice(from - 1, options?.limit === undefined ? undefined : from - 1 + options.limit);
  }

  async streamVersion(streamId: string, options?: { tenantId?: string }) {
    assertKey(streamId, 'streamId');
    return this.#tx.versionIn(this.#log, tenantOf(options), streamId);
  }
}

/**
 * Runs `fn` against staged views of the documents, the event log and the outbox, then commits
 * everything or nothing. Memory transactions are optimistic: every write and append remembers the
 * version it was based on, and the commit re-checks versions and unique indexes against what
 * other writers committed while `fn` awaited, before applying anything.
 */
export async function runTransaction<R>(
  host: TransactionHost,
  fn: (tx: TransactionContext) => Promise<R>,
  fence?: LeaseFence,
): Promise<R> {
  const tx = new MemoryTransaction(host, fence);
  const documents = new TransactionDocuments(tx);
  const outbox = new TransactionOutbox(tx);
  const log = host.events;
  const result = await fn(
    log ? { documents, outbox, events: new TransactionEvents(tx, log) } : { documents, outbox },
  );
  tx.commit();
  return result;
}
