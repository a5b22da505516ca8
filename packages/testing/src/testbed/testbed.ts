// createTestbed: every engine wired on the in-memory adapters, a manual clock and the in-process
// bus, with time under the test's control and a record of every event published.
import { createMemoryStorage, type MemoryStorage } from '@threadline/adapter-memory';
import { type CaseEngine, createCaseEngine } from '@threadline/cases';
import {
  type ContextAssembler,
  createContextAssembler,
  createIdentityService,
  createOutboxRelay,
  createRandom,
  createSequentialIds,
  type DurationInput,
  type EventEnvelope,
  type IdentityService,
  InProcessEventBus,
  ManualClock,
  type OutboxRelay,
  type Random,
  Scheduler,
  ThreadlineError,
  toDurationMs,
} from '@threadline/core';
import { createInsightsStream, type InsightsStream } from '@threadline/insights';
import { createRoutingEngine, type RoutingEngine } from '@threadline/routing';
import { checkTestbedOptions, defaultWorkflow, type TestbedOptions } from './options.js';
import { createScenario, type Scenario } from './scenario.js';

/** A wired Threadline: the engines, the clock that drives them, and what they published. */
export interface Testbed extends Scenario {
  /** The clock every engine reads; move it with `advance` / `advanceTo` so deadlines fire. */
  clock: ManualClock;
  /** The in-process bus every engine publishes on. */
  bus: InProcessEventBus;
  /** The in-memory storage bundle (documents: customers, identities, conversations, messages). */
  storage: MemoryStorage;
  /** Identity resolution over `storage`. */
  identity: IdentityService;
  /** The customer-context assembler (register your own providers on it). */
  contexts: ContextAssembler;
  /** The routing engine, with the options' workflow and roster. */
  routing: RoutingEngine;
  /** The case engine, with the options' SLA policies, escalations and calendars. */
  cases: CaseEngine;
  /** The insights stream, fed with conversation, customer and case events from the bus. */
  insights: InsightsStream;
  /** Seeded random draws for the test's own choices (same seed, same draws). */
  random: Random;
  /** The outbox relay that publishes identity's committed events (the steps drain it). */
  relay: OutboxRelay;
  /** The scheduler that drives routing, cases and insights from the clock. */
  scheduler: Scheduler;
  /** The current instant (epoch ms). */
  now(): number;
  /** Moves the clock forward by `duration` (ms or `{ minutes: 5 }`), firing every deadline on the way. */
  advance(duration: DurationInput): void;
  /** Moves the clock to `instant`, firing every deadline up to it. */
  advanceTo(instant: Date | number): void;
  /**
   * The events published so far, in order: all of them, those of one type (`case.opened`), or of a
   * prefix (`sla.*`).
   */
  events(pattern?: string): EventEnvelope[];
}

const DEFAULT_START = Date.UTC(2026, 5, 16, 13, 0, 0);

function matches(pattern: string, type: string): boolean {
  if (pattern === '*') return true;
  if (pattern.endsWith('.*')) return type.startsWith(pattern.slice(0, -1));
  return pattern === type;
}

/**
 * Wires identity, routing, cases (with SLA policies and escalations) and insights on
 * `createMemoryStorage()`, a `ManualClock` and the in-process bus. Deterministic: the same options
 * and the same steps give the same ids, events and outcomes. Runner-agnostic: use it from vitest,
 * `node:test` or anything else.
 *
 * @example
 * ```ts
 * import { createTestbed } from '@threadline/testing';
 *
 * const tb = createTestbed({
 *   roster: [{ id: 'ana', capacity: { chat: 2 } }],
 *   policies: [{ id: 'chat', time: 'calendar', targets: { first_reply: { normal: 60_000 } } }],
 * });
 * const contact = await tb.customerWrites({ channel: 'chat', from: { kind: 'email', value: 'li@example.com' }, text: 'My refund?' });
 * tb.advance({ minutes: 2 });
 * tb.events('sla.breached').length; // 1: nobody answered within a minute
 * ```
 */
export function createTestbed(options: TestbedOptions = {}): Testbed {
  checkTestbedOptions(options);
  const start = options.start === undefined ? DEFAULT_START : new Date(options.start).getTime();
  const clock = new ManualClock(start);
  const ids = createSequentialIds();
  const random = createRandom(options.seed ?? 1);
  const storage = options.storage ?? createMemoryStorage();
  const store = storage.documents;
  const bus = new InProcessEventBus();
  const published: EventEnvelope[] = [];
  bus.subscribe('*', (e) => {
    published.push(e);
  });
  // Identity commits its documents and events together (the storage bundle's outbox); the relay
  // publishes them, as in production, and the steps drain it so the test sees them at once.
  const identity = createIdentityService({ storage, clock, ids, bus });
  const relay = createOutboxRelay({ storage, bus, clock });
  const contexts = createContextAssembler({ store, clock });
  const routing = createRoutingEngine({
    clock,
    ids,
    bus,
    workflow: options.workflow ?? defaultWorkflow(),
    reservationTimeoutMs: options.reservationTimeoutMs ?? 30_000,
    handoffRules: options.handoffRules ?? { onCustomerRequest: true },
  });
  const cases = createCaseEngine({
    clock,
    ids,
    bus,
    calendars: options.calendars ?? {},
    policies: options.policies ?? [],
    escalations: options.escalations ?? [],
    routingRules: options.routingRules ?? [],
  });
  const insights = createInsightsStream({ clock, ids });
  insights.connect(bus, ['conversation.*', 'customer.*', 'case.*']);
  // A worker without a status is on duty: the roster is who works in the test.
  for (const worker of options.roster ?? []) routing.upsertWorker({ status: 'available', ...worker });

  const scheduler = new Scheduler({ clock });
  scheduler.add(routing);
  scheduler.add(cases);
  scheduler.add(insights);

  const advanceTo = (instant: Date | number) => {
    const t = new Date(instant).getTime();
    if (!Number.isFinite(t) || t < clock.now())
      throw new ThreadlineError(
        'VALIDATION',
        `advanceTo: ${t} is not an instant at or after the clock (${clock.now()})`,
        {
          issues: [
            { path: ['instant'], message: 'must be at or after the current instant', code: 'too_small' },
          ],
        },
      );
    scheduler.advanceTo(t);
  };
  const scenario = createScenario({
    relay: () => relay.drain(),
    clock,
    ids,
    store,
    bus,
    identity,
    routing,
    cases,
    settle: () => advanceTo(clock.now()),
  });
  return {
    ...scenario,
    clock,
    bus,
    storage,
    identity,
    contexts,
    routing,
    cases,
    insights,
    scheduler,
    relay,
    random,
    now: () => clock.now(),
    advance: (duration) => advanceTo(clock.now() + toDurationMs(duration)),
    advanceTo,
    events: (pattern = '*') => published.filter((e) => matches(pattern, e.type)),
  };
}
