import { createManualClock, createSequentialIds, type EventBus } from '@threadline/core';
import { createRoutingEngine } from '@threadline/routing';
import { describe, expect, it } from 'vitest';
import { type Bot, createBotFlow, createRetrievalBot } from '../src/index.js';
import { manualTimers } from './helpers.js';

describe('bot flow with the routing engine', () => {
  it('a handoff re-routes the same task to a person with the packet; hand back returns it', async () => {
    const clock = createManualClock(0);
    const routing = createRoutingEngine({
      clock,
      workflow: {
        queues: [{ id: 'bots' }, { id: 'support', workers: { skills: { accounts: 1 } } }],
        defaultFilter: { targets: [{ queue: 'bots' }] },
      },
    });
    routing.upsertWorker({
      id: 'faq-bot',
      kind: 'bot',
      status: 'available',
      attributes: { skills: { accounts: 9 } },
      capacity: { chat: 50 },
    });
    routing.upsertWorker({
      id: 'ana',
      status: 'available',
      attributes: { skills: { accounts: 5 } },
      capacity: { chat: 1 },
    });
    const task = routing.submitTask({ id: 'task-1', channel: 'chat' });
    routing.acceptReservation(task.reservations[0] as string);

    const flow = createBotFlow({
      bot: createRetrievalBot({
        id: 'faq-bot',
        articles: [{ id: 'kb-1', title: 'Reset your password', body: 'Open Settings.' }],
      }),
      clock,
      ids: createSequentialIds(),
      setTimer: manualTimers().setTimer,
      target: { queueId: 'support', skills: [{ name: 'accounts', minLevel: 3 }] },
      onHandoff: (packet) => {
        routing.requestHandoff('task-1', packet);
      },
    });
    flow.start({
      conversationId: 'conv-1',
      customerId: 'cus-1',
      identity: { confidence: 0.9, verified: true },
    });
    expect((await flow.customerMessage('conv-1', { text: 'how do I reset my password?' })).kind).toBe(
      'replied',
    );
    const out = await flow.customerMessage('conv-1', { text: 'can I speak with an agent' });
    expect(out.kind).toBe('handed_off');
    const after = routing.getTask('task-1');
    expect(after?.queue).toBe('support');
    expect(after?.requiredSkills).toEqual({ accounts: 3 });
    expect(routing.getReservation(after?.reservations.at(-1) as string)?.workerId).toBe('ana');
    expect((after?.attributes.handoff as { reason: string } | undefined)?.reason).toBe('customer_request');

    flow.handBack('conv-1', { agentId: 'ana' });
    expect(flow.owner('conv-1')).toEqual({ kind: 'bot' });
    flow.end('conv-1');
    expect(() => flow.owner('conv-1')).toThrow(/Unknown conversation/);
    flow.start({ conversationId: 'conv-1', customerId: 'cus-1' });
    expect(flow.messages('conv-1')).toEqual([]);
  });

  it('a failing bus neither fails a turn nor loses the answer', async () => {
    const broken: EventBus = {
      publish: () => Promise.reject(new Error('bus down')),
      subscribe: () => () => undefined,
    };
    const clock = createManualClock(0);
    const ids = createSequentialIds();
    const bot = createRetrievalBot({
      articles: [{ id: 'kb-1', title: 'Invoices', body: 'Under Billing.' }],
      bus: broken,
      clock,
      ids,
    });
    const echo: Bot = { id: 'e', reply: async () => ({ text: 'hi', confidence: 1 }) };
    for (const b of [bot, echo]) {
      const flow = createBotFlow({
        bot: b,
        clock,
        ids,
        bus: broken,
        setTimer: manualTimers().setTimer,
        minConfidence: 0,
      });
      flow.start({ conversationId: 'c', customerId: 'x' });
      expect((await flow.customerMessage('c', { text: 'anything about rockets?' })).kind).toBe('replied');
    }
  });
});
