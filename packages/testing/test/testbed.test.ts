import { isThreadlineError } from '@threadline/core';
import type { WorkflowConfig } from '@threadline/routing';
import { describe, expect, it } from 'vitest';
import { createTestbed, type TestbedOptions } from '../src/index.js';

const CHAT_SLA: TestbedOptions['policies'] = [
  { id: 'chat', time: 'calendar', targets: { first_reply: { normal: 60_000 } } },
];
const LI = { kind: 'email', value: 'li@example.com', verified: true } as const;

// Chat goes to the bot first; handed-off chats and everything else go to people by queue.
const BOT_FIRST: WorkflowConfig = {
  queues: [
    { id: 'bots', expression: 'worker.kind == "bot"' },
    { id: 'support', expression: 'worker.kind == "human"' },
    { id: 'billing', expression: 'worker.kind == "human" AND "billing" IN worker.teams' },
  ],
  filters: [
    {
      name: 'bot-first',
      match: { channel: 'chat' },
      when: 'task.handoff == null',
      targets: [{ queue: 'bots' }],
    },
  ],
  defaultFilter: { targets: [{ queue: 'support' }] },
};

describe('createTestbed: SLA policies on a manual clock', () => {
  it('breaches the first reply when nobody answers, and only once the target has passed', async () => {
    const tb = createTestbed({ policies: CHAT_SLA });
    const contact = await tb.customerWrites({ channel: 'chat', from: LI, text: 'Where is my refund?' });
    expect(tb.events('case.opened')).toHaveLength(1);
    expect(tb.events('task.*').map((e) => e.type)).toContain('task.queued');
    tb.advance({ seconds: 59 });
    expect(tb.events('sla.breached')).toHaveLength(0);
    tb.advance({ seconds: 2 });
    const breached = tb.events('sla.breached');
    expect(breached).toHaveLength(1);
    expect(breached[0]?.aggregateId).toBe(contact.caseId);
    expect(breached[0]?.occurredAt).toBe(tb.clock.now() - 1_000);
  });

  it('an agent who accepts and replies in time achieves the first reply; solving completes task and case', async () => {
    const tb = createTestbed({ policies: CHAT_SLA, roster: [{ id: 'ana', capacity: { chat: 2 } }] });
    const contact = await tb.customerWrites({ channel: 'chat', from: LI, text: 'Where is my refund?' });
    expect(tb.events('reservation.created')).toHaveLength(1);
    tb.advance({ seconds: 10 });
    expect(tb.agentAccepts(contact)).toBe('ana');
    await tb.agentReplies(contact, 'It left our bank yesterday.');
    expect(tb.events('sla.achieved').map((e) => (e.payload as { metric: string }).metric)).toEqual([
      'first_reply',
    ]);
    tb.solve(contact, { wrapUpMs: 5_000 });
    expect(tb.cases.getCase(contact.caseId)?.status).toBe('solved');
    expect(tb.events('task.completed')).toHaveLength(1);
    tb.advance({ minutes: 5 });
    expect(tb.events('sla.breached')).toHaveLength(0);
    expect(tb.routing.getWorker('ana')?.used.chat ?? 0).toBe(0);
  });

  it('the same customer writing again on another channel resolves to the same customer', async () => {
    const tb = createTestbed();
    const first = await tb.customerWrites({ channel: 'email', from: LI, text: 'Refund?' });
    const second = await tb.customerWrites({
      channel: 'chat',
      from: [LI, { kind: 'phone', value: '+14155550100' }],
      text: 'Still no refund',
    });
    expect(second.customerId).toBe(first.customerId);
    expect(second.conversationId).not.toBe(first.conversationId);
  });
});

describe('createTestbed: bots, handoffs and transfers', () => {
  const roster: TestbedOptions['roster'] = [
    { id: 'bot-1', kind: 'bot', capacity: { chat: 10 } },
    { id: 'ana', capacity: { chat: 2, email: 2 }, attributes: { teams: ['support'] } },
    { id: 'bo', capacity: { chat: 2, email: 2 }, attributes: { teams: ['billing'] } },
  ];

  it('a bot that resolves the chat contains it: nobody else is offered the task', async () => {
    const tb = createTestbed({ workflow: BOT_FIRST, roster });
    const contact = await tb.customerWrites({ channel: 'chat', from: LI, text: 'What are your hours?' });
    const packet = await tb.botAnswers(contact, {
      text: 'We are open 8 to 8.',
      confidence: 0.9,
      resolve: true,
    });
    expect(packet).toBeNull();
    expect(tb.cases.getCase(contact.caseId)?.status).toBe('solved');
    const offered = tb.events('reservation.created').map((e) => (e.payload as { workerId: string }).workerId);
    expect(offered).toEqual(['bot-1']);
  });

  it('a customer who asks for a person is handed off with a packet, then a person accepts', async () => {
    const tb = createTestbed({ workflow: BOT_FIRST, roster });
    const contact = await tb.customerWrites({ channel: 'chat', from: LI, text: 'My card was charged twice' });
    const packet = await tb.botAnswers(contact, {
      text: 'Let me check.',
      customerText: 'I want to talk to a human agent, please.',
    });
    expect(packet?.reason).toBe('customer_request');
    expect(tb.events('task.handed_off')).toHaveLength(1);
    const agent = tb.agentAccepts(contact);
    expect(['ana', 'bo']).toContain(agent);
    expect(tb.holderOf(contact)).toBe(agent);
  });

  it('an agent transfers to the billing queue, where only billing people are offered it', async () => {
    const tb = createTestbed({ workflow: BOT_FIRST, roster });
    const contact = await tb.customerWrites({ channel: 'email', from: LI, text: 'Invoice is wrong' });
    const first = tb.agentAccepts(contact);
    expect(['ana', 'bo']).toContain(first);
    tb.transfer(contact, { queue: 'billing' });
    expect(tb.holderOf(contact)).toBeUndefined();
    expect(tb.agentAccepts(contact)).toBe('bo');
    const offered = tb.events('reservation.created').map((e) => (e.payload as { workerId: string }).workerId);
    expect(offered.slice(1)).toEqual(['bo']);
  });

  it('an accept with no pending offer is an error naming the field, and changes nothing', async () => {
    const tb = createTestbed({ roster: [{ id: 'ana', capacity: { chat: 1 } }] });
    const contact = await tb.customerWrites({ channel: 'chat', from: LI, text: 'Hi' });
    const before = tb.events().length;
    let error: unknown;
    try {
      tb.agentAccepts(contact, 'nobody');
    } catch (e) {
      error = e;
    }
    expect(isThreadlineError(error, 'ILLEGAL_TRANSITION')).toBe(true);
    expect((error as { path?: unknown }).path).toEqual(['agentId']);
    expect(tb.events()).toHaveLength(before);
  });
});

describe('createTestbed: determinism and validation', () => {
  const run = async () => {
    const tb = createTestbed({ policies: CHAT_SLA, roster: [{ id: 'ana', capacity: { chat: 1 } }] });
    const a = await tb.customerWrites({ channel: 'chat', from: LI, text: 'One' });
    const b = await tb.customerWrites({
      channel: 'chat',
      from: { kind: 'email', value: 'x@example.com' },
      text: 'Two',
    });
    tb.agentAccepts(a);
    tb.advance({ minutes: 3 });
    tb.solve(a);
    tb.advance({ seconds: 10 });
    tb.agentAccepts(b);
    return tb.events().map((e) => [e.id, e.type, e.aggregateId, e.occurredAt]);
  };

  it('the same steps give the same events, ids and instants', async () => {
    const first = await run();
    expect(first.length).toBeGreaterThan(10);
    expect(await run()).toEqual(first);
  });

  it('rejects unknown options and moving the clock backwards with VALIDATION errors and paths', () => {
    expect(() => createTestbed({ polices: [] } as unknown as TestbedOptions)).toThrow(
      expect.objectContaining({ code: 'VALIDATION' }),
    );
    const tb = createTestbed();
    let error: unknown;
    try {
      tb.advanceTo(tb.now() - 1);
    } catch (e) {
      error = e;
    }
    expect(isThreadlineError(error, 'VALIDATION')).toBe(true);
    expect((error as { path?: unknown }).path).toEqual(['instant']);
  });
});

describe('createTestbed: identity through the outbox', () => {
  it('publishes customer.created from the outbox relay before the case opens, and leaves nothing pending', async () => {
    const tb = createTestbed();
    await tb.customerWrites({ channel: 'email', from: LI, text: 'Refund?' });
    const types = tb.events().map((e) => e.type);
    expect(types).toContain('customer.created');
    expect(types.indexOf('customer.created')).toBeLessThan(types.indexOf('case.opened'));
    expect(tb.relay.stats().pending).toBe(0);
    expect(await tb.storage.outbox.pending()).toEqual([]);
  });
});
