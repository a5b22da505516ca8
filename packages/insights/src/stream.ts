import {
  type Clock,
  createEvent,
  type EventBus,
  type EventEnvelope,
  type EventHandler,
  type EventPattern,
  type EventsMatching,
  type IdGenerator,
  parseInput,
  type Schedulable,
  ThreadlineError,
  type Unsubscribe,
} from '@threadline/core';
import { z } from 'zod';
import { SpikeDetector, type SpikeDetectorOptions, type SpikeDetectorState } from './detect/spikeDetector.js';
import type { HealthModel, HealthScore } from './health/model.js';
import {
  type HealthSignal,
  healthSignal,
  type InsightsSignal,
  type SpikeSignal,
  spikeSignal,
} from './signals.js';

/**
 * The event the stream emits for every signal: a new `signal` aggregate, so `version` is 1.
 * Narrow the payload on `payload.kind` (`'spike'`, `'health'`, `'churn_risk'`).
 */
export type SignalDetectedEvent<S extends InsightsSignal = InsightsSignal> = EventEnvelope<
  'signal.detected',
  S
>;

/** Payload of {@link PublishFailedEvent}. */
export interface PublishFailedPayload {
  /** Ids of the `signal.detected` events the bus refused. */
  eventIds: string[];
  error: { name: string; message: string; code?: string };
}

/**
 * Emitted to the stream's own subscribers (never to the bus, which just failed) when the
 * connected bus rejects a publish. Aggregate: the stream (`aggregateType: 'insights_stream'`);
 * `version` counts the stream's failures.
 */
export type PublishFailedEvent = EventEnvelope<'insights_stream.publish_failed', PublishFailedPayload>;

/** Every event an {@link InsightsStream} delivers to its subscribers. */
export type InsightsStreamEvent = SignalDetectedEvent | PublishFailedEvent;

/** What a health reader extracts from an event: whose health and the factor values it carries. */
export interface HealthReading {
  customerId: string;
  values: Record<string, number | null | undefined>;
}

/** Options of {@link InsightsStream}; `In` is the type of the events it consumes. */
export interface InsightsStreamOptions<In extends EventEnvelope = EventEnvelope> {
  clock: Clock;
  ids: IdGenerator;
  tenantId?: string;
  /** Aggregate id of the stream in its own events. Default `'insights'`. */
  name?: string;
  /** Topic of an event for issue detection (e.g. a classified conversation's reason); `undefined` skips it. */
  topicOf?: (event: In) => string | undefined;
  /** Spike detector options (see {@link SpikeDetector}). */
  spike?: SpikeDetectorOptions;
  /** Health scoring: the model and a reader returning factor values carried by an event. */
  health?: {
    model: HealthModel;
    read: (event: In) => HealthReading | undefined;
    /** `'change'` (default): a signal whenever the score moves by ≥ `minDelta`; `'band'`: only on band changes. */
    emit?: 'change' | 'band';
    /** Default 1 point. */
    minDelta?: number;
  };
  /**
   * Called when the connected bus rejects a publish or a subscriber of the stream throws.
   * Failures are also counted in {@link InsightsStream.stats}; bus failures are emitted to
   * subscribers as `insights_stream.publish_failed`. The stream itself never throws them.
   */
  onError?: (error: unknown, context: { events: readonly InsightsStreamEvent[] }) => void;
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

interface Listener {
  pattern: string;
  handler: (event: InsightsStreamEvent) => unknown;
}

function matches(pattern: string, type: string): boolean {
  if (pattern === '*' || pattern === type) return true;
  return pattern.endsWith('.*') && type.startsWith(pattern.slice(0, -1));
}

function describeError(error: unknown): PublishFailedPayload['error'] {
  if (error instanceof ThreadlineError) return { name: error.name, message: error.message, code: error.code };
  if (error instanceof Error) return { name: error.name, message: error.message };
  return { name: 'Error', message: String(error) };
}

/**
 * Creates an {@link InsightsStream}: the main entry point of streaming insights.
 *
 * @example
 * ```ts
 * const stream = createInsightsStream({ clock, ids, topicOf: (e) => topicOfEvent(e) });
 * const off = stream.subscribe('signal.detected', (e) => console.log(e.payload.kind));
 * ```
 */
export function createInsightsStream<In extends EventEnvelope = EventEnvelope>(
  options: InsightsStreamOptions<In>,
): InsightsStream<In> {
  return new InsightsStream(options);
}

/**
 * The streaming side of insights: consumes events one at a time and emits `signal.detected`
 * events carrying core `Signal`s — topic spikes (when windows close) and customer health /
 * churn-risk changes. Every event it makes goes to its subscribers and, once `connect(bus)` was
 * called, to the bus. It is {@link Schedulable}: a `Scheduler` closes windows on time even when
 * no events arrive.
 *
 * @example
 * ```ts
 * const stream = createInsightsStream({
 *   clock, ids,
 *   topicOf: (e) => (e.type === 'conversation.classified' ? (e.payload as { topic: string }).topic : undefined),
 * });
 * stream.subscribe('signal.detected', (e) => console.log(e.payload.kind, e.payload.subject.id));
 * const off = stream.connect(bus, ['conversation.*']);
 * scheduler.add(stream); // closes hourly windows on the clock
 * ```
 */
export class InsightsStream<In extends EventEnvelope = EventEnvelope> implements Schedulable {
  private readonly deps: { clock: Clock; ids: IdGenerator; tenantId: string };
  private readonly name: string;
  private detector: SpikeDetector;
  private readonly topicOf: ((event: In) => string | undefined) | undefined;
  private readonly health: InsightsStreamOptions<In>['health'];
  private readonly onError: InsightsStreamOptions<In>['onError'];
  private readonly customers = new Map<
    string,
    { values: Record<string, number | null>; score: HealthScore }
  >();
  private readonly listeners = new Set<Listener>();
  private bus: EventBus | undefined;
  private publishFailures = 0;
  private handlerFailures = 0;

  constructor(options: InsightsStreamOptions<In>) {
    this.deps = { clock: options.clock, ids: options.ids, tenantId: options.tenantId ?? 'default' };
    this.name = options.name ?? 'insights';
    this.detector = new SpikeDetector(options.spike ?? {});
    this.topicOf = options.topicOf;
    this.health = options.health;
    this.onError = options.onError;
  }

  /**
   * Calls `handler` with every event of the stream matching `pattern` (an exact type,
   * `prefix.*` or `*`); the payload type follows the pattern. Returns the function that stops it.
   */
  subscribe<P extends EventPattern<InsightsStreamEvent>>(
    pattern: P,
    handler: EventHandler<EventsMatching<InsightsStreamEvent, P & string>>,
  ): Unsubscribe {
    if (typeof pattern !== 'string' || pattern.length === 0 || (pattern !== '*' && pattern.endsWith('.'))) {
      throw new ThreadlineError('VALIDATION', `Invalid subscription pattern "${String(pattern)}"`, {
        issues: [{ path: ['pattern'], message: 'expected an event type, "prefix.*" or "*"', code: 'custom' }],
      });
    }
    if (typeof handler !== 'function') {
      throw new ThreadlineError('VALIDATION', 'Event handler must be a function', {
        issues: [{ path: ['handler'], message: 'expected a function', code: 'custom' }],
      });
    }
    const listener: Listener = { pattern, handler: handler as Listener['handler'] };
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /**
   * Consumes one event and returns the signal events it caused (usually none); they are also
   * delivered to subscribers and the connected bus. The stream's own events are ignored.
   */
  consume(event: In): SignalDetectedEvent[] {
    const out = this.collect(event);
    void this.emit(out);
    return out;
  }

  /**
   * Closes the spike windows that ended by `now` and returns the resulting signal events (also
   * delivered to subscribers and the connected bus). {@link InsightsStream.advanceTo} is the
   * same without the return value.
   */
  closeWindowsUntil(now: Date | number): SignalDetectedEvent[] {
    const out = this.detector.closeWindowsUntil(now).map((a) => this.wrap(spikeSignal(a, this.deps)));
    void this.emit(out);
    return out;
  }

  /** {@link Schedulable}: end of the open window, or `null` before the first topic event. */
  nextDeadline(): number | null {
    return this.detector.nextDeadline();
  }

  /**
   * {@link Schedulable}: closes every window due at or before `now`, in order, synchronously;
   * the signals go to subscribers and the connected bus. An earlier `now` than one already
   * seen does nothing. Bus failures never escape as rejections: see the `onError` option.
   */
  advanceTo(now: Date | number): void {
    this.closeWindowsUntil(now);
  }

  /**
   * Subscribes to `patterns` on `bus`, consumes what arrives and publishes the signal events
   * back to it. Returns the function that disconnects.
   */
  connect(bus: EventBus, patterns: readonly string[] = ['*']): Unsubscribe {
    this.bus = bus;
    const offs = patterns.map((p) =>
      // The bus delivers whatever matches; the caller's patterns select the `In` events.
      bus.subscribe(p as '*', (event: EventEnvelope) => this.emit(this.collect(event as In))),
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

  /** Failures so far: bus publishes rejected and subscriber calls that threw. */
  stats(): { publishFailures: number; handlerFailures: number } {
    return { publishFailures: this.publishFailures, handlerFailures: this.handlerFailures };
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

  private collect(event: In): SignalDetectedEvent[] {
    if (event.type === 'signal.detected' || event.type.startsWith('insights_stream.')) return [];
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

  /** Delivers to subscribers, then publishes to the bus; the promise never rejects. */
  private emit(events: readonly SignalDetectedEvent[]): Promise<void> | undefined {
    if (events.length === 0) return undefined;
    for (const e of events) this.deliver(e);
    const bus = this.bus;
    if (bus === undefined) return undefined;
    try {
      return bus.publish(events).then(undefined, (error: unknown) => this.publishFailed(error, events));
    } catch (error) {
      this.publishFailed(error, events);
      return undefined;
    }
  }

  private deliver(event: InsightsStreamEvent): void {
    for (const l of this.listeners) {
      if (!matches(l.pattern, event.type)) continue;
      try {
        const result = l.handler(event);
        if (
          result !== null &&
          typeof result === 'object' &&
          typeof (result as Promise<unknown>).then === 'function'
        ) {
          (result as Promise<unknown>).then(undefined, (error: unknown) => this.handlerFailed(error, event));
        }
      } catch (error) {
        this.handlerFailed(error, event);
      }
    }
  }

  private handlerFailed(error: unknown, event: InsightsStreamEvent): void {
    this.handlerFailures++;
    this.report(error, [event]);
  }

  private publishFailed(error: unknown, events: readonly SignalDetectedEvent[]): void {
    this.publishFailures++;
    this.report(error, events);
    const failed: PublishFailedEvent = createEvent(this.deps, {
      type: 'insights_stream.publish_failed',
      aggregateType: 'insights_stream',
      aggregateId: this.name,
      tenantId: this.deps.tenantId,
      version: this.publishFailures,
      payload: { eventIds: events.map((e) => e.id), error: describeError(error) },
    });
    this.deliver(failed);
  }

  private report(error: unknown, events: readonly InsightsStreamEvent[]): void {
    try {
      this.onError?.(error, { events });
    } catch {
      // A failing error callback has nowhere left to report to; the counters still hold it.
    }
  }

  private scoreHealth(reading: HealthReading, event: EventEnvelope, out: SignalDetectedEvent[]): void {
    const h = this.health!;
    const prev = this.customers.get(reading.customerId);
    // Copied key by key (a spread of the previous record costs more than the copy's content).
    const values: Record<string, number | null> = {};
    if (prev !== undefined) for (const k in prev.values) values[k] = prev.values[k] as number | null;
    const read = reading.values;
    for (const k in read) {
      if (!Object.hasOwn(read, k)) continue;
      const v = read[k];
      if (v !== undefined) values[k] = v;
    }
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

  private wrap(signal: SpikeSignal | HealthSignal, cause?: EventEnvelope): SignalDetectedEvent {
    const input: Parameters<typeof createEvent<'signal.detected', InsightsSignal>>[1] = {
      type: 'signal.detected',
      aggregateType: 'signal',
      aggregateId: signal.id,
      tenantId: this.deps.tenantId,
      // Each signal is a new aggregate and this is its first (and only) event.
      version: 1,
      payload: signal as InsightsSignal,
    };
    if (cause) {
      input.causationId = cause.id;
      if (cause.correlationId) input.correlationId = cause.correlationId;
    }
    return createEvent(this.deps, input);
  }
}
