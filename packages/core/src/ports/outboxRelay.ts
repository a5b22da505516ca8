import { z } from 'zod';
import { parseInput } from '../errors.js';
import type { EventEnvelope } from '../events.js';
import type { Outbox } from './outbox.js';

/** Anything events can be published to: every `EventBus`, typed or not. */
export interface EventPublisher {
  publish(events: EventEnvelope | readonly EventEnvelope[]): Promise<void>;
}

/** Options for {@link OutboxRelay}. */
export interface OutboxRelayOptions {
  outbox: Outbox;
  bus: EventPublisher;
  /** Entries per batch (default 100). */
  batchSize?: number;
}

const hasMethods =
  (...names: string[]) =>
  (v: unknown): boolean =>
    typeof v === 'object' &&
    v !== null &&
    names.every((n) => typeof (v as Record<string, unknown>)[n] === 'function');

const OutboxRelayOptionsSchema = z
  .object({
    outbox: z.custom<Outbox>(
      hasMethods('pending', 'markPublished', 'markFailed'),
      'expected an Outbox (pending, markPublished, markFailed)',
    ),
    bus: z.custom<EventPublisher>(hasMethods('publish'), 'expected an event bus (publish)'),
    batchSize: z.number().int().min(1).max(10_000).optional(),
  })
  .strict();

/**
 * Moves events from the outbox to the bus, at least once: an entry is marked published only
 * after the bus accepted it, so a crash in between republishes it (consumers dedupe by event id).
 *
 * @example
 * ```ts
 * const relay = createOutboxRelay({ outbox: storage.outbox, bus });
 * await relay.drain(); // publishes everything pending
 * ```
 */
export class OutboxRelay {
  readonly #outbox: Outbox;
  readonly #bus: EventPublisher;
  readonly #batchSize: number;

  /** Prefer {@link createOutboxRelay}. Bad options throw `ThreadlineError` `VALIDATION`. */
  constructor(options: OutboxRelayOptions) {
    const parsed = parseInput(OutboxRelayOptionsSchema, options, 'outbox relay options');
    this.#outbox = parsed.outbox;
    this.#bus = parsed.bus;
    this.#batchSize = parsed.batchSize ?? 100;
  }

  /** Publishes one batch; resolves with the number published. A failed batch is recorded and rethrown. */
  async relayOnce(): Promise<number> {
    const entries = await this.#outbox.pending(this.#batchSize);
    if (entries.length === 0) return 0;
    const seqs = entries.map((e) => e.seq);
    try {
      await this.#bus.publish(entries.map((e) => e.event));
    } catch (error) {
      await this.#outbox.markFailed(seqs, error);
      throw error;
    }
    await this.#outbox.markPublished(seqs);
    return entries.length;
  }

  /** Publishes until the outbox is empty; resolves with the total published. */
  async drain(): Promise<number> {
    let total = 0;
    for (;;) {
      const n = await this.relayOnce();
      if (n === 0) return total;
      total += n;
    }
  }
}

/**
 * Creates an {@link OutboxRelay} that publishes outbox entries to a bus, at least once. Bad options
 * (a missing outbox method, a `batchSize` below 1) throw `ThreadlineError` `VALIDATION`.
 *
 * @example
 * ```ts
 * import { createMemoryOutbox } from '@threadline/adapter-memory';
 * import { createInProcessEventBus, createOutboxRelay } from '@threadline/core';
 *
 * const relay = createOutboxRelay({ outbox: createMemoryOutbox(), bus: createInProcessEventBus(), batchSize: 50 });
 * console.log(await relay.drain()); // 0: nothing pending yet
 * ```
 */
export function createOutboxRelay(options: OutboxRelayOptions): OutboxRelay {
  return new OutboxRelay(options);
}
