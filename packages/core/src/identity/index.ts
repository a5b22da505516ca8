// @threadline/core/identity — identity resolution: normalisation, rules, merge/unmerge, records.
// The resolution planner (`planResolution`, `LimitCounter`, `isEligible`, the plan's constants) is
// internal to the service.
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
} from './config.js';
export type { ConflictQuery } from './conflicts.js';
export type { IdentityEvent, IdentityEventMap } from './events.js';
export {
  isNamespacedKind,
  type NormalizedIdentityValue,
  type NormalizeOptions,
  normalizeEmail,
  normalizeIdentity,
  normalizePhone,
} from './normalize.js';
export type {
  IgnoredReason,
  InboundIdentity,
  OwnedIdentity,
  PlannedConflict,
} from './plan.js';
export {
  type CustomerSnapshot,
  IDENTITY_COLLECTIONS,
  IDENTITY_PERSONAL_DATA,
  type IdentityConflict,
  type IdentityConflictKind,
  type MergeEvidence,
  type MergeRecord,
  type StoredCustomer,
  type StoredIdentity,
} from './records.js';
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
} from './service.js';
