// Recovery is exact: a case engine killed at any commit (before or after it lands, with batches
// still in flight behind it, several times in one run) and recovered from the store continues as
// if it had never stopped. Ids come from a generator keyed by the command index, so a re-issued
// command produces the same ids the uninterrupted run produced: the comparison covers event ids,
// metric-record `seq` numbers (the deadline heap's tie-breaker), documents, audit streams and
// deadline rows, and no breach or escalation may be committed twice.

import { createMemoryStorage } from '@threadline/adapter-memory';
import {
  type DocumentStore,
  type IdGenerator,
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
const CASES = ['a', 'b', 'c', 'd', 'e'] as const;
const policies: SlaPolicyInput[] = [
  {
    id: 'default',
    warn: { percent: 50 },
    targets: {
      first_reply: { normal: { minutes: 30 }, high: { minutes: 15 } },
      next_reply: { normal: { minutes: 20 }, high: { minutes: 10 } },
      resolution: { normal: { hours: 3 }, high: { hours: 1 } },
    },
  },
];
const escalations = [
  {
    id: 'ladder',
    metric: 'first_reply' as const,
    levels: [
      { before: { minutes: 5 }, actions: [{ type: 'notify' as const, recipients: [{ id: 'agent' }] }] },
      { after: { minutes: 10 }, actions: [{ type: 'raise_priority' as const }] },
    ],
  },
];

type CaseOp = 'open' | 'agent' | 'customer' | 'pending' | 'solve' | 'close' | 'reopen' | 'ack' | 'high';
type Op =
  | { kind: CaseOp; c: number; dt: number; wait: boolean }
  | { kind: 'advance'; dt: number; wait: boolean };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constantFrom<CaseOp>(
        'open',
        'agent',
        'customer',
        'pending',
        'solve',
        'close',
        'reopen',
        'ack',
        'high',
      ),
      c: fc.integer({ min: 0, max: CASES.length - 1 }),
      dt: fc.integer({ min: 0, max: 15 }),
      wait: fc.boolean(),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('advance' as const),
      dt: fc.integer({ min: 1, max: 40 }),
      wait: fc.boolean(),
    }),
  },
);

/**
 * Storage whose process "dies" at its `crashAt`-th transaction: before the commit (the
 * transaction rejects, nothing lands) or right after it (it lands, the engine never hears back
 * and every later transaction rejects). `issuedAt[n]` is how many commands had been issued when
 * transaction `n` started: a batch holds every command issued before it starts.
 */
function crashable(storage: ThreadlineStorage, crashAt: number, beforeCommit: boolean, issued: () => number) {
  const d = storage.documents;
  const state = { transactions: 0, dead: false, committedOps: 0 };
  const documents: DocumentStore = {
    name: d.name,
    capabilities: d.capabilities,
    defineCollection: (c, def) => d.defineCollection(c, def),
    get: (c, id, o) => d.get(c, id, o),
    getMany: (c, ids, o) => d.getMany(c, ids, o),
    put: (c, doc, o) => d.put(c, doc, o),
    delete: (c, id, o) => d.delete(c, id, o),
    find: (c, q) => d.find(c, q),
    transaction: async (fn) => {
      if (state.dead) throw new Error('killed');
      const n = state.transactions++;
      const ops = issued();
      if (n === crashAt && beforeCommit) {
        state.dead = true;
        throw new Error('killed before the commit');
      }
      const result = await (d.transaction as NonNullable<DocumentStore['transaction']>)(fn);
      state.committedOps = ops;
      if (n === crashAt) {
        state.dead = true;
        throw new Error('killed after the commit');
      }
      return result;
    },
  };
  return { storage: { ...storage, documents } as ThreadlineStorage, state };
}

/** Ids keyed by the command index: a re-issued command gets the ids it got the first time. */
function keyedIds(): IdGenerator & { at: (i: number) => void } {
  let key = 'setup';
  let k = 0;
  return {
    next: (prefix?: string) => `${prefix ?? 'id'}_${key}_${k++}`,
    at: (i: number) => {
      key = String(i);
      k = 0;
    },
  };
}

function engineOn(storage: ThreadlineStorage, clock: ManualClock, ids: IdGenerator): CaseEngine {
  return createCaseEngine({ clock, ids, calendars: {}, policies, escalations, storage });
}

/** Applies command `i` at its instant; refused commands (illegal moves, unknown cases) change nothing. */
async function apply(
  engine: CaseEngine,
  clock: ManualClock,
  ids: ReturnType<typeof keyedIds>,
  op: Op,
  i: number,
  at: number,
  issued: (n: number) => void,
): Promise<void> {
  const id = op.kind === 'advance' ? '' : (CASES[op.c] as string);
  // A closed case may have left memory: load it so commands see the same case either way.
  if (op.kind !== 'advance' && op.kind !== 'open') await engine.loadCase(id);
  try {
    clock.set(at);
    ids.at(i);
    if (op.kind === 'advance') engine.advanceTo(at);
    else if (op.kind === 'open')
      engine.openCase({ id, customerId: `u-${id}`, subject: 'S', priority: 'normal', channel: 'chat' });
    else if (op.kind === 'agent') engine.recordMessage(id, { author: 'agent', public: true });
    else if (op.kind === 'customer') engine.recordMessage(id, { author: 'customer', public: true });
    else if (op.kind === 'pending') engine.transition(id, 'pending', { actor: 'x' });
    else if (op.kind === 'solve') engine.transition(id, 'solved', { actor: 'x' });
    else if (op.kind === 'close') {
      // Closing solves first (both in this command), so cases do close and leave memory.
      if (engine.getCase(id)?.status !== 'solved') engine.transition(id, 'solved', { actor: 'x' });
      engine.transition(id, 'closed', { actor: 'x' });
    } else if (op.kind === 'reopen') engine.reopen(id, { actor: 'x' });
    else if (op.kind === 'high') engine.setPriority(id, 'high', { actor: 'x' });
    else engine.acknowledgeEscalation(id, 'first_reply', { actor: 'x' });
  } catch (error) {
    if (!isThreadlineError(error)) throw error;
    // ADAPTER: the process "died" (a commit failed) and refuses commands from then on.
    if (!['ILLEGAL_TRANSITION', 'NOT_FOUND', 'CONFLICT', 'ADAPTER'].includes(error.code)) throw error;
  } finally {
    // Synchronously after the command: a batch starting later holds it.
    issued(i + 1);
  }
}

/** Everything the store holds: outbox events (with ids), case documents, audit streams, deadline rows. */
async function committed(storage: ThreadlineStorage) {
  const events = (await storage.outbox.pending(10_000)).map((r) => r.event);
  const strip = ({ version: _v, ...doc }: Record<string, unknown>) => doc;
  const docs = (await storage.documents.find('cases', { limit: 1000 })).items.map(strip);
  const deadlines = (await storage.documents.find('case_deadlines', { limit: 1000 })).items.map(strip);
  const streams = await Promise.all(
    CASES.map(async (c) =>
      (await storage.events.readStream(caseStreamId(c))).map((e) => [
        e.id,
        e.type,
        e.streamVersion,
        e.payload,
      ]),
    ),
  );
  return { events, docs, deadlines, streams };
}

requireServerInCi();

for (const backend of backends()) {
  describe(`exact recovery on ${backend.label}`, () => {
    afterAll(() => backend.dispose());
    const numRuns = backend.label === 'memory' ? 150 : 4;

    it('killed at random commits (several times), recovered, continued: the same ids, seqs, documents and events, nothing twice', async () => {
      let crashes = 0;
      let effects = 0;
      await fc.assert(
        fc.asyncProperty(
          fc.array(opArb, { minLength: 1, maxLength: 60, size: 'max' }),
          fc.array(fc.tuple(fc.nat(40), fc.boolean()), { minLength: 1, maxLength: 3 }),
          async (generated, kills) => {
            // Case ids are opened once: opening an id that exists is refused at once while the
            // case is in memory and at commit once it left (a closed case), which depends on
            // commit timing, not on recovery.
            const opened = new Set<number>();
            const ops = generated.map((op): Op => {
              if (op.kind !== 'open') return op;
              if (!opened.has(op.c)) {
                opened.add(op.c);
                return op;
              }
              return { ...op, kind: 'customer' };
            });
            const times: number[] = [];
            let t = T0;
            for (const op of ops) times.push((t += op.dt * MIN));
            const run = async (
              engine: CaseEngine,
              clock: ManualClock,
              ids: ReturnType<typeof keyedIds>,
              from: number,
              alive: () => boolean,
              onIssued: (n: number) => void,
            ) => {
              for (let i = from; i < ops.length && alive(); i++) {
                await apply(engine, clock, ids, ops[i] as Op, i, times[i] as number, onIssued);
                if ((ops[i] as Op).wait) await engine.flush().catch(() => undefined);
              }
              await engine.flush().catch(() => undefined);
            };

            const reference = await backend.open();
            const refIds = keyedIds();
            const refClock = new ManualClock(T0);
            // Counts the uninterrupted run's commits, so the kill points fall among them.
            const counted = crashable(reference, -1, false, () => 0);
            await run(
              engineOn(counted.storage, refClock, refIds),
              refClock,
              refIds,
              0,
              () => true,
              () => undefined,
            );
            const expected = await committed(reference);

            const base = await backend.open();
            let from = 0;
            for (const [crashAt, beforeCommit] of kills) {
              let issued = from;
              const at = crashAt % Math.max(1, counted.state.transactions);
              const { storage, state } = crashable(base, at, beforeCommit, () => issued);
              state.committedOps = from;
              const clock = new ManualClock(from === 0 ? T0 : (times[from - 1] as number));
              const ids = keyedIds();
              const engine = engineOn(storage, clock, ids);
              await engine.recover();
              await run(
                engine,
                clock,
                ids,
                from,
                () => !state.dead,
                (n) => {
                  issued = n;
                },
              );
              if (!state.dead) {
                from = ops.length;
                break;
              }
              crashes++;
              from = state.committedOps;
            }
            if (from < ops.length) {
              const clock = new ManualClock(from === 0 ? T0 : (times[from - 1] as number));
              const ids = keyedIds();
              const last = engineOn(base, clock, ids);
              await last.recover();
              await run(
                last,
                clock,
                ids,
                from,
                () => true,
                () => undefined,
              );
            }
            const got = await committed(base);
            const fired = (e: { type: string }) =>
              e.type === 'sla.breached' || e.type === 'escalation.triggered';
            effects += expected.events.filter(fired).length;
            expect(got.events.map((e) => e.id)).toEqual(expected.events.map((e) => e.id));
            // No effect twice: one breach per metric cycle, one escalation per ladder level.
            const keys = got.events
              .filter(fired)
              .map((e) => JSON.stringify([e.aggregateId, e.type, e.payload]));
            expect(new Set(keys).size).toBe(keys.length);
            expect(got).toEqual(expected);
          },
        ),
        { numRuns, seed: 20_261_207 },
      );
      expect(crashes).toBeGreaterThan(numRuns / 2);
      expect(effects).toBeGreaterThan(numRuns);
    }, 300_000);
  });
}

describe('metric sequence numbers after recovery', () => {
  it('continue from the crashed engine’s counter, even when the newest records belonged to a closed case that left memory', async () => {
    const seqs = async (storage: ThreadlineStorage) => {
      const docs = (await storage.documents.find('cases', { limit: 100 })).items as unknown as Array<{
        id: string;
        engineState: { records: Array<{ seq: number }> };
      }>;
      return Object.fromEntries(docs.map((d) => [d.id, d.engineState.records.map((r) => r.seq)]));
    };
    const open = (engine: CaseEngine, id: string) =>
      engine.openCase({ id, customerId: 'u', subject: 'S', priority: 'normal', channel: 'chat' });
    const steps: Array<(engine: CaseEngine) => unknown> = [
      (e) => open(e, 'a'),
      (e) => open(e, 'b'),
      (e) => e.transition('b', 'solved', { actor: 'x' }),
      (e) => e.transition('b', 'closed', { actor: 'x' }),
      (e) => open(e, 'c'),
      (e) => e.recordMessage('c', { author: 'agent', public: true }),
    ];
    const run = async (engine: CaseEngine, clock: ManualClock, from: number, to: number) => {
      for (let i = from; i < to; i++) {
        clock.set(T0 + i * MIN);
        (steps[i] as (engine: CaseEngine) => unknown)(engine);
        await engine.flush();
      }
    };
    const reference = createMemoryStorage();
    const refClock = new ManualClock(T0);
    await run(engineOn(reference, refClock, keyedIds()), refClock, 0, steps.length);

    const storage = createMemoryStorage();
    const clock = new ManualClock(T0);
    const first = engineOn(storage, clock, keyedIds());
    // The process stops once `b` closed: its records, the newest ones, left memory with it.
    await run(first, clock, 0, 4);
    expect(first.getCase('b')).toBeUndefined();
    const second = engineOn(storage, clock, keyedIds());
    await second.recover();
    await run(second, clock, 4, steps.length);
    const want = await seqs(reference);
    expect(want.c?.[0]).toBeGreaterThan(Math.max(...(want.b ?? [])));
    expect(await seqs(storage)).toEqual(want);
  });
});
