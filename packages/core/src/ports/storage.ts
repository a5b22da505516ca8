import type { DocumentStore } from './documentStore.js';
import type { EventLog } from './eventLog.js';
import type { LeaseStore } from './lease.js';
import type { Outbox } from './outbox.js';

/**
 * The storage bundle engines take as their `storage` option: documents, the event log and the
 * outbox of one backend, so one `transaction` can cover all three where the adapter supports it.
 * `createMemoryStorage()` returns one; so does every storage adapter.
 *
 * @example
 * ```ts
 * import { createMemoryStorage } from '@threadline/adapter-memory';
 * import type { ThreadlineStorage } from '@threadline/core';
 *
 * const storage: ThreadlineStorage = createMemoryStorage();
 * ```
 */
export interface ThreadlineStorage {
  documents: DocumentStore;
  events: EventLog;
  outbox: Outbox;
  /**
   * Partition leases with fencing tokens, when the backend has them (memory, PostgreSQL): the
   * documents' `fence` options are checked against this store.
   */
  leases?: LeaseStore;
}
