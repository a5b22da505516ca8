import { createSequentialIds, ManualClock } from '@threadline/core';
import { describe, expect, it } from 'vitest';
import {
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
    id: 'urgent-vip',
    when: (ctx) => ctx.customer.tier === 'vip',
    targets: { first_reply: { urgent: { minutes: 15 }, normal: { minutes: 30 } } },
  },
  {
    id: 'default',
    warn: { percent: 75 },
    // Reply and resolution clocks pausing while waiting is the pause mechanics under test; the
    // defaults (Zendesk's: they never pause) are tested in pauseDefaults.test.ts.
    pauseOn: {
      first_reply: ['pending', 'on_hold'],
      next_reply: ['pending', 'on_hold'],
      periodic_update: ['pending', 'on_hold'],
      resolution: ['pending', 'on_hold'],
    },
    targets: {
      first_reply: { normal: { hours: 1 }, high: { minutes: 30 }, urgent: { minutes: 10 } },
      next_reply: { normal: { hours: 2 } },
      periodic_update: { normal: { hours: 8 } },
      resolution: { normal: { hours: 24 }, high: { hours: 8 } },
      requester_wait: { normal: { hours: 16 } },
      agent_work: { normal: { hours: 12 } },
      team_ownership: { normal: { hours: 4 }, high: { hours: 4 } },
    },
  },
];

function setup(escalations: EscalationLadderInput[] = []) {
  const clock = new ManualClock(T0);
  const engine = createCaseEngine({
    clock,
    ids: createSequentialIds(),
    calendars: {},
    policies,
    escalations,
  });
  const events: CaseEngineEvent[] = [];
  engine.subscribe('*', (e) => {
    events.push(e);
  });
  const open = (extra: Record<string, unknown> = {}) =>
    engine.openCase({
      customerId: 'cus-1',
      subject: 'Refund',
      priority: 'normal',
      channel: 'email',
      ...extra,
    });
  const sla = (caseId: string, metric: string, cycle = 1) =>
    engine.getSla(caseId).find((m) => m.metric === metric && m.cycle === cycle);
  const at = (t: number) => {
    clock.set(t);
    engine.advanceTo(t);
  };
  return { clock, engine, events, open, sla, at };
}

describe('SLA metrics (calendar time)', () => {
  it('first reply: warning at 75%, breach at the due instant, achieved late on reply', () => {
    const { engine, open, sla, at, events } = setup();
    const c = open();
    expect(sla(c.id, 'first_reply')).toMatchObject({
      state: 'active',
      target: H,
      startedAt: T0,
      dueAt: T0 + H,
      warnAt: T0 + 45 * M,
    });
    expect(engine.nextDeadline()).toBe(T0 + 45 * M);
    at(T0 + 45 * M - 1);
    expect(sla(c.id, 'first_reply')?.warnedAt).toBeUndefined();
    at(T0 + 45 * M);
    expect(sla(c.id, 'first_reply')).toMatchObject({ state: 'active', warnedAt: T0 + 45 * M });
    at(T0 + H);
    expect(sla(c.id, 'first_reply')).toMatchObject({ state: 'breached', breachedAt: T0 + H });
    at(T0 + H + 5 * M);
    engine.recordMessage(c.id, { author: 'agent', public: true });
    expect(sla(c.id, 'first_reply')).toMatchObject({ state: 'achieved_late', achievedAt: T0 + H + 5 * M });
    const fr = events.filter(
      (e) => e.type.startsWith('sla.') && (e.payload as { metric?: string }).metric === 'first_reply',
    );
    expect(fr.map((e) => [e.type, e.occurredAt])).toEqual([
      ['sla.started', T0],
      ['sla.at_risk', T0 + 45 * M],
      ['sla.breached', T0 + H],
      ['sla.achieved', T0 + H + 5 * M],
    ]);
  });

  it('an internal note or a bot message does not achieve the first reply', () => {
    const { engine, open, sla, at } = setup();
    const c = open();
    at(T0 + 10 * M);
    engine.recordMessage(c.id, { author: 'agent', public: false });
    engine.recordMessage(c.id, { author: 'bot', public: true });
    expect(sla(c.id, 'first_reply')?.state).toBe('active');
    engine.recordMessage(c.id, { author: 'agent', public: true });
    expect(sla(c.id, 'first_reply')).toMatchObject({ state: 'achieved', achievedAt: T0 + 10 * M });
  });

  it('pending pauses requester-facing metrics; the due instant moves by the paused time', () => {
    const { engine, open, sla, at, clock } = setup();
    const c = open();
    at(T0 + 20 * M);
    engine.transition(c.id, 'pending', { actor: 'a' });
    expect(sla(c.id, 'first_reply')).toMatchObject({ state: 'paused', pausedAt: T0 + 20 * M, dueAt: T0 + H });
    expect(sla(c.id, 'requester_wait')?.state).toBe('paused');
    // team ownership does not pause by default; agent work pauses
    expect(sla(c.id, 'agent_work')?.state).toBe('paused');
    at(T0 + 3 * H);
    expect(sla(c.id, 'first_reply')?.state).toBe('paused'); // a paused clock never breaches
    engine.transition(c.id, 'open', { actor: 'a' });
    expect(sla(c.id, 'first_reply')).toMatchObject({
      state: 'active',
      pausedMs: 2 * H + 40 * M,
      dueAt: T0 + 3 * H + 40 * M,
    });
    // on hold pauses first reply but not requester wait (the requester is still waiting)
    clock.advance(10 * M);
    engine.transition(c.id, 'on_hold', { actor: 'a' });
    expect(sla(c.id, 'first_reply')?.state).toBe('paused');
    expect(sla(c.id, 'requester_wait')?.state).toBe('active');
  });

  it('next reply is recurring per customer turn; periodic update restarts on every agent reply', () => {
    const { engine, open, sla, at } = setup();
    const c = open();
    engine.recordMessage(c.id, { author: 'customer', public: true });
    expect(sla(c.id, 'next_reply')).toBeUndefined(); // first reply still owed
    at(T0 + 10 * M);
    engine.recordMessage(c.id, { author: 'agent', public: true });
    expect(sla(c.id, 'periodic_update')).toMatchObject({
      state: 'active',
      startedAt: T0 + 10 * M,
      dueAt: T0 + 10 * M + 8 * H,
    });
    at(T0 + H);
    engine.recordMessage(c.id, { author: 'customer', public: true });
    at(T0 + H + 30 * M);
    engine.recordMessage(c.id, { author: 'customer', public: true }); // same turn
    expect(sla(c.id, 'next_reply')).toMatchObject({ state: 'active', startedAt: T0 + H, dueAt: T0 + 3 * H });
    at(T0 + 2 * H);
    engine.recordMessage(c.id, { author: 'agent', public: true });
    expect(sla(c.id, 'next_reply')).toMatchObject({ state: 'achieved', achievedAt: T0 + 2 * H });
    expect(sla(c.id, 'periodic_update', 1)).toMatchObject({ state: 'achieved', achievedAt: T0 + 2 * H });
    expect(sla(c.id, 'periodic_update', 2)).toMatchObject({ state: 'active', startedAt: T0 + 2 * H });
    at(T0 + 3 * H);
    engine.recordMessage(c.id, { author: 'customer', public: true });
    expect(sla(c.id, 'next_reply', 2)).toMatchObject({ state: 'active', cycle: 2, startedAt: T0 + 3 * H });
    at(T0 + 6 * H);
    expect(sla(c.id, 'next_reply', 2)).toMatchObject({ state: 'breached', breachedAt: T0 + 5 * H });
    engine.transition(c.id, 'solved', { actor: 'a' });
    expect(sla(c.id, 'next_reply', 2)).toMatchObject({ state: 'canceled', canceledAt: T0 + 6 * H });
    expect(sla(c.id, 'periodic_update', 2)?.state).toBe('canceled');
  });

  it('resolution restarts on reopen; requester wait pauses while solved and is achieved at close', () => {
    const { engine, open, sla, at } = setup();
    const c = open();
    at(T0 + 2 * H);
    engine.transition(c.id, 'solved', { actor: 'a' });
    expect(sla(c.id, 'resolution')).toMatchObject({ state: 'achieved', achievedAt: T0 + 2 * H });
    expect(sla(c.id, 'requester_wait')).toMatchObject({ state: 'paused', pausedAt: T0 + 2 * H });
    at(T0 + 5 * H);
    engine.reopen(c.id, { actor: 'cus-1' });
    expect(sla(c.id, 'resolution', 2)).toMatchObject({
      state: 'active',
      startedAt: T0 + 5 * H,
      dueAt: T0 + 29 * H,
    });
    expect(sla(c.id, 'requester_wait')).toMatchObject({
      state: 'active',
      pausedMs: 3 * H,
      dueAt: T0 + 19 * H,
    });
    at(T0 + 6 * H);
    engine.transition(c.id, 'solved', { actor: 'a' });
    engine.transition(c.id, 'closed', { actor: 'a' });
    expect(sla(c.id, 'requester_wait')).toMatchObject({
      state: 'achieved',
      achievedAt: T0 + 6 * H,
      pausedMs: 3 * H,
    });
    expect(engine.stats()).toMatchObject({ cases: 1, liveMetrics: 0, scheduled: 0 });
  });

  it('team ownership: one instance per team stint', () => {
    const { engine, open, sla, at } = setup();
    const c = open({ team: 'tier1' });
    expect(sla(c.id, 'team_ownership')).toMatchObject({ team: 'tier1', startedAt: T0, dueAt: T0 + 4 * H });
    at(T0 + H);
    engine.assign(c.id, { team: 'billing' }, { actor: 'lead', reason: 'billing' });
    expect(sla(c.id, 'team_ownership', 1)).toMatchObject({ state: 'achieved', achievedAt: T0 + H });
    expect(sla(c.id, 'team_ownership', 2)).toMatchObject({
      team: 'billing',
      state: 'active',
      startedAt: T0 + H,
    });
    engine.assign(c.id, { team: null }, { actor: 'lead' });
    expect(sla(c.id, 'team_ownership', 2)?.state).toBe('achieved');
  });

  it('a priority change re-targets live metrics and keeps the paused time', () => {
    const { engine, open, sla, at, events } = setup();
    const c = open();
    at(T0 + 10 * M);
    engine.transition(c.id, 'pending', { actor: 'a' });
    at(T0 + 40 * M);
    engine.transition(c.id, 'open', { actor: 'a' });
    expect(sla(c.id, 'first_reply')).toMatchObject({ pausedMs: 30 * M, dueAt: T0 + 90 * M });
    engine.setPriority(c.id, 'high', { actor: 'lead' });
    expect(sla(c.id, 'first_reply')).toMatchObject({
      target: 30 * M,
      pausedMs: 30 * M,
      dueAt: T0 + 60 * M,
      state: 'active',
    });
    expect(events.some((e) => e.type === 'sla.updated')).toBe(true);
    // metrics without a target at the new priority are canceled
    expect(sla(c.id, 'agent_work')).toMatchObject({ state: 'canceled' });
    // a re-target that puts the due instant in the past breaches at that instant
    at(T0 + 50 * M);
    engine.setPriority(c.id, 'urgent', { actor: 'lead' });
    expect(sla(c.id, 'first_reply')).toMatchObject({
      target: 10 * M,
      dueAt: T0 + 40 * M,
      state: 'breached',
      breachedAt: T0 + 40 * M,
    });
  });

  it('the first matching policy wins (conditions over customer.*)', () => {
    const { engine, sla } = setup();
    const c = engine.openCase({
      customerId: 'v',
      subject: 's',
      priority: 'urgent',
      channel: 'chat',
      customer: { tier: 'vip' },
    });
    expect(sla(c.id, 'first_reply')).toMatchObject({ policyId: 'urgent-vip', target: 15 * M });
    expect(engine.getSla(c.id)).toHaveLength(1);
  });

  it('rejects messages stamped before the case’s latest change or in the future', () => {
    const { engine, open, at } = setup();
    const c = open();
    at(T0 + H);
    engine.transition(c.id, 'open', { actor: 'a' });
    expect(() => engine.recordMessage(c.id, { author: 'agent', public: true, at: T0 + 30 * M })).toThrowError(
      /already has changes up to/,
    );
    expect(() => engine.recordMessage(c.id, { author: 'agent', public: true, at: T0 + 2 * H })).toThrowError(
      /future/,
    );
    expect(
      engine.recordMessage(c.id, { author: 'agent', public: true, at: new Date(T0 + H) }).lastAgentReplyAt,
    ).toBe(T0 + H);
  });
});

describe('escalation ladders', () => {
  const ladders: EscalationLadderInput[] = [
    {
      id: 'reply-ladder',
      metric: 'first_reply',
      levels: [
        { before: { minutes: 10 }, actions: [{ type: 'notify', recipients: [{ id: 'agent-7' }] }] },
        { actions: [{ type: 'raise_priority' }, { type: 'notify', recipients: [{ id: 'lead' }] }] },
        {
          after: { minutes: 30 },
          actions: [
            { type: 'reassign', team: 'tier2' },
            { type: 'add_team', team: 'managers' },
          ],
        },
      ],
    },
  ];

  it('fires levels before and after the breach, in order, as events for the host', () => {
    const { engine, open, at, events } = setup(ladders);
    open();
    at(T0 + 5 * H);
    const esc = events.filter(
      (e) => e.type === 'escalation.triggered' || e.type === 'sla.breached' || e.type === 'sla.at_risk',
    );
    expect(esc.map((e) => [e.type, e.occurredAt])).toEqual([
      ['sla.at_risk', T0 + 45 * M],
      ['escalation.triggered', T0 + 50 * M],
      ['sla.breached', T0 + H],
      ['escalation.triggered', T0 + H],
      ['escalation.triggered', T0 + 90 * M],
    ]);
    expect(esc[3]?.payload).toMatchObject({
      ladder: 'reply-ladder',
      level: 1,
      offset: 0,
      actions: [
        { type: 'raise_priority', from: 'normal', to: 'high' },
        { type: 'notify', recipients: [{ id: 'lead', deliverAt: T0 + H }] },
      ],
    });
    expect(esc[4]?.payload).toMatchObject({
      level: 2,
      offset: 30 * M,
      actions: [
        { type: 'reassign', team: 'tier2' },
        { type: 'add_team', team: 'managers' },
      ],
    });
    expect(engine.nextDeadline()).toBe(T0 + 9 * H); // agent work warning (75% of 12 h)
  });

  it('acknowledgement stops the ladder', () => {
    const { engine, open, at, events } = setup(ladders);
    const c = open();
    at(T0 + 50 * M);
    expect(engine.acknowledgeEscalation(c.id, 'first_reply', { actor: 'lead' })).toBe(true);
    expect(engine.acknowledgeEscalation(c.id, 'first_reply', { actor: 'lead' })).toBe(false);
    at(T0 + 5 * H);
    expect(events.filter((e) => e.type === 'escalation.triggered')).toHaveLength(1);
    expect(events.find((e) => e.type === 'escalation.acknowledged')?.payload).toMatchObject({
      actor: 'lead',
      level: 1,
    });
    expect(() => engine.acknowledgeEscalation(c.id, 'resolution', { actor: 'lead' })).toThrowError(
      /no running escalation ladder/,
    );
  });

  it('rejects unordered levels as CONFIG', () => {
    expect(() =>
      createCaseEngine({
        clock: new ManualClock(0),
        calendars: {},
        policies: [],
        escalations: [
          {
            id: 'x',
            metric: 'resolution',
            levels: [
              { after: { hours: 1 }, actions: [{ type: 'raise_priority' }] },
              { before: { hours: 1 }, actions: [{ type: 'raise_priority' }] },
            ],
          },
        ],
      }),
    ).toThrowError(/ordered/);
  });
});

describe('deadline index driving', () => {
  it('advanceTo processes only due items, in time order across cases', () => {
    const { engine, open, clock } = setup();
    const a = open();
    clock.advance(10 * M);
    const b = open({ priority: 'high' });
    const due: [string, string, number][] = [];
    engine.subscribe('sla.breached', (e) => {
      due.push([e.aggregateId, e.payload.metric, e.occurredAt]);
    });
    clock.set(T0 + 2 * H);
    engine.advanceTo(T0 + 2 * H);
    expect(engine.stats().fired).toBe(4); // two warnings, two first-reply breaches
    expect(due).toEqual([
      [b.id, 'first_reply', T0 + 40 * M],
      [a.id, 'first_reply', T0 + H],
    ]);
    engine.advanceTo(T0 + 2 * H);
    expect(engine.stats().fired).toBe(4);
  });
});

describe('driven by the core Scheduler', () => {
  it('runUntil steps through every deadline at its own instant', async () => {
    const { Scheduler } = await import('@threadline/core');
    const { engine, open, clock } = setup();
    const scheduler = new Scheduler({ clock });
    scheduler.add(engine);
    const seen: [string, number, number][] = [];
    engine.subscribe('sla.*', (e) => {
      if (e.type === 'sla.at_risk' || e.type === 'sla.breached')
        seen.push([e.type, e.occurredAt, clock.now()]);
    });
    const c = open();
    await scheduler.runUntil(T0 + 2 * H);
    expect(seen.slice(0, 2)).toEqual([
      ['sla.at_risk', T0 + 45 * M, T0 + 45 * M],
      ['sla.breached', T0 + H, T0 + H],
    ]);
    expect(engine.getSla(c.id).find((m) => m.metric === 'first_reply')?.state).toBe('breached');
  });
});
