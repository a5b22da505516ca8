// One rule for every engine's `bus` option, applied by core's `resolveBusOption`: a bus and a
// storage that commits events (transactions and an outbox) → the bus gets the events only through
// the outbox relay, once each; a bus alone → the engine publishes to it itself.
import { createMemoryStorage } from '@threadline/adapter-memory';
import { createAutomationEngine } from '@threadline/automation';
import { createCaseEngine } from '@threadline/cases';
import {
  createIdentityService,
  createIdGenerator,
  createInProcessEventBus,
  createOutboxRelay,
  type EventEnvelope,
  isThreadlineError,
  ManualClock,
  resolveBusOption,
  type ThreadlineStorage,
} from '@threadline/core';
import { createRoutingEngine } from '@threadline/routing';
import { describe, expect, it } from 'vitest';

const T0 = Date.UTC(2026, 0, 5, 9);
const WORKFLOW = { queues: [{ id: 'q' }], defaultFilter: { targets: [{ queue: 'q' }] } };

function recordingBus() {
  const bus = createInProcessEventBus();
  const seen: EventEnvelope[] = [];
  bus.subscribe('*', (e: EventEnvelope) => {
    seen.push(e);
  });
  return { bus, seen };
}

/** Each engine: run one command that produces events, with or without storage, and settle. */
const ENGINES: Array<{
  name: string;
  run(bus: ReturnType<typeof createInProcessEventBus>, storage: ThreadlineStorage | undefined): Promise<void>;
}> = [
  {
    name: 'routing',
    async run(bus, storage) {
      const clock = new ManualClock(T0);
      const routing = createRoutingEngine({
        clock,
        workflow: WORKFLOW,
        bus,
        ...(storage === undefined ? {} : { storage, journal: { engineId: 'bus-rule', flushIntervalMs: 0 } }),
      });
      routing.upsertWorker({ id: 'w', status: 'available', capacity: { chat: 1 } });
      routing.submitTask({ id: 't', channel: 'chat' });
      await routing.flush();
    },
  },
  {
    name: 'cases',
    async run(bus, storage) {
      const clock = new ManualClock(T0);
      const cases = createCaseEngine({
        clock,
        ids: createIdGenerator({ clock, seed: 3 }),
        calendars: {},
        policies: [{ id: 'p', targets: { first_reply: { normal: { minutes: 30 } } } }],
        bus,
        ...(storage === undefined ? {} : { storage }),
      });
      cases.openCase({ id: 'c', customerId: 'u', subject: 'S', priority: 'normal', channel: 'chat' });
      await cases.flush();
    },
  },
  {
    name: 'identity',
    async run(bus, storage) {
      const clock = new ManualClock(T0);
      const identity = createIdentityService({
        clock,
        ids: createIdGenerator({ clock, seed: 4 }),
        bus,
        storage: storage ?? createMemoryStorage(),
      });
      await identity.resolve([{ kind: 'email', value: 'a@example.com', verified: true }]);
    },
  },
];

describe('resolveBusOption: one rule for every engine', () => {
  for (const engine of ENGINES) {
    it(`${engine.name}: bus + storage → events reach the bus only through the outbox relay, once each`, async () => {
      const storage = createMemoryStorage();
      const { bus, seen } = recordingBus();
      await engine.run(bus, storage);
      expect(seen).toEqual([]);
      const relay = createOutboxRelay({ storage, bus, clock: new ManualClock(T0) });
      const delivered = await relay.tick();
      expect(delivered).toBeGreaterThan(0);
      expect(seen).toHaveLength(delivered);
      expect(new Set(seen.map((e) => e.id)).size).toBe(seen.length);
      await relay.tick();
      expect(seen).toHaveLength(delivered);
    });
  }

  for (const engine of ENGINES.filter((e) => e.name !== 'identity')) {
    it(`${engine.name}: a bus alone → the engine publishes to it itself`, async () => {
      const { bus, seen } = recordingBus();
      await engine.run(bus, undefined);
      expect(seen.length).toBeGreaterThan(0);
    });
  }

  it('identity: a store without transactions (no outbox commit) → the service publishes after each commit', async () => {
    const clock = new ManualClock(T0);
    const { bus, seen } = recordingBus();
    const storage = createMemoryStorage();
    const identity = createIdentityService({
      clock,
      ids: createIdGenerator({ clock, seed: 5 }),
      bus,
      store: storage.documents,
    });
    await identity.resolve([{ kind: 'email', value: 'b@example.com', verified: true }]);
    expect(seen.map((e) => e.type)).toContain('customer.created');
  });

  it('decides the delivery from the storage, and checks the bus as the engine needs it', () => {
    const storage = createMemoryStorage();
    const { bus } = recordingBus();
    expect(resolveBusOption('x', bus, { storage })).toEqual({
      bus,
      delivery: 'outbox',
      publishTo: undefined,
    });
    expect(resolveBusOption('x', undefined, { storage })).toMatchObject({ delivery: 'outbox' });
    expect(resolveBusOption('x', bus, { storage, commitsEvents: false })).toEqual({
      bus,
      delivery: 'direct',
      publishTo: bus,
    });
    expect(resolveBusOption('x', bus, {})).toMatchObject({ delivery: 'direct', publishTo: bus });
    expect(resolveBusOption('x', undefined, {})).toEqual({
      bus: undefined,
      delivery: 'none',
      publishTo: undefined,
    });
    // A document store without transactions cannot commit events with its documents.
    const noTx = {
      ...storage,
      documents: {
        ...storage.documents,
        capabilities: { ...storage.documents.capabilities, transactions: false },
      },
    };
    expect(resolveBusOption('x', bus, { storage: noTx })).toMatchObject({ delivery: 'direct' });
    // Publish-only where the engine only publishes; publish and subscribe by default.
    const publisher = { publish: async () => undefined };
    expect(resolveBusOption('x', publisher, { port: 'EventPublisher' }).publishTo).toBe(publisher);
    const refused = (() => {
      try {
        resolveBusOption('case engine', publisher, { storage });
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    expect(isThreadlineError(refused, 'CONFIG')).toBe(true);
    expect((refused as Error).message).toMatch(/bus: EventBus adapter is missing: subscribe/);
  });

  it('every engine refuses a bus that is not one, through the same check', () => {
    const clock = new ManualClock(T0);
    const bad = { send: () => undefined } as never;
    const attempts: Array<() => unknown> = [
      () => createRoutingEngine({ clock, workflow: WORKFLOW, bus: bad }),
      () => createCaseEngine({ clock, calendars: {}, policies: [], bus: bad }),
      () =>
        createIdentityService({
          clock,
          ids: createIdGenerator({ clock }),
          storage: createMemoryStorage(),
          bus: bad,
        }),
      () => createAutomationEngine({ clock, ids: createIdGenerator({ clock }), bus: bad, rules: [] }),
    ];
    for (const attempt of attempts) {
      let error: unknown;
      try {
        attempt();
      } catch (e) {
        error = e;
      }
      expect(isThreadlineError(error, 'CONFIG'), String(error)).toBe(true);
      expect((error as { issues?: Array<{ path: unknown[] }> }).issues?.[0]?.path).toEqual(['bus']);
    }
  });
});
