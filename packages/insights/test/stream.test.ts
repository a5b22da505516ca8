import {
  createEvent,
  createSequentialIds,
  type EventEnvelope,
  InProcessEventBus,
  ManualClock,
  Scheduler,
  SignalSchema,
} from '@threadline/core';
import { describe, expect, it } from 'vitest';
import { createHealthModel, InsightsStream, type SignalDetectedEvent } from '../src/index.js';

const HOUR = 3_600_000;
const MONDAY = Date.UTC(2026, 0, 5);

function classified(
  clock: ManualClock,
  ids: ReturnType<typeof createSequentialIds>,
  topic: string,
  at: number,
) {
  return createEvent(
    { clock, ids },
    {
      type: 'conversation.classified',
      aggregateType: 'conversation',
      aggregateId: `c-${at}`,
      occurredAt: at,
      correlationId: 'corr-1',
      payload: { topic },
    },
  );
}

const topicOf = (e: EventEnvelope) =>
  e.type === 'conversation.classified' ? (e.payload as { topic: string }).topic : undefined;

describe('InsightsStream', () => {
  it('turns a topic spike into a valid signal.detected event, incrementally', () => {
    const clock = new ManualClock(MONDAY);
    const ids = createSequentialIds();
    const stream = new InsightsStream({
      clock,
      ids,
      topicOf,
      spike: { minHistory: 24, ewma: false, cusum: false },
    });
    const out: SignalDetectedEvent[] = [];
    // Three steady weeks: 3 "billing" per hour, then 40 in one hour.
    for (let h = 0; h < 21 * 24; h++) {
      const n = h === 20 * 24 + 10 ? 40 : 3;
      for (let i = 0; i < n; i++)
        out.push(...stream.consume(classified(clock, ids, 'billing', MONDAY + h * HOUR + i * 1000)));
    }
    clock.set(MONDAY + 21 * 24 * HOUR);
    out.push(...stream.advance(clock.now()));
    expect(out).toHaveLength(1);
    const e = out[0]!;
    expect(e.type).toBe('signal.detected');
    expect(SignalSchema.parse(e.payload)).toBeTruthy();
    expect(e.payload).toMatchObject({ kind: 'spike', subject: { type: 'topic', id: 'billing' }, value: 40 });
    expect(e.payload.evidence).toMatchObject({ windowStart: MONDAY + (20 * 24 + 10) * HOUR });
    expect(e.causationId).toBeDefined();
    expect(e.correlationId).toBe('corr-1');
  });

  it('is Schedulable and publishes to a connected bus when windows close on the clock', async () => {
    const clock = new ManualClock(MONDAY);
    const ids = createSequentialIds();
    const bus = new InProcessEventBus();
    const stream = new InsightsStream({
      clock,
      ids,
      topicOf,
      spike: { minHistory: 3, ewma: false, cusum: false },
    });
    const off = stream.connect(bus, ['conversation.*']);
    const signals: EventEnvelope[] = [];
    bus.subscribe('signal.*', (e) => {
      signals.push(e);
    });
    const scheduler = new Scheduler({ clock });
    scheduler.add(stream);
    for (let h = 0; h < 6; h++) {
      const n = h === 5 ? 30 : 2;
      for (let i = 0; i < n; i++) await bus.publish(classified(clock, ids, 'login', MONDAY + h * HOUR + i));
    }
    expect(stream.nextDeadline()).toBe(MONDAY + 6 * HOUR);
    expect(signals).toHaveLength(0);
    await scheduler.runUntil(MONDAY + 6 * HOUR);
    expect(signals).toHaveLength(1);
    expect(signals[0]?.payload).toMatchObject({ kind: 'spike', value: 30 });
    off();
  });

  it('emits health changes and churn risk when a customer turns red', () => {
    const clock = new ManualClock(MONDAY);
    const ids = createSequentialIds();
    const model = createHealthModel({
      factors: [
        { key: 'csat', weight: 60, direction: 'higher-is-better', min: 1, max: 5 },
        { key: 'repeatContacts', weight: 40, direction: 'lower-is-better', min: 0, max: 4 },
      ],
    });
    const stream = new InsightsStream({
      clock,
      ids,
      health: {
        model,
        read: (e) =>
          e.type === 'customer.measured'
            ? { customerId: e.aggregateId, values: e.payload as Record<string, number> }
            : undefined,
      },
    });
    const measure = (values: Record<string, number>) =>
      stream.consume(
        createEvent(
          { clock, ids },
          { type: 'customer.measured', aggregateType: 'customer', aggregateId: 'cus_1', payload: values },
        ),
      );
    const first = measure({ csat: 5, repeatContacts: 0 });
    expect(first.map((e) => e.payload.kind)).toEqual(['health']);
    expect(first[0]?.payload.value).toBe(100);
    expect(measure({ csat: 5 })).toEqual([]); // unchanged score → no signal
    const worse = measure({ csat: 1, repeatContacts: 4 });
    expect(worse.map((e) => [e.payload.kind, e.payload.label])).toEqual([
      ['health', 'red'],
      ['churn_risk', 'red'],
    ]);
    expect(stream.healthOf('cus_1')?.trend?.direction).toBe('declining');
  });

  it('state survives a JSON round trip', () => {
    const clock = new ManualClock(MONDAY);
    const ids = createSequentialIds();
    const a = new InsightsStream({ clock, ids, topicOf });
    for (let h = 0; h < 30; h++) a.consume(classified(clock, ids, 'x', MONDAY + h * HOUR));
    const b = new InsightsStream({ clock, ids, topicOf });
    b.restore(JSON.parse(JSON.stringify(a.toJSON())));
    expect(b.toJSON()).toEqual(a.toJSON());
    expect(() => b.restore({ version: 2 } as never)).toThrow(expect.objectContaining({ code: 'VALIDATION' }));
  });
});
