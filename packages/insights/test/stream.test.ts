import {
  createEvent,
  createSequentialIds,
  type EventBus,
  type EventEnvelope,
  InProcessEventBus,
  ManualClock,
  Scheduler,
  SignalSchema,
} from '@threadline/core';
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  createHealthModel,
  createInsightsStream,
  InsightsStream,
  type InsightsStreamEvent,
  type PublishFailedEvent,
  type SignalDetectedEvent,
  type SpikeEvidence,
} from '../src/index.js';

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
      version: 1,
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
    out.push(...stream.closeWindowsUntil(clock.now()));
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
    let version = 0;
    const measure = (values: Record<string, number>) =>
      stream.consume(
        createEvent(
          { clock, ids },
          {
            type: 'customer.measured',
            aggregateType: 'customer',
            aggregateId: 'cus_1',
            version: ++version,
            payload: values,
          },
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

  it('subscribe delivers typed events; advanceTo is synchronous and returns nothing', () => {
    const clock = new ManualClock(MONDAY);
    const ids = createSequentialIds();
    const stream = createInsightsStream({
      clock,
      ids,
      topicOf,
      spike: { minHistory: 3, ewma: false, cusum: false },
    });
    const spikes: SignalDetectedEvent[] = [];
    const all: InsightsStreamEvent[] = [];
    // Handlers may return anything (push returns a number).
    const off = stream.subscribe('signal.detected', (e) => spikes.push(e));
    stream.subscribe('*', (e) => all.push(e));
    stream.subscribe('signal.*', (e) => {
      expectTypeOf(e).toEqualTypeOf<SignalDetectedEvent>();
      if (e.payload.kind === 'spike') expectTypeOf(e.payload.evidence).toEqualTypeOf<SpikeEvidence>();
    });
    stream.subscribe('insights_stream.publish_failed', (e) => {
      expectTypeOf(e).toEqualTypeOf<PublishFailedEvent>();
    });
    for (let h = 0; h < 6; h++) {
      const n = h === 5 ? 30 : 2;
      for (let i = 0; i < n; i++) stream.consume(classified(clock, ids, 'login', MONDAY + h * HOUR + i));
    }
    expect(stream.nextDeadline()).toBe(MONDAY + 6 * HOUR);
    const result: unknown = stream.advanceTo(new Date(MONDAY + 6 * HOUR));
    expect(result).toBeUndefined();
    // Delivered before advanceTo returned: no await needed.
    expect(spikes).toHaveLength(1);
    expect(all).toEqual(spikes);
    const e = spikes[0]!;
    expect(e.payload.kind).toBe('spike');
    // The signal is a new aggregate; this is its first event.
    expect(e).toMatchObject({ type: 'signal.detected', aggregateType: 'signal', version: 1 });
    expect(e.aggregateId).toBe(e.payload.id);
    expect(stream.nextDeadline()).toBe(MONDAY + 7 * HOUR);
    // An earlier instant than one already seen is a no-op.
    stream.advanceTo(MONDAY + 2 * HOUR);
    expect(spikes).toHaveLength(1);
    expect(stream.nextDeadline()).toBe(MONDAY + 7 * HOUR);
    off();
    for (let i = 0; i < 40; i++) stream.consume(classified(clock, ids, 'login', MONDAY + 6 * HOUR + i));
    stream.advanceTo(MONDAY + 7 * HOUR);
    expect(spikes).toHaveLength(1); // unsubscribed
    expect(all.length).toBeGreaterThan(1);
    expect(() => stream.subscribe('signal.' as never, () => {})).toThrow(
      expect.objectContaining({ code: 'VALIDATION', path: ['pattern'] }),
    );
  });

  it('a rejecting bus never produces an unhandled rejection: counted, reported, emitted', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const clock = new ManualClock(MONDAY);
      const ids = createSequentialIds();
      let calls = 0;
      const bus: EventBus = {
        publish: () => {
          calls++;
          // First a rejected promise, then a synchronous throw: both must be contained.
          if (calls === 1) return Promise.reject(new Error('bus down'));
          throw new Error('bus gone');
        },
        subscribe: () => () => {},
      };
      const errors: unknown[] = [];
      const stream = createInsightsStream({
        clock,
        ids,
        topicOf,
        spike: { minHistory: 3, ewma: false, cusum: false },
        onError: (error, { events }) => errors.push([(error as Error).message, events.length]),
      });
      const failures: PublishFailedEvent[] = [];
      stream.subscribe('insights_stream.*', (e) => failures.push(e));
      stream.connect(bus);
      for (let h = 0; h < 7; h++) {
        const n = h === 5 || h === 6 ? 30 : 2;
        for (let i = 0; i < n; i++) stream.consume(classified(clock, ids, 'login', MONDAY + h * HOUR + i));
      }
      // Window 5 closed while consuming hour 6 (rejection); window 6 closes here (throw).
      stream.advanceTo(MONDAY + 7 * HOUR);
      await new Promise((r) => setTimeout(r, 10));
      expect(calls).toBe(2);
      expect(unhandled).toEqual([]);
      expect(stream.stats()).toEqual({ publishFailures: 2, handlerFailures: 0 });
      // The throw is reported at once, the rejection when it settles.
      expect(errors).toEqual([
        ['bus gone', 1],
        ['bus down', 1],
      ]);
      expect(failures.map((f) => [f.payload.error.message, f.version, f.aggregateType])).toEqual([
        ['bus gone', 1, 'insights_stream'],
        ['bus down', 2, 'insights_stream'],
      ]);
      expect(failures[0]?.payload.eventIds).toHaveLength(1);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('a failing subscriber does not stop the others and is reported', async () => {
    const clock = new ManualClock(MONDAY);
    const ids = createSequentialIds();
    const errors: unknown[] = [];
    const stream = createInsightsStream({
      clock,
      ids,
      topicOf,
      spike: { minHistory: 3, ewma: false, cusum: false },
      onError: (error) => errors.push((error as Error).message),
    });
    const seen: string[] = [];
    stream.subscribe('*', () => {
      throw new Error('sync boom');
    });
    stream.subscribe('*', async () => {
      throw new Error('async boom');
    });
    stream.subscribe('*', (e) => seen.push(e.type));
    for (let h = 0; h < 6; h++) {
      const n = h === 5 ? 30 : 2;
      for (let i = 0; i < n; i++) stream.consume(classified(clock, ids, 'login', MONDAY + h * HOUR + i));
    }
    expect(() => stream.advanceTo(MONDAY + 6 * HOUR)).not.toThrow();
    await Promise.resolve();
    expect(seen).toEqual(['signal.detected']);
    expect(errors).toEqual(['sync boom', 'async boom']);
    expect(stream.stats().handlerFailures).toBe(2);
  });

  it('createInsightsStream returns an InsightsStream typed by the events it consumes', () => {
    type Classified = EventEnvelope<'conversation.classified', { topic: string }>;
    const stream = createInsightsStream<Classified>({
      clock: new ManualClock(MONDAY),
      ids: createSequentialIds(),
      topicOf: (e) => e.payload.topic,
    });
    expect(stream).toBeInstanceOf(InsightsStream);
  });
});
