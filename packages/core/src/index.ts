// @threadline/core — the shared vocabulary and the ports everything plugs into.

export {
  type DeadLetter,
  type EventBus,
  type EventHandler,
  type EventPattern,
  type EventsMatching,
  type HandlerFailedEvent,
  type HandlerFailedPayload,
  InProcessEventBus,
  type InProcessEventBusOptions,
} from './bus.js';
export { BusinessCalendar, type BusinessPeriod, type BusinessTimeUnit } from './calendar/calendar.js';
// Business calendar (issue 3).
export {
  type BusinessCalendarConfig,
  BusinessCalendarConfigSchema,
  type TimeInterval,
  WEEKDAYS,
  type Weekday,
} from './calendar/config.js';
export {
  type DateHolidaysLoader,
  type DateHolidaysOptions,
  type DateHolidaysType,
  holidaysFromDateHolidays,
} from './calendar/holidays.js';
export { type Clock, type Instant, ManualClock, SystemClock, type TimerClock, toMillis } from './clock.js';
export { type DurationInput, type DurationObject, DurationSchema, toDurationMs } from './duration.js';
export {
  ERROR_CODES,
  type ErrorCode,
  issuesFromZod,
  isThreadlineError,
  parseInput,
  ThreadlineError,
  type ThreadlineErrorOptions,
  type ValidationIssue,
  validationError,
} from './errors.js';
export {
  type CreateEventInput,
  createEvent,
  type EventEnvelope,
  EventEnvelopeSchema,
  EventTypeSchema,
  type EventUnion,
  parseEvent,
} from './events.js';
export {
  type AndNode,
  type ArrayNode,
  COMPARISON_OPERATORS,
  type ComparisonNode,
  type ComparisonOperator,
  type CompiledExpression,
  compileExpression,
  compileExpressionAst,
  createExpressionCache,
  DEFAULT_MAX_EXPRESSION_DEPTH,
  DEFAULT_MAX_EXPRESSION_LENGTH,
  type ExpressionCache,
  type ExpressionCacheOptions,
  type ExpressionNode,
  type ExpressionOptions,
  ExpressionOptionsSchema,
  type LiteralNode,
  type NotNode,
  type OperandNode,
  type OrNode,
  type PathNode,
  type PathSegment,
  parseExpression,
  printExpression,
  printPath,
  type ScalarValue,
} from './expression/index.js';
export { createIdGenerator, createSequentialIds, type IdGenerator, type IdGeneratorOptions } from './ids.js';
export type { Actor, AuditEntry, AuditSink } from './ports/audit.js';
export type { AdapterCapabilities } from './ports/capabilities.js';
export type {
  CollectionDefinition,
  DeleteOptions,
  DocumentInput,
  DocumentStore,
  FindPage,
  FindQuery,
  JsonValue,
  PutOptions,
  StoredDocument,
  TenantOptions,
  TransactionContext,
} from './ports/documentStore.js';
export type {
  AppendOptions,
  AppendResult,
  EventLog,
  ReadAllOptions,
  ReadStreamOptions,
  StoredEvent,
} from './ports/eventLog.js';
export type { Outbox, OutboxEntry, OutboxWriter } from './ports/outbox.js';
export { type EventPublisher, OutboxRelay, type OutboxRelayOptions } from './ports/outboxRelay.js';
export { type PortName, validateAdapter } from './ports/registration.js';
export {
  assertCollectionName,
  assertFieldPath,
  assertKey,
  conflictError,
  decodeCursor,
  encodeCursor,
  indexKeys,
  type NormalizedFindQuery,
  normalizeFindQuery,
  readPath,
  tenantOf,
  validateAppend,
  validateDocumentInput,
} from './ports/validate.js';
export { createRandom, type Random } from './random.js';
export { type Schedulable, Scheduler, type SchedulerOptions } from './scheduler.js';
export * from './schemas/index.js';
