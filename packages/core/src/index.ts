// @threadline/core — the shared vocabulary and the ports everything plugs into.
//
// The root entry exports everything public. Each area also has its own entry point
// (`@threadline/core/calendar`, `/channels`, `/rules`, `/identity`, `/context`, `/governance`, `/schemas`,
// `/ports`) whose barrel is the one explicit list of that area's names; the root re-exports those
// barrels whole so the two can never disagree. The vocabulary below (bus, clock, errors, events,
// ids, scheduling) belongs to no area and is listed here.

export {
  createInProcessEventBus,
  type DeadLetter,
  type EventBus,
  type EventHandler,
  type EventPattern,
  type EventsMatching,
  type HandlerFailedEvent,
  type HandlerFailedPayload,
  InProcessEventBus,
  type InProcessEventBusOptions,
  type Unsubscribe,
} from './bus.js';
export * from './calendar/index.js';
export * from './channels/index.js';
export {
  type Clock,
  createManualClock,
  createSystemClock,
  type Instant,
  ManualClock,
  SystemClock,
  type TimerClock,
  toMillis,
} from './clock.js';
export * from './context/index.js';
export {
  type DeliveryErrorContext,
  type DeliveryErrorHandler,
  type DeliveryFailureSink,
  type DeliveryFailureSource,
  type DeliveryFailureStats,
  reportDeliveryFailure,
} from './delivery.js';
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
export * from './expression/index.js';
export * from './governance/index.js';
export * from './identity/index.js';
export { createIdGenerator, createSequentialIds, type IdGenerator, type IdGeneratorOptions } from './ids.js';
export * from './observability/index.js';
export * from './ports/index.js';
export { createRandom, type Random } from './random.js';
export { createScheduler, type Schedulable, Scheduler, type SchedulerOptions } from './scheduler.js';
export * from './schemas/index.js';
