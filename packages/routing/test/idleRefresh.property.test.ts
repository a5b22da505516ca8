import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RoutingStrategy, WorkflowConfig } from '../src/index.js';
import { applyLifecycle, type Run, reference, startRun } from './referenceRun.js';

// Plain skill rings (queues asking for one skill at a minimum level, read through the skill's
// idle lists) with workers holding several chat slots: an offer, a completion, a status change
// or an upsert moves a worker in its idle lists, skips the move when its keys did not change
// (a worker freeing one of several slots keeps its rank), or sends an out-of-order key to a
// list's heap (a full worker freeing a slot). Whatever the lists did, the offers must be the
// ones the reference decides: the same engine with a strategy that also scores (a constant),
// which ranks every eligible idle worker of the ring with the comparator (longest-idle rank,
// idle-since, registration order) from the workers' current state instead of reading the lists.

const workflow: WorkflowConfig = {
  queues: [
    { id: 's7', workers: { skills: { billing: 7 } } },
    { id: 's3', workers: { skills: { billing: 3 } } },
    { id: 'r5', workers: { skills: { refunds: 5 } } },
  ],
  filters: [
    { name: 'expert', match: { attributes: { kind: 'expert' } }, targets: [{ queue: 's7' }] },
    { name: 'refund', match: { attributes: { kind: 'refund' } }, targets: [{ queue: 'r5', offers: 2 }] },
    { name: 'billing', match: { attributes: { kind: 'billing' } }, targets: [{ queue: 's3' }] },
  ],
};
const KINDS = ['expert', 'refund', 'billing'] as const;

type Command =
  | { kind: 'worker'; w: number; billing: number; refunds: number; chat: number; voice: number }
  | { kind: 'status'; w: number; available: boolean }
  | { kind: 'submit'; task: number; chat: boolean }
  | { kind: 'accept'; pick: number }
  | { kind: 'reject'; pick: number }
  | { kind: 'complete'; pick: number }
  | { kind: 'advance'; ms: number };

const command: fc.Arbitrary<Command> = fc.oneof(
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('worker' as const),
      w: fc.nat(9),
      billing: fc.integer({ min: 0, max: 10 }),
      refunds: fc.integer({ min: 0, max: 10 }),
      chat: fc.integer({ min: 1, max: 3 }),
      // Mostly one channel (the refresh's shortcut); sometimes chat and voice.
      voice: fc.constantFrom(0, 0, 0, 1),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('status' as const), w: fc.nat(9), available: fc.boolean() }),
  },
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('submit' as const),
      task: fc.nat(KINDS.length - 1),
      chat: fc.constantFrom(true, true, true, false),
    }),
  },
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('accept' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('reject' as const), pick: fc.nat() }) },
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('complete' as const), pick: fc.nat() }) },
  {
    // Small steps: keys tie within a millisecond often.
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 3 }) }),
  },
);

const start = (strategy?: RoutingStrategy): Run => startRun(workflow, 60_000, strategy);

function apply(run: Run, cmd: Command): void {
  const { engine } = run;
  switch (cmd.kind) {
    case 'worker': {
      const id = `w${cmd.w}`;
      const used = engine.getWorker(id)?.used ?? {};
      const voice = Math.max(cmd.voice, used.voice ?? 0);
      engine.upsertWorker({
        id,
        status: 'available',
        attributes: { skills: { billing: cmd.billing, refunds: cmd.refunds } },
        capacity: { chat: Math.max(cmd.chat, used.chat ?? 0), ...(voice > 0 ? { voice } : {}) },
      });
      break;
    }
    case 'submit':
      engine.submitTask({
        id: `t${run.submitted++}`,
        channel: cmd.chat ? 'chat' : 'voice',
        attributes: { kind: KINDS[cmd.task] as string },
      });
      break;
    default:
      applyLifecycle(run, cmd);
  }
}

describe('idle lists of multi-slot workers', () => {
  it('offer what ranking every eligible idle worker afresh offers, through random command streams', () => {
    fc.assert(
      fc.property(fc.array(command, { minLength: 20, maxLength: 160 }), (cmds) => {
        const lists = start();
        const ranked = start(reference);
        for (const cmd of cmds) {
          apply(lists, cmd);
          apply(ranked, cmd);
        }
        expect(lists.events).toEqual(ranked.events);
        expect(lists.engine.stats()).toEqual(ranked.engine.stats());
      }),
      { seed: 15_208, numRuns: 250 },
    );
  });

  it('keep a worker freeing one of several slots in its place among busy workers', () => {
    const run = start();
    const { engine, clock } = run;
    for (const id of ['a', 'b']) {
      engine.upsertWorker({
        id,
        status: 'available',
        attributes: { skills: { billing: 5 } },
        capacity: { chat: 3 },
      });
      clock.advance(1);
    }
    // Two tasks each, offered a, b, a, b (longest idle, then least recently offered).
    const held: Record<string, string[]> = { a: [], b: [] };
    for (let i = 0; i < 4; i++) {
      const t = engine.submitTask({ id: `t${i}`, channel: 'chat', attributes: { kind: 'billing' } });
      const r = engine.acceptReservation(t.reservations[0] as string);
      held[engine.getReservation(t.reservations[0] as string)?.workerId as string]?.push(r.id);
      clock.advance(1);
    }
    expect(held).toEqual({ a: ['t0', 't2'], b: ['t1', 't3'] });
    // b frees one of its two tasks: still busy, it keeps its last offer, so a (offered before
    // b's last offer) stays first.
    engine.completeTask('t3');
    const next = engine.submitTask({ id: 'next', channel: 'chat', attributes: { kind: 'billing' } });
    expect(engine.getReservation(next.reservations[0] as string)?.workerId).toBe('a');
  });
});
