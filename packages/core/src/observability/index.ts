// @threadline/core/observability — tracing, metrics and logging every package records through:
// a no-op by default, OpenTelemetry (`@opentelemetry/api`, an optional peer) when the host wires it.
export {
  consumeEvent,
  instrumentMethods,
  METRICS,
  publishEvents,
  stampTrace,
} from './instrument.js';
export { type InstrumentBusOptions, instrumentBus } from './instrumentBus.js';
export { type InstrumentStorageOptions, instrumentStorage } from './instrumentStorage.js';
export {
  createMemoryLogger,
  type LogFn,
  type Logger,
  LoggerSchema,
  type LogRecord,
  type MemoryLogger,
  noopLogger,
  resolveLogger,
} from './logger.js';
export type {
  OpenTelemetryApi,
  OtelContext,
  OtelMeter,
  OtelObservableResult,
  OtelSpan,
  OtelSpanContext,
  OtelTracer,
  TelemetryAttributes,
} from './otelApi.js';
export {
  type CreateTelemetryOptions,
  createTelemetry,
  type GaugeReport,
  type InstrumentOptions,
  loadTelemetry,
  noopTelemetry,
  type SpanKindName,
  type SpanOptions,
  type Telemetry,
  type TelemetryCounter,
  type TelemetryHistogram,
  TelemetrySchema,
} from './telemetry.js';
export {
  formatTraceparent,
  parseTraceparent,
  type TraceCarrier,
  TraceCarrierSchema,
  type TraceParent,
} from './traceContext.js';
