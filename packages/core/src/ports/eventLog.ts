import type { EventEnvelope } from '../events.js';
import type { AdapterCapabilities } from './capabilities.js';

/** An event as stored in the log: the envelope plus its stream and global positions. */
export type StoredEvent<E extends EventEnvelope = EventEnvelope> = E & {
  /** The stream the event belongs to. */
  streamId: string;
  /** 1-based position within the stream. */
  streamVersion: number;
  /** Global position: strictly increasing across the whole log. */
  position: number;
};

/** Options for `append`. */
export interface AppendOptions {
  /** The tenant of the stream (default `'default'`); every event must carry the same tenant. */
  tenantId?: string;
  /** The stream version the caller expects before appending (`0` = new stream). Mismatch → `CONFLICT`. */
  expectedVersion?: number;
  /**
   * Makes the append idempotent: a retried append with the same key (per tenant) writes nothing
   * and returns the original result.
   */
  idempotencyKey?: string;
}

/** The result of an append. */
export interface AppendResult {
  streamId: string;
  /** Stream version after the append. */
  streamVersion: number;
  /** Global positions of the appended events. */
  firstPosition: number;
  lastPosition: number;
  /** `true` when this was a retried append answered from the idempotency record. */
  duplicate: boolean;
}

/** Options for reading one stream. */
export interface ReadStreamOptions {
  tenantId?: string;
  /** First stream version to return (1-based, default 1). */
  fromVersion?: number;
  /** Maximum number of events (default: all). */
  limit?: number;
}

/** Options for reading the whole log. */
export interface ReadAllOptions {
  /** Return events with `position > after` (default 0: from the start). */
  after?: number;
  /** Maximum number of events (default 1000). */
  limit?: number;
  /** Only this tenant's events. Omit only for system-wide projections. */
  tenantId?: string;
}

/** The event-log port: append-only streams with optimistic concurrency and a global order. */
export interface EventLog {
  readonly name: string;
  readonly capabilities: AdapterCapabilities;
  /** Appends events to a stream atomically. */
  append(streamId: string, events: readonly EventEnvelope[], options?: AppendOptions): Promise<AppendResult>;
  /** Reads a stream in version order. */
  readStream(streamId: string, options?: ReadStreamOptions): Promise<StoredEvent[]>;
  /** Reads the log in global position order. */
  readAll(options?: ReadAllOptions): Promise<StoredEvent[]>;
  /**
   * Erasure support (right to be forgotten): rewrites the payload of every event of `tenantId`
   * that `match` selects (optionally only in `streamIds`) with what `redact` returns, in place,
   * keeping ids, types and positions. Resolves with the number of events rewritten. Adapters
   * whose storage cannot rewrite omit it; callers must then fall back (e.g. crypto-shredding).
   */
  redactEvents?(
    filter: { tenantId: string; streamIds?: readonly string[]; match?: (event: StoredEvent) => boolean },
    redact: (event: StoredEvent) => unknown,
  ): Promise<number>;
  /** The current version of a stream (0 if it does not exist). */
  streamVersion(streamId: string, options?: { tenantId?: string }): Promise<number>;
  close?(): Promise<void>;
}
