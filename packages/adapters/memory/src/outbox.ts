import {
  type EventEnvelope,
  EventEnvelopeSchema,
  issuesFromZod,
  type Outbox,
  type OutboxEntry,
  ThreadlineError,
  validationError,
} from '@threadline/core';
import { frozenCopy } from './freeze.js';

type Entry = OutboxEntry;

/** A serialisable image of the memory outbox. */
export interface OutboxSnapshot {
  nextSeq: number;
  entries: { seq: number; event: EventEnvelope; attempts: number; lastError?: string }[];
}

/**
 * The in-memory outbox. Entries stay until marked published; `pending` returns them in order.
 * Inside `MemoryDocumentStore.transaction`, entries are staged and appear only on commit.
 */
export class MemoryOutbox implements Outbox {
  readonly #entries = new Map<number, Entry>();
  #nextSeq = 1;

  /** Validates events for the outbox (throws `VALIDATION` with paths). */
  validate(events: readonly EventEnvelope[]): void {
    if (!Array.isArray(events)) {
      throw new ThreadlineError('VALIDATION', 'Invalid events: expected an array', {
        issues: [{ path: ['events'], message: 'expected an array', code: 'invalid_type' }],
      });
    }
    const issues = events.flatMap((e, i) => {
      const r = EventEnvelopeSchema.safeParse(e);
      return r.success ? [] : issuesFromZod(r.error.issues, ['events', i]);
    });
    if (issues.length > 0) throw validationError('outbox events', issues);
  }

  async add(events: readonly EventEnvelope[]): Promise<void> {
    this.validate(events);
    this.addSync(events);
  }

  /** Appends already-validated events (used by committed transactions). */
  addSync(events: readonly EventEnvelope[]): void {
    for (const event of events) {
      const seq = this.#nextSeq++;
      this.#entries.set(seq, { seq, event: frozenCopy(event), attempts: 0 });
    }
  }

  async pending(limit = 100): Promise<OutboxEntry[]> {
    if (!Number.isInteger(limit) || limit < 1) {
      throw new ThreadlineError('VALIDATION', 'Invalid limit: expected a positive integer', {
        issues: [{ path: ['limit'], message: 'expected a positive integer', code: 'too_small' }],
      });
    }
    const out: OutboxEntry[] = [];
    // Map iteration follows insertion order, which is seq order.
    for (const e of this.#entries.values()) {
      if (out.length >= limit) break;
      out.push(
        e.lastError === undefined
          ? { seq: e.seq, event: e.event, attempts: e.attempts }
          : { seq: e.seq, event: e.event, attempts: e.attempts, lastError: e.lastError },
      );
    }
    return out;
  }

  async markPublished(seqs: readonly number[]): Promise<void> {
    for (const s of seqs) this.#entries.delete(s);
  }

  async markFailed(seqs: readonly number[], error: unknown): Promise<void> {
    const message = error instanceof Error ? error.message : String(error);
    for (const s of seqs) {
      const e = this.#entries.get(s);
      if (e) {
        e.attempts++;
        e.lastError = message;
      }
    }
  }

  /** Number of unpublished entries. */
  get size(): number {
    return this.#entries.size;
  }

  snapshot(): OutboxSnapshot {
    return {
      nextSeq: this.#nextSeq,
      entries: [...this.#entries.values()].map((e) => ({
        seq: e.seq,
        event: e.event,
        attempts: e.attempts,
        ...(e.lastError === undefined ? {} : { lastError: e.lastError }),
      })),
    };
  }

  restore(snapshot: OutboxSnapshot): void {
    this.#entries.clear();
    this.#nextSeq = snapshot.nextSeq;
    for (const e of snapshot.entries) this.#entries.set(e.seq, { ...e, event: frozenCopy(e.event) });
  }
}

/**
 * Creates an in-memory outbox.
 *
 * @example
 * ```ts
 * const outbox = createMemoryOutbox();
 * await outbox.add([event]);
 * await createOutboxRelay({ outbox, bus }).drain();
 * ```
 */
export function createMemoryOutbox(): MemoryOutbox {
  return new MemoryOutbox();
}
