import { ThreadlineError } from './errors.js';

/** An instant given by a caller: a `Date` or epoch milliseconds. */
export type Instant = Date | number;

/**
 * The time port. Engines never read `Date.now()` themselves; they ask their clock.
 * `now()` returns epoch milliseconds.
 */
export interface Clock {
  /** Current time in epoch milliseconds. */
  now(): number;
}

/** A clock that can also drive real timers (used by the {@link Scheduler}). */
export interface TimerClock extends Clock {
  /** Schedules `fn` after `ms` real milliseconds; returns a cancel function. */
  setTimer(fn: () => void, ms: number): () => void;
}

/**
 * Converts a `Date | number` into epoch milliseconds, rejecting invalid values.
 *
 * @example
 * ```ts
 * toMillis(new Date('2026-01-01T00:00:00Z')); // 1767225600000
 * ```
 */
export function toMillis(at: Instant, field = 'at'): number {
  const ms = at instanceof Date ? at.getTime() : at;
  if (typeof ms !== 'number' || !Number.isFinite(ms)) {
    throw new ThreadlineError(
      'VALIDATION',
      `Invalid instant for ${field}: expected a valid Date or epoch milliseconds`,
      {
        issues: [
          {
            path: [field],
            message: 'expected a valid Date or finite epoch milliseconds',
            code: 'invalid_instant',
          },
        ],
      },
    );
  }
  return ms;
}

/**
 * The real wall clock.
 *
 * @example
 * ```ts
 * const clock = createSystemClock();
 * clock.now();
 * ```
 */
export class SystemClock implements TimerClock {
  now(): number {
    return Date.now();
  }

  setTimer(fn: () => void, ms: number): () => void {
    const handle = setTimeout(fn, Math.max(0, ms));
    // A pending deadline must not keep a process alive on its own.
    if (typeof handle === 'object' && handle !== null && 'unref' in handle) handle.unref();
    return () => clearTimeout(handle);
  }
}

/**
 * A clock moved by hand, for tests and simulations.
 *
 * @example
 * ```ts
 * const clock = createManualClock(Date.UTC(2026, 0, 5, 9));
 * clock.advance(60_000);
 * clock.now(); // 09:01 UTC
 * ```
 */
export class ManualClock implements Clock {
  #now: number;
  readonly #listeners = new Set<(now: number) => void>();

  constructor(start: Instant = 0) {
    this.#now = toMillis(start, 'start');
  }

  now(): number {
    return this.#now;
  }

  /** Sets the time. Moving backwards is rejected: engines rely on monotonic time. */
  set(at: Instant): void {
    const ms = toMillis(at);
    if (ms < this.#now) {
      throw new ThreadlineError('VALIDATION', `ManualClock cannot move backwards (${ms} < ${this.#now})`, {
        issues: [{ path: ['at'], message: 'must not be before the current time', code: 'too_small' }],
      });
    }
    this.#now = ms;
    for (const listener of this.#listeners) listener(ms);
  }

  /** Moves the time forward by `ms` milliseconds. */
  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) {
      throw new ThreadlineError(
        'VALIDATION',
        `ManualClock.advance needs a non-negative number of milliseconds`,
        {
          issues: [{ path: ['ms'], message: 'must be a finite number >= 0', code: 'too_small' }],
        },
      );
    }
    this.set(this.#now + ms);
  }

  /** Subscribes to time changes; returns the unsubscribe function. */
  onChange(listener: (now: number) => void): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }
}

/**
 * Creates a clock moved by hand (see {@link ManualClock}), starting at `start` (default 0).
 *
 * @example
 * ```ts
 * import { createManualClock } from '@threadline/core';
 *
 * const clock = createManualClock(Date.UTC(2026, 0, 5, 9));
 * clock.advance(60_000);
 * console.log(new Date(clock.now()).toISOString()); // '2026-01-05T09:01:00.000Z'
 * ```
 */
export function createManualClock(start: Instant = 0): ManualClock {
  return new ManualClock(start);
}

/**
 * Creates the real wall clock (see {@link SystemClock}); its timers do not keep a process alive.
 *
 * @example
 * ```ts
 * import { createSystemClock } from '@threadline/core';
 *
 * const clock = createSystemClock();
 * console.log(clock.now() > 0); // true
 * ```
 */
export function createSystemClock(): SystemClock {
  return new SystemClock();
}
