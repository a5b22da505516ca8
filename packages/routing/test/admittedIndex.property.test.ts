import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { RoutingStrategy, WorkflowConfig } from '../src/index.js';
import { AdmittedIndex } from '../src/indexes/admittedIndex.js';
import { applyLifecycle, type Run, reference, startRun } from './referenceRun.js';

// The admitted sets of a skill family (`AdmittedIndex`): an expression step whose key few
// workers pass (`task.language IN worker.languages` with "de") reads the family's admitted
// entries instead of walking every idle entry of the ring. The reference is the same engine
// with a strategy that also scores (a constant), which ranks every eligible idle worker of the
// ring with the comparator instead of reading either the walk or the sets. Rosters are large
// enough for the sets to be built (a family decides a key once it holds 16 idle entries), and
// workers are re-registered with other languages and levels (their old entries linger in the
// sets until a search drops them), go away and come back, take, reject and finish work.

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
        { queue: 'b4', expression: 'worker.tier == "senior"', offers: 2, timeout: 40_000 },
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
          offers: 2,
          timeout: 90_000,
        },
        { queue: 'b1' },
      ],
    },
  ],
};

interface WorkerSpec {
  level: number;
  /** 0: English only; 1: and French; 2: and German; 3: all three. */
  languages: number;
  senior: boolean;
  chat: number;
}

const workerSpec: fc.Arbitrary<WorkerSpec> = fc.record({
  level: fc.integer({ min: 1, max: 10 }),
  // German is rare, French less so: "de" and "fr" keys are selective, "en" is not.
  languages: fc.constantFrom(0, 0, 0, 0, 0, 1, 1, 2, 3),
  senior: fc.constantFrom(false, false, false, true),
  // Mostly one chat at a time: taking an offer takes a worker out of the idle lists.
  chat: fc.constantFrom(1, 1, 1, 2, 3),
});

type Command =
  | { kind: 'worker'; w: number; spec: WorkerSpec }
  | { kind: 'status'; w: number; available: boolean }
  | { kind: 'submit'; vip: boolean; language: number; ownSkill: number }
  | { kind: 'accept'; pick: number }
  | { kind: 'reject'; pick: number }
  | { kind: 'complete'; pick: number; wrapUp: boolean }
  | { kind: 'advance'; ms: number };

const ROSTER = 40;
const command: fc.Arbitrary<Command> = fc.oneof(
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('worker' as const), w: fc.nat(ROSTER + 4), spec: workerSpec }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('status' as const),
      w: fc.nat(ROSTER - 1),
      available: fc.boolean(),
    }),
  },
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('submit' as const),
      vip: fc.boolean(),
      // English most of the time: a French or German key is often first asked (and its set
      // built) while many workers are busy, who must join it when they are free again.
      language: fc.constantFrom(0, 0, 0, 0, 1, 2),
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

function upsert(run: Run, w: number, spec: WorkerSpec): void {
  const id = `w${w}`;
  const used = run.engine.getWorker(id)?.used ?? {};
  const languages = ['en'];
  if (spec.languages === 1 || spec.languages === 3) languages.push('fr');
  if (spec.languages >= 2) languages.push('de');
  run.engine.upsertWorker({
    id,
    status: 'available',
    attributes: { skills: { billing: spec.level }, languages, tier: spec.senior ? 'senior' : 'agent' },
    capacity: { chat: Math.max(spec.chat, used.chat ?? 0) },
  });
}

function apply(run: Run, cmd: Command): void {
  const { engine } = run;
  switch (cmd.kind) {
    case 'worker':
      upsert(run, cmd.w, cmd.spec);
      break;
    case 'submit':
      engine.submitTask({
        id: `t${run.submitted++}`,
        channel: 'chat',
        attributes: { vip: cmd.vip, language: LANGUAGES[cmd.language] as string },
        ...(cmd.ownSkill < 0 ? {} : { requiredSkills: { billing: cmd.ownSkill } }),
      });
      break;
    default:
      applyLifecycle(run, cmd);
  }
}

describe('admitted sets of a ring family', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('offer the same workers as the reference ranking of every eligible idle worker', () => {
    // Searches that read a set and found someone there: the property must exercise the sets.
    const first = vi.spyOn(AdmittedIndex.prototype, 'first');
    const best = vi.spyOn(AdmittedIndex.prototype, 'best');
    fc.assert(
      fc.property(
        fc.array(workerSpec, { minLength: ROSTER, maxLength: ROSTER }),
        fc.array(command, { minLength: 1, maxLength: 150 }),
        (roster, commands) => {
          const fast = start();
          const ref = start(reference);
          roster.forEach((spec, w) => {
            upsert(fast, w, spec);
            upsert(ref, w, spec);
          });
          for (const cmd of commands) {
            apply(fast, cmd);
            apply(ref, cmd);
            expect(fast.engine.stats()).toEqual(ref.engine.stats());
          }
          expect(fast.events).toEqual(ref.events);
        },
      ),
      { numRuns: 150, seed: 1515 },
    );
    // A single offer asks `best` (which reads `first` into a scratch list); multi-offer, `first`.
    const found =
      best.mock.results.filter((r) => r.value !== undefined).length +
      first.mock.calls.filter((call) => call[4].length > 0).length;
    expect(found).toBeGreaterThan(100);
  });
});

describe('admitted sets, memory', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('drop the entries of workers registered again, so a set stays the size of its roster', () => {
    const first = vi.spyOn(AdmittedIndex.prototype, 'first');
    const best = vi.spyOn(AdmittedIndex.prototype, 'best');
    const run = start();
    const spec = (w: number, round: number): WorkerSpec => ({
      // Levels move between rounds, so re-registered workers' entries land in other buckets.
      level: 7 + ((w + round) % 4),
      // The German speakers registered last: never the longest idle, so searches read the set.
      languages: w >= ROSTER - 5 ? 2 : 0,
      senior: false,
      chat: 1,
    });
    for (let w = 0; w < ROSTER; w++) upsert(run, w, spec(w, 0));
    for (let round = 1; round <= 30; round++) {
      for (let w = ROSTER - 5; w < ROSTER; w++) upsert(run, w, spec(w, round));
      apply(run, { kind: 'submit', vip: false, language: 2, ownSkill: -1 });
      apply(run, { kind: 'accept', pick: 0 });
      apply(run, { kind: 'complete', pick: 0, wrapUp: false });
    }
    const sets = new Set(first.mock.calls.map((call) => call[0]));
    expect(sets.size).toBe(1);
    const [set] = sets;
    // Five German speakers; every round re-registered them (150 entries gone since).
    expect(set?.entries.length).toBeLessThanOrEqual(5);
    expect(best.mock.results.filter((r) => r.value !== undefined).length).toBe(30);
  });
});
