import {
  type Clock,
  createEvent,
  type EventBus,
  type EventEnvelope,
  type IdGenerator,
  parseInput,
  type Schedulable,
  type Signal,
} from '@threadline/core';
import { z } from 'zod';
import { SpikeDetector, type SpikeDetectorOptions, type SpikeDetectorState } from './detect/spikeDetector.js';
import type { HealthModel, HealthScore } from './health/model.js';
import { healthSignal, spikeSignal } from './signals.js';

/** The event the stream emits for every signal. */
export type SignalDetectedEvent = EventEnvelope<'signal.detected', Signal>;

/** What a health reader extracts from an event: whose health and the factor values it carries. */
export interface HealthReading {
  customerId: string;
  values: Record<string, number | null | undefined>;
}

/** Options of {@link InsightsStream}. */
export interface InsightsStreamOptions {
  clock: Clock;
  ids: IdGenerator;
  tenantId?: string;
  /** Topic of an event for issue detection (e.g. a classified conversation's reason); `undefined` skips it. */
  topicOf?: (event: EventEnvelope) => string | undefined;
  /** Spike detector options (see {@link SpikeDetector}). */
  spike?: SpikeDetectorOptions;
  /** Health scoring: the model and a reader returning factor values carried by an event. */
  health?: {
    model: HealthModel;
    read: (event: EventEnvelope) => HealthReading | undefined;
    /** `'change'` (default): a signal whenever the score moves by ≥ `minDelta`; `'band'`: only on band changes. */
    emit?: 'change' | 'band';
    /** Default 1 point. */
    minDelta?: number;
  };
}

/** Serialisable state of an {@link InsightsStream}. */
export interface InsightsStreamState {
  version: 1;
  spike: SpikeDetectorState;
  health: Record<string, { values: Record<string, number | null>; score: HealthScore }>;
}

const StateSchema = z
  .object({
    version: z.literal(1),
    spike: z.record(z.string(), z.unknown()),
    health: z.record(
      z.string(),
      z.object({
        values: z.record(z.string(), z.number().nullable()),
        score: z.record(z.string(), z.unknown()),
      }),
    ),
  })
  .strict();

/**
 * The streaming side of insights: consumes events one at a time and emits `signal.detected`
 * events carrying core `Signal`s — topic spikes (when windows close) and customer health /
 * churn-risk changes. It is {@link Schedulable}: a `Scheduler` closes windows on time even when
 * no events arrive, and `connect(bus)` wires it to an event bus.
 *
 * @example
 * ```ts
 * const stream = new InsightsStream({
 *   clock, ids,
 *   topicOf: (e) => (e.type === 'conversation.classified' ? (e.payload as { topic: string }).topic : undefined),
 * });
 * const off = stream.connect(bus, ['conversation.*']);
 * scheduler.add(stream); // closes hourly windows on the clock
 * ```
 */
export class InsightsStream implements Schedulable {
  private readonly deps: { clock: Clock; ids: IdGenerator; tenantId: string };
  private detector: SpikeDetector;
  private readonly topicOf: ((event: EventEnvelope) => string | undefined) | undefined;
  private readonly health: InsightsStreamOptions['health'];
  private readonly customers = new Map<
    string,
    { values: Record<string, number | null>; score: HealthScore }
  >();

  constructor(options: InsightsStreamOptions) {
    this.deps = { clock: options.clock, ids: options.ids, tenantId: options.tenantId ?? 'default' };
    this.detector = new SpikeDetector(options.spike ?? {});
    this.topicOf = options.topicOf;
    this.health = options.health;
  }

  /** Consumes one event; returns the signal events it caused (usually none). Own signal events are ignored. */
  consume(event: EventEnvelope): SignalDetectedEvent[] {
    if (event.type === 'signal.detected') return [];
    const out: SignalDetectedEvent[] = [];
    const topic = this.topicOf?.(event);
    if (topic !== undefined) {
      for (const alert of this.detector.observe(topic, event.occurredAt))
        out.push(this.wrap(spikeSignal(alert, this.deps), event));
    }
    const reading = this.health?.read(event);
    if (reading !== undefined && this.health) this.scoreHealth(reading, event, out);
    return out;
  }

  /** Closes windows that ended by `now` and returns the resulting signal events. */
  advance(now: number): SignalDetectedEvent[] {
    return this.detector.advanceTo(now).map((a) => this.wrap(spikeSignal(a, this.deps)));
  }

  /** {@link Schedulable}: end of the open window, or `null` before the first topic event. */
  nextDeadline(): number | null {
    const start = this.detector.currentWindowStart;
    return start === null ? null : start + this.detector.windowMs;
  }

  /** {@link Schedulable}: closes due windows; signals go to the connected bus, if any. */
  async advanceTo(now: number): Promise<void> {
    const events = this.advance(now);
    if (events.length > 0 && this.bus) await this.bus.publish(events);
  }

  private bus: EventBus | undefined;

  /**
   * Subscribes to `patterns` on `bus` and publishes the signal events back to it.
   * Returns the function that disconnects.
   */
  connect(bus: EventBus, patterns: readonly string[] = ['*']): () => void {
    this.bus = bus;
    const offs = patterns.map((p) =>
      bus.subscribe(p as '*', async (event: EventEnvelope) => {
        const out = this.consume(event);
        if (out.length > 0) await bus.publish(out);
      }),
    );
    return () => {
      for (const off of offs) off();
      if (this.bus === bus) this.bus = undefined;
    };
  }

  /** The spike detector in use (for stats and current counts). */
  get spikeDetector(): SpikeDetector {
    return this.detector;
  }

  /** Last health score per customer. */
  healthOf(customerId: string): HealthScore | undefined {
    return this.customers.get(customerId)?.score;
  }

  /** Plain JSON state (spike detector and last health per customer). */
  toJSON(): InsightsStreamState {
    return {
      version: 1,
      spike: this.detector.toJSON(),
      health: Object.fromEntries(this.customers),
    };
  }

  /** Restores state saved with {@link InsightsStream.toJSON} into this stream. */
  restore(state: InsightsStreamState): void {
    const s = parseInput(StateSchema, state, 'insights stream state');
    this.detector = SpikeDetector.fromJSON(s.spike as unknown as SpikeDetectorState);
    this.customers.clear();
    for (const [k, v] of Object.entries(state.health)) this.customers.set(k, v);
  }

  private scoreHealth(reading: HealthReading, event: EventEnvelope, out: SignalDetectedEvent[]): void {
    const h = this.health!;
    const prev = this.customers.get(reading.customerId);
    const values: Record<string, number | null> = { ...(prev?.values ?? {}) };
    for (const [k, v] of Object.entries(reading.values)) if (v !== undefined) values[k] = v;
    const score = h.model.score(values, prev ? { previous: prev.score } : {});
    this.customers.set(reading.customerId, { values, score });
    const subject = { type: 'customer' as const, id: reading.customerId };
    const bandChanged = prev === undefined || prev.score.band !== score.band;
    const moved = prev === undefined || Math.abs(score.score - prev.score.score) >= (h.minDelta ?? 1);
    if ((h.emit ?? 'change') === 'band' ? bandChanged : moved) {
      out.push(this.wrap(healthSignal(score, subject, this.deps, 'health', event.occurredAt), event));
    }
    if (score.band === 'red' && bandChanged) {
      out.push(this.wrap(healthSignal(score, subject, this.deps, 'churn_risk', event.occurredAt), event));
    }
  }

  private wrap(signal: Signal, cause?: EventEnvelope): SignalDetectedEvent {
    return createEvent(this.deps, {
      type: 'signal.detected',
      aggregateType: 'signal',
      aggregateId: signal.id,
      tenantId: this.deps.tenantId,
      version: 1,
      payload: signal,
      ...(cause
        ? { causationId: cause.id, ...(cause.correlationId ? { correlationId: cause.correlationId } : {}) }
        : {}),
    });
  }
}
