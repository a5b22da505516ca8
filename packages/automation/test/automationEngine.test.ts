import {
  type AuditEntry,
  createEvent,
  createInProcessEventBus,
  createManualClock,
  createSequentialIds,
  type EventEnvelope,
  isThreadlineError,
} from '@threadline/core';
import { describe, expect, it } from 'vitest';
import { type AutomationRule, createAutomationEngine, type RenderedAction } from '../src/index.js';

function world() {
  const clock = createManualClock(1_000);
  const ids = createSequentialIds();
  const bus = createInProcessEventBus();
  const audit: AuditEntry[] = [];
  const events: EventEnvelope[] = [];
  bus.subscribe('automation.*', (e) => {
    events.push(e);
  });
  const done: { type: string; action: RenderedAction }[] = [];
  const log = (action: RenderedAction) => {
    done.push({ type: action.type, action });
  };
  const handlers = {
    tag: log,
    set_priority: log,
    route: log,
    reply: log,
    open_case: log,
    update_case: log,
    escalate: log,
  };
  let version = 0;
  const make = (
    type: string,
    payload: unknown,
    extra: { tenantId?: string; causationId?: string; aggregateId?: string } = {},
  ) =>
    createEvent(
      { clock, ids },
      {
        type,
        aggregateType: type.split('.')[0] ?? 'x',
        aggregateId: extra.aggregateId ?? 'case-1',
        version: ++version,
        payload,
        ...extra,
      },
    );
  return {
    clock,
    ids,
    bus,
    audit: { record: async (e: AuditEntry) => void audit.push(e) },
    auditLog: audit,
    events,
    done,
    handlers,
    make,
  };
}

describe('createAutomationEngine', () => {
  it('evaluates rules in order, renders templates, stops at a stop rule and audits each fired rule', async () => {
    const w = world();
    const rules: AutomationRule[] = [
      { id: 'tag-all', on: 'case.*', actions: [{ type: 'tag', tags: ['seen', 'from-{{payload.channel}}'] }] },
      { id: 'other-event', on: 'message.received', actions: [{ type: 'tag', tags: ['never'] }] },
      {
        id: 'cold',
        on: 'case.opened',
        when: 'payload.priority < 3',
        actions: [{ type: 'tag', tags: ['cold'] }],
      },
      {
        id: 'vip',
        on: ['case.opened', 'case.reopened'],
        when: '"vip" IN payload.tags AND payload.priority >= 5',
        actions: [
          { type: 'set_priority', priority: 9 },
          { type: 'reply', template: 'Hi {{payload.customer.name}}, we are on it ({{event.aggregateId}}).' },
          { type: 'route', queueId: 'vip' },
        ],
        stop: true,
      },
      { id: 'after', on: '*', actions: [{ type: 'escalate', reason: 'never runs' }] },
    ];
    const engine = createAutomationEngine({
      rules,
      clock: w.clock,
      ids: w.ids,
      bus: w.bus,
      audit: w.audit,
      handlers: w.handlers,
    });
    const run = await engine.handle(
      w.make('case.opened', { channel: 'email', tags: ['vip'], priority: 7, customer: { name: 'Ana' } }),
    );
    expect(run.fired.map((f) => f.ruleId)).toEqual(['tag-all', 'vip']);
    expect(run.stoppedBy).toBe('vip');
    expect(run.skipped).toEqual([
      { ruleId: 'other-event', reason: 'other_event' },
      { ruleId: 'cold', reason: 'condition_false' },
      { ruleId: 'after', reason: 'after_stop' },
    ]);
    expect(w.done.map((d) => d.action)).toEqual([
      { type: 'tag', tags: ['seen', 'from-email'] },
      { type: 'set_priority', priority: 9 },
      { type: 'reply', text: 'Hi Ana, we are on it (case-1).' },
      { type: 'route', queueId: 'vip' },
    ]);
    expect(w.auditLog.map((a) => [a.action, a.outcome, a.details?.ruleId, a.resource])).toEqual([
      ['automation.rule_fired', 'allowed', 'tag-all', { type: 'case', id: 'case-1' }],
      ['automation.rule_fired', 'allowed', 'vip', { type: 'case', id: 'case-1' }],
    ]);
    expect(w.events.map((e) => [e.type, e.aggregateId, e.version])).toEqual([
      ['automation.rule_fired', 'tag-all', 1],
      ['automation.rule_fired', 'vip', 1],
    ]);
  });

  it('keeps tenants apart and skips disabled rules', async () => {
    const w = world();
    const engine = createAutomationEngine({
      clock: w.clock,
      ids: w.ids,
      handlers: w.handlers,
      rules: [
        { id: 'acme-only', tenantId: 'acme', on: 'case.opened', actions: [{ type: 'tag', tags: ['acme'] }] },
        { id: 'off', enabled: false, on: 'case.opened', actions: [{ type: 'tag', tags: ['off'] }] },
      ],
    });
    expect((await engine.handle(w.make('case.opened', {}, { tenantId: 'globex' }))).skipped).toEqual([
      { ruleId: 'acme-only', reason: 'other_tenant' },
      { ruleId: 'off', reason: 'disabled' },
    ]);
    expect(
      (await engine.handle(w.make('case.opened', {}, { tenantId: 'acme' }))).fired.map((f) => f.ruleId),
    ).toEqual(['acme-only']);
  });

  it('opens and updates cases and calls host actions with rendered parameters and causation ids', async () => {
    const w = world();
    const calls: { params: unknown; causationId: string; correlationId: string }[] = [];
    const engine = createAutomationEngine({
      clock: w.clock,
      ids: w.ids,
      handlers: w.handlers,
      hostActions: {
        notifySlack: (a, ctx) => {
          calls.push({ params: a.params, causationId: ctx.causationId, correlationId: ctx.correlationId });
        },
      },
      rules: [
        {
          id: 'r',
          on: 'message.received',
          actions: [
            { type: 'open_case', subject: 'Follow up: {{payload.text}}', priority: 'high' },
            {
              type: 'update_case',
              caseId: 'case-{{payload.n}}',
              changes: { note: 'from {{payload.text}}', n: 2 },
            },
            { type: 'call', action: 'notifySlack', params: { channel: '#cx', text: '{{payload.text}}' } },
          ],
        },
      ],
    });
    const trigger = w.make('message.received', { text: 'broken', n: 4 }, { aggregateId: 'conv-1' });
    await engine.handle(trigger);
    expect(w.done.map((d) => d.action)).toEqual([
      { type: 'open_case', subject: 'Follow up: broken', priority: 'high' },
      { type: 'update_case', caseId: 'case-4', changes: { note: 'from broken', n: 2 } },
    ]);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.params).toEqual({ channel: '#cx', text: 'broken' });
    expect(calls[0]?.correlationId).toBe(trigger.id);
    expect(calls[0]?.causationId).not.toBe(trigger.id);
  });

  it('an action that fails is reported, the rule stops, later rules still run', async () => {
    const w = world();
    const engine = createAutomationEngine({
      clock: w.clock,
      ids: w.ids,
      bus: w.bus,
      audit: w.audit,
      handlers: {
        ...w.handlers,
        tag: () => {
          throw new Error('tag store down');
        },
      },
      rules: [
        {
          id: 'a',
          on: 'case.opened',
          actions: [
            { type: 'tag', tags: ['x'] },
            { type: 'route', queueId: 'q' },
          ],
        },
        { id: 'b', on: 'case.opened', actions: [{ type: 'escalate' }] },
      ],
    });
    const run = await engine.handle(w.make('case.opened', {}));
    expect(run.fired).toEqual([
      {
        ruleId: 'a',
        actions: [
          { type: 'tag', tags: ['x'] },
          { type: 'route', queueId: 'q' },
        ],
        error: { actionIndex: 0, message: 'tag store down' },
      },
      { ruleId: 'b', actions: [{ type: 'escalate' }] },
    ]);
    expect(w.done.map((d) => d.type)).toEqual(['escalate']);
    expect(w.events.map((e) => e.type)).toEqual([
      'automation.action_failed',
      'automation.rule_fired',
      'automation.rule_fired',
    ]);
    expect(w.auditLog[0]?.details?.error).toEqual({ actionIndex: 0, message: 'tag store down' });
  });

  it("an action's own events do not retrigger its rule beyond the bound (bus, no causation ids)", async () => {
    const w = world();
    let updates = 0;
    const engine = createAutomationEngine({
      clock: w.clock,
      ids: w.ids,
      bus: w.bus,
      audit: w.audit,
      handlers: {
        ...w.handlers,
        // A case engine that publishes case.updated and knows nothing about causation.
        update_case: async (a) => {
          updates += 1;
          await w.bus.publish(w.make('case.updated', { changes: a.changes }));
        },
      },
      rules: [
        { id: 'touch', on: 'case.updated', actions: [{ type: 'update_case', changes: { touched: true } }] },
      ],
    });
    const off = engine.connect();
    await w.bus.publish(w.make('case.updated', {}));
    await engine.idle();
    expect(updates).toBe(1);
    expect(w.events.map((e) => e.type)).toEqual([
      'automation.rule_fired',
      'automation.cycle_detected',
      'automation.loop_blocked',
    ]);
    expect(engine.cycles()).toEqual([['touch', 'touch']]);
    expect(w.auditLog.map((a) => [a.outcome, a.reason])).toEqual([
      ['allowed', undefined],
      ['denied', 'loop_bound'],
    ]);
    // An unrelated event starts a new chain: the rule fires again, once.
    await w.bus.publish(w.make('case.updated', {}));
    await engine.idle();
    expect(updates).toBe(2);
    off();
  });

  it('an unrelated event arriving while an action awaits I/O starts its own chain', async () => {
    const w = world();
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let started: () => void = () => undefined;
    const running = new Promise<void>((resolve) => {
      started = resolve;
    });
    const calls: string[] = [];
    const engine = createAutomationEngine({
      clock: w.clock,
      ids: w.ids,
      bus: w.bus,
      audit: w.audit,
      hostActions: {
        // A CRM call that takes a while, then publishes what it did (no causation ids).
        crm: async (_a, ctx) => {
          calls.push(ctx.event.aggregateId);
          started();
          await gate;
          await w.bus.publish(
            w.make('order.created', { echo: true }, { aggregateId: `echo-${calls.length}` }),
          );
        },
      },
      rules: [{ id: 'notify', on: 'order.created', actions: [{ type: 'call', action: 'crm' }] }],
    });
    engine.connect();
    await w.bus.publish(w.make('order.created', {}, { aggregateId: 'order-a' }));
    await running;
    // Another customer's order arrives while the first action is still waiting on the CRM.
    await w.bus.publish(w.make('order.created', {}, { aggregateId: 'order-b' }));
    release();
    await engine.idle();
    expect(calls).toEqual(['order-a', 'order-b']);
    // Only each action's own echo is blocked; order-b is not taken for order-a's consequence.
    expect(w.events.filter((e) => e.type === 'automation.loop_blocked')).toHaveLength(2);
    // Events are handled in arrival order: order-b came before order-a's echo.
    expect(w.auditLog.map((a) => [a.resource.id, a.outcome])).toEqual([
      ['order-a', 'allowed'],
      ['order-b', 'allowed'],
      ['echo-1', 'denied'],
      ['echo-2', 'denied'],
    ]);
    expect(engine.cycles()).toEqual([['notify', 'notify']]);
  });

  it('detects and reports a cycle between rules once, and the bound ends it', async () => {
    const w = world();
    const engine = createAutomationEngine({
      clock: w.clock,
      ids: w.ids,
      bus: w.bus,
      maxFiresPerChain: 2,
      hostActions: {
        emit: async (a, ctx) => {
          await w.bus.publish(w.make(String(a.params.type), {}, { causationId: ctx.causationId }));
        },
      },
      rules: [
        { id: 'a', on: 'x.a', actions: [{ type: 'call', action: 'emit', params: { type: 'x.b' } }] },
        { id: 'b', on: 'x.b', actions: [{ type: 'call', action: 'emit', params: { type: 'x.a' } }] },
      ],
    });
    engine.connect();
    await w.bus.publish(w.make('x.a', {}));
    await engine.idle();
    const fired = w.events.filter((e) => e.type === 'automation.rule_fired').map((e) => e.aggregateId);
    expect(fired).toEqual(['a', 'b', 'a', 'b']);
    expect(engine.cycles()).toEqual([['a', 'b', 'a']]);
    expect(w.events.filter((e) => e.type === 'automation.cycle_detected')).toHaveLength(1);
    expect(
      w.events
        .filter((e) => e.type === 'automation.loop_blocked')
        .map((e) => (e.payload as { ruleId: string }).ruleId),
    ).toEqual(['a']);
  });

  it('a dry run says what would happen and does nothing', async () => {
    const w = world();
    const engine = createAutomationEngine({
      clock: w.clock,
      ids: w.ids,
      bus: w.bus,
      audit: w.audit,
      handlers: w.handlers,
      rules: [
        {
          id: 'urgent',
          on: 'case.opened',
          when: 'payload.text CONTAINS "outage"',
          actions: [
            { type: 'set_priority', priority: 10 },
            { type: 'reply', template: 'Known outage, ref {{event.aggregateId}}' },
          ],
          stop: true,
        },
        { id: 'rest', on: 'case.opened', actions: [{ type: 'tag', tags: ['rest'] }] },
      ],
    });
    const e = w.make('case.opened', { text: 'total outage here' });
    const dry = engine.dryRun(e);
    expect(dry).toMatchObject({
      dryRun: true,
      stoppedBy: 'urgent',
      fired: [
        {
          ruleId: 'urgent',
          actions: [
            { type: 'set_priority', priority: 10 },
            { type: 'reply', text: 'Known outage, ref case-1' },
          ],
        },
      ],
      skipped: [{ ruleId: 'rest', reason: 'after_stop' }],
    });
    expect(w.done).toEqual([]);
    expect(w.auditLog).toEqual([]);
    expect(w.events).toEqual([]);
    const real = await engine.handle(e);
    expect({ ...real, dryRun: true }).toEqual(dry);
  });

  it('rejects bad rules with CONFIG and every path, and malformed events with VALIDATION', async () => {
    const w = world();
    try {
      createAutomationEngine({
        clock: w.clock,
        ids: w.ids,
        handlers: { tag: () => undefined },
        rules: [
          { id: 'a', on: 'case.opened', when: 'payload.x ==', actions: [{ type: 'tag', tags: ['t'] }] },
          {
            id: 'a',
            on: 'case.opened',
            actions: [
              { type: 'route', queueId: 'q' },
              { type: 'call', action: 'nope' },
            ],
          },
        ],
      });
      expect.unreachable();
    } catch (e) {
      expect(isThreadlineError(e, 'CONFIG')).toBe(true);
      expect((e as { issues: { path: unknown }[] }).issues.map((i) => i.path)).toEqual([
        ['rules', 0, 'when'],
        ['rules', 1, 'id'],
        ['rules', 1, 'actions', 0, 'type'],
        ['rules', 1, 'actions', 1, 'action'],
      ]);
    }
    try {
      createAutomationEngine({
        clock: w.clock,
        ids: w.ids,
        rules: [{ id: 'a', on: 'x', actions: [{ type: 'tag', tags: [] }] }],
      });
      expect.unreachable();
    } catch (e) {
      expect((e as { path: unknown }).path).toEqual(['rules', 0, 'actions', 0, 'tags']);
    }
    expect(() => createAutomationEngine({ clock: w.clock, ids: w.ids, rules: [] }).connect()).toThrow(
      /needs a bus/,
    );
    const empty = createAutomationEngine({ clock: w.clock, ids: w.ids, rules: [] });
    await expect(empty.handle({ ...w.make('case.opened', {}), tenantId: '' })).rejects.toMatchObject({
      code: 'VALIDATION',
      path: ['tenantId'],
    });
    expect(() => empty.dryRun({ ...w.make('case.opened', {}), version: -1 })).toThrow(/version/);
  });
});
