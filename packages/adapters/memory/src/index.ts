// Public surface of @threadline/adapter-memory.
export {
  createMemoryDocumentStore,
  type DocumentStoreSnapshot,
  MemoryDocumentStore,
  type MemoryDocumentStoreOptions,
} from './documentStore.js';
export { createMemoryEventLog, type EventLogSnapshot, MemoryEventLog } from './eventLog.js';
export {
  createMemoryLeaseStore,
  MemoryLeaseStore,
  type MemoryLeaseStoreOptions,
} from './leaseStore.js';
export { createMemoryOutbox, MemoryOutbox, type OutboxSnapshot } from './outbox.js';
export type { ClosedConversationRetention, MemoryRetentionOptions } from './retention.js';
export {
  createMemoryStorage,
  type MemoryStorage,
  type MemoryStorageOptions,
  type MemoryStorageSnapshot,
} from './storage.js';
