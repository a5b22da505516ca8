import {
  type DeliveryFailureSource,
  type DocumentStore,
  type EventHandler,
  reportDeliveryFailure,
  type StoredDocument,
  ThreadlineError,
} from '@threadline/core';
import type { CaseEngineEvent, CaseEngineEventPayloads, CaseEngineEventType } from '../events.js';
import type { CaseSla, SlaEmit } from '../sla/tracker.js';
import { nextDue, stage } from './durable.js';
import { writeCase } from './erasure.js';
import { type CaseEntry, type EngineState, evict } from './state.js';
import { toStoredState } from './storedState.js';

const CASE_INDEXES = ['customerId', 'status', 'team', 'assignee'] as const;

/**
 * Events are built only when someone can see them: an injected bus, a subscriber, or (durable
 * mode) the outbox, which keeps every event for relays in other processes.
 */
function wantsEvents(s: EngineState): boolean {
  return s.ownBus === undefined || s.subscribers > 0 || s.durable !== undefined;
}

/** Adds an event of the command in progress to the outbox (published on commit). */
export function queue<K extends CaseEngineEventType>(
  s: EngineState,
  type: K,
  sla: CaseSla,
  at: number,
  payload: CaseEngineEventPayloads[K],
): void {
  // Counted even when nobody listens, so a later subscriber sees the case's true event count.
  const version = ++sla.events;
  if (!wantsEvents(s)) return;
  const c = sla.case;
  s.outbox.push({
    id: s.ids.next('evt'),
    type,
    tenantId: c.tenantId,
    aggregateId: c.id,
    aggregateType: 'case',
    version,
    occurredAt: at,
    payload,
  } as CaseEngineEvent);
}

/** The SLA tracker's event sink for the live engine: SLA events join the outbox. */
export function slaEmitter(s: EngineState): SlaEmit {
  return (type, state, at, payload) => {
    queue(s, type, state, at, payload as CaseEngineEventPayloads[typeof type]);
  };
}

/**
 * Publishes queued events and persists the case (in order, in the background; see `flush`).
 * A case changed behind the `advanceTo` horizon (a backdated change, or a clock behind the
 * horizon) first fires what fell due up to the horizon, as `advanceTo` did for every other case.
 */
export function commit(s: EngineState, entry: CaseEntry): void {
  if (s.horizon > (entry.sla.firedAt ?? entry.sla.lastAt)) s.tracker.catchUp(entry.sla, s.horizon);
  publishAndPersist(s, entry);
}

/**
 * `commit` without the catch-up: for `advanceTo`, which has just fired everything due. In durable
 * mode the change joins the batch waiting to commit (see `durable.ts`) and its events are
 * delivered once that transaction committed; otherwise they are published now and the document
 * is written in the background.
 */
export function publishAndPersist(s: EngineState, entry: CaseEntry): void {
  if (s.durable !== undefined) {
    stage(s, entry, (task) => enqueue(s, task));
    return;
  }
  const events = s.outbox;
  if (events.length > 0) {
    s.outbox = [];
    deliver(s, events);
  }
  persist(s, entry);
  // Memory mode with `retainClosed: false`: a closed case whose SLA is final leaves memory (its
  // document, if any, was built above). Nothing about it can change any more but a follow-up link.
  if (!s.retainClosed && entry.sla.case.status === 'closed' && nextDue(entry) === null) evict(s, entry);
}

/**
 * Publishes events on the bus (the in-process bus delivers synchronously); flush() waits for
 * the promise. A refused publish is counted and reported, never raised: the change is applied.
 */
export function deliver(s: EngineState, events: CaseEngineEvent[]): void {
  if (events.length > 0) {
    let published: Promise<void>;
    try {
      published = s.bus.publish(events);
    } catch (error) {
      published = Promise.reject(error);
    }
    const settled = Promise.resolve(published).then(
      () => {
        s.inFlight.delete(settled);
      },
      (error: unknown) => {
        s.inFlight.delete(settled);
        deliveryFailed(s, 'bus', error, events);
      },
    );
    s.inFlight.add(settled);
  }
}

function persist(s: EngineState, entry: CaseEntry): void {
  const store = s.store;
  if (store === undefined) return;
  // Built now: the records are mutable and the write happens later.
  const doc = caseDocument(entry);
  const scrubs = entry.scrubs;
  enqueue(s, async () => {
    await ensureCollection(s, store);
    await writeCase(store, entry, () => caseDocument(entry), doc, scrubs);
  });
}

/** The stored document of a case: the case, its SLA instances and its whole engine state. */
function caseDocument(entry: CaseEntry): StoredDocument {
  const c = entry.sla.case;
  return {
    ...c,
    sla: entry.sla.records.map((r) => r.toInstance()),
    engineState: toStoredState(entry),
  } as unknown as StoredDocument;
}

/** Defines the `cases` collection once per engine. */
export async function ensureCollection(s: EngineState, store: DocumentStore): Promise<void> {
  if (s.collectionReady) return;
  await store.defineCollection('cases', { indexes: CASE_INDEXES });
  s.collectionReady = true;
}

function enqueue(s: EngineState, task: () => Promise<void>): void {
  s.writes = s.writes.then(task).catch((error: unknown) => {
    s.failures.push(error);
  });
  track(s, s.writes);
}

function track(s: EngineState, p: Promise<void>): void {
  const tracked = p.then(
    () => {
      s.inFlight.delete(tracked);
    },
    (error: unknown) => {
      s.inFlight.delete(tracked);
      s.failures.push(error);
    },
  );
  s.inFlight.add(tracked);
}

/**
 * Counts a delivery failure and reports it to `onError`; a throwing `onError` is ignored (the
 * counters still hold the failure).
 */
export function deliveryFailed(
  s: EngineState,
  source: DeliveryFailureSource,
  error: unknown,
  events: readonly CaseEngineEvent[],
): void {
  reportDeliveryFailure(s, source, error, events);
}

/**
 * Wraps a subscriber so that a throw or a rejected promise is counted and reported instead of
 * reaching the bus: a failing subscriber never stops delivery to the others nor fails a command.
 */
export function isolated<E extends CaseEngineEvent>(
  s: EngineState,
  handler: EventHandler<E>,
): EventHandler<E> {
  return (event) => {
    try {
      const result = handler(event);
      if (
        result !== null &&
        typeof result === 'object' &&
        typeof (result as Promise<unknown>).then === 'function'
      ) {
        (result as Promise<unknown>).then(undefined, (error: unknown) =>
          deliveryFailed(s, 'subscriber', error, [event]),
        );
      }
    } catch (error) {
      deliveryFailed(s, 'subscriber', error, [event]);
    }
  };
}

/**
 * Waits for every publication and write so far; rejects once with `ADAPTER` if a store write
 * failed. Publish failures do not reject (see `deliveryFailed`).
 */
export async function flush(s: EngineState): Promise<void> {
  while (s.inFlight.size > 0) await Promise.all([...s.inFlight]);
  if (s.failures.length > 0) {
    const failures = s.failures.splice(0);
    throw new ThreadlineError('ADAPTER', `Case engine: ${failures.length} store write(s) failed`, {
      cause: failures[0],
      details: { failures },
    });
  }
}
