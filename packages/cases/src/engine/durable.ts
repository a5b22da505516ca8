import {
  type DocumentInput,
  declarePersonalData,
  type EventEnvelope,
  isThreadlineError,
  type PersonalDataDeclaration,
  putMany,
  type StoredDocument,
  ThreadlineError,
  type ThreadlineStorage,
} from '@threadline/core';
import type { Case } from '../case.js';
import { adoptPersonalFields } from './erasure.js';
import { CASE_STREAM_PREFIX, caseStreamId, markHistoryCommitted, pendingHistory } from './history.js';
import { deliver } from './outbox.js';
import { type CaseEntry, type CommitBatch, type EngineState, evict } from './state.js';
import { toStoredState } from './storedState.js';

/** The collection of case documents. */
export const CASES_COLLECTION = 'cases';
/** The collection of persisted SLA deadlines: one row per case, `dueAt` in a range index. */
export const CASE_DEADLINES_COLLECTION = 'case_deadlines';
/**
 * The collection of the engine's counters, one row per tenant: `sla-seq` holds the metric
 * sequence counter (`next`), the deadline heap's tie-breaker, so a recovered engine numbers new
 * metric instances exactly as the crashed one would have (the newest records may belong to
 * closed cases, which recovery does not load).
 */
export const CASE_COUNTERS_COLLECTION = 'case_counters';
/** The id of the metric sequence counter's row in {@link CASE_COUNTERS_COLLECTION}. */
export const SLA_SEQ_ROW = 'sla-seq';

/** The metric sequence counter's row id of an engine (option `engineId`): `sla-seq[:<engineId>]`. */
export function slaSeqRow(engineId: string | undefined): string {
  return engineId === undefined ? SLA_SEQ_ROW : `${SLA_SEQ_ROW}:${engineId}`;
}
const CASE_INDEXES = ['customerId', 'status', 'team', 'assignee'] as const;

/** Attempts at a batch whose case documents keep moving (an erasure rewrote them) before giving up. */
const MAX_ATTEMPTS = 3;

/**
 * What the case engine declares to core's erasure service when it is given storage: the case
 * documents (personal fields, including the opening snapshot kept in `engineState`) and the audit
 * streams `case:<id>`, whose every event carries `payload.customerId`. Deadline rows hold no
 * personal data (case id, tenant, instant).
 */
export const CASES_PERSONAL_DATA: PersonalDataDeclaration = {
  owner: '@threadline/cases',
  collections: [
    {
      collection: CASES_COLLECTION,
      match: { field: 'customerId' },
      mode: 'anonymize',
      fields: [
        'subject',
        'attributes',
        'customer',
        'engineState.opened.subject',
        'engineState.opened.attributes',
        'engineState.opened.customer',
      ],
    },
  ],
  streams: [{ streamPrefix: CASE_STREAM_PREFIX, customerPaths: ['customerId'] }],
  // Events not yet delivered (outbox rows) and any log a host keeps them in: `case.opened`,
  // `case.merged`, … carry the whole case, with its subject.
  events: [
    {
      typePrefix: 'case.',
      customerPaths: ['customerId', 'case.customerId'],
      fields: ['case.subject', 'case.attributes', 'case.customer'],
    },
  ],
};

/** Defines the collections (with the deadline range index) and declares the personal data, once. */
export function ensureDurable(s: EngineState, storage: ThreadlineStorage): Promise<void> {
  s.durableReady ??= (async () => {
    const docs = storage.documents;
    await docs.defineCollection(CASES_COLLECTION, { indexes: CASE_INDEXES });
    await docs.defineCollection(CASE_DEADLINES_COLLECTION, { indexes: ['caseId'], ranges: ['dueAt'] });
    await docs.defineCollection(CASE_COUNTERS_COLLECTION, { indexes: [] });
    await declarePersonalData(docs, CASES_PERSONAL_DATA);
  })().catch((error: unknown) => {
    s.durableReady = undefined;
    throw error;
  });
  return s.durableReady;
}

/** The earliest instant at which the case has due work (`null` when none). */
export function nextDue(entry: CaseEntry): number | null {
  let due: number | null = null;
  for (const r of entry.sla.live) {
    if (r?.nextAt !== undefined && (due === null || r.nextAt < due)) due = r.nextAt;
  }
  return due;
}

/**
 * Adds a changed case and the events of the command in progress to the batch waiting to commit
 * (opening one, queued behind earlier writes, when none waits). Every command issued before the
 * batch starts joins it: one transaction per burst of synchronous commands.
 */
export function stage(s: EngineState, entry: CaseEntry, enqueue: (task: () => Promise<void>) => void): void {
  let batch = s.batch;
  if (batch === undefined) {
    const fresh: CommitBatch = { entries: new Set(), events: [] };
    s.batch = batch = fresh;
    enqueue(() => commitBatch(s, fresh));
  }
  if (!batch.entries.has(entry)) {
    batch.entries.add(entry);
    entry.pendingBatches = (entry.pendingBatches ?? 0) + 1;
  }
  if (s.outbox.length > 0) {
    batch.events.push(...s.outbox);
    s.outbox = [];
  }
}

/** One case's writes in a batch, built synchronously from the engine's state. */
interface Item {
  entry: CaseEntry;
  doc: StoredDocument;
  history: EventEnvelope[];
  streamVersion: number;
  audits: number;
  facts: number;
  due: number | null;
}

function build(entry: CaseEntry): Item {
  const c = entry.sla.case;
  const history = pendingHistory(entry);
  const streamVersion = (entry.streamVersion ?? 0) + history.length;
  const doc = {
    ...c,
    sla: entry.sla.records.map((r) => r.toInstance()),
    engineState: toStoredState(entry, streamVersion),
  } as unknown as StoredDocument;
  return {
    entry,
    doc,
    history,
    streamVersion,
    audits: (entry.audit?.length ?? 0) + 1,
    facts: entry.later?.length ?? 0,
    due: nextDue(entry),
  };
}

/**
 * Takes over a batch opened while this one was waiting (retries rebuild from the current
 * state, so the newer changes and their events must commit with it, never apart).
 */
function absorb(s: EngineState, batch: CommitBatch): void {
  const next = s.batch;
  s.batch = undefined;
  if (next === undefined || next === batch) return;
  for (const e of next.entries) {
    if (batch.entries.has(e)) e.pendingBatches = (e.pendingBatches ?? 1) - 1;
    else batch.entries.add(e);
  }
  batch.events.push(...next.events);
  next.entries.clear();
  next.events = [];
}

/**
 * Commits a batch in one transaction: each case document with `expectedVersion` (one `putMany`),
 * its deadline row when it moved (the new rows in one `putMany`), the metric sequence counter of
 * each tenant in the batch when it moved, every event of the batch into the outbox, and last each
 * case's new audit-stream events with the stream's `expectedVersion` (appends last: on
 * PostgreSQL the first append takes the append lock, held until the commit). Only then are the events delivered (bus and subscribers)
 * and closed cases evicted. A case document rewritten by someone else (an erasure) is re-read,
 * its stored personal fields adopted, and the batch rebuilt; any other failure marks the engine
 * broken (commands refuse with `ADAPTER`; a fresh engine's `recover()` resumes from the store).
 */
export async function commitBatch(s: EngineState, batch: CommitBatch): Promise<void> {
  const storage = s.durable as ThreadlineStorage;
  const store = storage.documents;
  if (s.batch === batch) s.batch = undefined;
  if (batch.entries.size === 0) return; // absorbed by an earlier batch
  try {
    if (s.broken !== undefined) throw s.broken;
    await ensureDurable(s, storage);
    for (let attempt = 1; ; attempt++) {
      absorb(s, batch);
      const items = [...batch.entries].map(build);
      // Read with the items, synchronously: exactly the records of the commands in this batch.
      const seq = s.tracker.nextSeq;
      const seqRows = new Set<string>();
      for (const it of items) {
        const tenant = it.entry.sla.case.tenantId;
        if (s.seqCommitted.get(tenant) !== seq) seqRows.add(tenant);
      }
      const events = batch.events;
      try {
        const versions = await (store.transaction as NonNullable<typeof store.transaction>)(async (tx) => {
          const log = tx.events;
          if (log === undefined) {
            throw new ThreadlineError(
              'ADAPTER',
              'Case engine: the storage transaction has no event log (tx.events)',
            );
          }
          // Every case document of the batch in one call (one statement on PostgreSQL).
          const written = await putMany(
            tx.documents,
            CASES_COLLECTION,
            items.map((it) => it.doc),
            { expectedVersions: items.map((it) => it.entry.storedVersion ?? 0) },
          );
          const out = written.map((d) => d.version);
          // Deadline rows, counters and outbox rows before the audit appends: an append may take
          // the store's append lock until the commit (PostgreSQL), so it comes last, and the
          // outbox row can ride with the first append (one statement on PostgreSQL).
          const deadlines: DocumentInput[] = [];
          for (const it of items) {
            if (it.due === it.entry.dueCommitted) continue;
            const c = it.entry.sla.case;
            // Only cases with due work have a row: rows do not pile up with every case handled.
            if (it.due === null) {
              await tx.documents.delete(CASE_DEADLINES_COLLECTION, c.id, { tenantId: c.tenantId });
            } else deadlines.push({ id: c.id, tenantId: c.tenantId, caseId: c.id, dueAt: it.due });
          }
          if (deadlines.length > 0) await putMany(tx.documents, CASE_DEADLINES_COLLECTION, deadlines);
          for (const tenantId of seqRows) {
            await tx.documents.put(CASE_COUNTERS_COLLECTION, { id: s.seqRow, tenantId, next: seq });
          }
          if (events.length > 0) await tx.outbox.add(events);
          for (const it of items) {
            const c = it.entry.sla.case;
            if (it.history.length > 0) {
              await log.append(caseStreamId(c.id), it.history, {
                tenantId: c.tenantId,
                expectedVersion: it.entry.streamVersion ?? 0,
              });
            }
          }
          return out;
        });
        items.forEach((it, i) => {
          it.entry.storedVersion = versions[i] as number;
          it.entry.dueCommitted = it.due;
          markHistoryCommitted(it.entry, it.streamVersion, it.audits, it.facts);
        });
        for (const tenantId of seqRows) s.seqCommitted.set(tenantId, seq);
        break;
      } catch (error) {
        if (!isThreadlineError(error, 'CONFLICT') || attempt >= MAX_ATTEMPTS) throw error;
        if (!(await adoptStored(s, batch, storage, items))) throw error;
      }
    }
  } catch (error) {
    release(s, batch, false);
    s.broken ??= new ThreadlineError(
      'ADAPTER',
      'Case engine: a storage commit failed; its changes are not stored. Start a fresh engine and `await engine.recover()`',
      { cause: error },
    );
    throw error;
  }
  release(s, batch, true);
  // The events are in the outbox: an injected bus gets them from there through the relay
  // (`createOutboxRelay({ storage, bus })`); the engine's own bus feeds its subscribers.
  if (s.ownBus !== undefined) deliver(s, batch.events);
}

/**
 * Re-reads documents that moved: adopts stored personal fields, and drops a new case whose id is
 * already stored (`false` when nothing explains the conflict).
 */
async function adoptStored(
  s: EngineState,
  batch: CommitBatch,
  storage: ThreadlineStorage,
  items: Item[],
): Promise<boolean> {
  let moved = false;
  for (const it of items) {
    const c = it.entry.sla.case;
    const stored = await storage.documents.get(CASES_COLLECTION, c.id, { tenantId: c.tenantId });
    if (stored === undefined) {
      if (it.entry.storedVersion === undefined) continue;
      throw new ThreadlineError('CONFLICT', `Case ${c.id} was deleted from the store`, {
        details: { caseId: c.id, tenantId: c.tenantId },
      });
    }
    if (stored.version === it.entry.storedVersion) continue;
    if (it.entry.storedVersion === undefined) {
      // A new case whose caller-chosen id is taken in the store (a case that left memory, or one
      // another process stored): never overwrite it. The opening is undone — the case leaves
      // memory, its events are dropped — and reported through `flush()`; the rest commits.
      dropNewCase(s, batch, it.entry);
      s.failures.push(
        new ThreadlineError('CONFLICT', `Case ${c.id} already exists in the store; it was not opened`, {
          details: { caseId: c.id, tenantId: c.tenantId },
        }),
      );
      moved = true;
      continue;
    }
    adoptPersonalFields(it.entry, stored as unknown as Partial<Case>);
    it.entry.storedVersion = stored.version;
    moved = true;
  }
  return moved;
}

function dropNewCase(s: EngineState, batch: CommitBatch, entry: CaseEntry): void {
  const c = entry.sla.case;
  if (batch.entries.delete(entry)) entry.pendingBatches = (entry.pendingBatches ?? 1) - 1;
  batch.events = batch.events.filter((e) => e.aggregateId !== c.id || e.tenantId !== c.tenantId);
  evict(s, entry, false);
}

/** Ends a batch: closed cases whose last batch committed leave memory (option `evictClosed`). */
function release(s: EngineState, batch: CommitBatch, committed: boolean): void {
  for (const e of batch.entries) {
    e.pendingBatches = (e.pendingBatches ?? 1) - 1;
    if (
      committed &&
      s.evictClosed &&
      e.pendingBatches === 0 &&
      e.sla.case.status === 'closed' &&
      nextDue(e) === null
    ) {
      evict(s, e);
    }
  }
}
