import {
  createSequentialIds,
  type DocumentStore,
  isThreadlineError,
  ManualClock,
  type ThreadlineStorage,
} from '@threadline/core';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { type CaseEngine, caseStreamId, createCaseEngine, type SlaPolicyInput } from '../src/index.js';
import { backends, requireServerInCi } from './backends.js';

const T0 = Date.UTC(2026, 0, 5, 9);
const MIN = 60_000;
const CASES = ['a', 'b', 'c'] as const;
const policies: SlaPolicyInput[] = [
  {
    id: 'default',
    warn: { percent: 50 },
    targets: {
      first_reply: { normal: { minutes: 30 } },
      next_reply: { normal: { minutes: 20 } },
      resolution: { normal: { hours: 3 } },
    },
  },
];
const escalations = [
  {
    id: 'ladder',
    metric: 'first_reply' as const,
    levels: [
      { before: { minutes: 5 }, actions: [{ type: 'notify' as const, recipients: [{ id: 'agent' }] }] },
      { after: { minutes: 30 }, actions: [{ type: 'raise_priority' as const }] },
    ],
  },
];

type Op =
  | { kind: 'open' | 'agent' | 'customer' | 'pending' | 'solve' | 'close' | 'ack'; c: number; dt: number }
  | { kind: 'advance'; dt: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constantFrom('open', 'agent', 'customer', 'pending', 'solve', 'close', 'ack'),
    c: fc.integer({ min: 0, max: CASES.length - 1 }),
    dt: fc.integer({ min: 0, max: 20 }),
  }),
  fc.record({ kind: fc.constant('advance'), dt: fc.integer({ min: 1, max: 90 }) }),
) as fc.Arbitrary<Op>;

/** Storage whose transactions can be made to fail (a process dying before its commit). */
function crashable(storage: ThreadlineStorage) {
  const flags = { dead: false };
  const d = storage.documents;
  const documents: DocumentStore = {
    name: d.name,
    capabilities: d.capabilities,
    defineCollection: (c, def) => d.defineCollection(c, def),
    get: (c, id, o) => d.get(c, id, o),
    getMany: (c, ids, o) => d.getMany(c, ids, o),
    put: (c, doc, o) => d.put(c, doc, o),
    delete: (c, id, o) => d.delete(c, id, o),
    find: (c, q) => d.find(c, q),
    transaction: (fn) => (flags.dead ? Promise.reject(new Error('killed')) : (d.transaction?.(fn) as never)),
  };
  return { storage: { ...storage, documents } as ThreadlineStorage, flags };
}

function engineOn(storage: ThreadlineStorage, clock: ManualClock): CaseEngine {
  return createCaseEngine({
    clock,
    ids: createSequentialIds(),
    calendars: {},
    policies,
    escalations,
    storage,
  });
}

/** Applies one op at its instant; refused ops (illegal moves, unknown cases) change nothing. */
async function apply(engine: CaseEngine, clock: ManualClock, op: Op, at: number): Promise<void> {
  clock.set(at);
  try {
    if (op.kind === 'advance') engine.advanceTo(at);
    else {
      const id = CASES[op.c] as string;
      // A closed case may have left memory: load it so commands see the same case either way.
      if (op.kind !== 'open') await engine.loadCase(id);
      if (op.kind === 'open')
        engine.openCase({ id, customerId: `u-${id}`, subject: 'S', priority: 'normal', channel: 'chat' });
      else if (op.kind === 'agent') engine.recordMessage(id, { author: 'agent', public: true });
      else if (op.kind === 'customer') engine.recordMessage(id, { author: 'customer', public: true });
      else if (op.kind === 'pending') engine.transition(id, 'pending', { actor: 'x' });
      else if (op.kind === 'solve') engine.transition(id, 'solved', { actor: 'x' });
      else if (op.kind === 'close') engine.transition(id, 'closed', { actor: 'x' });
      else engine.acknowledgeEscalation(id, 'first_reply', { actor: 'x' });
    }
  } catch (error) {
    if (!isThreadlineError(error)) throw error;
    if (!['ILLEGAL_TRANSITION', 'NOT_FOUND', 'CONFLICT'].includes(error.code)) throw error;
  }
}

/** What the store holds: committed events (outbox, ids aside), case documents and audit streams. */
async function committed(storage: ThreadlineStorage) {
  const events = (await storage.outbox.pending(10_000)).map(({ event: { id: _id, ...rest } }) => rest);
  const docs = (await storage.documents.find('cases', { limit: 1000 })).items;
  const streams = await Promise.all(
    CASES.map(async (c) =>
      (await storage.events.readStream(caseStreamId(c))).map((e) => [e.type, e.streamVersion, e.payload]),
    ),
  );
  return { events, docs, streams };
}

requireServerInCi();

for (const backend of backends()) {
  describe(`crash and recover on ${backend.label}`, () => {
    afterAll(() => backend.dispose());
    // Memory storage explores widely; the SQL backends replay fewer sequences (each opens schemas).
    const numRuns = backend.label === 'memory' ? 60 : 6;

    it('a recovered engine commits exactly what an uninterrupted run commits: no effect lost, none twice', async () => {
      let escalated = 0;
      await fc.assert(
        fc.asyncProperty(
          fc.array(opArb, { minLength: 1, maxLength: 30 }),
          fc.nat(),
          fc.boolean(),
          async (ops, cut, beforeCommit) => {
            const times: number[] = [];
            let t = T0;
            for (const op of ops) times.push((t += op.dt * MIN));

            const reference = await backend.open();
            const refClock = new ManualClock(T0);
            const ref = engineOn(reference, refClock);
            for (const [i, op] of ops.entries()) {
              await apply(ref, refClock, op, times[i] as number);
              await ref.flush();
            }

            const base = await backend.open();
            const { storage, flags } = crashable(base);
            const clock = new ManualClock(T0);
            const k = cut % ops.length;
            const first = engineOn(storage, clock);
            for (let i = 0; i < k; i++) {
              await apply(first, clock, ops[i] as Op, times[i] as number);
              await first.flush();
            }
            // Op k: the process dies before its commit, or right after it.
            if (beforeCommit) flags.dead = true;
            await apply(first, clock, ops[k] as Op, times[k] as number);
            await first.flush().catch(() => undefined);
            flags.dead = false;

            const second = engineOn(storage, clock);
            await second.recover();
            for (let i = beforeCommit ? k : k + 1; i < ops.length; i++) {
              await apply(second, clock, ops[i] as Op, times[i] as number);
              await second.flush();
            }
            const expected = await committed(reference);
            if (expected.events.some((e) => e.type === 'escalation.triggered')) escalated++;
            expect(await committed(base)).toEqual(expected);
          },
        ),
        { numRuns, seed: 1207 },
      );
      // The generated runs do reach breaches and escalations (the effects that must not repeat).
      expect(escalated).toBeGreaterThan(numRuns / 12);
    }, 120_000);
  });
}
