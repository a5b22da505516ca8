// Crash and recover: random command sequences on a journaling engine, "killed" after a random
// flush (later commands are applied in memory but never committed), then recovered from storage
// by a fresh engine; it must equal a reference engine (no storage) that ran only the committed
// prefix, and subscribers must have seen exactly the committed events, once each.
import {
  createIdGenerator,
  type EventBus,
  type IdGenerator,
  isThreadlineError,
  ManualClock,
  type ThreadlineStorage,
} from '@threadline/core';
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createRoutingEngine, type RoutingEngine, type RoutingEngineOptions } from '../src/index.js';
import { forEachJournalBackend, type JournalBackend } from './journalStorage.js';

const workflow: RoutingEngineOptions['workflow'] = {
  queues: [{ id: 'vip', workers: { skills: { vip: 1 } } }, { id: 'q' }],
  filters: [
    {
      name: 'vip',
      when: 'task.tier == "vip"',
      targets: [{ queue: 'vip', timeout: 20_000 }, { queue: 'q' }],
    },
  ],
  defaultFilter: { targets: [{ queue: 'q' }] },
};

type Command =
  | { k: 'worker'; w: number; chat: number; voice: number; vip: boolean; away: boolean }
  | { k: 'status'; w: number; status: 'available' | 'away' | 'busy' }
  | { k: 'remove'; w: number }
  | { k: 'submit'; t: number; voice: boolean; priority: number; vip: boolean; customer: boolean }
  | { k: 'update'; t: number; priority: number }
  | { k: 'accept'; t: number }
  | { k: 'reject'; t: number }
  | { k: 'complete'; t: number; wrapUpMs: number }
  | { k: 'cancel'; t: number }
  | { k: 'advance'; ms: number }
  | { k: 'flush' };

const W = fc.integer({ min: 0, max: 3 });
const T = fc.integer({ min: 0, max: 7 });
const command: fc.Arbitrary<Command> = fc.oneof(
  fc.record({
    k: fc.constant('worker' as const),
    w: W,
    chat: fc.integer({ min: 0, max: 2 }),
    voice: fc.integer({ min: 0, max: 1 }),
    vip: fc.boolean(),
    away: fc.boolean(),
  }),
  fc.record({
    k: fc.constant('status' as const),
    w: W,
    status: fc.constantFrom('available', 'away', 'busy'),
  }),
  fc.record({ k: fc.constant('remove' as const), w: W }),
  fc.record({
    k: fc.constant('submit' as const),
    t: T,
    voice: fc.boolean(),
    priority: fc.integer({ min: 0, max: 5 }),
    vip: fc.boolean(),
    customer: fc.boolean(),
  }),
  fc.record({ k: fc.constant('update' as const), t: T, priority: fc.integer({ min: 0, max: 9 }) }),
  fc.record({ k: fc.constant('accept' as const), t: T }),
  fc.record({ k: fc.constant('reject' as const), t: T }),
  fc.record({ k: fc.constant('complete' as const), t: T, wrapUpMs: fc.constantFrom(0, 5_000) }),
  fc.record({ k: fc.constant('cancel' as const), t: T }),
  fc.record({ k: fc.constant('advance' as const), ms: fc.integer({ min: 1, max: 40_000 }) }),
  fc.constant({ k: 'flush' as const }),
);

/** A call as it ran: replayed on the reference engine at the same clock time. */
interface Call {
  at: number;
  method: keyof RoutingEngine;
  args: unknown[];
}

/** Turns an abstract command into an engine call (or nothing, when it does not apply now). */
function toCall(engine: RoutingEngine, clock: ManualClock, c: Exclude<Command, { k: 'flush' }>): Call | null {
  const at = clock.now();
  const task = (t: number) => engine.getTask(`t${t}`);
  switch (c.k) {
    case 'worker':
      return {
        at,
        method: 'upsertWorker',
        args: [
          {
            id: `w${c.w}`,
            status: c.away ? 'away' : 'available',
            attributes: { skills: c.vip ? { vip: 3 } : {} },
            capacity: { chat: c.chat, voice: c.voice },
          },
        ],
      };
    case 'status':
      return engine.getWorker(`w${c.w}`)
        ? { at, method: 'setWorkerStatus', args: [`w${c.w}`, c.status] }
        : null;
    case 'remove':
      return engine.getWorker(`w${c.w}`) ? { at, method: 'removeWorker', args: [`w${c.w}`] } : null;
    case 'submit': {
      const attributes: Record<string, unknown> = c.vip ? { tier: 'vip' } : {};
      if (c.customer) attributes.customerId = `cus-${c.t}`;
      return task(c.t)
        ? null
        : {
            at,
            method: 'submitTask',
            args: [{ id: `t${c.t}`, channel: c.voice ? 'voice' : 'chat', priority: c.priority, attributes }],
          };
    }
    case 'update':
      return task(c.t) ? { at, method: 'updateTask', args: [`t${c.t}`, { priority: c.priority }] } : null;
    case 'accept': {
      const r = task(c.t)?.reservations[0];
      return r ? { at, method: 'acceptReservation', args: [r] } : null;
    }
    case 'reject': {
      const r = task(c.t)?.reservations[0];
      return r ? { at, method: 'rejectReservation', args: [r, { reason: 'busy' }] } : null;
    }
    case 'complete':
      return task(c.t)?.status === 'assigned'
        ? { at, method: 'completeTask', args: [`t${c.t}`, { wrapUpMs: c.wrapUpMs }] }
        : null;
    case 'cancel':
      return task(c.t) ? { at, method: 'cancelTask', args: [`t${c.t}`, 'gone'] } : null;
    case 'advance':
      clock.advance(c.ms);
      return { at: clock.now(), method: 'advanceTo', args: [clock.now()] };
  }
}

function call(engine: RoutingEngine, c: Call): boolean {
  try {
    (engine[c.method] as (...a: unknown[]) => unknown).apply(engine, c.args);
    return true;
  } catch (error) {
    if (isThreadlineError(error)) return false; // refused: changed nothing, journaled nothing
    throw error;
  }
}

/** A bus that accepts everything: the reference engine builds every event, as a journaling one does. */
const nullBus = { publish: async () => undefined, subscribe: () => () => undefined } as unknown as EventBus;

const START = Date.UTC(2026, 0, 5, 9);

forEachJournalBackend((make, kind) => {
  let backend: JournalBackend;
  let tenants = 0;
  // Starting PGlite and migrating takes seconds (more on a loaded machine): once, up front.
  beforeAll(async () => {
    backend = make();
    await backend.open();
  }, 180_000);
  afterAll(async () => backend.dispose());

  it('recovering after a random flush equals a reference engine that ran the committed prefix', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(command, { minLength: 1, maxLength: 40 }),
        fc.nat({ max: 8 }),
        fc.integer({ min: 1, max: 8 }),
        fc.boolean(),
        async (commands, killAfter, snapshotEvery, injected) => {
          const tenantId = `prop-${++tenants}`;
          const storage: ThreadlineStorage = await backend.open();
          const clock = new ManualClock(START);
          const ids = (c: ManualClock): IdGenerator | undefined =>
            injected ? createIdGenerator({ clock: c, seed: tenants }) : undefined;
          const base = { workflow, tenantId, reservationTimeoutMs: 15_000 };
          const engine = createRoutingEngine({
            ...base,
            clock,
            storage,
            journal: { snapshotEvery, maxBatch: 100_000 },
            ...(injected ? { ids: ids(clock) as IdGenerator } : {}),
          });
          const delivered: string[] = [];
          engine.subscribe('*', (e) => delivered.push(e.id));
          const calls: Call[] = [];
          let committed = 0;
          let flushes = 0;
          for (const c of commands) {
            if (c.k === 'flush') {
              if (flushes >= killAfter) continue; // killed: nothing commits any more
              flushes++;
              await engine.flush();
              committed = calls.length;
              continue;
            }
            const next = toCall(engine, clock, c);
            if (next && call(engine, next)) calls.push(next);
          }

          const recovered = createRoutingEngine({
            ...base,
            clock,
            storage,
            ...(injected ? { ids: ids(clock) as IdGenerator } : {}),
          });
          await recovered.recover();
          const refClock = new ManualClock(START);
          const reference = createRoutingEngine({
            ...base,
            clock: refClock,
            bus: nullBus,
            ...(injected ? { ids: ids(refClock) as IdGenerator } : {}),
          });
          for (const c of calls.slice(0, committed)) {
            refClock.set(c.at);
            expect(call(reference, c)).toBe(true);
          }
          refClock.set(clock.now());
          expect(recovered.snapshot()).toEqual(reference.snapshot());
          expect(recovered.stats().journal?.committed).toBe(committed);
          // Subscribers saw exactly the committed events, once each, in outbox order.
          const outbox = (await storage.outbox.pending(100_000))
            .filter((e) => e.event.tenantId === tenantId)
            .map((e) => e.event.id);
          expect(delivered).toEqual(outbox);
        },
      ),
      { numRuns: kind === 'memory' ? 80 : 12, seed: 20_261_207 },
    );
  }, 240_000);
});
