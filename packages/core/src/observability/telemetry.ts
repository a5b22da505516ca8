import { z } from 'zod';
import { parseInput } from '../errors.js';
import type { OpenTelemetryApi, OtelContext, OtelMeter, OtelTracer, TelemetryAttributes } from './otelApi.js';
import { formatTraceparent, parseTraceparent, type TraceCarrier } from './traceContext.js';

/** A span's role, as OpenTelemetry's `SpanKind` names it. */
export type SpanKindName = 'internal' | 'server' | 'client' | 'producer' | 'consumer';

const SPAN_KIND: Record<SpanKindName, number> = {
  internal: 0,
  server: 1,
  client: 2,
  producer: 3,
  consumer: 4,
};
const STATUS_ERROR = 2;

/** Options of {@link Telemetry.span}. */
export interface SpanOptions {
  kind?: SpanKindName;
  attributes?: TelemetryAttributes;
  /**
   * The remote parent, e.g. an event envelope's `trace`: the span joins that trace (a consumer's
   * span is the producer's child). Without it, the span is a child of the active context.
   */
  parent?: TraceCarrier | undefined;
}

/** Options of a metric instrument. */
export interface InstrumentOptions {
  description?: string;
  /** UCUM unit, e.g. `ms`, `{command}`. */
  unit?: string;
}

/** A monotonic counter. */
export interface TelemetryCounter {
  add(value: number, attributes?: TelemetryAttributes): void;
}

/** A histogram of recorded values. */
export interface TelemetryHistogram {
  record(value: number, attributes?: TelemetryAttributes): void;
}

/** Reports one gauge value from an observation callback. */
export type GaugeReport = (value: number, attributes?: TelemetryAttributes) => void;

/**
 * The tracing and metrics facade every Threadline package records through. Engines and adapters
 * take one as their `telemetry` option; the default, {@link noopTelemetry}, records nothing and
 * costs nothing. {@link createTelemetry} builds one on `@opentelemetry/api` (an optional peer),
 * {@link loadTelemetry} builds one if that package is installed.
 */
export interface Telemetry {
  /** `false` for the no-op facade: callers may skip work (building attributes) that only feeds it. */
  readonly enabled: boolean;
  /**
   * Runs `fn` inside a span that ends when `fn` returns or its promise settles; a thrown error or
   * rejection is recorded on the span (status ERROR) and rethrown. The span is active while `fn`
   * runs (with a context manager registered), so spans and events made inside become its children.
   */
  span<T>(name: string, fn: () => T, options?: SpanOptions): T;
  /** The active span's context as a W3C carrier, `undefined` when no span is active. */
  currentTrace(): TraceCarrier | undefined;
  /** A counter (one instrument per name; asking twice returns the same one). */
  counter(name: string, options?: InstrumentOptions): TelemetryCounter;
  /** A histogram (one instrument per name). */
  histogram(name: string, options?: InstrumentOptions): TelemetryHistogram;
  /**
   * Registers an observable gauge: `observe` is called at each collection and reports values with
   * their attributes. Returns the function that unregisters it.
   */
  gauge(name: string, observe: (report: GaugeReport) => void, options?: InstrumentOptions): () => void;
}

const noopCounter: TelemetryCounter = { add: () => undefined };
const noopHistogram: TelemetryHistogram = { record: () => undefined };

/** The default {@link Telemetry}: records nothing, runs `fn` directly, reports no trace. */
export const noopTelemetry: Telemetry = Object.freeze({
  enabled: false,
  span: <T>(_name: string, fn: () => T): T => fn(),
  currentTrace: () => undefined,
  counter: () => noopCounter,
  histogram: () => noopHistogram,
  gauge: () => () => undefined,
});

/** Options of {@link createTelemetry}. */
export interface CreateTelemetryOptions {
  /** The `@opentelemetry/api` module (`import * as api from '@opentelemetry/api'`). */
  api: OpenTelemetryApi;
  /** Instrumentation scope name (default `@threadline/core`). */
  name?: string;
  /** Instrumentation scope version. */
  version?: string;
  /** A tracer to use instead of `api.trace.getTracer(name, version)`. */
  tracer?: OtelTracer;
  /** A meter to use instead of `api.metrics.getMeter(name, version)`. */
  meter?: OtelMeter;
}

const hasMethods = (v: unknown, names: string[]) =>
  typeof v === 'object' &&
  v !== null &&
  names.every((n) => typeof (v as Record<string, unknown>)[n] === 'function');

const CreateTelemetryOptionsSchema = z
  .object({
    api: z.custom<OpenTelemetryApi>(
      (v) =>
        typeof v === 'object' &&
        v !== null &&
        hasMethods((v as OpenTelemetryApi).trace, [
          'getTracer',
          'setSpan',
          'setSpanContext',
          'getSpanContext',
        ]) &&
        hasMethods((v as OpenTelemetryApi).context, ['active', 'with']) &&
        hasMethods((v as OpenTelemetryApi).metrics, ['getMeter']),
      'expected the @opentelemetry/api module',
    ),
    name: z.string().min(1).optional(),
    version: z.string().min(1).optional(),
    tracer: z.custom<OtelTracer>((v) => hasMethods(v, ['startSpan']), 'expected a Tracer').optional(),
    meter: z
      .custom<OtelMeter>(
        (v) => hasMethods(v, ['createCounter', 'createHistogram', 'createObservableGauge']),
        'expected a Meter',
      )
      .optional(),
  })
  .strict();

const isPromiseLike = (v: unknown): v is PromiseLike<unknown> =>
  typeof v === 'object' && v !== null && typeof (v as PromiseLike<unknown>).then === 'function';

/**
 * Builds a {@link Telemetry} on `@opentelemetry/api`. Spans go to the tracer provider the host
 * registered (an SDK), metrics to its meter provider; without an SDK the API's own no-ops apply.
 * Trace context is read and written as W3C `traceparent` by this facade itself, so it crosses
 * the bus whether or not a propagator is registered.
 *
 * @example
 * ```ts
 * import * as api from '@opentelemetry/api';
 * const telemetry = createTelemetry({ api });
 * const engine = createRoutingEngine({ clock, workflow, telemetry });
 * ```
 */
export function createTelemetry(options: CreateTelemetryOptions): Telemetry {
  const parsed = parseInput(CreateTelemetryOptionsSchema, options, 'telemetry options', 'CONFIG');
  const { api } = parsed;
  const name = parsed.name ?? '@threadline/core';
  const tracer = parsed.tracer ?? api.trace.getTracer(name, parsed.version);
  const meter = parsed.meter ?? api.metrics.getMeter(name, parsed.version);
  const counters = new Map<string, TelemetryCounter>();
  const histograms = new Map<string, TelemetryHistogram>();
  const gauges = new Map<string, Set<(report: GaugeReport) => void>>();

  const parentContext = (carrier: TraceCarrier | undefined): OtelContext => {
    const active = api.context.active();
    if (carrier === undefined) return active;
    const parent = parseTraceparent(carrier.traceparent);
    if (parent === undefined) return active;
    return api.trace.setSpanContext(active, {
      ...parent,
      isRemote: true,
      ...(carrier.tracestate ? { traceState: api.createTraceState(carrier.tracestate) } : {}),
    });
  };

  return {
    enabled: true,
    span<T>(spanName: string, fn: () => T, spanOptions: SpanOptions = {}): T {
      const ctx = parentContext(spanOptions.parent);
      const span = tracer.startSpan(
        spanName,
        {
          kind: SPAN_KIND[spanOptions.kind ?? 'internal'],
          ...(spanOptions.attributes ? { attributes: spanOptions.attributes } : {}),
        },
        ctx,
      );
      const fail = (error: unknown) => {
        span.recordException(error instanceof Error ? error : String(error));
        span.setStatus({
          code: STATUS_ERROR,
          message: error instanceof Error ? error.message : String(error),
        });
        const code = (error as { code?: unknown } | null)?.code;
        if (typeof code === 'string') span.setAttribute('threadline.error.code', code);
        span.end();
      };
      let result: T;
      try {
        result = api.context.with(api.trace.setSpan(ctx, span), fn);
      } catch (error) {
        fail(error);
        throw error;
      }
      if (!isPromiseLike(result)) {
        span.end();
        return result;
      }
      return Promise.resolve(result).then(
        (value) => {
          span.end();
          return value;
        },
        (error: unknown) => {
          fail(error);
          throw error;
        },
      ) as T;
    },
    currentTrace() {
      const sc = api.trace.getSpanContext(api.context.active());
      if (sc === undefined || !api.trace.isSpanContextValid(sc)) return undefined;
      const traceparent = formatTraceparent(sc);
      const tracestate = sc.traceState?.serialize();
      return tracestate ? { traceparent, tracestate } : { traceparent };
    },
    counter(instrument, instrumentOptions) {
      let c = counters.get(instrument);
      if (c === undefined) counters.set(instrument, (c = meter.createCounter(instrument, instrumentOptions)));
      return c;
    },
    histogram(instrument, instrumentOptions) {
      let h = histograms.get(instrument);
      if (h === undefined)
        histograms.set(instrument, (h = meter.createHistogram(instrument, instrumentOptions)));
      return h;
    },
    gauge(instrument, observe, instrumentOptions) {
      // One OpenTelemetry gauge per name; every registration adds its observer to it.
      let observers = gauges.get(instrument);
      if (observers === undefined) {
        const set = new Set<(report: GaugeReport) => void>();
        observers = set;
        gauges.set(instrument, set);
        meter.createObservableGauge(instrument, instrumentOptions).addCallback((result) => {
          for (const o of set) {
            try {
              o((value, attributes) => result.observe(value, attributes));
            } catch {
              // One failing observer must not hide the others' values.
            }
          }
        });
      }
      observers.add(observe);
      const registered = observers;
      return () => {
        registered.delete(observe);
      };
    },
  };
}

/**
 * Builds a {@link Telemetry} on `@opentelemetry/api` when that optional peer is installed, and
 * returns {@link noopTelemetry} when it is not (never throws for a missing package).
 *
 * @example
 * ```ts
 * const telemetry = await loadTelemetry({ name: 'my-service' });
 * ```
 */
export async function loadTelemetry(options: Omit<CreateTelemetryOptions, 'api'> = {}): Promise<Telemetry> {
  let api: OpenTelemetryApi;
  try {
    // A variable specifier: bundlers must not fail on the optional peer being absent.
    const specifier = '@opentelemetry/api';
    api = (await import(/* @vite-ignore */ specifier)) as OpenTelemetryApi;
  } catch {
    return noopTelemetry;
  }
  return createTelemetry({ ...options, api });
}

/** Zod schema accepting any {@link Telemetry} (for option schemas). */
export const TelemetrySchema = z.custom<Telemetry>(
  (v) =>
    hasMethods(v, ['span', 'currentTrace', 'counter', 'histogram', 'gauge']) &&
    typeof (v as Telemetry).enabled === 'boolean',
  'expected a Telemetry (createTelemetry or noopTelemetry)',
);
