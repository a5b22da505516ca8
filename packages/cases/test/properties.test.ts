import { BusinessCalendar, createSequentialIds, isThreadlineError, ManualClock } from '@threadline/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CASE_STATUSES,
  type CalendarLike,
  type CaseEngineEvent,
  canMoveMetric,
  createCaseEngine,
  type EscalationLadderInput,
  type MetricState,
  type SlaPolicyInput,
} from '../src/index.js';

const T0 = Date.UTC(2026, 0, 5, 9);
const M = 60_000;

const weekday = [
  ['08:00', '12:00'],
  ['13:00', '18:00'],
] as [string, string][];
const paris = BusinessCalendar.from({
  timeZone: 'Europe/Paris',
  hours: { mon: weekday, tue: weekday, wed: weekday, thu: weekday, fri: [['09:00', '15:30']] },
  holidays: ['2026-03-30', '2026-04-06'],
});
// Starts a week before the spring-forward night in Paris (2026-03-29).
const PARIS_START = Date.UTC(2026, 2, 23, 7);

export const allMetricsPolicy = (calendar?: string): SlaPolicyInput[] => [
  {
    id: 'high',
    when: (ctx) => ctx.case.priority === 'urgent' && ctx.customer.tier === 'vip',
    ...(calendar ? { calendar } : {}),
    targets: { first_reply: { urgent: { minutes: 5 } }, resolution: { urgent: { hours: 2 } } },
  },
  {
    id: 'default',
    ...(calendar ? { calendar } : {}),
    warn: { before: { minutes: 10 } },
    targets: {
      first_reply: {
        low: { hours: 4 },
        normal: { hours: 1 },
        high: { minutes: 30 },
        urgent: { minutes: 15 },
      },
      next_reply: { normal: { hours: 2 }, high: { hours: 1 }, urgent: { minutes: 30 } },
      periodic_update: { normal: { hours: 3 }, urgent: { hours: 1 } },
      resolution: { low: { hours: 48 }, normal: { hours: 24 }, high: { hours: 8 }, urgent: { hours: 4 } },
      requester_wait: { normal: { hours: 6 }, high: { hours: 3 } },
      agent_work: { normal: { hours: 5 }, urgent: { hours: 2 } },
      team_ownership: { normal: { hours: 2 }, high: { hours: 1 }, urgent: { minutes: 45 } },
    },
  },
];

export const ladders: EscalationLadderInput[] = [
  {
    id: 'fr',
    metric: 'first_reply',
    levels: [
      { before: { minutes: 5 }, actions: [{ type: 'notify', recipients: [{ id: 'agent' }] }] },
      { after: { minutes: 10 }, actions: [{ type: 'raise_priority' }] },
    ],
  },
  { id: 'res', metric: 'resolution', levels: [{ actions: [{ type: 'add_team', team: 'managers' }] }] },
];

export type Op =
  | { k: 'advance'; ms: number }
  | { k: 'status'; to: (typeof CASE_STATUSES)[number] }
  | { k: 'message'; author: 'customer' | 'agent' | 'bot'; public: boolean }
  | { k: 'priority'; p: 'low' | 'normal' | 'high' | 'urgent' }
  | { k: 'team'; team: string | null }
  | { k: 'ack'; metric: 'first_reply' | 'resolution' }
  | { k: 'tick' }
  | { k: 'tier'; tier: string };

export const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({ k: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 6 * 60 * M }) }),
  },
  {
    weight: 3,
    arbitrary: fc.record({ k: fc.constant('status' as const), to: fc.constantFrom(...CASE_STATUSES) }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      k: fc.constant('message' as const),
      author: fc.constantFrom('customer' as const, 'agent' as const, 'bot' as const),
      public: fc.boolean(),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      k: fc.constant('priority' as const),
      p: fc.constantFrom('low' as const, 'normal' as const, 'high' as const, 'urgent' as const),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ k: fc.constant('team' as const), team: fc.constantFrom('t1', 't2', null) }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      k: fc.constant('ack' as const),
      metric: fc.constantFrom('first_reply' as const, 'resolution' as const),
    }),
  },
  { weight: 2, arbitrary: fc.constant({ k: 'tick' as const }) },
  {
    weight: 1,
    arbitrary: fc.record({ k: fc.constant('tier' as const), tier: fc.constantFrom('vip', 'basic') }),
  },
);

/** Runs random operations on one case and returns the engine, the case id and every event. */
export function runScenario(
  ops: readonly Op[],
  calendars: Record<string, CalendarLike> = {},
  calendar?: string,
  start = T0,
) {
  const clock = new ManualClock(start);
  const engine = createCaseEngine({
    clock,
    ids: createSequentialIds(),
    calendars,
    policies: allMetricsPolicy(calendar),
    escalations: ladders,
  });
  const events: CaseEngineEvent[] = [];
  engine.subscribe('*', (e) => {
    events.push(e);
  });
  const c = engine.openCase({
    customerId: 'c',
    subject: 's',
    priority: 'normal',
    channel: 'email',
    team: 't1',
  });
  for (const op of ops) {
    try {
      switch (op.k) {
        case 'advance':
          clock.advance(op.ms);
          break;
        case 'tick':
          engine.advanceTo(clock.now());
          break;
        case 'status':
          engine.transition(c.id, op.to, { actor: 'a' });
          break;
        case 'message':
          engine.recordMessage(c.id, { author: op.author, public: op.public });
          break;
        case 'priority':
          engine.setPriority(c.id, op.p, { actor: 'a' });
          break;
        case 'team':
          engine.assign(c.id, { team: op.team }, { actor: 'a' });
          break;
        case 'ack':
          engine.acknowledgeEscalation(c.id, op.metric, { actor: 'a' });
          break;
        case 'tier':
          engine.update(c.id, { customer: { tier: op.tier } }, { actor: 'a' });
          break;
      }
    } catch (e) {
      // Illegal moves and acks without a ladder are expected; anything else is a bug.
      if (!isThreadlineError(e, 'ILLEGAL_TRANSITION') && !isThreadlineError(e, 'NOT_FOUND')) throw e;
    }
  }
  return { engine, clock, caseId: c.id, events };
}

const EVENT_TO_STATE: Record<string, MetricState | 'late?'> = {
  'sla.started': 'active',
  'sla.paused': 'paused',
  'sla.resumed': 'active',
  'sla.breached': 'breached',
  'sla.achieved': 'late?',
  'sla.canceled': 'canceled',
};

describe('SLA properties', () => {
  it('metric states move only along legal edges', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 40 }), (ops) => {
        const { events, engine, caseId } = runScenario(ops);
        const states = new Map<string, MetricState>();
        for (const e of events) {
          const to0 = EVENT_TO_STATE[e.type];
          if (to0 === undefined) continue;
          const p = e.payload as { metric: string; cycle: number; late?: boolean };
          const key = `${p.metric}#${p.cycle}`;
          const to: MetricState = to0 === 'late?' ? (p.late ? 'achieved_late' : 'achieved') : to0;
          const from = states.get(key);
          if (from === undefined) expect(e.type).toBe('sla.started');
          else expect(canMoveMetric(from, to), `${key}: ${from} -> ${to}`).toBe(true);
          states.set(key, to);
        }
        // the events tell the same story as getSla
        for (const m of engine.getSla(caseId)) expect(states.get(`${m.metric}#${m.cycle}`)).toBe(m.state);
      }),
      { numRuns: 200, seed: 42 },
    );
  });

  for (const [label, calendars, calendar, start, between] of [
    ['calendar time', {}, undefined, T0, (a: number, b: number) => b - a],
    [
      'business time (Paris, split days, holidays, DST)',
      { paris },
      'paris',
      PARIS_START,
      (a: number, b: number) => paris.businessTimeBetween(a, b),
    ],
  ] as const) {
    it(`a resumed metric’s due instant moves by exactly the paused time (${label})`, () => {
      fc.assert(
        fc.property(fc.array(opArb, { maxLength: 40 }), (ops) => {
          const { events } = runScenario(ops, calendars, calendar, start);
          const last = new Map<string, { dueAt: number; pausedMs: number }>();
          for (const e of events) {
            const p = e.payload as { metric: string; cycle: number; dueAt?: number; pausedMs?: number };
            const key = `${p.metric}#${p.cycle}`;
            if (e.type === 'sla.started' || e.type === 'sla.updated') {
              last.set(key, { dueAt: p.dueAt as number, pausedMs: last.get(key)?.pausedMs ?? 0 });
            }
            if (e.type === 'sla.resumed') {
              const before = last.get(key);
              expect(before).toBeDefined();
              if (before === undefined) continue;
              const paused = (p.pausedMs as number) - before.pausedMs;
              expect(between(before.dueAt, p.dueAt as number)).toBe(paused);
              if (paused > 0) expect(p.dueAt as number).toBeGreaterThan(before.dueAt);
              last.set(key, { dueAt: p.dueAt as number, pausedMs: p.pausedMs as number });
            }
          }
        }),
        { numRuns: 150, seed: 7 },
      );
    });

    it(`recompute with unchanged rules reproduces the live result (${label})`, () => {
      fc.assert(
        fc.property(fc.array(opArb, { maxLength: 40 }), fc.boolean(), (ops, backdate) => {
          const { engine, clock, caseId } = runScenario(ops, calendars, calendar, start);
          engine.advanceTo(clock.now());
          const live = engine.getSla(caseId);
          const replay = engine.recompute(caseId, { backdate });
          expect(replay.metrics).toEqual(live);
          expect(replay.applied).toBe(false);
          expect(engine.getSla(caseId)).toEqual(live);
        }),
        { numRuns: 150, seed: 3 },
      );
    });
  }
});
