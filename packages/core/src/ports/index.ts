// @threadline/core/ports — the storage and outbox ports adapters implement, adapter registration
// checks, the outbox relay, and the validation helpers every adapter shares.
export type { Actor, AuditEntry, AuditSink } from './audit.js';
export type { AdapterCapabilities } from './capabilities.js';
export type {
  CollectionDefinition,
  DeleteOptions,
  DocumentInput,
  DocumentStore,
  FindPage,
  FindQuery,
  JsonValue,
  PutManyOptions,
  PutOptions,
  RangeCondition,
  StoredDocument,
  TenantOptions,
  TransactionContext,
  TransactionEventLog,
  TransactionOptions,
  WhereValue,
} from './documentStore.js';
export type {
  AppendOptions,
  AppendResult,
  EventLog,
  ReadAllOptions,
  ReadStreamOptions,
  StoredEvent,
} from './eventLog.js';
export {
  type AcquireLeaseOptions,
  createLease,
  type FenceTarget,
  fenceProblem,
  type Lease,
  type LeaseFence,
  type LeaseGrant,
  type LeaseInfo,
  type LeaseStore,
  leaseConflictError,
  MAX_LEASE_TTL_MS,
  parseAcquireLease,
  parseFence,
  parseLeaseName,
  parseLeaseTtl,
} from './lease.js';
export type { MarkFailedOptions, Outbox, OutboxEntry, OutboxWriter } from './outbox.js';
export {
  createOutboxRelay,
  type EventPublisher,
  OutboxRelay,
  type OutboxRelayBackoff,
  type OutboxRelayOptions,
  type OutboxRelayStats,
} from './outboxRelay.js';
export { atDocument, type PutManyEntry, putMany, putManyConflict, validatePutMany } from './putMany.js';
export { missingMethods, type PortName, validateAdapter } from './registration.js';
export type { ThreadlineStorage } from './storage.js';
export {
  type BusOptionContext,
  type EventDelivery,
  type ResolvedBusOption,
  resolveBusOption,
  resolveDocumentStoreOption,
} from './storageOption.js';
export {
  assertCollectionName,
  assertFieldPath,
  assertKey,
  CollectionDefinitionSchema,
  conflictError,
  decodeCursor,
  encodeCursor,
  indexKeys,
  inRange,
  type NormalizedCollectionDefinition,
  type NormalizedFindQuery,
  type NormalizedRange,
  normalizeCollectionDefinition,
  normalizeFindQuery,
  readPath,
  tenantOf,
  type UniqueIndex,
  uniqueConflictError,
  uniqueIndexName,
  uniqueKey,
  validateAppend,
  validateDocumentInput,
  validateOutboxEvents,
} from './validate.js';
