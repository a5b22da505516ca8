import type { Clock, Instant, TimerClock } from './clock.js';
import { ManualClock, toMillis } from './clock.js';
import { ThreadlineError } from './errors.js';

/**
 * Anything with deadlines kept as data: the routing engine, the case engine, journeys.
 * `nextDeadline()` returns the earliest instant at which it has work (epoch ms), or
 * `null`/`undefined` when it has none; `advanceTo(now)` does all work due at or before `now`.
 */
export interface Schedulable {
  nextDeadline(): number | null | undefined;
  advanceTo(now: number): void | Promise<void>;
}

/** Options for {@link Scheduler}. */
export interface SchedulerOptions {
  /** The clock to follow. A `ManualClock` is stepped by hand; any clock with `setTimer` runs on real timers. */
  clock: Clock;
  /** Longest real sleep between polls when targets give no deadline (ms). Default 1000. */
  maxSleepMs?: number;
  /** Called when a target's `advanceTo` throws. Default: rethrow on the next `tick()`. */
  onError?: (error: unknown, target: Schedulable) => void;
}

/** Passes of one tick at most (targets handing each other work at one instant). */
const MAX_PASSES = 10_000;

/**
 * Drives {@link Schedulable} engines from a clock.
 *
 * With a `ManualClock`, time moves only when you say so: `runUntil(t)` steps through every
 * deadline up to `t` in order, setting the clock to each one, so events carry their exact due
 * instants. With a real clock, `start()` arms a timer for the earliest deadline.
 *
 * @example
 * ```ts
 * const clock = new ManualClock(0);
 * const scheduler = new Scheduler({ clock });
 * scheduler.add(caseEngine);
 * await scheduler.runUntil(clock.now() + 3_600_000); // fires every breach in the next hour
 * ```
 */
export class Scheduler {
  readonly #clock: Clock;
  readonly #targets = new Set<Schedulable>();
  readonly #maxSleepMs: number;
  readonly #onError: ((error: unknown, target: Schedulable) => void) | undefined;
  #cancelTimer: (() => void) | undefined;
  #running = false;
  #ticking: Promise<void> | undefined;
  readonly #failures: unknown[] = [];

  constructor(options: SchedulerOptions) {
    this.#clock = options.clock;
    this.#maxSleepMs = options.maxSleepMs ?? 1000;
    this.#onError = options.onError;
  }

  /** Adds a target; returns a function that removes it. */
  add(target: Schedulable): () => void {
    this.#targets.add(target);
    this.poke();
    return () => {
      this.#targets.delete(target);
    };
  }

  /** The earliest deadline over all targets, or `undefined`. */
  nextDeadline(): number | undefined {
    let min: number | undefined;
    for (const t of this.#targets) {
      const d = t.nextDeadline();
      if (d !== null && d !== undefined && (min === undefined || d < min)) min = d;
    }
    return min;
  }

  /**
   * Runs every target's due work at the clock's current time. Work one target gives another at
   * the same instant (a routing offer that opens a case, say) runs in the same tick, whatever the
   * order the targets were added in: passes repeat until no target is due. A target still due
   * right after its own `advanceTo(now)` is broken (it would spin forever): `INTERNAL` error.
   */
  async tick(): Promise<void> {
    const now = this.#clock.now();
    const errors: unknown[] = [];
    const failed = new Set<Schedulable>();
    for (let pass = 0; pass < MAX_PASSES; pass++) {
      let ran = false;
      for (const t of [...this.#targets]) {
        if (failed.has(t)) continue;
        const d = t.nextDeadline();
        if (d === null || d === undefined || d > now) continue;
        ran = true;
        try {
          await t.advanceTo(now);
        } catch (error) {
          failed.add(t);
          if (this.#onError) this.#onError(error, t);
          else errors.push(error);
          continue;
        }
        const after = t.nextDeadline();
        if (after !== null && after !== undefined && after <= now) {
          throw new ThreadlineError('INTERNAL', `Scheduler: a target did not consume its deadline ${after}`, {
            details: { now, deadline: after },
          });
        }
      }
      if (!ran) break;
    }
    if (errors.length > 0) {
      throw new ThreadlineError('INTERNAL', `Scheduler: ${errors.length} target(s) failed in advanceTo`, {
        cause: errors[0],
        details: { errors },
      });
    }
  }

  /**
   * Steps a `ManualClock` forward through every deadline up to `until`, in time order, then
   * sets the clock to `until`. Deterministic: the same targets and inputs fire the same work.
   */
  async runUntil(until: Instant): Promise<void> {
    const clock = this.#clock;
    if (!(clock instanceof ManualClock)) {
      throw new ThreadlineError(
        'UNSUPPORTED',
        'Scheduler.runUntil needs a ManualClock; use start() with a real clock',
      );
    }
    const end = toMillis(until, 'until');
    // Bounded so that a target whose deadline never moves cannot spin forever.
    for (let guard = 0; guard < 10_000_000; guard++) {
      const d = this.nextDeadline();
      if (d === undefined || d > end) break;
      if (d > clock.now()) clock.set(d);
      await this.tick();
    }
    if (end > clock.now()) clock.set(end);
    await this.tick();
  }

  /** Starts real-time driving (needs a clock with `setTimer`, such as `SystemClock`). */
  start(): void {
    if (!('setTimer' in this.#clock)) {
      throw new ThreadlineError(
        'UNSUPPORTED',
        'Scheduler.start needs a clock with setTimer (e.g. SystemClock); drive a ManualClock with runUntil',
      );
    }
    this.#running = true;
    this.#arm();
  }

  /** Stops real-time driving. */
  stop(): void {
    this.#running = false;
    this.#cancelTimer?.();
    this.#cancelTimer = undefined;
  }

  /**
   * Returns and clears the failures of timer-driven ticks (only collected when no `onError` is
   * given; with `onError` every failure goes there instead).
   */
  takeFailures(): unknown[] {
    return this.#failures.splice(0);
  }

  /** Tells the scheduler a target's deadline may have changed (re-arms the timer). */
  poke(): void {
    if (this.#running) this.#arm();
  }

  #arm(): void {
    this.#cancelTimer?.();
    const clock = this.#clock as TimerClock;
    const d = this.nextDeadline();
    const wait =
      d === undefined ? this.#maxSleepMs : Math.min(this.#maxSleepMs, Math.max(0, d - clock.now()));
    this.#cancelTimer = clock.setTimer(() => {
      this.#cancelTimer = undefined;
      if (this.#ticking) return;
      this.#ticking = this.tick()
        .catch((error: unknown) => {
          // A timer has no caller to throw to: keep the failure until someone asks for it.
          this.#failures.push(error);
        })
        .finally(() => {
          this.#ticking = undefined;
          if (this.#running) this.#arm();
        });
    }, wait);
  }
}
