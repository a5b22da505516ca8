// Property: erasures fencing a routing journal at any points of a command stream change nothing
// about routing. Whatever the commands and wherever erasures (of customers the engine holds, or
// of nobody) fall, an engine in "another process" that hears each one and recovers ends with the
// state of an engine that never saw an erasure of those commands (personal data aside: there is
// none here), keeps committing after every fence, and a fresh engine recovers the same state.
import { createMemoryStorage, type MemoryStorage } from '@threadline/adapter-memory';
import {
  createErasureService,
  createIdGenerator,
  ManualClock,
  STREAM_FENCED_EVENT_TYPE,
  type ThreadlineStorage,
} from '@threadline/core';
import { createRoutingEngine, type RoutingEngine } from '@threadline/routing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const WORKFLOW = { queues: [{ id: 'q' }], defaultFilter: { targets: [{ queue: 'q' }] } };
const admin = { id: 'dpo', roles: ['admin'] };

type Command =
  | { op: 'worker'; id: number; available: boolean }
  | { op: 'task'; id: number; customer: number }
  | { op: 'accept' }
  | { op: 'cancel'; id: number }
  | { op: 'advance'; ms: number }
  | { op: 'erase'; customer: number };

const command: fc.Arbitrary<Command> = fc.oneof(
  fc.record({
    op: fc.constant('worker' as const),
    id: fc.integer({ min: 1, max: 3 }),
    available: fc.boolean(),
  }),
  fc.record({
    op: fc.constant('task' as const),
    id: fc.integer({ min: 1, max: 8 }),
    customer: fc.integer({ min: 1, max: 3 }),
  }),
  fc.record({ op: fc.constant('accept' as const) }),
  fc.record({ op: fc.constant('cancel' as const), id: fc.integer({ min: 1, max: 8 }) }),
  fc.record({ op: fc.constant('advance' as const), ms: fc.integer({ min: 1, max: 90_000 }) }),
  fc.record({ op: fc.constant('erase' as const), customer: fc.integer({ min: 1, max: 4 }) }),
);

/** The same store as another process sees it: no shared in-process erasure hook. */
function elsewhere(storage: MemoryStorage): ThreadlineStorage {
  const target = storage.documents;
  const documents = new Proxy(target, {
    get(t, key) {
      const value = Reflect.get(t, key, t);
      return typeof value === 'function' ? value.bind(t) : value;
    },
  });
  return { ...storage, documents };
}

function engine(storage: ThreadlineStorage | undefined, clock: ManualClock): RoutingEngine {
  return createRoutingEngine({
    clock,
    ids: createIdGenerator({ clock, seed: 4 }),
    workflow: WORKFLOW,
    reservationTimeoutMs: 60_000,
    ...(storage === undefined
      ? {}
      : { storage, journal: { engineId: 'p', snapshotEvery: 3, flushIntervalMs: 0 } }),
  });
}

/** Applies a command; refusals (an unknown task, a task already there) are part of the stream. */
function apply(e: RoutingEngine, c: Command): void {
  try {
    if (c.op === 'worker')
      e.upsertWorker({ id: `w${c.id}`, status: c.available ? 'available' : 'away', capacity: { chat: 1 } });
    else if (c.op === 'task')
      e.submitTask({ id: `t${c.id}`, channel: 'chat', attributes: { customerId: `c${c.customer}` } });
    else if (c.op === 'accept') {
      const pending = e.snapshot().reservations.find((r) => r.status === 'pending');
      if (pending !== undefined) e.acceptReservation(pending.id);
    } else if (c.op === 'cancel') e.cancelTask(`t${c.id}`, 'resolved');
    else if (c.op === 'advance') e.advanceTo(e.snapshot().takenAt + c.ms);
  } catch (error) {
    if (!(error as { code?: string }).code) throw error;
  }
}

describe('routing under erasure fences', () => {
  it('recovers through any number of fences to the state of a run without erasures', {
    timeout: 120_000,
  }, async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: 30 }), async (commands) => {
        const clock = new ManualClock(Date.UTC(2026, 3, 1, 9));
        const storage = createMemoryStorage();
        const erasure = createErasureService({ storage, clock, ids: createIdGenerator({ clock, seed: 8 }) });
        const far = engine(elsewhere(storage), clock);
        // The same engine on a store no erasure touches.
        const reference = engine(createMemoryStorage(), clock);
        let fences = 0;
        for (const c of commands) {
          if (c.op === 'erase') {
            await far.flush();
            const { tombstone, alreadyErased } = await erasure.eraseCustomer(`c${c.customer}`, {
              actor: admin,
            });
            if (!alreadyErased) fences += tombstone.fencedStreams ?? 0;
            // What hearing customer.erased does.
            await far.recover();
            continue;
          }
          apply(far, c);
          apply(reference, c);
          await far.flush();
          await reference.flush();
        }
        await far.flush();
        expect(far.stats().journal?.failed).toBe(false);
        const stream = await storage.events.readStream('routing-journal:default:p');
        expect(stream.filter((e) => e.type === STREAM_FENCED_EVENT_TYPE)).toHaveLength(fences);
        const { takenAt: _a, ...mine } = far.snapshot();
        const { takenAt: _b, ...expected } = reference.snapshot();
        expect(mine).toEqual(expected);
        const fresh = engine(storage, clock);
        await fresh.recover();
        const { takenAt: _c, ...recovered } = fresh.snapshot();
        expect(recovered).toEqual(expected);
      }),
      { numRuns: 40, seed: 12 },
    );
  });
});
