import { createMemoryDocumentStore } from '@threadline/adapter-memory';
import { createSequentialIds, type EventBus, ManualClock } from '@threadline/core';
import { describe, expect, it } from 'vitest';
import { type CaseEngineEvent, createCaseEngine, type SlaPolicyInput } from '../src/index.js';

const T0 = Date.UTC(2026, 0, 5, 9);
const M = 60_000;
const H = 60 * M;

const policies: SlaPolicyInput[] = [
  {
    id: 'default',
    targets: {
      first_reply: { normal: { hours: 1 }, urgent: { minutes: 15 } },
      team_ownership: { normal: { hours: 2 }, urgent: { hours: 1 } },
    },
    pauseOn: { first_reply: ['pending'] },
  },
];

describe('rule-triggered escalation to specialist teams', () => {
  function setup() {
    const clock = new ManualClock(T0);
    const engine = createCaseEngine({
      clock,
      ids: createSequentialIds(),
      calendars: {},
      policies,
      routingRules: [
        {
          id: 'specialists',
          when: 'case.type == "security" OR customer.tier == "enterprise" AND case.priority == "urgent"',
          team: 'security-desk',
          reason: 'security or urgent enterprise issue',
        },
      ],
    });
    const events: CaseEngineEvent[] = [];
    engine.subscribe('case.escalated', (e) => {
      events.push(e);
    });
    return { clock, engine, events };
  }

  it('moves ownership on open, records policy and reason, keeps SLA clocks', () => {
    const { engine, events } = setup();
    const c = engine.openCase({
      customerId: 'c',
      subject: 'Leaked key',
      priority: 'normal',
      channel: 'email',
      type: 'security',
      team: 'tier1',
      assignee: 'a1',
    });
    const now = engine.getCase(c.id);
    expect(now).toMatchObject({ team: 'security-desk', assignee: null });
    expect(now?.escalations).toEqual([
      {
        rule: 'specialists',
        team: 'security-desk',
        fromTeam: 'tier1',
        reason: 'security or urgent enterprise issue',
        at: T0,
      },
    ]);
    expect(events[0]?.payload).toMatchObject({
      rule: 'specialists',
      fromTeam: 'tier1',
      team: 'security-desk',
    });
    expect(engine.getAudit(c.id).at(-1)).toMatchObject({
      action: 'case.escalated',
      actor: 'system',
      reason: 'security or urgent enterprise issue',
    });
    // first reply keeps running from the opening; OLA: tier1 stint ends, security-desk stint starts
    const sla = engine.getSla(c.id);
    expect(sla.find((m) => m.metric === 'first_reply')).toMatchObject({
      state: 'active',
      startedAt: T0,
      dueAt: T0 + H,
    });
    expect(sla.filter((m) => m.metric === 'team_ownership').map((m) => [m.team, m.state])).toEqual([
      ['tier1', 'achieved'],
      ['security-desk', 'active'],
    ]);
  });

  it('fires when a later change makes the rule match (AND binds tighter than OR), once per case', () => {
    const { engine, events, clock } = setup();
    const c = engine.openCase({
      customerId: 'c',
      subject: 's',
      priority: 'normal',
      channel: 'email',
      customer: { tier: 'enterprise' },
      team: 'tier1',
    });
    expect(engine.getCase(c.id)?.team).toBe('tier1');
    clock.advance(10 * M);
    engine.setPriority(c.id, 'urgent', { actor: 'lead', reason: 'outage' });
    expect(engine.getCase(c.id)?.team).toBe('security-desk');
    expect(events).toHaveLength(1);
    // A manual reassignment afterwards sticks: the rule does not fire twice.
    engine.assign(c.id, { team: 'tier2' }, { actor: 'lead', reason: 'resolved the security part' });
    expect(engine.getCase(c.id)?.team).toBe('tier2');
    expect(events).toHaveLength(1);
  });
});

describe('recompute and rule changes', () => {
  function setup() {
    const clock = new ManualClock(T0);
    const engine = createCaseEngine({ clock, ids: createSequentialIds(), calendars: {}, policies });
    return { clock, engine };
  }
  const stricter: SlaPolicyInput[] = [
    // First reply pausing while pending is the pause mechanics under test (not the default).
    {
      id: 'strict',
      targets: { first_reply: { normal: { minutes: 30 } } },
      pauseOn: { first_reply: ['pending'] },
    },
  ];

  it('what-if: backdated rules replay history; non-backdated apply from now; nothing changes live', () => {
    const { clock, engine } = setup();
    const c = engine.openCase({ customerId: 'c', subject: 's', priority: 'normal', channel: 'email' });
    clock.advance(10 * M);
    engine.transition(c.id, 'pending', { actor: 'a' });
    clock.advance(20 * M);
    engine.transition(c.id, 'open', { actor: 'a' });
    clock.advance(15 * M); // T0 + 45 min
    const live = engine.getSla(c.id);
    const back = engine.recompute(c.id, { policies: stricter, backdate: true });
    // 30 min target + 20 min paused → due T0 + 50 min; still active at T0 + 45 min
    expect(back.metrics).toMatchObject([
      {
        metric: 'first_reply',
        policyId: 'strict',
        target: 30 * M,
        pausedMs: 20 * M,
        dueAt: T0 + 50 * M,
        state: 'active',
      },
    ]);
    expect(back.events.map((e) => e.type)).toEqual(['sla.started', 'sla.paused', 'sla.resumed']);
    const fromNow = engine.recompute(c.id, { policies: stricter });
    expect(fromNow.metrics).toMatchObject([
      { metric: 'first_reply', policyId: 'strict', dueAt: T0 + 50 * M, pausedMs: 20 * M },
    ]);
    expect(fromNow.events.map((e) => e.type)).toContain('sla.updated');
    expect(engine.getSla(c.id)).toEqual(live);
    // a what-if until a later instant shows the breach
    const later = engine.recompute(c.id, { policies: stricter, backdate: true, until: T0 + H });
    expect(later.metrics[0]).toMatchObject({ state: 'breached', breachedAt: T0 + 50 * M });
  });

  it('updateRules + recompute({ apply }) re-applies new rules to a live case', () => {
    const { clock, engine } = setup();
    const c = engine.openCase({ customerId: 'c', subject: 's', priority: 'normal', channel: 'email' });
    clock.advance(40 * M);
    engine.updateRules({ policies: stricter });
    expect(engine.getSla(c.id)[0]?.target).toBe(H); // picked up on the next change only
    const r = engine.recompute(c.id, { apply: true, backdate: true });
    expect(r.applied).toBe(true);
    expect(engine.getSla(c.id)).toMatchObject([
      { policyId: 'strict', target: 30 * M, state: 'breached', breachedAt: T0 + 30 * M },
    ]);
    expect(engine.nextDeadline()).toBeNull();
    expect(() => engine.recompute(c.id, { apply: true, policies: stricter })).toThrowError(
      /updateRules first/,
    );
    expect(() =>
      engine.updateRules({
        policies: [{ id: 'x', targets: { first_reply: { normal: { within: 1, calendar: 'nope' } } } }],
      }),
    ).toThrowError(/Unknown calendar "nope"/);
    // the failed update changed nothing
    engine.setPriority(c.id, 'urgent', { actor: 'a' });
    expect(engine.getSla(c.id)).toMatchObject([{ policyId: 'strict', state: 'canceled' }]);
  });
});

describe('persistence and event delivery', () => {
  it('persists every case change to the document store; flush waits for it', async () => {
    const clock = new ManualClock(T0);
    const store = createMemoryDocumentStore();
    const engine = createCaseEngine({ clock, ids: createSequentialIds(), calendars: {}, policies, store });
    const c = engine.openCase({ customerId: 'c', subject: 's', priority: 'normal', channel: 'email' });
    engine.transition(c.id, 'open', { actor: 'a' });
    clock.advance(2 * H);
    engine.advanceTo(clock.now());
    await engine.flush();
    const doc = await store.get('cases', c.id);
    expect(doc).toMatchObject({ id: c.id, status: 'open', customerId: 'c' });
    expect((doc as unknown as { sla: { state: string }[] }).sla[0]?.state).toBe('breached');
    const page = await store.find('cases', { where: { status: 'open' } });
    expect(page.items.map((d) => d.id)).toEqual([c.id]);
  });

  it('publishes to an injected bus; a failing bus is counted and reported, never thrown by flush', async () => {
    const clock = new ManualClock(T0);
    const published: string[] = [];
    const errors: unknown[] = [];
    let fail = false;
    const bus: EventBus = {
      async publish(events) {
        if (fail) throw new Error('bus down');
        for (const e of Array.isArray(events) ? events : [events]) published.push(e.type);
      },
      subscribe: () => () => {},
    };
    const engine = createCaseEngine({
      clock,
      ids: createSequentialIds(),
      calendars: {},
      policies,
      bus,
      onError: (error) => errors.push(error),
    });
    const c = engine.openCase({ customerId: 'c', subject: 's', priority: 'normal', channel: 'email' });
    await engine.flush();
    expect(published).toEqual(['case.opened', 'sla.started']);
    fail = true;
    engine.transition(c.id, 'open', { actor: 'a' });
    await engine.flush();
    expect(engine.stats().publishFailures).toBe(1);
    expect(errors.map((e) => (e as Error).message)).toEqual(['bus down']);
  });
});
