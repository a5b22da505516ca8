// Public surface of @threadline/routing: explicit named re-exports only.
export { createRoutingEngine, RoutingEngine } from './engine.js';
export {
  ROUTING_EVENT_TYPES,
  type RoutingEvent,
  type RoutingEventMap,
  type RoutingEventOf,
  type RoutingEventPattern,
  type RoutingEventType,
  type StepChangeReason,
} from './events.js';
export { type DecisionTrace, EXCLUSION_REASONS, type ExclusionReason, type RankedWorker } from './explain.js';
export type { BotTurn } from './handoff/botHandoff.js';
export {
  type HandoffPacket,
  type HandoffPacketInput,
  HandoffPacketSchema,
  isCoreHandoffPacket,
  normalizeHandoffPacket,
} from './handoff/packet.js';
export {
  createPersonRequestDetector,
  PERSON_REQUEST_LANGUAGES,
  type PersonRequestContext,
  type PersonRequestDetector,
  type PersonRequestDetectorOptions,
  type PersonRequestLanguage,
  type PersonRequestResult,
} from './handoff/personRequest.js';
export {
  CapacityEntrySchema,
  type TaskInput,
  TaskInputSchema,
  type TaskPatch,
  TaskPatchSchema,
  type WorkerInput,
  WorkerInputSchema,
} from './inputs.js';
export {
  type CompactJournalBatch,
  type CompactJournalEntry,
  decodeJournalBatch,
  encodeJournalBatch,
  JOURNAL_BATCH_FORMAT,
  type JournalBatchPayload,
} from './journal/codec.js';
export {
  JOURNAL_BATCH_EVENT_TYPE,
  JOURNAL_EVENT_TYPE,
  JOURNAL_OPS,
  type JournalBatch,
  type JournalBatchEvent,
  type JournalEntry,
  type JournalEvent,
  type JournalOp,
  journalSnapshotId,
  journalStream,
} from './journal/entry.js';
export { type RoutingJournalStats, SNAPSHOT_COLLECTION } from './journal/journal.js';
export { type RoutingJournalOptions, RoutingJournalOptionsSchema } from './journal/options.js';
export { ROUTING_LIMITS } from './limits.js';
export type { HandoffRules, RoutingEngineOptions, ShiftCalendar } from './options.js';
export {
  declareRoutingPersonalData,
  ROUTING_JOURNAL_STREAM_PREFIX,
  ROUTING_PERSONAL_DATA,
  snapshotCustomerIds,
} from './personalData.js';
export { type AttributeScalar, type Requirement, RequirementSchema } from './requirements.js';
export { canTransition, type ReservationInfo, type ReservationStatus } from './reservations.js';
export type { RoutingSnapshot } from './snapshot.js';
export {
  customScorer,
  leastOccupied,
  longestIdle,
  mostSkilled,
  type RoutingStrategy,
  roundRobin,
  STRATEGIES,
  type StrategyName,
  type TaskView,
  type WorkerView,
} from './strategies/index.js';
export type { RoutingStats, TaskInfo, TaskStatus, WorkerInfo } from './views.js';
export {
  defineWorkflow,
  type FilterConfig,
  FilterConfigSchema,
  type LintWorker,
  lintWorkflow,
  OrderBySchema,
  type QueueConfig,
  QueueConfigSchema,
  type StepConfig,
  StepConfigSchema,
  TaskMatchSchema,
  type Workflow,
  type WorkflowConfig,
  type WorkflowLintIssue,
  WorkflowSchema,
} from './workflow/definition.js';
