import {
  type BusinessCalendar,
  type ChannelSender,
  type Clock,
  type EventBus,
  type EventEnvelope,
  type Instant,
  parseEvent,
  parseInput,
  resolveBusOption,
  resolveDocumentStoreOption,
  type SendGuard,
  ThreadlineError,
  type ThreadlineStorage,
  toMillis,
  type Unsubscribe,
} from '@threadline/core';
import { z } from 'zod';
import { type CompiledJourney, compileJourneys, matchesAny, readPath } from './compile.js';
import {
  type JourneyDefinition,
  JourneyDefinitionSchema,
  type ParsedJourneyDefinition,
} from './definition.js';
import type { JourneyEvent } from './events.js';
import { DONE, EXIT_REASONS, type JourneyExitReason, SENDING, WAITING, WAITING_EVENT } from './instances.js';
import type { AddressResolver, JourneyHandleResult } from './outcomes.js';
import {
  instanceDocumentId,
  JOURNEY_COLLECTION,
  JOURNEY_COLLECTION_DEFINITION,
  type JourneyInstanceDocument,
  loadDocument,
  toDocument,
} from './persistence.js';
import { JourneyRuntime } from './runtime.js';

/** Zod schema for the engine's configuration (everything but the injected ports). */
export const JourneyEngineConfigSchema = z
  .object({
    journeys: z.array(JourneyDefinitionSchema).max(65_000),
    /** Sends run at most this many at a time (default 16). */
    sendConcurrency: z.number().int().min(1).max(10_000).default(16),
  })
  .strict();

/** Options for {@link createJourneyEngine}. */
export interface JourneyEngineOptions {
  journeys: JourneyDefinition[];
  /** The channel sender(s): each send step uses the first sender that lists the channel. */
  sender: ChannelSender | readonly ChannelSender[];
  /**
   * Checked before each send (consent, quiet hours: core's `createSendGuard`); a refusal tries the
   * next channel. Without it the engine checks nothing itself and relies on the senders' own guard
   * (every channel adapter's sender takes one); give one of the two wherever consent matters.
   */
  guard?: SendGuard;
  /** The recipient's address per channel. Default: the captured value named after the channel (`data.email`, `data.sms`, `data.whatsapp`). */
  address?: AddressResolver;
  clock: Clock;
  /** Business calendars `wait` steps name (`calendar: 'support'`). */
  calendars?: Readonly<Record<string, BusinessCalendar>>;
  /** Where `connect` listens; without `storage`, where journey events are published. */
  bus?: EventBus;
  /**
   * Durable state: each change commits the instance documents and their events (outbox) in one
   * transaction; `recover()` resumes every journey at its step. Needs transactions.
   */
  storage?: ThreadlineStorage;
  /** Sends at most this many at a time (default 16). */
  sendConcurrency?: number;
  /** Failures that do not stop the engine: a sender that throws, a bus that refuses events. */
  onError?: (error: unknown, context: { source: string }) => void;
}

/** A customer's instance of a journey, as {@link JourneyEngine.instance} shows it. */
export interface JourneyInstanceView {
  journeyId: string;
  version: number;
  customerId: string;
  tenantId: string;
  run: number;
  stepId: string;
  status: 'waiting' | 'waiting_event' | 'sending' | 'done';
  dueAt?: number;
  variant?: string;
  exitReason?: JourneyExitReason;
  enteredAt: number;
}

/** Counters of a journey engine. */
export interface JourneyEngineStats {
  /** Open instances by status. */
  waiting: number;
  waitingEvent: number;
  sending: number;
  /**
   * Finished instances the engine remembers: without storage, every one (as a compact record);
   * with storage, none once committed (the stored documents are the record).
   */
  done: number;
  /** Instance slots held in memory: the open instances (finished ones leave after each call). */
  inMemory: number;
  /** Steps entered since the engine started. */
  transitions: number;
  /** Transactions committed (durable mode). */
  commits: number;
}

/** A running journey engine (see {@link createJourneyEngine}). */
export interface JourneyEngine {
  /** Handles one event: goals and `wait_for` steps of its customer, then journey triggers. One at a time, in order. */
  handle(event: EventEnvelope): Promise<JourneyHandleResult>;
  /** Fires every wait due at or before `now` (default: the clock), then runs the sends it reached. */
  advanceTo(now?: Instant): Promise<{ fired: number; transitions: number }>;
  /** The earliest pending timer (epoch ms), or `undefined`. */
  nextDeadline(): number | undefined;
  /**
   * Subscribes to the bus for the events the journeys read — trigger, goal and `wait_for` types
   * and patterns — and handles each (never `journey.*` ones). Returns the unsubscribe function.
   */
  connect(): Unsubscribe;
  /** Resolves when every command received so far is done. */
  idle(): Promise<void>;
  /** Loads a tenant's active instances from storage and re-runs sends that were in flight (same idempotency keys). */
  recover(options?: { tenantId?: string }): Promise<{ loaded: number; resent: number; unknown: string[] }>;
  /**
   * A customer's instance of a journey (any version), or `undefined`. Open instances always;
   * finished ones without storage (from their compact record) — with storage, read the stored
   * document (`JOURNEY_COLLECTION`, id `<journeyId>:<customerId>`).
   */
  instance(journeyId: string, customerId: string, tenantId?: string): JourneyInstanceView | undefined;
  stats(): JourneyEngineStats;
  /** The validated journeys. */
  journeys(): readonly ParsedJourneyDefinition[];
}

/**
 * The bus patterns covering every event type the journeys read, none covered by another (so an
 * event matches at most one): `*` alone if any journey reads everything.
 */
export function subscriptionPatterns(journeys: readonly CompiledJourney[]): string[] {
  const all = new Set<string>();
  for (const j of journeys) {
    for (const p of j.triggerPatterns) all.add(p);
    for (const p of j.goalPatterns) all.add(p);
    for (const step of j.steps) for (const p of step.patterns) all.add(p);
  }
  if (all.has('*')) return ['*'];
  const covers = (wide: string, narrow: string) =>
    wide !== narrow && wide.endsWith('.*') && narrow.startsWith(wide.slice(0, -1));
  const list = [...all];
  return list.filter((p) => !list.some((q) => covers(q, p))).sort();
}

const STATUS = ['free', 'waiting', 'waiting_event', 'sending', 'done'] as const;

/**
 * The journey engine: event-triggered multi-step flows defined as data. A trigger event enters a
 * customer (once per journey unless `reentry` allows more; the same event twice enters once);
 * steps wait (durations, on business calendars too), wait for an event with a timeout, branch on
 * rule-language conditions and send through `ChannelSender`s with channel fallback (the guard —
 * consent and quiet hours — is asked before each send; a refusal, a missing address or a failed
 * delivery tries the next channel). A goal event ends the journey. An optional split assigns
 * each customer deterministically to a variant or the holdout (who receives nothing, for lift).
 * Time comes from `advanceTo`; with `storage`, state and events commit together and `recover()`
 * resumes after a crash without sending twice (sends carry deterministic idempotency keys).
 *
 * @example
 * ```ts
 * const engine = createJourneyEngine({
 *   clock,
 *   sender: [whatsapp, sms, email],
 *   guard: createSendGuard({ consent, quietHours: daytime, clock }),
 *   journeys: [{
 *     id: 'outage-notice', version: 1,
 *     trigger: { on: 'outage.detected_for_customer', capture: { sms: 'payload.phone', email: 'payload.email' } },
 *     goal: { on: 'outage.resolved_for_customer' },
 *     split: { seed: 'outage', holdout: 0.1, variants: [{ id: 'notify', weight: 1 }] },
 *     steps: [
 *       { type: 'send', id: 'notice', channels: ['whatsapp', 'sms', 'email'], content: { text: 'We know about the outage in your area.' } },
 *       { type: 'wait', id: 'later', duration: { hours: 4 } },
 *       { type: 'send', id: 'update', channels: ['sms', 'email'], content: { text: 'Still working on it.' } },
 *     ],
 *   }],
 * });
 * await engine.handle(event);
 * await engine.advanceTo(clock.now());
 * ```
 */
export function createJourneyEngine(options: JourneyEngineOptions): JourneyEngine {
  const config = parseInput(
    JourneyEngineConfigSchema,
    {
      journeys: options.journeys,
      ...(options.sendConcurrency === undefined ? {} : { sendConcurrency: options.sendConcurrency }),
    },
    'journey engine options',
    'CONFIG',
  );
  const configIssue = (path: string, message: string) =>
    new ThreadlineError('CONFIG', `Invalid journey engine options: ${path}: ${message}`, {
      issues: [{ path: [path], message, code: 'invalid_config' }],
    });
  if (typeof options.clock?.now !== 'function') throw configIssue('clock', 'expected a Clock');
  const senders = Array.isArray(options.sender) ? options.sender : [options.sender as ChannelSender];
  senders.forEach((s, i) => {
    if (typeof s?.send !== 'function' || !Array.isArray(s.channels))
      throw configIssue(`sender.${i}`, 'expected a ChannelSender');
  });
  const bus = resolveBusOption('journey engine', options.bus);
  const store = resolveDocumentStoreOption('journey engine', options.storage, undefined);
  const storage = options.storage;
  if (store !== undefined && (store.capabilities.transactions !== true || store.transaction === undefined))
    throw configIssue('storage', 'durable journeys need a store with transactions');
  const onError = options.onError ?? (() => {});
  const clock = options.clock;
  const compiled = compileJourneys(config.journeys, options.calendars ?? {});
  const byKey = new Map(compiled.map((j) => [j.key, j]));
  const rt = new JourneyRuntime({
    journeys: compiled,
    senders,
    guard: options.guard,
    address:
      options.address ??
      (({ channel, data }) => {
        const v = data[channel];
        return typeof v === 'string' ? v : undefined;
      }),
    emit: bus !== undefined || storage !== undefined,
    durable: storage !== undefined,
    sendConcurrency: config.sendConcurrency,
    onError,
  });
  rt.trackDirty = storage !== undefined;
  let commits = 0;
  let broken: unknown;
  let queue: Promise<unknown> = Promise.resolve();
  let defined: Promise<void> | undefined;
  const ready = () => {
    defined ??=
      store?.defineCollection(JOURNEY_COLLECTION, JOURNEY_COLLECTION_DEFINITION) ?? Promise.resolve();
    return defined;
  };

  function enqueue<R>(fn: () => Promise<R>): Promise<R> {
    const run = queue.then(() => {
      if (broken !== undefined)
        throw new ThreadlineError(
          'ADAPTER',
          'journey engine stopped after a failed commit; recover a fresh engine',
          {
            cause: broken,
          },
        );
      return fn();
    });
    queue = run.catch(() => undefined);
    return run;
  }

  /** One commit path: the changed instance documents and their events, in one transaction. */
  async function commit(): Promise<void> {
    const events = rt.out.splice(0) as JourneyEvent[];
    if (storage === undefined || store === undefined) {
      if (bus !== undefined && events.length > 0) {
        try {
          await bus.publish(events);
        } catch (error) {
          onError(error, { source: 'bus' });
        }
      }
      return;
    }
    const slots = rt.takeDirty();
    if (slots.length === 0 && events.length === 0) return;
    await ready();
    const t = rt.table;
    try {
      const versions = await (store.transaction as NonNullable<typeof store.transaction>)(async (tx) => {
        const out: number[] = [];
        for (const slot of slots) {
          const saved = await tx.documents.put(
            JOURNEY_COLLECTION,
            toDocument(t, slot, rt.journeyOf(slot)) as never,
            {
              expectedVersion: t.docVersion[slot] as number,
            },
          );
          out.push(saved.version);
        }
        if (events.length > 0) await tx.outbox.add(events);
        return out;
      });
      slots.forEach((slot, i) => {
        t.docVersion[slot] = versions[i] as number;
      });
      commits++;
    } catch (error) {
      broken = error;
      throw new ThreadlineError('ADAPTER', 'journey engine commit failed', { cause: error });
    }
  }

  /**
   * Commits, then runs reached sends (committing after each round) until none is left; then the
   * instances that finished leave memory (nothing is in flight, their documents are committed).
   */
  async function settle(): Promise<void> {
    await commit();
    while (rt.pendingSends.length > 0) {
      await rt.flushSends(clock.now());
      await commit();
    }
    rt.releaseFinished();
  }

  /** Durable mode: loads stored instances of the event's customer for journeys it may enter. */
  async function hydrate(event: EventEnvelope): Promise<void> {
    if (store === undefined) return;
    const ids: string[] = [];
    for (const j of rt.latest()) {
      if (!j.def.enabled || !matchesAny(j.triggerPatterns, event.type)) continue;
      const customerId = readPath(event, j.triggerCustomer);
      if (
        typeof customerId !== 'string' ||
        customerId.length === 0 ||
        rt.slotOf(event.tenantId, customerId, j.def.id) !== -1
      )
        continue;
      ids.push(instanceDocumentId(j.def.id, customerId));
    }
    if (ids.length === 0) return;
    await ready();
    const docs = await store.getMany<JourneyInstanceDocument>(JOURNEY_COLLECTION, ids, {
      tenantId: event.tenantId,
    });
    for (const doc of docs) {
      if (doc === undefined) continue;
      const slot = loadDocument(rt.table, doc, byKey.get(`${doc.journeyId}@${doc.journeyVersion}`));
      if (slot !== undefined) rt.noteLoaded(slot);
    }
  }

  const engine: JourneyEngine = {
    handle(input) {
      let event: EventEnvelope;
      try {
        event = parseEvent(input);
      } catch (error) {
        return Promise.reject(error);
      }
      return enqueue(async () => {
        await hydrate(event);
        const result = rt.handleEvent(event, clock.now());
        await settle();
        return result;
      });
    },

    advanceTo(at) {
      const now = at === undefined ? clock.now() : toMillis(at, 'now');
      return enqueue(async () => {
        const before = rt.transitions;
        const fired = rt.advance(now);
        await settle();
        return { fired, transitions: rt.transitions - before };
      });
    },

    nextDeadline: () => rt.nextDeadline(),

    connect() {
      if (bus === undefined) throw configIssue('bus', 'connect() needs a bus');
      const handler = (event: EventEnvelope) => {
        if (event.type.startsWith('journey.')) return;
        engine.handle(event).catch((error: unknown) => onError(error, { source: 'handle' }));
      };
      // Only the events some journey reads (triggers, goals, waits for an event): on a busy bus
      // the rest never reach the engine. No two patterns kept overlap, so each event comes once.
      const offs = subscriptionPatterns(compiled).map((p) => bus.subscribe(p, handler));
      return () => {
        for (const off of offs) off();
      };
    },

    idle: () => queue.then(() => undefined),

    recover(opts = {}) {
      return enqueue(async () => {
        if (store === undefined) throw configIssue('storage', 'recover() needs storage');
        await ready();
        const tenantId = opts.tenantId ?? 'default';
        let loaded = 0;
        const unknown = new Set<string>();
        for (const status of ['waiting', 'waiting_event', 'sending'] as const) {
          let cursor: string | undefined;
          do {
            const page = await store.find<JourneyInstanceDocument>(JOURNEY_COLLECTION, {
              where: { status },
              tenantId,
              limit: 1000,
              ...(cursor === undefined ? {} : { cursor }),
            });
            for (const doc of page.items) {
              if (rt.slotOf(doc.tenantId, doc.customerId, doc.journeyId) !== -1) continue;
              const j = byKey.get(`${doc.journeyId}@${doc.journeyVersion}`);
              const slot = loadDocument(rt.table, doc, j);
              if (slot === undefined) {
                unknown.add(`${doc.journeyId}@${doc.journeyVersion}`);
                continue;
              }
              loaded++;
              if (rt.table.status[slot] === SENDING) rt.resume(slot);
            }
            cursor = page.nextCursor;
          } while (cursor !== undefined);
        }
        const resent = rt.pendingSends.length;
        await settle();
        return { loaded, resent, unknown: [...unknown] };
      });
    },

    instance(journeyId, customerId, tenantId = 'default') {
      const slot = rt.slotOf(tenantId, customerId, journeyId);
      if (slot === -1) {
        const done = rt.finished.get(tenantId, customerId, journeyId);
        if (done === undefined) return undefined;
        const j = compiled[done.journey] as (typeof compiled)[number];
        const view: JourneyInstanceView = {
          journeyId,
          version: j.def.version,
          customerId,
          tenantId,
          run: done.run,
          stepId: j.steps[done.step]?.id ?? '',
          status: 'done',
          enteredAt: done.enteredAt,
          exitReason: EXIT_REASONS[done.exit] as JourneyExitReason,
        };
        if (done.variant > 0) view.variant = j.split?.variants[done.variant - 1]?.id as string;
        return view;
      }
      const t = rt.table;
      const j = rt.journeyOf(slot);
      const status = STATUS[t.status[slot] as number] as JourneyInstanceView['status'];
      const v = t.variant[slot] as number;
      const view: JourneyInstanceView = {
        journeyId,
        version: j.def.version,
        customerId,
        tenantId,
        run: t.run[slot] as number,
        stepId: j.steps[t.step[slot] as number]?.id ?? '',
        status,
        enteredAt: t.enteredAt[slot] as number,
      };
      if (t.status[slot] === WAITING || t.status[slot] === WAITING_EVENT) view.dueAt = t.due[slot] as number;
      if (v > 0) view.variant = j.split?.variants[v - 1]?.id as string;
      if (t.status[slot] === DONE)
        view.exitReason = EXIT_REASONS[t.exit[slot] as number] as JourneyExitReason;
      return view;
    },

    stats() {
      const t = rt.table;
      const counts = [0, 0, 0, 0, 0];
      for (let s = 0; s < t.size; s++)
        counts[t.status[s] as number] = (counts[t.status[s] as number] as number) + 1;
      return {
        waiting: counts[WAITING] as number,
        waitingEvent: counts[WAITING_EVENT] as number,
        sending: counts[SENDING] as number,
        done: (counts[DONE] as number) + rt.finished.size,
        inMemory: t.live,
        transitions: rt.transitions,
        commits,
      };
    },

    journeys: () => compiled.map((j) => j.def),
  };
  return engine;
}
