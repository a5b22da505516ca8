import type { EventEnvelope } from '../events.js';

/** Writes events to the outbox (inside a transaction, alongside the documents they describe). */
export interface OutboxWriter {
  add(events: readonly EventEnvelope[]): Promise<void>;
}

/** An outbox entry waiting to be published (or, from {@link Outbox.dead}, given up). */
export interface OutboxEntry {
  /** Monotonic sequence number within the outbox. */
  seq: number;
  event: EventEnvelope;
  /** How many times the relay has tried to publish this entry (failed attempts recorded by `markFailed`). */
  attempts: number;
  /** The message of the last failed attempt, when there was one (optional for older adapters). */
  lastError?: string;
}

/** Options of {@link Outbox.markFailed}. */
export interface MarkFailedOptions {
  /**
   * Dead-letters the entries whose attempt count, this one included, reaches `maxAttempts`: they
   * leave `pending` (no relay claims them again) and are listed by {@link Outbox.dead} until the
   * host re-queues them with {@link Outbox.retry}. Without it, entries stay pending however often
   * they fail.
   */
  maxAttempts?: number;
}

/**
 * The outbox port: events written in the same transaction as their documents, published
 * to the bus at least once by a relay, with the event id as the dedupe key. Entries that failed
 * `maxAttempts` times are dead-lettered: kept, never claimed again, listed by `dead` and put back
 * by `retry`.
 */
export interface Outbox extends OutboxWriter {
  /** Oldest unpublished, not dead-lettered entries, up to `limit` (default 100), in order. */
  pending(limit?: number): Promise<OutboxEntry[]>;
  /** Marks entries as published. */
  markPublished(seqs: readonly number[]): Promise<void>;
  /**
   * Records a failed publish attempt: the entries get `attempts + 1` and `lastError`; they stay
   * pending, unless `options.maxAttempts` is reached, which dead-letters them.
   */
  markFailed(seqs: readonly number[], error: unknown, options?: MarkFailedOptions): Promise<void>;
  /** Dead-lettered entries, oldest first, up to `limit` (default 100), with their attempts and last error. */
  dead(limit?: number): Promise<OutboxEntry[]>;
  /**
   * Puts dead-lettered entries back in line: pending again, with `attempts` reset to 0 (the last
   * error is kept until the next attempt). Seqs that are not dead-lettered are ignored. Resolves
   * with the number of entries re-queued.
   */
  retry(seqs: readonly number[]): Promise<number>;
  /**
   * Optional wake-up: calls `listener` soon after entries are added (or re-queued) and committed,
   * so a started relay publishes at once instead of at its next poll (PostgreSQL: `LISTEN`/
   * `NOTIFY`). Resolves with a function that stops listening. A listener call is only a hint;
   * `pending` stays the truth.
   */
  watch?(listener: () => void): Promise<() => Promise<void>>;
  /**
   * Erasure support, for outboxes that keep entries after they are published (PostgreSQL keeps
   * the rows): rewrites in place the payload of every event of `tenantId` that `match` selects,
   * in any entry (pending, published or dead), with what `redact` returns; seqs, order and
   * statuses stay. Resolves with the number of events rewritten. Without it, erasure replaces
   * matching pending entries by copies (see the erasure service).
   */
  redactEvents?(
    filter: { tenantId: string; match: (event: EventEnvelope) => boolean },
    redact: (event: EventEnvelope) => unknown,
  ): Promise<number>;
}
