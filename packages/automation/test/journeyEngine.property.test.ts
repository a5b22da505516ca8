import { createInProcessEventBus, createManualClock, type EventEnvelope } from '@threadline/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createJourneyEngine, type JourneyDefinition } from '../src/index.js';
import { recordingSender } from './journeyHelpers.js';

const HOUR = 3_600_000;

const journey = (reentry: JourneyDefinition['reentry']): JourneyDefinition => ({
  id: 'j',
  version: 1,
  reentry,
  trigger: { on: 'order.shipped', capture: { sms: 'payload.phone', email: 'payload.email' } },
  goal: { on: 'order.returned' },
  split: {
    seed: 7,
    holdout: 0.2,
    variants: [
      { id: 'a', weight: 1 },
      { id: 'b', weight: 1, start: 'wait' },
    ],
  },
  steps: [
    { type: 'send', id: 'first', channels: ['whatsapp', 'sms', 'email'], content: { text: 'one' } },
    { type: 'wait', id: 'wait', duration: { hours: 3 } },
    { type: 'wait_for', id: 'ask', event: 'survey.answered', timeout: { hours: 5 }, onEvent: 'thanks' },
    { type: 'send', id: 'reminder', channels: ['sms', 'email'], content: { text: 'two' }, next: 'end' },
    { type: 'send', id: 'thanks', channels: ['email'], content: { text: 'thanks' } },
    { type: 'exit', id: 'end' },
  ],
});

type Cmd =
  | {
      kind: 'event';
      type: 'order.shipped' | 'survey.answered' | 'order.returned';
      customer: number;
      id: number;
    }
  | { kind: 'advance'; hours: number };

const cmdArb: fc.Arbitrary<Cmd> = fc.oneof(
  fc.record({
    kind: fc.constant('event' as const),
    type: fc.constantFrom('order.shipped' as const, 'survey.answered' as const, 'order.returned' as const),
    customer: fc.integer({ min: 0, max: 5 }),
    // Small id range: the same event id recurs (a redelivered trigger).
    id: fc.integer({ min: 0, max: 30 }),
  }),
  fc.record({ kind: fc.constant('advance' as const), hours: fc.integer({ min: 0, max: 12 }) }),
);

function toEvent(c: Extract<Cmd, { kind: 'event' }>, at: number): EventEnvelope {
  return {
    id: `${c.type}-${c.id}`,
    type: c.type,
    tenantId: 'default',
    aggregateId: `c${c.customer}`,
    aggregateType: 'order',
    version: 1,
    occurredAt: at,
    payload: {
      customerId: `c${c.customer}`,
      ...(c.customer % 2 === 0 ? { phone: '+447700900123' } : {}),
      email: `c${c.customer}@example.com`,
    },
  };
}

async function run(cmds: Cmd[], reentry: JourneyDefinition['reentry'], twice: boolean) {
  const clock = createManualClock(0);
  const sender = recordingSender(['whatsapp', 'sms', 'email'], ['whatsapp']);
  const bus = createInProcessEventBus();
  const events: EventEnvelope[] = [];
  bus.subscribe('journey.*', (e) => {
    events.push(e);
  });
  const engine = createJourneyEngine({ journeys: [journey(reentry)], sender, clock, bus });
  for (const c of cmds) {
    if (c.kind === 'advance') {
      clock.advance(c.hours * HOUR);
      await engine.advanceTo(clock.now());
      if (twice) await engine.advanceTo(clock.now());
    } else {
      const e = toEvent(c, clock.now());
      await engine.handle(e);
      if (twice) await engine.handle(e);
    }
  }
  const states = [0, 1, 2, 3, 4, 5].map((i) => engine.instance('j', `c${i}`));
  return { sender, events, states };
}

describe('journey engine properties', () => {
  it('idempotent: every event and advance delivered twice gives the same sends, events and states as once', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(cmdArb, { maxLength: 40 }),
        fc.constantFrom<JourneyDefinition['reentry']>('never', 'after_exit', { after: 6 * HOUR }),
        async (cmds, reentry) => {
          const once = await run(cmds, reentry, false);
          const twice = await run(cmds, reentry, true);
          expect(twice.sender.sent).toEqual(once.sender.sent);
          expect(twice.events).toEqual(once.events);
          expect(twice.states).toEqual(once.states);
          // The engine never asks for the same send twice (no retry of a settled key).
          expect(once.sender.calls).toBe(providerCalls(once.events));
        },
      ),
      { seed: 1616, numRuns: 150 },
    );
  });

  it('once per customer and journey run: each send step at most once per run; never re-entry means one run', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(cmdArb, { maxLength: 60 }), async (cmds) => {
        const { sender, events } = await run(cmds, 'never', false);
        const keys = sender.sent.map((s) => s.idempotencyKey);
        expect(new Set(keys).size).toBe(keys.length);
        const perStep = new Map<string, number>();
        for (const s of sender.sent) {
          const k = `${s.customerId}:${s.content.text}`;
          perStep.set(k, (perStep.get(k) ?? 0) + 1);
        }
        expect([...perStep.values()].every((n) => n === 1)).toBe(true);
        const entries = events.filter((e) => e.type === 'journey.entered').map((e) => e.aggregateId);
        expect(new Set(entries).size).toBe(entries.length);
        // Holdout customers receive nothing.
        const held = new Set(
          events
            .filter(
              (e) => e.type === 'journey.entered' && (e.payload as { group: string }).group === 'holdout',
            )
            .map((e) => (e.payload as { customerId: string }).customerId),
        );
        expect(sender.sent.some((s) => held.has(s.customerId as string))).toBe(false);
      }),
      { seed: 1617, numRuns: 150 },
    );
  });
});

/** Sends the provider saw: every delivered message and every failed attempt. */
function providerCalls(events: EventEnvelope[]): number {
  return events.filter(
    (e) =>
      e.type === 'journey.message_sent' ||
      (e.type === 'journey.channel_skipped' && (e.payload as { reason: string }).reason === 'failed'),
  ).length;
}
