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

/**
 * Moves events from the outbox to the bus, at least once: an entry is marked published only
 * after the bus accepted it, so a crash in between republishes it (consumers dedupe by event id).
 *
 * @example
 * ```ts
 * const relay = new OutboxRelay({ outbox: store.outbox, bus });
 * await relay.drain(); // publishes everything pending
 * ```
 */
export class OutboxRelay {
  readonly #outbox: Outbox;
  readonly #bus: EventPublisher;
  readonly #batchSize: number;

  constructor(options: OutboxRelayOptions) {
    this.#outbox = options.outbox;
    this.#bus = options.bus;
    this.#batchSize = options.batchSize ?? 100;
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
