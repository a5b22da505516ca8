// The wiring of a simulated day: one clock, one id generator, one store and one bus shared by
// every package's engine, configured like the demo's contact center unless the host says otherwise.
import { createMemoryStorage } from '@threadline/adapter-memory';
import {
  createCaseEngine,
  type EscalationLadderInput,
  type RoutingRuleInput,
  type SlaPolicyInput,
} from '@threadline/cases';
import {
  type BusinessCalendar,
  createContextAssembler,
  createIdentityService,
  createOutboxRelay,
  createSequentialIds,
  InProcessEventBus,
  ManualClock,
  type ThreadlineStorage,
} from '@threadline/core';
import { createInsightsStream } from '@threadline/insights';
import { createRoutingEngine, type HandoffRules, type WorkflowConfig } from '@threadline/routing';
import {
  buildEscalations,
  buildHealthModel,
  buildPolicies,
  buildRoutingRules,
  buildWorkflow,
  centerCalendar,
} from '../center/config.js';

/**
 * The configuration a what-if changes: the routing workflow, SLA policies, escalation ladders,
 * team-routing rules and business calendars. Every field left out takes the demo center's value.
 */
export interface CenterConfiguration {
  /** The routing workflow (default {@link buildWorkflow}). */
  workflow?: WorkflowConfig;
  /** SLA policies (default {@link buildPolicies}). */
  policies?: SlaPolicyInput[];
  /** Escalation ladders (default {@link buildEscalations}). */
  escalations?: EscalationLadderInput[];
  /** Rule-triggered escalation to teams (default {@link buildRoutingRules}). */
  routingRules?: RoutingRuleInput[];
  /** Business calendars by name for the SLA policies (default `{ center: centerCalendar(timeZone) }`). */
  calendars?: Record<string, BusinessCalendar>;
  /** How long an offer rings before it times out (default 20 s). */
  reservationTimeoutMs?: number;
  /** When a bot hands off by itself (default: on request, sentiment below −0.6, confidence below 0.35). */
  handoffRules?: HandoffRules;
}

/**
 * Builds every engine of the simulated center; the clock starts a minute before opening.
 *
 * With `storage` (a `{ documents, events, outbox }` bundle, e.g. `createPostgresStorage` on
 * PGlite or PostgreSQL) identity, routing (journaled) and cases (durable) commit there, their
 * events reach the day's bus only through an outbox relay, and `settle()` commits what the last
 * step did and delivers its events before the simulation moves on, so the day makes the same
 * decisions as on memory. Without it, everything stays in memory and `settle` is `undefined`.
 */
export function wireEngines(options: {
  openAt: number;
  timeZone: string;
  config?: CenterConfiguration;
  storage?: ThreadlineStorage;
  /** The memory storage's `retention.closedConversations.closedForMs` (memory only). */
  conversationRetentionMs?: number;
  /** Memory only: whether the case engine keeps closed cases (default `true`). */
  retainClosedCases?: boolean;
}) {
  const config = options.config ?? {};
  const clock = new ManualClock(options.openAt - 60_000);
  const ids = createSequentialIds();
  // A durable bundle is used through a view that notes each transaction: the relay only needs a
  // look at the outbox after something committed (most simulation steps commit nothing).
  let committed = false;
  const durable =
    options.storage === undefined
      ? undefined
      : noteCommits(options.storage, () => {
          committed = true;
        });
  const storage =
    durable ??
    (options.conversationRetentionMs === undefined
      ? createMemoryStorage()
      : createMemoryStorage({
          clock,
          retention: { closedConversations: { closedForMs: options.conversationRetentionMs } },
        }));
  // The simulation reads and writes documents directly. In memory, identity publishes to the bus
  // after each commit (the document store alone, no outbox relay to drive); with a durable
  // storage every engine commits its events to the outbox and a relay feeds the bus.
  const store = storage.documents;
  const bus = new InProcessEventBus();
  const identity =
    durable === undefined
      ? createIdentityService({ store, clock, ids, bus })
      : createIdentityService({ storage: durable, clock, ids, bus });
  const contexts = createContextAssembler({ store, clock });
  const routing = createRoutingEngine({
    clock,
    ids,
    bus,
    workflow: config.workflow ?? buildWorkflow(),
    reservationTimeoutMs: config.reservationTimeoutMs ?? 20_000,
    handoffRules: config.handoffRules ?? {
      onCustomerRequest: true,
      sentimentBelow: -0.6,
      confidenceBelow: 0.35,
    },
    // Commits only when the day settles (no timer, no size trigger within a step).
    ...(durable === undefined
      ? {}
      : {
          storage: durable,
          journal: { engineId: 'day', flushIntervalMs: 0, maxBatch: 100_000, snapshotEvery: 10_000 },
        }),
  });
  const cases = createCaseEngine({
    clock,
    ids,
    bus,
    calendars: config.calendars ?? { center: centerCalendar(options.timeZone) },
    policies: config.policies ?? buildPolicies(),
    escalations: config.escalations ?? buildEscalations(),
    routingRules: config.routingRules ?? buildRoutingRules(),
    // The report reads every case of the day from the engine, closed ones included.
    ...(durable === undefined ? {} : { storage: durable, evictClosed: false }),
    ...(durable === undefined && options.retainClosedCases === false ? { retainClosed: false } : {}),
  });
  const relay =
    durable === undefined ? undefined : createOutboxRelay({ storage: durable, bus, clock, batchSize: 1_000 });
  /** Commits every engine's pending work and delivers the committed events to the bus, until quiet. */
  const settle =
    relay === undefined
      ? undefined
      : async (): Promise<void> => {
          for (;;) {
            await routing.flush();
            await cases.flush();
            if (!committed) return;
            committed = false;
            await relay.tick();
          }
        };
  const insights = createInsightsStream({
    clock,
    ids,
    topicOf: (e) =>
      e.type === 'conversation.classified' ? (e.payload as { topic: string }).topic : undefined,
    spike: { window: { minutes: 15 }, timeZone: options.timeZone, fdr: 0.01, minCount: 10 },
    health: {
      model: buildHealthModel(),
      read: (e) =>
        e.type === 'customer.measured'
          ? { customerId: e.aggregateId, values: e.payload as Record<string, number> }
          : undefined,
      emit: 'band',
    },
  });
  return { clock, ids, store, bus, identity, contexts, routing, cases, insights, settle };
}

/** The same storage, with `onCommit` called whenever a transaction of its document store starts. */
function noteCommits(storage: ThreadlineStorage, onCommit: () => void): ThreadlineStorage {
  const docs = storage.documents;
  const documents = new Proxy(docs, {
    get(target, prop) {
      if (prop === 'transaction' && typeof target.transaction === 'function') {
        return (fn: Parameters<NonNullable<typeof target.transaction>>[0]) => {
          onCommit();
          return (target.transaction as NonNullable<typeof target.transaction>)(fn);
        };
      }
      const value = Reflect.get(target, prop, target) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { ...storage, documents };
}
