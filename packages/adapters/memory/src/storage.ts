import { readFile, rename, writeFile } from 'node:fs/promises';
import { type Clock, ThreadlineError, type ThreadlineStorage } from '@threadline/core';
import {
  type DocumentStoreSnapshot,
  MemoryDocumentStore,
  type MemoryDocumentStoreOptions,
} from './documentStore.js';
import { type EventLogSnapshot, MemoryEventLog } from './eventLog.js';
import { MemoryLeaseStore } from './leaseStore.js';
import { MemoryOutbox, type OutboxSnapshot } from './outbox.js';
import type { MemoryRetentionOptions } from './retention.js';

/** The JSON image of a whole memory storage, written by `saveToFile`. */
export interface MemoryStorageSnapshot {
  format: 'threadline-memory';
  formatVersion: 1;
  documents: DocumentStoreSnapshot;
  events: EventLogSnapshot;
  outbox: OutboxSnapshot;
}

/** Documents, event log and outbox sharing one memory, with snapshots to and from JSON files. */
export interface MemoryStorage extends ThreadlineStorage {
  documents: MemoryDocumentStore;
  events: MemoryEventLog;
  outbox: MemoryOutbox;
  /** Partition leases; the documents check `fence` options against them. Not part of snapshots. */
  leases: MemoryLeaseStore;
  /** A JSON-serialisable image of everything. */
  snapshot(): MemoryStorageSnapshot;
  /** Replaces everything with a snapshot. */
  restore(snapshot: MemoryStorageSnapshot): void;
  /** Writes the snapshot to a JSON file (atomically: temp file, then rename). */
  saveToFile(path: string): Promise<void>;
  /** Restores from a file written by `saveToFile`. */
  loadFromFile(path: string): Promise<void>;
}

/** Options for {@link createMemoryStorage}. */
export interface MemoryStorageOptions {
  collections?: MemoryDocumentStoreOptions['collections'];
  /** The clock leases expire by and retention windows are measured on (default: the system clock). */
  clock?: Clock;
  /**
   * What the store forgets, and when (default: nothing). With
   * `{ closedConversations: { closedForMs } }` a conversation whose `status` is `'closed'` leaves
   * the document store, with its messages, `closedForMs` after its `closedAt`: memory then follows
   * the open conversations and the recent window, not every conversation ever held.
   */
  retention?: MemoryRetentionOptions;
}

function checkSnapshot(value: unknown): MemoryStorageSnapshot {
  const s = value as Partial<MemoryStorageSnapshot> | null;
  if (s?.format !== 'threadline-memory' || s.formatVersion !== 1 || !s.documents || !s.events || !s.outbox) {
    throw new ThreadlineError(
      'VALIDATION',
      'Not a Threadline memory snapshot (format "threadline-memory", formatVersion 1)',
      {
        issues: [
          {
            path: ['format'],
            message: 'expected format "threadline-memory" and formatVersion 1',
            code: 'invalid_snapshot',
          },
        ],
      },
    );
  }
  return s as MemoryStorageSnapshot;
}

/**
 * Creates the in-memory reference storage: a document store whose transactions write to the
 * outbox, an event log and the outbox, plus JSON snapshots.
 *
 * @example
 * ```ts
 * const storage = createMemoryStorage();
 * await storage.documents.transaction(async (tx) => {
 *   await tx.documents.put('cases', { id: 'c1', status: 'open' }, { expectedVersion: 0 });
 *   await tx.outbox.add([caseOpened]);
 * });
 * await storage.saveToFile('./threadline.json');
 * ```
 */
export function createMemoryStorage(options: MemoryStorageOptions = {}): MemoryStorage {
  const outbox = new MemoryOutbox();
  const events = new MemoryEventLog();
  const leases = new MemoryLeaseStore(options.clock ? { clock: options.clock } : {});
  const documents = new MemoryDocumentStore({
    outbox,
    events,
    leases,
    ...(options.collections ? { collections: options.collections } : {}),
    ...(options.retention !== undefined ? { retention: options.retention } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
  });
  const storage: MemoryStorage = {
    documents,
    events,
    outbox,
    leases,
    snapshot: () => ({
      format: 'threadline-memory',
      formatVersion: 1,
      documents: documents.snapshot(),
      events: events.snapshot(),
      outbox: outbox.snapshot(),
    }),
    restore(snapshot) {
      const s = checkSnapshot(snapshot);
      documents.restore(s.documents);
      events.restore(s.events);
      outbox.restore(s.outbox);
    },
    async saveToFile(path) {
      const tmp = `${path}.${process.pid}.tmp`;
      await writeFile(tmp, JSON.stringify(storage.snapshot()), 'utf8');
      await rename(tmp, path);
    },
    async loadFromFile(path) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(await readFile(path, 'utf8'));
      } catch (cause) {
        throw new ThreadlineError('ADAPTER', `Cannot read memory snapshot from ${path}`, { cause });
      }
      storage.restore(parsed as MemoryStorageSnapshot);
    },
  };
  return storage;
}
