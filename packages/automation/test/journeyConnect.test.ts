// connect() subscribes only to what the journeys read, once per event.
import { createInProcessEventBus, createManualClock, type EventBus } from '@threadline/core';
import { describe, expect, it } from 'vitest';
import { createJourneyEngine, type JourneyDefinition } from '../src/index.js';
import { event, recordingSender } from './journeyHelpers.js';

const journey: JourneyDefinition = {
  id: 'notice',
  version: 1,
  trigger: { on: ['outage.*', 'outage.customer_affected'], capture: { sms: 'payload.phone' } },
  goal: { on: 'outage.customer_restored' },
  steps: [
    { type: 'send', id: 'notice', channels: ['sms'], content: { text: 'We are on it.' } },
    { type: 'wait_for', id: 'ask', event: 'survey.answered', timeout: { hours: 1 } },
  ],
};

describe('journey engine connect()', () => {
  it('subscribes to the trigger, goal and wait-for patterns only, none overlapping', async () => {
    const inner = createInProcessEventBus();
    const patterns: string[] = [];
    const bus: EventBus = {
      publish: (events) => inner.publish(events),
      subscribe: (pattern, handler) => {
        patterns.push(pattern);
        return inner.subscribe(pattern, handler);
      },
    } as EventBus;
    const sender = recordingSender(['sms']);
    const engine = createJourneyEngine({ journeys: [journey], sender, clock: createManualClock(0), bus });
    const off = engine.connect();
    expect(patterns.sort()).toEqual(['outage.*', 'survey.answered']);
    await inner.publish([event('outage.customer_affected', { customerId: 'c1', phone: '+15550100' })]);
    await inner.publish([event('case.opened', { customerId: 'c1' })]);
    await engine.idle();
    expect(sender.calls).toBe(1);
    expect(engine.instance('notice', 'c1')).toMatchObject({ stepId: 'ask', status: 'waiting_event' });
    await inner.publish([event('survey.answered', { customerId: 'c1' })]);
    await engine.idle();
    expect(engine.instance('notice', 'c1')).toMatchObject({ status: 'done', exitReason: 'completed' });
    off();
    await inner.publish([event('outage.customer_affected', { customerId: 'c2', phone: '+15550100' })]);
    await engine.idle();
    expect(engine.instance('notice', 'c2')).toBeUndefined();
  });
});
