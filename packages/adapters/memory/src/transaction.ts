import {
  type AdapterCapabilities,
  type AppendOptions,
  type AppendResult,
  assertCollectionName,
  assertKey,
  atDocument,
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
  putManyConflict,
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
import { documentDraft, documentKey } from './storedDocument.js';

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
  /** The transaction's fence and its puts' fences, checked again at commit. */
  const fences: unknown[] = fence === undefined ? [] : [fence];
  const assertFence = (f: unknown) => {
    if (!host.leases)
      throw new ThreadlineError(
        'UNSUPPORTED',
        'This memory store has no lease store to check a fence against; create it with createMemoryStorage()',
      );
    host.leases.assertFence(f);
  };
  const staged = new Map<string, StagedWrite>();
  const stagedEvents: EventEnvelope[][] = [];
  const appends: StagedAppend[] = [];
  /** tenant + stream → committed version when the transaction first appended to it. */
  const streamBase = new Map<string, number>();
  const log = host.events;

  const committed = (collection: string, tenantId: string, id: string) =>
    host.collections.get(collection)?.slice(tenantId, false)?.docs.get(id);
  const read = (collection: string, tenantId: string, id: string): StoredDocument | undefined => {
    const s = staged.get(`${collection}${NUL}${tenantId}${NUL}${id}`);
    return s ? (s.doc ?? undefined) : committed(collection, tenantId, id);
  };
  const stage = (collection: string, tenantId: string, id: string, doc: StoredDocument | null) => {
    const key = `${collection}${NUL}${tenantId}${NUL}${id}`;
    const baseVersion = staged.get(key)?.baseVersion ?? committed(collection, tenantId, id)?.version ?? 0;
    staged.set(key, { collection, tenantId, id, doc, baseVersion });
  };
  /** Throws the unique-index conflict of the staged writes of one collection and tenant. */
  const checkUnique = (collection: string, tenantId: string, extra: readonly StoredDocument[] = []) => {
    const docs: StoredDocument[] = [];
    const removed = new Set<string>();
    const replaced = new Set(extra.map((d) => d.id));
    for (const w of staged.values()) {
      if (w.collection !== collection || w.tenantId !== tenantId) continue;
      if (replaced.has(w.id)) continue;
      if (w.doc) docs.push(w.doc);
      else removed.add(w.id);
    }
    docs.push(...extra);
    host.collection(collection).slice(tenantId, true).checkUnique(collection, docs, removed);
  };

  const documents: DocumentStore = {
    name: 'memory-tx',
    capabilities: host.capabilities,
    defineCollection: (c, d) => host.defineCollection(c, d),
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
      const expectedVersion = options?.expectedVersion;
      const key = documentKey(document, expectedVersion);
      const { tenantId, id } = key;
      const previous = read(collection, tenantId, id);
      const draft = documentDraft(document, key, expectedVersion, previous);
      if (options?.fence !== undefined) {
        assertFence(options.fence);
        fences.push(options.fence);
      }
      const current = previous?.version ?? 0;
      if (expectedVersion !== undefined && expectedVersion !== current) {
        throw conflictError(`${collection}/${id}`, expectedVersion, current);
      }
      draft.version = current + 1;
      const doc = Object.freeze(draft) as StoredDocument;
      // Fail at the put, not only at commit, so the caller sees which write broke the index.
      checkUnique(collection, tenantId, [doc]);
      stage(collection, tenantId, id, doc);
      return doc as T;
    },
    async putMany<T extends StoredDocument>(
      collection: string,
      input: readonly DocumentInput[],
      options?: PutManyOptions,
    ) {
      const entries = validatePutMany(collection, input, options);
      const previous = entries.map((e) => read(collection, e.tenantId, e.id));
      const drafts = entries.map((e, i) =>
        atDocument(e.index, () => documentDraft(e.document, e, e.expectedVersion, previous[i])),
      );
      if (options?.fence !== undefined) {
        assertFence(options.fence);
        fences.push(options.fence);
      }
      const byTenant = new Map<string, StoredDocument[]>();
      const docs = entries.map((e, i) => {
        const current = previous[i]?.version ?? 0;
        if (e.expectedVersion !== undefined && e.expectedVersion !== current) {
          throw putManyConflict(collection, e, e.expectedVersion, current);
        }
        const draft = drafts[i] as Record<string, unknown>;
        draft.version = current + 1;
        const doc = Object.freeze(draft) as StoredDocument;
        const list = byTenant.get(e.tenantId);
        if (list) list.push(doc);
        else byTenant.set(e.tenantId, [doc]);
        return doc;
      });
      // Check every tenant before staging anything: a failed putMany leaves the transaction as it was.
      for (const [tenantId, list] of byTenant) checkUnique(collection, tenantId, list);
      for (const [i, e] of entries.entries()) stage(collection, e.tenantId, e.id, docs[i] as StoredDocument);
      return docs as T[];
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
      stage(collection, tenantId, id, null);
      return true;
    },
    async find<T extends StoredDocument>(collection: string, query?: FindQuery): Promise<FindPage<T>> {
      assertCollectionName(collection);
      const coll = host.collections.get(collection);
      const q = normalizeFindQuery(collection, query, coll?.fields ?? new Set(), coll?.ranges ?? new Set());
      const slice = coll?.slice(q.tenantId, false);
      const load = (id: string) => read(collection, q.tenantId, id) as T;
      const own = [...staged.values()].filter(
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
    },
  };

  const outbox = {
    async add(events: readonly EventEnvelope[]) {
      if (!host.outbox)
        throw new ThreadlineError(
          'UNSUPPORTED',
          'This memory store has no outbox; create it with createMemoryStorage()',
        );
      host.outbox.validate(events);
      stagedEvents.push([...events]);
    },
  };

  const stagedIn = (tenantId: string, streamId: string) =>
    appends.filter((a) => a.tenantId === tenantId && a.streamId === streamId);
  const versionIn = (memLog: MemoryEventLog, tenantId: string, streamId: string) =>
    memLog.streamVersionSync(streamId, { tenantId }) +
    stagedIn(tenantId, streamId).reduce((n, a) => n + a.events.length, 0);

  const events: TransactionEventLog | undefined = log && {
    async append(streamId: string, input: readonly EventEnvelope[], options?: AppendOptions) {
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
      const current = versionIn(log, tenantId, streamId);
      if (options?.expectedVersion !== undefined && options.expectedVersion !== current)
        throw conflictError(`stream ${streamId}`, options.expectedVersion, current);
      const baseKey = `${tenantId}${NUL}${streamId}`;
      if (!streamBase.has(baseKey)) streamBase.set(baseKey, log.streamVersionSync(streamId, { tenantId }));
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
    },
    async readStream(streamId: string, options?: ReadStreamOptions) {
      const tenantId = tenantOf(options);
      const committedEvents = await log.readStream(streamId, { tenantId });
      const all: StoredEvent[] = [...committedEvents];
      for (const a of stagedIn(tenantId, streamId)) {
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
    },
    async streamVersion(streamId: string, options?: { tenantId?: string }) {
      assertKey(streamId, 'streamId');
      return versionIn(log, tenantOf(options), streamId);
    },
  };

  const result = await fn(events ? { documents, outbox, events } : { documents, outbox });

  // Commit: every write must still be based on the version it saw (writers may have interleaved
  // while fn awaited), and every fence still current (another owner may have taken the lease).
  // Check everything before applying anything, so a conflict writes nothing.
  for (const f of fences) assertFence(f);
  const touched = new Set<string>();
  for (const w of staged.values()) {
    const now = committed(w.collection, w.tenantId, w.id)?.version ?? 0;
    if (now !== w.baseVersion)
      throw conflictError(`${w.collection}/${w.id} (transaction)`, w.baseVersion, now);
    touched.add(`${w.collection}${NUL}${w.tenantId}`);
  }
  for (const t of touched) {
    const [collection, tenantId] = t.split(NUL) as [string, string];
    checkUnique(collection, tenantId);
  }
  if (log) {
    for (const [key, base] of streamBase) {
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
  for (const e of stagedEvents) host.outbox?.addSync(e);
  return result;
}
