// Public surface of @threadline/routing: explicit named re-exports only.
export {
  type BotTurn,
  createRoutingEngine,
  type HandoffRules,
  RoutingEngine,
  type RoutingEngineOptions,
  type RoutingSnapshot,
  type RoutingStats,
  type ShiftCalendar,
  type TaskInfo,
  type TaskStatus,
  type WorkerInfo,
} from './engine.js';
export {
  ROUTING_EVENT_TYPES,
  type RoutingEvent,
  type RoutingEventMap,
  type RoutingEventOf,
  type RoutingEventType,
  type StepChangeReason,
} from './events.js';
export { type DecisionTrace, EXCLUSION_REASONS, type ExclusionReason, type RankedWorker } from './explain.js';
export {
  type HandoffPacket,
  type HandoffPacketInput,
  HandoffPacketSchema,
  isCoreHandoffPacket,
  normalizeHandoffPacket,
} from './handoff.js';
export {
  CapacityEntrySchema,
  type TaskInput,
  TaskInputSchema,
  type TaskPatch,
  TaskPatchSchema,
  type WorkerInput,
  WorkerInputSchema,
} from './inputs.js';
export { type AttributeScalar, type Requirement, RequirementSchema } from './requirements.js';
export { canTransition, type ReservationInfo, type ReservationStatus } from './reservations.js';
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
} from './workflow.js';
