import {
  type EventEnvelope,
  type MarkFailedOptions,
  type Outbox,
  type OutboxEntry,
  ThreadlineError,
  validateOutboxEvents,
} from '@threadline/core';
import { frozenCopy } from './freeze.js';

type Entry = OutboxEntry & { dead?: true };

/** A serialisable image of the memory outbox (`dead` marks dead-lettered entries). */
export interface OutboxSnapshot {
  nextSeq: number;
  entries: { seq: number; event: EventEnvelope; attempts: number; lastError?: string; dead?: true }[];
}

function checkLimit(limit: unknown): void {
  if (!Number.isInteger(limit) || (limit as number) < 1) {
    throw new ThreadlineError('VALIDATION', 'Invalid limit: expected a positive integer', {
      issues: [{ path: ['limit'], message: 'expected a positive integer', code: 'too_small' }],
    });
  }
}

function copyOf(e: Entry): OutboxEntry {
  return e.lastError === undefined
    ? { seq: e.seq, event: e.event, attempts: e.attempts }
    : { seq: e.seq, event: e.event, attempts: e.attempts, lastError: e.lastError };
}

/**
 * The in-memory outbox. Entries stay until marked published; `pending` returns them in order.
 * Inside `MemoryDocumentStore.transaction`, entries are staged and appear only on commit. An
 * entry that reaches `maxAttempts` in `markFailed` is dead-lettered: out of `pending`, listed by
 * `dead`, back in line with `retry`. `watch` calls its listeners after each commit of new entries.
 */
export class MemoryOutbox implements Outbox {
  readonly #entries = new Map<number, Entry>();
  /** Dead-lettered entries, in seq order (they keep their seq and go back into `#entries` on retry). */
  readonly #dead = new Map<number, Entry>();
  readonly #watchers = new Set<() => void>();
  #nextSeq = 1;

  /** Validates events for the outbox (throws `VALIDATION` with paths). */
  validate(events: readonly EventEnvelope[]): void {
    validateOutboxEvents(events);
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
    if (events.length > 0) this.#notify();
  }

  async pending(limit = 100): Promise<OutboxEntry[]> {
    checkLimit(limit);
    const out: OutboxEntry[] = [];
    // Map iteration follows insertion order, which is seq order (retry re-sorts, see there).
    for (const e of this.#entries.values()) {
      if (out.length >= limit) break;
      out.push(copyOf(e));
    }
    return out;
  }

  async markPublished(seqs: readonly number[]): Promise<void> {
    for (const s of seqs) this.#entries.delete(s);
  }

  async markFailed(seqs: readonly number[], error: unknown, options?: MarkFailedOptions): Promise<void> {
    const max = options?.maxAttempts;
    if (max !== undefined && (!Number.isInteger(max) || max < 1)) {
      throw new ThreadlineError('VALIDATION', 'Invalid maxAttempts: expected a positive integer', {
        issues: [{ path: ['maxAttempts'], message: 'expected a positive integer', code: 'too_small' }],
      });
    }
    const message = error instanceof Error ? error.message : String(error);
    for (const s of seqs) {
      const e = this.#entries.get(s);
      if (e) {
        e.attempts++;
        e.lastError = message;
        if (max !== undefined && e.attempts >= max) {
          this.#entries.delete(s);
          this.#dead.set(s, e);
        }
      }
    }
  }

  async dead(limit = 100): Promise<OutboxEntry[]> {
    checkLimit(limit);
    return [...this.#dead.values()]
      .sort((a, b) => a.seq - b.seq)
      .slice(0, limit)
      .map(copyOf);
  }

  async retry(seqs: readonly number[]): Promise<number> {
    let n = 0;
    for (const s of seqs) {
      const e = this.#dead.get(s);
      if (!e) continue;
      this.#dead.delete(s);
      e.attempts = 0;
      this.#entries.set(s, e);
      n++;
    }
    if (n === 0) return 0;
    // A re-queued entry goes back to its place by seq: rebuild the insertion order.
    const sorted = [...this.#entries.values()].sort((a, b) => a.seq - b.seq);
    this.#entries.clear();
    for (const e of sorted) this.#entries.set(e.seq, e);
    this.#notify();
    return n;
  }

  /** Calls `listener` (in a microtask) after each commit of new or re-queued entries. */
  async watch(listener: () => void): Promise<() => Promise<void>> {
    const own = () => listener();
    this.#watchers.add(own);
    return async () => {
      this.#watchers.delete(own);
    };
  }

  #notify(): void {
    if (this.#watchers.size === 0) return;
    queueMicrotask(() => {
      for (const w of this.#watchers) {
        try {
          w();
        } catch {
          // A wake-up is only a hint; a throwing listener must not break the write.
        }
      }
    });
  }

  /** Number of pending (unpublished, not dead-lettered) entries. */
  get size(): number {
    return this.#entries.size;
  }

  /** Number of dead-lettered entries. */
  get deadCount(): number {
    return this.#dead.size;
  }

  snapshot(): OutboxSnapshot {
    const image = (e: Entry, dead: boolean) => ({
      seq: e.seq,
      event: e.event,
      attempts: e.attempts,
      ...(e.lastError === undefined ? {} : { lastError: e.lastError }),
      ...(dead ? { dead: true as const } : {}),
    });
    return {
      nextSeq: this.#nextSeq,
      entries: [
        ...[...this.#entries.values()].map((e) => image(e, false)),
        ...[...this.#dead.values()].map((e) => image(e, true)),
      ].sort((a, b) => a.seq - b.seq),
    };
  }

  restore(snapshot: OutboxSnapshot): void {
    this.#entries.clear();
    this.#dead.clear();
    this.#nextSeq = snapshot.nextSeq;
    for (const { dead, ...e } of snapshot.entries) {
      (dead ? this.#dead : this.#entries).set(e.seq, { ...e, event: frozenCopy(e.event) });
    }
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
