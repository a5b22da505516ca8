// Public surface of @threadline/cases: explicit named re-exports only.

export {
  type ActorInput,
  type AssignInput,
  AssignInputSchema,
  CASE_PRIORITIES,
  type Case,
  type CaseAuditEntry,
  type CaseEscalation,
  type CasePriority,
  CasePrioritySchema,
  CaseStatusSchema,
  type ChangeContext,
  ChangeContextSchema,
  MESSAGE_AUTHORS,
  type OpenCaseInput,
  OpenCaseInputSchema,
  type RecordMessageInput,
  RecordMessageInputSchema,
} from './case.js';
export type { ConditionInput, RuleContext } from './condition.js';
export {
  CaseEngine,
  type CaseEngineOptions,
  type CaseEngineStats,
  createCaseEngine,
  type RecomputeOptions,
  type RecomputeResult,
  type UpdateCaseInput,
} from './engine.js';
export {
  type EscalationAction,
  type EscalationActionInput,
  EscalationActionSchema,
  type EscalationLadderInput,
  EscalationLadderSchema,
} from './escalation.js';
export {
  CASE_ENGINE_EVENT_TYPES,
  type CaseEngineEvent,
  type CaseEngineEventPayloads,
  type CaseEngineEventType,
  type CaseEventPayloads,
  isCaseEngineEvent,
} from './events.js';
export { type RoutingRuleInput, RoutingRuleSchema } from './routingRules.js';
export { DeadlineIndex, type DeadlineItem } from './sla/deadlineIndex.js';
export {
  canMoveMetric,
  isFinalMetricState,
  METRIC_STATES,
  METRIC_TRANSITIONS,
  type MetricState,
  SLA_METRICS,
  type SlaMetricInstance,
  type SlaMetricName,
} from './sla/metric.js';
export {
  DEFAULT_PAUSE_ON,
  PAUSABLE_STATUSES,
  type SlaPolicyInput,
  SlaPolicySchema,
  SlaTargetSchema,
  WarnSchema,
} from './sla/policy.js';
export type { CalendarLike } from './sla/time.js';
export type { SlaEventPayloads } from './sla/tracker.js';
export {
  assertTransition,
  CASE_STATUSES,
  CASE_TRANSITIONS,
  type CaseStatus,
  canTransition,
} from './transitions.js';
