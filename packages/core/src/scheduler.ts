import { z } from 'zod';
import type { Clock, Instant, TimerClock } from './clock.js';
import { ManualClock, toMillis } from './clock.js';
import { parseInput, ThreadlineError } from './errors.js';

/**
 * Anything with deadlines kept as data: the routing engine, the case engine, journeys.
 * `nextDeadline()` returns the earliest instant at which it has work (epoch ms), or `null` when it
 * has none (`undefined` is accepted too). `advanceTo(now)` is synchronous: it does all work due at
 * or before `now`, in deadline order, and delivers results through its own events or subscribers.
 *
 * A user target whose `advanceTo` returns a promise is tolerated by the asynchronous drivers
 * ({@link Scheduler.tick}, {@link Scheduler.runUntil}, real timers), which wait for it before the
 * next target runs; the synchronous {@link Scheduler.advanceTo} refuses it with `UNSUPPORTED`.
 */
export interface Schedulable {
  nextDeadline(): number | null | undefined;
  advanceTo(now: number): void;
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

const SchedulerOptionsSchema = z
  .object({
    clock: z.custom<Clock>(
      (v) => typeof v === 'object' && v !== null && typeof (v as Clock).now === 'function',
      'expected a Clock (an object with now())',
    ),
    maxSleepMs: z.number().positive().finite().optional(),
    onError: z
      .custom<(error: unknown, target: Schedulable) => void>(
        (v) => typeof v === 'function',
        'expected a function',
      )
      .optional(),
  })
  .strict();

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as PromiseLike<unknown>).then === 'function'
  );
}

/**
 * Drives {@link Schedulable} engines from a clock.
 *
 * With a `ManualClock`, time moves only when you say so: `advanceTo(t)` (synchronous) or
 * `runUntil(t)` (waits for targets that return promises) steps through every deadline up to `t`
 * in order, setting the clock to each one, so events carry their exact due instants. With a real
 * clock, `start()` arms a timer for the earliest deadline. Create one with {@link createScheduler}.
 *
 * @example
 * ```ts
 * const clock = createManualClock(0);
 * const scheduler = createScheduler({ clock });
 * scheduler.add(caseEngine);
 * scheduler.advanceTo(clock.now() + 3_600_000); // fires every breach in the next hour
 * ```
 */
export class Scheduler {
  readonly #clock: Clock;
  readonly #targets = new Set<Schedulable>();
  /** The targets as an array, replaced (never mutated) on add/remove: a tick's pass iterates the array it started with. */
  #targetList: readonly Schedulable[] = [];
  readonly #maxSleepMs: number;
  readonly #onError: ((error: unknown, target: Schedulable) => void) | undefined;
  #cancelTimer: (() => void) | undefined;
  #running = false;
  #ticking: Promise<void> | undefined;
  readonly #failures: unknown[] = [];

  /** Prefer {@link createScheduler}. Bad options throw `ThreadlineError` `VALIDATION`. */
  constructor(options: SchedulerOptions) {
    const parsed = parseInput(SchedulerOptionsSchema, options, 'scheduler options');
    this.#clock = parsed.clock;
    this.#maxSleepMs = parsed.maxSleepMs ?? 1000;
    this.#onError = parsed.onError;
  }

  /** Adds a target; returns a function that removes it. */
  add(target: Schedulable): () => void {
    this.#targets.add(target);
    this.#targetList = [...this.#targets];
    this.poke();
    return () => {
      if (this.#targets.delete(target)) this.#targetList = [...this.#targets];
    };
  }

  /** The earliest deadline over all targets, or `null` when none has work. */
  nextDeadline(): number | null {
    let min: number | null = null;
    for (const t of this.#targetList) {
      const d = t.nextDeadline();
      if (d !== null && d !== undefined && (min === null || d < min)) min = d;
    }
    return min;
  }

  /**
   * Runs every target's due work at the clock's current time. Work one target gives another at
   * the same instant (a routing offer that opens a case, say) runs in the same tick, whatever the
   * order the targets were added in: passes repeat until no target is due. A target still due
   * right after its own `advanceTo(now)` is broken (it would spin forever): `INTERNAL` error.
   * A target that returns a promise is waited for before the next one runs.
   */
  async tick(): Promise<void> {
    const steps = this.#steps(this.#clock.now());
    for (let step = steps.next(); !step.done; ) {
      try {
        await step.value;
        step = steps.next();
      } catch (error) {
        step = steps.throw(error);
      }
    }
  }

  /**
   * Synchronously steps a `ManualClock` through every deadline up to `now`, in deadline order
   * (the clock is set to each one, so events carry their due instants), then sets it to `now`.
   * A `now` earlier than the clock is a no-op. Results reach callers through the targets' own
   * events; a target whose `advanceTo` returns a promise is refused with `UNSUPPORTED` (use
   * {@link Scheduler.runUntil} for those).
   */
  advanceTo(now: Instant): void {
    const end = toMillis(now, 'now');
    const clock = this.#manualClock('advanceTo');
    if (end < clock.now()) return;
    for (let guard = 0; guard < 10_000_000; guard++) {
      const d = this.nextDeadline();
      if (d === null || d > end) break;
      if (d > clock.now()) clock.set(d);
      this.#tickSync();
    }
    if (end > clock.now()) clock.set(end);
    this.#tickSync();
  }

  #tickSync(): void {
    const steps = this.#steps(this.#clock.now());
    const step = steps.next();
    if (step.done) return;
    // Nobody will wait for this promise: keep its rejection from becoming an unhandled one.
    Promise.resolve(step.value).then(undefined, () => {});
    steps.return();
    throw new ThreadlineError(
      'UNSUPPORTED',
      'Scheduler.advanceTo: a target returned a promise from advanceTo; drive async targets with runUntil',
    );
  }

  // One tick as a sequence of steps: it yields a target's promise when `advanceTo` returns one,
  // so the async driver can wait for it and the sync driver can refuse it, with one algorithm.
  *#steps(now: number): Generator<PromiseLike<unknown>, void, void> {
    // Allocated on the first failure only: a tick runs for every deadline of a simulated day.
    let errors: unknown[] | undefined;
    let failed: Set<Schedulable> | undefined;
    for (let pass = 0; pass < MAX_PASSES; pass++) {
      let ran = false;
      for (const t of this.#targetList) {
        if (failed?.has(t)) continue;
        const d = t.nextDeadline();
        if (d === null || d === undefined || d > now) continue;
        ran = true;
        try {
          const result: unknown = t.advanceTo(now);
          if (isThenable(result)) yield result;
        } catch (error) {
          (failed ??= new Set()).add(t);
          if (this.#onError) this.#onError(error, t);
          else (errors ??= []).push(error);
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
    if (errors !== undefined) {
      throw new ThreadlineError('INTERNAL', `Scheduler: ${errors.length} target(s) failed in advanceTo`, {
        cause: errors[0],
        details: { errors },
      });
    }
  }

  #manualClock(method: string): ManualClock {
    const clock = this.#clock;
    if (!(clock instanceof ManualClock)) {
      throw new ThreadlineError(
        'UNSUPPORTED',
        `Scheduler.${method} needs a ManualClock; use start() with a real clock`,
      );
    }
    return clock;
  }

  /**
   * Steps a `ManualClock` forward through every deadline up to `until`, in time order, then
   * sets the clock to `until`. Deterministic: the same targets and inputs fire the same work.
   */
  async runUntil(until: Instant): Promise<void> {
    const clock = this.#manualClock('runUntil');
    const end = toMillis(until, 'until');
    // Bounded so that a target whose deadline never moves cannot spin forever.
    for (let guard = 0; guard < 10_000_000; guard++) {
      const d = this.nextDeadline();
      if (d === null || d > end) break;
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
    const wait = d === null ? this.#maxSleepMs : Math.min(this.#maxSleepMs, Math.max(0, d - clock.now()));
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

/**
 * Creates a {@link Scheduler} that drives {@link Schedulable} engines from `clock`. Bad options
 * throw `ThreadlineError` `VALIDATION` naming the field.
 *
 * @example
 * ```ts
 * import { createManualClock, createScheduler } from '@threadline/core';
 *
 * const clock = createManualClock(0);
 * const scheduler = createScheduler({ clock });
 * const fired: number[] = [];
 * const due = [1_000, 5_000];
 * scheduler.add({
 *   nextDeadline: () => due[0] ?? null,
 *   advanceTo(now) {
 *     while (due[0] !== undefined && due[0] <= now) fired.push(due.shift() ?? 0);
 *   },
 * });
 * scheduler.advanceTo(2_000);
 * console.log(fired, clock.now()); // [1000] 2000
 * ```
 */
export function createScheduler(options: SchedulerOptions): Scheduler {
  return new Scheduler(options);
}
