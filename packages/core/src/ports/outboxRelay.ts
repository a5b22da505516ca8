import { z } from 'zod';
import { type Clock, SystemClock, type TimerClock } from '../clock.js';
import { isThreadlineError, parseInput, ThreadlineError } from '../errors.js';
import type { EventEnvelope } from '../events.js';
import { METRICS } from '../observability/instrument.js';
import { type Logger, LoggerSchema, noopLogger } from '../observability/logger.js';
import { noopTelemetry, type Telemetry, TelemetrySchema } from '../observability/telemetry.js';
import type { Outbox, OutboxEntry } from './outbox.js';
import { validateAdapter } from './registration.js';

/** Anything events can be published to: every `EventBus`, typed or not. */
export interface EventPublisher {
  publish(events: EventEnvelope | readonly EventEnvelope[]): Promise<void>;
}

/** Retry timing of {@link OutboxRelay}: `initialMs × factor^(failures − 1)`, at most `maxMs`. */
export interface OutboxRelayBackoff {
  /** Wait after the first failure (default 100 ms). */
  initialMs?: number;
  /** Longest wait (default 60 s). */
  maxMs?: number;
  /** Growth per consecutive failure (default 2). */
  factor?: number;
}

/** Options for {@link OutboxRelay}: the outbox comes from `storage` (preferred) or `outbox`. */
export interface OutboxRelayOptions {
  /** A storage bundle (`createMemoryStorage()`, any storage adapter): its `outbox` is relayed. */
  storage?: { outbox: Outbox };
  /** The outbox to relay, when no `storage` is given. */
  outbox?: Outbox;
  bus: EventPublisher;
  /** Entries per batch (default 100). */
  batchSize?: number;
  /** Clock for backoff deadlines and `stats().lagMs`; `start()` needs its `setTimer` (default: the system clock). */
  clock?: Clock;
  /**
   * Publish attempts before an entry is dead-lettered (default 10): the outbox moves it out of
   * `pending` (see `Outbox.dead` and `Outbox.retry`) so it never blocks the rest.
   */
  maxAttempts?: number;
  backoff?: OutboxRelayBackoff;
  /** Called for each failed publish, with the events of the attempt. A throwing callback is ignored. */
  onError?: (error: unknown, context: { events: readonly EventEnvelope[] }) => void;
  /**
   * Tracing and metrics (default: none): a span per published batch, the lag of each event at
   * publish (`threadline.relay.lag`), failures (`threadline.relay.failures`) and, while started,
   * the pending count and age gauges. See `createTelemetry`.
   */
  telemetry?: Telemetry;
  /** Structured logger for failures and dead letters (default: silent). */
  logger?: Logger;
}

/** What {@link OutboxRelay.stats} reports. */
export interface OutboxRelayStats {
  /** Entries waiting as of the last poll (a lower bound when more than a batch was waiting). */
  pending: number;
  /** Entries published since the relay was created. */
  delivered: number;
  /**
   * Entries this relay dead-lettered after `maxAttempts` failed attempts: they stay in the outbox
   * (`outbox.dead()` lists them, `outbox.retry(seqs)` re-queues them) and never block the rest.
   */
  deadLettered: number;
  /** The same count as {@link OutboxRelayStats.deadLettered}. @deprecated Read `deadLettered`. */
  failed: number;
  /** Failed publish attempts that will be retried. */
  retries: number;
  /** Age by the clock of the oldest pending entry's event (`occurredAt`), 0 when none. */
  lagMs: number;
  /** Message of the latest failure. */
  lastError?: string;
}

const hasMethods =
  (...names: string[]) =>
  (v: unknown): boolean =>
    typeof v === 'object' &&
    v !== null &&
    names.every((n) => typeof (v as Record<string, unknown>)[n] === 'function');

const isObject = (v: unknown): boolean => typeof v === 'object' && v !== null;

// The outbox and the bus are adapters: their shape is checked by validateAdapter (one ADAPTER
// error naming every missing method), the rest of the options by this schema.
const OutboxRelayOptionsSchema = z
  .object({
    storage: z.custom<{ outbox: Outbox }>(isObject, 'expected a storage bundle ({ outbox })').optional(),
    outbox: z.unknown().optional(),
    bus: z.unknown(),
    batchSize: z.number().int().min(1).max(10_000).optional(),
    clock: z.custom<Clock>(hasMethods('now'), 'expected a Clock (now)').optional(),
    maxAttempts: z.number().int().min(1).optional(),
    backoff: z
      .object({
        initialMs: z.number().min(0).optional(),
        maxMs: z.number().min(0).optional(),
        factor: z.number().min(1).optional(),
      })
      .strict()
      .optional(),
    onError: z.custom<NonNullable<OutboxRelayOptions['onError']>>((v) => typeof v === 'function').optional(),
    telemetry: TelemetrySchema.optional(),
    logger: LoggerSchema.optional(),
  })
  .strict()
  .refine((o) => o.storage !== undefined || o.outbox !== undefined, {
    message: 'expected storage (a storage bundle) or outbox',
    path: ['storage'],
  });

/** {@link validateAdapter}, with the option path added to the `ADAPTER` error's issues. */
function checkAdapter<P extends 'Outbox' | 'EventPublisher'>(port: P, value: unknown, path: string[]) {
  try {
    return validateAdapter(port, value);
  } catch (error) {
    if (!isThreadlineError(error, 'ADAPTER')) throw error;
    throw new ThreadlineError(
      'ADAPTER',
      `Invalid outbox relay options: ${path.join('.')}: ${error.message}`,
      {
        cause: error,
        issues: [{ path, message: error.message, code: 'custom' }],
        details: error.details,
      },
    );
  }
}

const describe = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/**
 * Moves events from the outbox to the bus, at least once: an entry is marked published only
 * after the bus accepted it, so a crash in between republishes it (consumers dedupe by event id).
 * A failed publish is retried with exponential backoff; while entries are being retried they are
 * published one at a time, in order, so a poison entry fails alone and, after `maxAttempts`, is
 * dead-lettered by the outbox (counted in `stats().deadLettered`, listed by `outbox.dead()`,
 * re-queued by `outbox.retry(seqs)`) instead of blocking the rest. Several relays may share one
 * outbox when the adapter claims entries (PostgreSQL does, with `SKIP LOCKED`).
 *
 * @example
 * ```ts
 * const relay = createOutboxRelay({ storage, bus, clock });
 * await relay.tick(); // publishes what is due; failures are counted, never thrown
 * relay.stats(); // { pending, delivered, deadLettered, retries, lagMs }
 * ```
 */
export class OutboxRelay {
  readonly #outbox: Outbox;
  readonly #bus: EventPublisher;
  readonly #batchSize: number;
  readonly #clock: Clock;
  readonly #maxAttempts: number;
  readonly #initialMs: number;
  readonly #maxMs: number;
  readonly #factor: number;
  readonly #onError: OutboxRelayOptions['onError'];
  /** Entries this relay dead-lettered. */
  #deadLettered = 0;
  #delivered = 0;
  #retries = 0;
  #failuresInARow = 0;
  #retryAt = Number.NEGATIVE_INFINITY;
  #pending = 0;
  #oldest: number | undefined;
  #lastError: string | undefined;
  #cancelTimer: (() => void) | undefined;
  #running = false;
  #ticking = false;
  #wakeRequested = false;
  #wake: (() => void) | undefined;
  #unwatch: (() => Promise<void>) | undefined;
  /** Bumped by every start/stop, so a late `watch` result of an old start is undone. */
  #watchRun = 0;
  /** The error `relayOnce` last recorded, so `tick` does not report it twice. */
  #recorded: unknown;
  /** Entries the last poll returned. */
  #polled = 0;
  /**
   * True while the started loop drains with a working watch: a short poll then ends the drain
   * (anything committed after it wakes the loop again), saving the empty poll after every wake-up.
   */
  #stopShort = false;
  readonly #telemetry: Telemetry;
  readonly #log: Logger;
  #unobserve: (() => void) | undefined;

  /** Prefer {@link createOutboxRelay}. Bad options throw `ThreadlineError` `VALIDATION`. */
  constructor(options: OutboxRelayOptions) {
    const parsed = parseInput(OutboxRelayOptionsSchema, options, 'outbox relay options');
    this.#outbox =
      parsed.storage === undefined
        ? checkAdapter('Outbox', parsed.outbox, ['outbox'])
        : checkAdapter('Outbox', parsed.storage.outbox, ['storage', 'outbox']);
    this.#bus = checkAdapter('EventPublisher', parsed.bus, ['bus']);
    this.#batchSize = parsed.batchSize ?? 100;
    this.#clock = parsed.clock ?? new SystemClock();
    this.#maxAttempts = parsed.maxAttempts ?? 10;
    this.#initialMs = parsed.backoff?.initialMs ?? 100;
    this.#maxMs = parsed.backoff?.maxMs ?? 60_000;
    this.#factor = parsed.backoff?.factor ?? 2;
    this.#onError = parsed.onError;
    this.#telemetry = parsed.telemetry ?? noopTelemetry;
    this.#log = (parsed.logger ?? noopLogger).child({ component: 'outbox-relay' });
  }

  /**
   * Publishes one batch now, ignoring any backoff; resolves with the number published. A failed
   * publish is recorded (attempts, stats, backoff, `onError`) and rethrown.
   */
  async relayOnce(): Promise<number> {
    const batch = await this.#nextBatch();
    if (batch.length === 0) return 0;
    const seqs = batch.map((e) => e.seq);
    try {
      const events = batch.map((e) => e.event);
      if (this.#telemetry.enabled) await this.#tracedPublish(events);
      else await this.#bus.publish(events);
    } catch (error) {
      await this.#failed(batch, error);
      throw error;
    }
    await this.#outbox.markPublished(seqs);
    this.#delivered += batch.length;
    this.#pending = Math.max(0, this.#pending - batch.length);
    this.#failuresInARow = 0;
    this.#retryAt = Number.NEGATIVE_INFINITY;
    return batch.length;
  }

  /** Publishes until the outbox is empty, ignoring backoff; resolves with the total. Rethrows a failure. */
  async drain(): Promise<number> {
    let total = 0;
    for (;;) {
      const n = await this.relayOnce();
      if (n === 0) return total;
      total += n;
      // The poll found fewer than a batch and all of it went out: nothing else was waiting.
      if (this.#stopShort && this.#polled < this.#batchSize && n === this.#polled) return total;
    }
  }

  /**
   * Publishes what is due at the clock's now: everything pending, unless a failure's backoff has
   * not elapsed yet. Never throws: failures are counted, reported to `onError` and retried later
   * (see {@link nextDeadline}). Resolves with the number published.
   */
  async tick(): Promise<number> {
    if (this.#clock.now() < this.#retryAt) return 0;
    try {
      return await this.drain();
    } catch (error) {
      // A refused publish was recorded by relayOnce; an outbox that failed to read or mark was not.
      if (error !== this.#recorded) this.#report(error, []);
      return 0;
    }
  }

  /** When the next retry is due after a failure (epoch ms), or `null` when not backing off. */
  nextDeadline(): number | null {
    return this.#retryAt === Number.NEGATIVE_INFINITY ? null : this.#retryAt;
  }

  /** Delivery figures; `pending` and `lagMs` are as of the last poll. */
  stats(): OutboxRelayStats {
    return {
      pending: this.#pending,
      delivered: this.#delivered,
      deadLettered: this.#deadLettered,
      failed: this.#deadLettered,
      retries: this.#retries,
      lagMs: this.#oldest === undefined ? 0 : Math.max(0, this.#clock.now() - this.#oldest),
      ...(this.#lastError === undefined ? {} : { lastError: this.#lastError }),
    };
  }

  /**
   * Runs {@link tick} on the clock's timers: again after `intervalMs` (default 1000) when the
   * outbox is empty, at the backoff deadline after a failure. When the outbox can `watch` (the
   * PostgreSQL outbox, through `LISTEN`/`NOTIFY`; the memory outbox), a commit wakes the relay at
   * once, so delivery does not wait for the poll (unless it is backing off after a failure). Needs
   * a clock with `setTimer` (`SystemClock`); otherwise `CONFIG`. Idempotent.
   */
  start(options: { intervalMs?: number } = {}): void {
    const clock = this.#clock as Partial<TimerClock>;
    if (typeof clock.setTimer !== 'function') {
      throw new ThreadlineError('CONFIG', 'OutboxRelay.start needs a clock with setTimer (SystemClock)', {
        issues: [{ path: ['clock'], message: 'expected a TimerClock', code: 'invalid_type' }],
      });
    }
    if (this.#running) return;
    this.#running = true;
    this.#observe();
    const interval = options.intervalMs ?? 1000;
    const loop = async () => {
      this.#cancelTimer = undefined;
      if (!this.#running) return;
      this.#ticking = true;
      try {
        do {
          this.#wakeRequested = false;
          this.#stopShort = this.#unwatch !== undefined;
          await this.tick();
        } while (this.#wakeRequested && this.#running && this.nextDeadline() === null);
      } finally {
        this.#ticking = false;
        this.#stopShort = false;
      }
      if (!this.#running) return;
      const due = this.nextDeadline();
      const wait = due === null ? interval : Math.max(0, due - this.#clock.now());
      this.#cancelTimer = (clock as TimerClock).setTimer(() => void loop(), wait);
    };
    this.#wake = () => {
      if (!this.#running) return;
      // While publishing, note the call: the loop goes round once more before it sleeps.
      if (this.#ticking) {
        this.#wakeRequested = true;
        return;
      }
      // Backing off after a failure: the timer at the backoff deadline stays in charge.
      if (this.nextDeadline() !== null) return;
      this.#cancelTimer?.();
      void loop();
    };
    const watch = this.#outbox.watch;
    if (typeof watch === 'function') {
      const run = this.#watchRun + 1;
      this.#watchRun = run;
      watch
        .call(this.#outbox, () => this.#wake?.())
        .then(
          (unwatch) => {
            // Stopped (or restarted) while LISTEN was being set up: undo it at once.
            if (!this.#running || this.#watchRun !== run) void unwatch().catch(() => undefined);
            else this.#unwatch = unwatch;
          },
          // Without a wake-up the poll still delivers; the failure is reported, never thrown.
          (error: unknown) => this.#report(error, []),
        );
    }
    void loop();
  }

  /** Stops the timers armed by {@link start} and the outbox watch; resolves when listening has stopped. */
  async stop(): Promise<void> {
    this.#running = false;
    this.#unobserve?.();
    this.#unobserve = undefined;
    this.#watchRun++;
    this.#wake = undefined;
    this.#cancelTimer?.();
    this.#cancelTimer = undefined;
    const unwatch = this.#unwatch;
    this.#unwatch = undefined;
    await unwatch?.().catch((error: unknown) => this.#report(error, []));
  }

  /**
   * The next entries to publish. While the oldest entry has failed before, it goes alone (a
   * poison entry must fail by itself); otherwise the run of never-tried entries at the head.
   * Dead-lettered entries are not pending, so the outbox never hands them out.
   */
  async #nextBatch(): Promise<OutboxEntry[]> {
    const live = await this.#outbox.pending(this.#batchSize);
    this.#pending = live.length;
    this.#polled = live.length;
    this.#oldest = live[0]?.event.occurredAt;
    const head = live[0];
    if (head === undefined) return [];
    if (head.attempts > 0) return [head];
    const batch: OutboxEntry[] = [];
    for (const e of live) {
      if (e.attempts > 0) break;
      batch.push(e);
    }
    return batch;
  }

  async #failed(batch: readonly OutboxEntry[], error: unknown): Promise<void> {
    await this.#outbox.markFailed(
      batch.map((e) => e.seq),
      error,
      { maxAttempts: this.#maxAttempts },
    );
    this.#recorded = error;
    let gaveUp = false;
    const failures = this.#telemetry.counter(METRICS.relayFailures, {
      description: 'Outbox publish failures',
    });
    for (const e of batch) {
      if (e.attempts + 1 >= this.#maxAttempts) {
        this.#deadLettered++;
        gaveUp = true;
        failures.add(1, { outcome: 'dead_letter' });
        this.#log.error(
          { eventId: e.event.id, eventType: e.event.type, attempts: e.attempts + 1, err: describe(error) },
          'outbox entry dead-lettered',
        );
      } else {
        this.#retries++;
        failures.add(1, { outcome: 'retry' });
      }
    }
    this.#failuresInARow++;
    const wait = Math.min(this.#maxMs, this.#initialMs * this.#factor ** (this.#failuresInARow - 1));
    this.#retryAt = this.#clock.now() + wait;
    this.#report(
      error,
      batch.map((e) => e.event),
    );
    // The poll behind `pending` and `lagMs` still counted the entry just dead-lettered: poll
    // again (a failing read shows up on the next poll; the publish error is the one to rethrow).
    if (gaveUp) await this.#nextBatch().catch(() => undefined);
  }

  /** Publishes in a producer span and records each event's lag (its age at publish). */
  async #tracedPublish(events: EventEnvelope[]): Promise<void> {
    const telemetry = this.#telemetry;
    await telemetry.span('outbox.relay publish', () => this.#bus.publish(events), {
      kind: 'producer',
      attributes: { 'messaging.batch.message_count': events.length },
    });
    const lag = telemetry.histogram(METRICS.relayLag, {
      description: 'Age of an event when the outbox relay published it',
      unit: 'ms',
    });
    const now = this.#clock.now();
    for (const e of events) lag.record(Math.max(0, now - e.occurredAt), { 'threadline.tenant': e.tenantId });
  }

  /** While started, reports the pending count and the oldest pending entry's age as gauges. */
  #observe(): void {
    if (!this.#telemetry.enabled) return;
    const offPending = this.#telemetry.gauge(METRICS.relayPending, (report) => report(this.#pending), {
      description: 'Outbox entries pending as of the last poll',
    });
    const offAge = this.#telemetry.gauge(METRICS.relayPendingAge, (report) => report(this.stats().lagMs), {
      description: 'Age of the oldest pending outbox entry',
      unit: 'ms',
    });
    this.#unobserve = () => {
      offPending();
      offAge();
    };
  }

  #report(error: unknown, events: readonly EventEnvelope[]): void {
    this.#lastError = describe(error);
    this.#log.warn({ err: this.#lastError, events: events.length }, 'outbox relay publish failed');
    try {
      this.#onError?.(error, { events });
    } catch {
      // Nowhere left to report to; the stats hold the failure.
    }
  }
}

/**
 * Creates an {@link OutboxRelay} that publishes outbox entries to a bus, at least once, retrying
 * failures with exponential backoff and dead-lettering an entry after `maxAttempts`. An outbox or
 * bus missing methods is one `ADAPTER` error naming every one (with the option path); other bad
 * options (no outbox, a `batchSize` below 1) throw `ThreadlineError` `VALIDATION`.
 *
 * @example
 * ```ts
 * import { createMemoryStorage } from '@threadline/adapter-memory';
 * import { createInProcessEventBus, createManualClock, createOutboxRelay } from '@threadline/core';
 *
 * const relay = createOutboxRelay({
 *   storage: createMemoryStorage(),
 *   bus: createInProcessEventBus(),
 *   clock: createManualClock(0),
 * });
 * console.log(await relay.tick()); // 0: nothing pending yet
 * console.log(relay.stats()); // { pending: 0, delivered: 0, deadLettered: 0, failed: 0, retries: 0, lagMs: 0 }
 * ```
 */
export function createOutboxRelay(options: OutboxRelayOptions): OutboxRelay {
  return new OutboxRelay(options);
}
