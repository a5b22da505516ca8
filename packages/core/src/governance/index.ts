// @threadline/core/governance — PII redaction, consent, erasure, audit trail, access control.
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
} from './access.js';
export {
  type AuditEntryInput,
  type AuditQueryOptions,
  type AuditTrail,
  type AuditTrailOptions,
  createAuditTrail,
} from './auditTrail.js';
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
  createConsentService,
} from './consent.js';
export {
  CUSTOMER_ERASED_EVENT_TYPE,
  type CustomerErasedEvent,
  type CustomerErasedNotice,
  type CustomerErasedPayload,
  customerErasedNotice,
  type ErasureEventSource,
  type OnCustomerErasedOptions,
  onCustomerErased,
} from './customerErased.js';
export { cardBrand, isPaymentCard, luhnValid } from './detectors/card.js';
export { IBAN_LENGTHS, isValidIban } from './detectors/iban.js';
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
  type OutboxErasureOutcome,
  type PiiRegistry,
  type PiiRegistryEntry,
  PiiRegistryEntrySchema,
} from './erasure.js';
export {
  type CustomerErasureListener,
  type CustomerErasureNotice,
  onCustomerErasure,
} from './erasureListeners.js';
export {
  declarationsForTenant,
  declaredCollections,
  declarePersonalData,
  listPersonalDataDeclarations,
  PERSONAL_DATA_COLLECTION,
  type PersonalDataDeclaration,
  PersonalDataDeclarationSchema,
  type StoredPersonalDataDeclaration,
} from './personalData.js';
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
} from './redact.js';
export { STREAM_FENCED_EVENT_TYPE, type StreamFencedPayload } from './streamFence.js';
