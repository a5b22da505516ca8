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
  type Unsubscribe,
} from './bus.js';
// Business calendar (issue 3).
export { BusinessCalendar, type BusinessPeriod, type BusinessTimeUnit } from './calendar/calendar.js';
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
export { isKnownTimeZone, ZoneRules } from './calendar/zone.js';
export { type Clock, type Instant, ManualClock, SystemClock, type TimerClock, toMillis } from './clock.js';
export {
  CONTEXT_COLLECTIONS,
  ContextAssembler,
  type ContextAssemblerOptions,
  type ContextProvider,
  type ContextProviderRequest,
  createContextAssembler,
  type GetContextOptions,
  GetContextOptionsSchema,
} from './context/assembler.js';
export {
  type ContinuityCandidate,
  ContinuityCandidateSchema,
  type ContinuityDecision,
  type ContinuityInput,
  type ContinuityPolicies,
  DEFAULT_CONTINUITY_POLICIES,
  decideContinuity,
  type ReplyWindowState,
  replyWindow,
} from './context/continuity.js';
export {
  buildHandoffPacket,
  HANDOFF_REASONS,
  type HandoffBuildOptions,
  type HandoffPacket,
  type HandoffPacketInput,
  HandoffPacketSchema,
  type HandoffParty,
  HandoffPartySchema,
  parseHandoffPacket,
  type SlaClockState,
  SlaClockStateSchema,
  type TranscriptEntry,
  TranscriptEntrySchema,
} from './context/handoff.js';
export {
  type ContextContribution,
  ContextContributionSchema,
  type ContextIdentity,
  ContextIdentitySchema,
  type ContextMessage,
  ContextMessageSchema,
  type ContextSignal,
  ContextSignalSchema,
  ContextSignalsSchema,
  type ConversationSummary,
  ConversationSummarySchema,
  type CustomerContext,
  CustomerContextSchema,
  JsonValueSchema,
  type LastAgent,
  LastAgentSchema,
  type ProviderReport,
  ProviderReportSchema,
} from './context/schema.js';
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
// --- Governance (redaction, consent, erasure, audit trail, access control) ---
export {
  type AccessControl,
  type AccessControlOptions,
  type AccessDecision,
  type AccessPolicy,
  AccessPolicySchema,
  createAccessControl,
  DEFAULT_ACCESS_POLICY,
  PermissionPatternSchema,
  type ResourceRef,
  RoleDefinitionSchema,
} from './governance/access.js';
export {
  type AuditEntryInput,
  type AuditQueryOptions,
  type AuditTrail,
  type AuditTrailOptions,
  createAuditTrail,
} from './governance/auditTrail.js';
export {
  type ConsentChange,
  type ConsentDecision,
  type ConsentInput,
  ConsentInputSchema,
  ConsentPurposeSchema,
  type ConsentQuery,
  ConsentQuerySchema,
  type ConsentRecord,
  type ConsentService,
  type ConsentServiceOptions,
  consentRecordId,
  createConsentService,
} from './governance/consent.js';
export { cardBrand, isPaymentCard, luhnValid } from './governance/detectors/card.js';
export { IBAN_LENGTHS, isValidIban } from './governance/detectors/iban.js';
export {
  type CollectionErasure,
  createErasureService,
  type ErasureResult,
  type ErasureService,
  type ErasureServiceOptions,
  type ErasureTombstone,
  type EventErasure,
  type EventErasureOutcome,
  EventErasureSchema,
  type PiiRegistry,
  type PiiRegistryEntry,
  PiiRegistryEntrySchema,
} from './governance/erasure.js';
export {
  type BuiltinDetector,
  type CustomPattern,
  CustomPatternSchema,
  createRedactor,
  type PiiKind,
  type RedactionSpan,
  type RedactionStyle,
  type RedactOptions,
  RedactOptionsSchema,
  type Redactor,
  type RedactResult,
  redact,
} from './governance/redact.js';
// --- identity resolution & customer context (issue 4) ---
export {
  type BlockedPattern,
  BlockedPatternSchema,
  type CompiledIdentityConfig,
  compileIdentityConfig,
  DEFAULT_BLOCKED_PATTERNS,
  DEFAULT_IDENTITY_RULES,
  type IdentityResolutionConfig,
  IdentityResolutionConfigSchema,
  type IdentityRule,
  IdentityRuleSchema,
  isBlockedValue,
  ruleFor,
} from './identity/config.js';
export type { IdentityEvent, IdentityEventMap } from './identity/events.js';
export {
  isNamespacedKind,
  type NormalizedIdentityValue,
  type NormalizeOptions,
  normalizeEmail,
  normalizeIdentity,
  normalizePhone,
} from './identity/normalize.js';
export {
  type IgnoredReason,
  type InboundIdentity,
  isEligible,
  NEW_CUSTOMER,
  type OwnedIdentity,
  type PlannedConflict,
  type ResolutionPlan,
  UNMATCHED_CONFIDENCE,
} from './identity/plan.js';
export {
  type CustomerSnapshot,
  IDENTITY_COLLECTIONS,
  type IdentityConflict,
  type IdentityConflictKind,
  type MergeEvidence,
  type MergeRecord,
  type StoredCustomer,
  type StoredIdentity,
} from './identity/records.js';
export {
  ActorSchema,
  createIdentityService,
  type IdentityEventPublisher,
  type IdentityInput,
  IdentityInputSchema,
  IdentityService,
  type IdentityServiceOptions,
  MergeEvidenceSchema,
  type MergeOptions,
  MergeOptionsSchema,
  type MergePreview,
  type ResolveOptions,
  ResolveOptionsSchema,
  type ResolveResult,
  type UnmergeOptions,
  UnmergeOptionsSchema,
} from './identity/service.js';
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
