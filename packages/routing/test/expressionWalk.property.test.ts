import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RoutingEvent, RoutingStrategy, WorkflowConfig } from '../src/index.js';
import { applyLifecycle, type Run, reference, startRun } from './referenceRun.js';

// Expression steps on a skill's rings (queues asking for one skill at a minimum level, read
// through the skill's idle lists): the walk that reads a step expression's stored answer first
// and the groups an expression step keeps per task value must decide exactly what the
// reference path decides. The reference is the same engine with a strategy that also scores
// (a constant): it then ranks every eligible idle worker of the ring with the comparator
// (strategy rank, idle-since, registration order — the order the idle lists keep) instead of
// walking the lists.

const LANGUAGES = ['en', 'fr', 'de'] as const;
const workflow: WorkflowConfig = {
  queues: [
    { id: 'b7', workers: { skills: { billing: 7 } } },
    { id: 'b4', workers: { skills: { billing: 4 } } },
    { id: 'b1', workers: { skills: { billing: 1 } } },
  ],
  filters: [
    {
      name: 'vip',
      match: { attributes: { vip: true } },
      targets: [
        { queue: 'b7', expression: 'worker.tier == "senior"', timeout: 20_000 },
        { queue: 'b4', offers: 2, timeout: 40_000 },
        { queue: 'b1' },
      ],
    },
    {
      name: 'language',
      match: { attributes: { vip: false } },
      targets: [
        { queue: 'b7', expression: 'task.language IN worker.languages', timeout: 30_000 },
        {
          queue: 'b4',
          expression: 'task.language IN worker.languages',
          // A task asking for billing ≤ 5 of its own merges to this same requirement (and key).
          requires: { skills: { billing: 5 } },
          offers: 2,
          timeout: 90_000,
        },
        { queue: 'b1' },
      ],
    },
  ],
};

type Command =
  | {
      kind: 'worker';
      w: number;
      level: number;
      languages: boolean[];
      senior: boolean;
      chat: number;
      voice: number;
    }
  | { kind: 'status'; w: number; available: boolean }
  | { kind: 'submit'; vip: boolean; language: number; chat: boolean; ownSkill: number }
  | { kind: 'accept'; pick: number }
  | { kind: 'reject'; pick: number }
  | { kind: 'complete'; pick: number; wrapUp: boolean }
  | { kind: 'advance'; ms: number };

const command: fc.Arbitrary<Command> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('worker' as const),
      w: fc.nat(11),
      level: fc.integer({ min: 0, max: 10 }),
      languages: fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }),
      senior: fc.boolean(),
      chat: fc.integer({ min: 1, max: 3 }),
      voice: fc.integer({ min: 0, max: 1 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('status' as const), w: fc.nat(11), available: fc.boolean() }),
  },
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('submit' as const),
      vip: fc.boolean(),
      language: fc.nat(LANGUAGES.length - 1),
      chat: fc.boolean(),
      // -1: none; 0–10: `requiredSkills: { billing }` of the task's own.
      ownSkill: fc.integer({ min: -1, max: 10 }),
    }),
  },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('accept' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('reject' as const), pick: fc.nat() }) },
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constant('complete' as const), pick: fc.nat(), wrapUp: fc.boolean() }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 1, max: 60_000 }) }),
  },
);

const start = (strategy?: RoutingStrategy): Run => startRun(workflow, 15_000, strategy);

function apply(run: Run, cmd: Command): void {
  const { engine } = run;
  switch (cmd.kind) {
    case 'worker': {
      const id = `w${cmd.w}`;
      const used = engine.getWorker(id)?.used ?? {};
      engine.upsertWorker({
        id,
        status: 'available',
        attributes: {
          skills: { billing: cmd.level },
          languages: LANGUAGES.filter((_, i) => cmd.languages[i]),
          tier: cmd.senior ? 'senior' : 'agent',
        },
        capacity: { chat: Math.max(cmd.chat, used.chat ?? 0), voice: Math.max(cmd.voice, used.voice ?? 0) },
      });
      break;
    }
    case 'submit':
      engine.submitTask({
        id: `t${run.submitted++}`,
        channel: cmd.chat ? 'chat' : 'voice',
        attributes: { vip: cmd.vip, language: LANGUAGES[cmd.language] as string },
        ...(cmd.ownSkill < 0 ? {} : { requiredSkills: { billing: cmd.ownSkill } }),
      });
      break;
    default:
      applyLifecycle(run, cmd);
  }
}

describe('expression steps on a ring family', () => {
  it('offer the same workers as the reference ranking of every eligible idle worker', () => {
    fc.assert(
      fc.property(fc.array(command, { minLength: 1, maxLength: 120 }), (commands) => {
        const fast = start();
        const ref = start(reference);
        for (const cmd of commands) {
          apply(fast, cmd);
          apply(ref, cmd);
          expect(fast.engine.stats()).toEqual(ref.engine.stats());
        }
        expect(fast.events).toEqual(ref.events);
      }),
      { numRuns: 200, seed: 1507 },
    );
  });

  it('continue identically after a snapshot moves the state into an engine with no cached groups', () => {
    fc.assert(
      fc.property(fc.array(command, { minLength: 2, maxLength: 100 }), fc.nat(), (commands, cutSeed) => {
        const whole = start();
        for (const cmd of commands) apply(whole, cmd);
        const cut = cutSeed % commands.length;
        const first = start();
        for (const cmd of commands.slice(0, cut)) apply(first, cmd);
        const second = start();
        second.clock.set(first.clock.now());
        second.engine.restore(JSON.parse(JSON.stringify(first.engine.snapshot())));
        second.events.push(...first.events);
        second.submitted = first.submitted;
        for (const cmd of commands.slice(cut)) apply(second, cmd);
        const tail = (events: RoutingEvent[]) =>
          events.slice(first.events.length).map(({ id: _, ...e }) => e);
        expect(tail(second.events)).toEqual(tail(whole.events));
      }),
      { numRuns: 150, seed: 1508 },
    );
  });
});
