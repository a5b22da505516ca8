// Insights' bot containment rate, fed by the bot-first flow's own events (packages meet through
// events: the flow's payloads carry the conversation and the customer).
import {
  createInProcessEventBus,
  createManualClock,
  createSequentialIds,
  type EventEnvelope,
} from '@threadline/core';
import { botContainment } from '@threadline/insights';
import { describe, expect, it } from 'vitest';
import { createBotFlow, createRetrievalBot } from '../src/index.js';
import { manualTimers } from './helpers.js';

const DAY = 86_400_000;

describe('bot containment from the flow events', () => {
  it('a handoff and a repeat contact are not contained; an answered question is', async () => {
    const clock = createManualClock(0);
    const bus = createInProcessEventBus();
    const events: EventEnvelope[] = [];
    bus.subscribe('bot.*', (e) => {
      events.push(e);
    });
    const flow = createBotFlow({
      bot: createRetrievalBot({
        articles: [
          { id: 'kb-pw', title: 'Reset your password', body: 'Open Settings and press Reset password.' },
        ],
      }),
      clock,
      ids: createSequentialIds(),
      bus,
      setTimer: manualTimers().setTimer,
      minConfidence: 0.3,
    });
    flow.start({ conversationId: 'a1', customerId: 'ana' });
    await flow.customerMessage('a1', { text: 'how do I reset my password' });
    flow.start({ conversationId: 'b1', customerId: 'ben' });
    await flow.customerMessage('b1', { text: 'I want to talk to a person' });
    flow.start({ conversationId: 'c1', customerId: 'cat' });
    await flow.customerMessage('c1', { text: 'how do I reset my password' });
    clock.advance(DAY);
    flow.start({ conversationId: 'c2', customerId: 'cat' });
    await flow.customerMessage('c2', { text: 'how do I reset my password' });
    expect(events.every((e) => typeof (e.payload as { customerId?: unknown }).customerId === 'string')).toBe(
      true,
    );
    const r = botContainment(events, { repeatWindow: { days: 3 }, asOf: 10 * DAY, includeIds: true });
    expect(r.ids).toMatchObject({ numerator: ['a1', 'c2'], handedOff: ['b1'], repeated: ['c1'] });
    expect(r.value).toBeCloseTo(0.5, 12);
  });
});
