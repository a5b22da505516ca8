import type { EventEnvelope } from '../events.js';

/** Writes events to the outbox (inside a transaction, alongside the documents they describe). */
export interface OutboxWriter {
  add(events: readonly EventEnvelope[]): Promise<void>;
}

/** An outbox entry waiting to be published. */
export interface OutboxEntry {
  /** Monotonic sequence number within the outbox. */
  seq: number;
  event: EventEnvelope;
  /** How many times the relay has tried to publish this entry (failed attempts recorded by `markFailed`). */
  attempts: number;
  /** The message of the last failed attempt, when there was one (optional for older adapters). */
  lastError?: string;
}

/**
 * The outbox port: events written in the same transaction as their documents, published
 * to the bus at least once by a relay, with the event id as the dedupe key.
 */
export interface Outbox extends OutboxWriter {
  /** Oldest unpublished entries, up to `limit` (default 100), in order. */
  pending(limit?: number): Promise<OutboxEntry[]>;
  /** Marks entries as published. */
  markPublished(seqs: readonly number[]): Promise<void>;
  /** Records a failed publish attempt: the entries stay pending with `attempts + 1` and `lastError`. */
  markFailed(seqs: readonly number[], error: unknown): Promise<void>;
}
