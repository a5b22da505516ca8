import { createMemoryDocumentStore } from '@threadline/adapter-memory';
import { createSequentialIds, isThreadlineError, ManualClock } from '@threadline/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type CaseEngine,
  type CaseEngineEvent,
  createCaseEngine,
  type EscalationLadderInput,
  type SlaPolicyInput,
} from '../src/index.js';

const T0 = Date.UTC(2026, 0, 5, 9); // Monday 09:00 UTC
const M = 60_000;
const H = 60 * M;

const policies: SlaPolicyInput[] = [
  {
    id: 'default',
    warn: { percent: 50 },
    targets: {
      first_reply: { normal: { hours: 1 }, high: { minutes: 30 } },
      next_reply: { normal: { hours: 2 }, high: { hours: 1 } },
      periodic_update: { normal: { hours: 3 } },
      pausable_update: { normal: { hours: 2 } },
      resolution: { normal: { hours: 8 }, high: { hours: 4 } },
      requester_wait: { normal: { hours: 6 } },
      agent_work: { normal: { hours: 5 } },
      team_ownership: { normal: { hours: 2 }, high: { hours: 1 } },
    },
  },
];

const escalations: EscalationLadderInput[] = [
  {
    id: 'reply-ladder',
    metric: 'first_reply',
    levels: [
      { before: { minutes: 10 }, actions: [{ type: 'notify', recipients: [{ id: 'agent-7' }] }] },
      { actions: [{ type: 'notify', recipients: [{ id: 'lead' }] }] },
      { after: { minutes: 30 }, actions: [{ type: 'raise_priority' }] },
    ],
  },
  {
    id: 'resolution-ladder',
    metric: 'resolution',
    levels: [{ after: { hours: 1 }, actions: [{ type: 'add_team', team: 'tier-2' }] }],
  },
];

function setup() {
  const clock = new ManualClock(T0);
  const engine = createCaseEngine({
    clock,
    ids: createSequentialIds(),
    calendars: {},
    policies,
    escalations,
  });
  const events: CaseEngineEvent[] = [];
  engine.subscribe('*', (e) => events.push(e));
  const open = (id: string) =>
    engine.openCase({ id, customerId: 'cus-1', subject: 'Refund', priority: 'normal', channel: 'email' });
  return { clock, engine, events, open };
}

describe('backdated changes after advanceTo fired later deadlines', () => {
  it('a reply dated before a breach that already fired is accepted and achieves the metric in time', () => {
    const live = setup();
    const lazy = setup();
    for (const { clock, engine, open } of [live, lazy]) {
      open('c1');
      clock.set(T0 + 2 * H);
      // Only `live` lets the warning (T0+30m), ladder levels (T0+50m, T0+1h, T0+1h30) and the
      // breach (T0+1h) fire before the reply arrives.
      if (engine === live.engine) engine.advanceTo(clock.now());
      engine.recordMessage('c1', { author: 'agent', public: true, at: T0 + 40 * M });
      engine.advanceTo(clock.now());
    }
    const first = live.engine.getSla('c1').find((m) => m.metric === 'first_reply');
    expect(first).toMatchObject({ state: 'achieved', achievedAt: T0 + 40 * M, warnedAt: T0 + 30 * M });
    expect(first?.breachedAt).toBeUndefined();
    expect(live.engine.getSla('c1')).toEqual(lazy.engine.getSla('c1'));
    expect(live.engine.getCase('c1')).toEqual(lazy.engine.getCase('c1'));

    const retracted = live.events.filter((e) => e.type === 'sla.retracted');
    expect(retracted.map((e) => e.payload)).toEqual([
      {
        metric: 'first_reply',
        cycle: 1,
        asOf: T0 + 40 * M,
        breach: true,
        warning: false,
        levels: [0, 1, 2],
        dueAt: T0 + H,
      },
    ]);
    expect(retracted[0]?.occurredAt).toBe(T0 + 40 * M);
    // The retraction comes before the achievement it makes possible.
    const types = live.events.map((e) => e.type);
    expect(types.indexOf('sla.retracted')).toBeLessThan(types.lastIndexOf('sla.achieved'));
  });

  it('a ladder level fired before the latest recorded change is kept, even if a re-target moved its instant', () => {
    const { clock, engine, events } = setup();
    engine.openCase({ id: 'c1', customerId: 'u', subject: 's', priority: 'high', channel: 'email' });
    clock.set(T0 + 25 * M);
    engine.advanceTo(clock.now()); // high: due T0+30m, so level 0 (10 min before) fires at T0+20m
    engine.setPriority('c1', 'normal', { actor: 'lead' }); // due T0+1h: level 0 would now be at T0+50m
    clock.set(T0 + 2 * H);
    engine.advanceTo(clock.now()); // levels 1 (T0+1h) and 2 (T0+1h30), breach at T0+1h
    engine.recordMessage('c1', { author: 'agent', public: true, at: T0 + 45 * M });
    const retracted = events.filter((e) => e.type === 'sla.retracted').map((e) => e.payload);
    expect(retracted).toMatchObject([{ metric: 'first_reply', breach: true, levels: [1, 2] }]);
    expect(engine.getSla('c1').find((m) => m.metric === 'first_reply')).toMatchObject({
      state: 'achieved',
      achievedAt: T0 + 45 * M,
    });
  });

  it('what fired survives a restart: a backdated reply after load() still retracts the breach', async () => {
    const store = createMemoryDocumentStore();
    const clock = new ManualClock(T0);
    const make = () =>
      createCaseEngine({ clock, ids: createSequentialIds(), calendars: {}, policies, escalations, store });
    const a = make();
    a.openCase({ id: 'c1', customerId: 'u', subject: 's', priority: 'normal', channel: 'email' });
    clock.set(T0 + 2 * H);
    a.advanceTo(clock.now());
    await a.flush();
    const b = make();
    await b.load();
    b.recordMessage('c1', { author: 'agent', public: true, at: T0 + 40 * M });
    expect(b.getSla('c1').find((m) => m.metric === 'first_reply')).toMatchObject({
      state: 'achieved',
      achievedAt: T0 + 40 * M,
    });
  });

  it('still refuses a change before the latest recorded change (VALIDATION, path at)', () => {
    const { clock, engine, open } = setup();
    open('c1');
    clock.set(T0 + 2 * H);
    engine.recordMessage('c1', { author: 'customer', public: true, at: T0 + 50 * M });
    let err: unknown;
    try {
      engine.recordMessage('c1', { author: 'agent', public: true, at: T0 + 45 * M });
    } catch (e) {
      err = e;
    }
    expect(isThreadlineError(err, 'VALIDATION')).toBe(true);
    expect((err as { issues: { path: unknown[] }[] }).issues[0]?.path).toEqual(['at']);
  });

  it('a command while the clock is behind the advanceTo horizon sees the horizon; an earlier advanceTo is a no-op', () => {
    const { clock, engine, open } = setup();
    engine.advanceTo(new Date(T0 + 2 * H)); // a Date works too
    open('late'); // opened at T0 with the clock behind the horizon: first reply due T0+1h
    expect(engine.getSla('late').find((m) => m.metric === 'first_reply')?.state).toBe('breached');
    const fired = engine.stats().fired;
    clock.set(T0 + 10 * M);
    engine.advanceTo(T0 + 90 * M); // earlier than T0+2h: nothing happens
    expect(engine.stats().fired).toBe(fired);
    engine.recordMessage('late', { author: 'agent', public: true }); // at T0+10m: in time after all
    expect(engine.getSla('late').find((m) => m.metric === 'first_reply')).toMatchObject({
      state: 'achieved',
      achievedAt: T0 + 10 * M,
    });
  });
});

type Step =
  | { kind: 'tick'; ms: number }
  | { kind: 'advance'; offset: number }
  | { kind: 'open' }
  | { kind: 'message'; n: number; author: 'customer' | 'agent'; public: boolean; back: number }
  | { kind: 'status'; n: number; to: 'open' | 'pending' | 'on_hold' | 'solved' | 'closed' }
  | { kind: 'priority'; n: number; to: 'normal' | 'high' }
  | { kind: 'team'; n: number; team: string | null }
  | { kind: 'ack'; n: number; metric: 'first_reply' | 'resolution' };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant('tick' as const), ms: fc.integer({ min: 0, max: 3 * H }) }),
  fc.record({ kind: fc.constant('advance' as const), offset: fc.integer({ min: -2 * H, max: 4 * H }) }),
  fc.record({ kind: fc.constant('open' as const) }),
  fc.record({
    kind: fc.constant('message' as const),
    n: fc.nat(3),
    author: fc.constantFrom('customer' as const, 'agent' as const),
    public: fc.boolean(),
    back: fc.integer({ min: 0, max: 3 * H }),
  }),
  fc.record({
    kind: fc.constant('status' as const),
    n: fc.nat(3),
    to: fc.constantFrom(
      'open' as const,
      'pending' as const,
      'on_hold' as const,
      'solved' as const,
      'closed' as const,
    ),
  }),
  fc.record({
    kind: fc.constant('priority' as const),
    n: fc.nat(3),
    to: fc.constantFrom('normal' as const, 'high' as const),
  }),
  fc.record({
    kind: fc.constant('team' as const),
    n: fc.nat(3),
    team: fc.constantFrom('billing', 'tech', null),
  }),
  fc.record({
    kind: fc.constant('ack' as const),
    n: fc.nat(3),
    metric: fc.constantFrom('first_reply' as const, 'resolution' as const),
  }),
);

/** Runs the commands; `interleave` also runs every `advance` step. Returns each command's outcome. */
function run(steps: Step[], interleave: boolean) {
  const clock = new ManualClock(T0);
  const engine: CaseEngine = createCaseEngine({
    clock,
    ids: createSequentialIds(),
    calendars: {},
    policies,
    escalations,
  });
  const ids = ['c0'];
  const lastChange = new Map<string, number>([['c0', T0]]);
  // Warnings, breaches and ladder levels announced, net of retractions.
  const announced = new Map<string, number>();
  const count = (key: string, d: number) => announced.set(key, (announced.get(key) ?? 0) + d);
  engine.subscribe('*', (e) => {
    const p = e.payload as { metric?: string; cycle?: number };
    const key = `${e.aggregateId}|${p.metric}|${p.cycle}`;
    if (e.type === 'sla.at_risk') count(`${key}|warning`, 1);
    else if (e.type === 'sla.breached') count(`${key}|breach`, 1);
    else if (e.type === 'escalation.triggered') count(`${key}|level ${e.payload.level}`, 1);
    else if (e.type === 'sla.retracted') {
      if (e.payload.warning) count(`${key}|warning`, -1);
      if (e.payload.breach) count(`${key}|breach`, -1);
      for (const level of e.payload.levels) count(`${key}|level ${level}`, -1);
    }
  });
  engine.openCase({ id: 'c0', customerId: 'u', subject: 's', priority: 'normal', channel: 'email' });
  let horizon = T0;
  const outcomes: string[] = [];
  for (const step of steps) {
    const id = 'n' in step ? (ids[step.n % ids.length] as string) : '';
    const ctx = { actor: 'agent-7' };
    try {
      switch (step.kind) {
        case 'tick':
          clock.advance(step.ms);
          continue;
        case 'advance':
          horizon = Math.max(horizon, clock.now() + step.offset);
          if (interleave) engine.advanceTo(clock.now() + step.offset);
          continue;
        case 'open': {
          const c = engine.openCase({ customerId: 'u', subject: 's', priority: 'normal', channel: 'email' });
          ids.push(c.id);
          lastChange.set(c.id, clock.now());
          break;
        }
        case 'message': {
          const at = Math.max(lastChange.get(id) ?? T0, clock.now() - step.back);
          engine.recordMessage(id, { author: step.author, public: step.public, at });
          lastChange.set(id, at);
          break;
        }
        case 'status':
          engine.transition(id, step.to, ctx);
          lastChange.set(id, clock.now());
          break;
        case 'priority':
          engine.setPriority(id, step.to, ctx);
          lastChange.set(id, clock.now());
          break;
        case 'team':
          engine.assign(id, { team: step.team }, ctx);
          lastChange.set(id, clock.now());
          break;
        case 'ack':
          engine.acknowledgeEscalation(id, step.metric, ctx);
          lastChange.set(id, clock.now());
          break;
      }
      outcomes.push('ok');
    } catch (e) {
      if (!isThreadlineError(e)) throw e;
      outcomes.push(e.code);
    }
  }
  const end = Math.max(horizon, clock.now());
  engine.advanceTo(end);
  return {
    outcomes,
    state: ids.map((id) => {
      const sla = engine.getSla(id);
      // Replaying the recorded history reproduces the live state, retractions included.
      expect(engine.recompute(id, { until: end }).metrics).toEqual(sla);
      return { case: engine.getCase(id), sla };
    }),
    announced: [...announced].filter(([, n]) => n !== 0).sort(),
  };
}

describe('property: results never depend on how often advanceTo is called', () => {
  it('interleaved advanceTo calls at random instants end in the same metric states as one call at the end', () => {
    fc.assert(
      fc.property(fc.array(stepArb, { minLength: 1, maxLength: 40 }), (steps) => {
        const interleaved = run(steps, true);
        const once = run(steps, false);
        expect(interleaved.outcomes).toEqual(once.outcomes);
        expect(interleaved.state).toEqual(once.state);
        expect(interleaved.announced).toEqual(once.announced);
      }),
      { numRuns: 300, seed: 11 },
    );
  });
});
