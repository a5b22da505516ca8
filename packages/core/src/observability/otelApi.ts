// The few members of `@opentelemetry/api` Threadline calls, typed structurally so core's public
// types never name the optional peer: `import * as api from '@opentelemetry/api'` satisfies
// `OpenTelemetryApi`, and a program without the package still type-checks.

/** Attribute values OpenTelemetry accepts on spans and metric points (the subset we record). */
export type TelemetryAttributes = Record<string, string | number | boolean>;

/** An OpenTelemetry context (opaque here). */
export interface OtelContext {
  getValue(key: symbol): unknown;
}

/** A span context (`@opentelemetry/api` `SpanContext`). */
export interface OtelSpanContext {
  traceId: string;
  spanId: string;
  traceFlags: number;
  isRemote?: boolean;
  traceState?: { serialize(): string };
}

/** A span (`@opentelemetry/api` `Span`), the methods we call. */
export interface OtelSpan {
  spanContext(): OtelSpanContext;
  setAttribute(key: string, value: string | number | boolean): unknown;
  setStatus(status: { code: number; message?: string }): unknown;
  recordException(exception: Error | string): void;
  end(): void;
}

/** A tracer (`@opentelemetry/api` `Tracer`). */
export interface OtelTracer {
  startSpan(
    name: string,
    options?: { kind?: number; attributes?: TelemetryAttributes },
    context?: OtelContext,
  ): OtelSpan;
}

/** The result object an observable instrument's callback reports through. */
export interface OtelObservableResult {
  observe(value: number, attributes?: TelemetryAttributes): void;
}

/** A meter (`@opentelemetry/api` `Meter`), the instruments we create. */
export interface OtelMeter {
  createCounter(
    name: string,
    options?: { description?: string; unit?: string },
  ): { add(value: number, attributes?: TelemetryAttributes): void };
  createHistogram(
    name: string,
    options?: { description?: string; unit?: string },
  ): { record(value: number, attributes?: TelemetryAttributes): void };
  createObservableGauge(
    name: string,
    options?: { description?: string; unit?: string },
  ): {
    addCallback(callback: (result: OtelObservableResult) => void): void;
    removeCallback(callback: (result: OtelObservableResult) => void): void;
  };
}

/** The shape of the `@opentelemetry/api` module that {@link createTelemetry} needs. */
export interface OpenTelemetryApi {
  trace: {
    getTracer(name: string, version?: string): OtelTracer;
    setSpan(context: OtelContext, span: OtelSpan): OtelContext;
    setSpanContext(context: OtelContext, spanContext: OtelSpanContext): OtelContext;
    getSpanContext(context: OtelContext): OtelSpanContext | undefined;
    isSpanContextValid(spanContext: OtelSpanContext): boolean;
  };
  context: {
    active(): OtelContext;
    with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(
      context: OtelContext,
      fn: F,
      thisArg?: ThisParameterType<F>,
      ...args: A
    ): ReturnType<F>;
  };
  metrics: {
    getMeter(name: string, version?: string): OtelMeter;
  };
  createTraceState(rawTraceState?: string): { serialize(): string };
}
