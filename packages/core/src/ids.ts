import type { Clock } from './clock.js';
import { SystemClock } from './clock.js';
import { createRandom } from './random.js';

/** Makes unique string ids. Injected into every engine so tests are deterministic. */
export interface IdGenerator {
  /** Returns a new id; `prefix` is prepended as `prefix_...` when given. */
  next(prefix?: string): string;
}

/** Options for {@link createIdGenerator}. */
export interface IdGeneratorOptions {
  /** Clock for the time part; defaults to the system clock. */
  clock?: Clock;
  /** Seed for the random part. Omit for non-deterministic ids (uses `crypto.getRandomValues`). */
  seed?: number;
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/**
 * Creates a time-ordered id generator producing UUIDv7-formatted ids: ids made later sort later
 * (also within one millisecond, thanks to a monotonic counter). With a `seed` and a `ManualClock`
 * the sequence is fully deterministic.
 *
 * @example
 * ```ts
 * const ids = createIdGenerator({ clock: new ManualClock(0), seed: 1 });
 * ids.next(); // '00000000-0000-7000-8...'
 * ids.next('task'); // 'task_00000000-0000-7000-8...'
 * ```
 */
export function createIdGenerator(options: IdGeneratorOptions = {}): IdGenerator {
  const clock = options.clock ?? new SystemClock();
  const rng = options.seed === undefined ? undefined : createRandom(options.seed);
  const bytes = new Uint8Array(16);
  let lastMs = -1;
  let counter = 0;

  const fillRandom = (from: number) => {
    if (rng) {
      for (let i = from; i < 16; i++) bytes[i] = rng.int(256);
    } else {
      globalThis.crypto.getRandomValues(bytes.subarray(from));
    }
  };

  return {
    next(prefix?: string): string {
      let ms = Math.max(0, Math.floor(clock.now()));
      if (ms <= lastMs) {
        ms = lastMs;
        counter++;
        if (counter > 0xfff) {
          // Counter exhausted within one millisecond: borrow the next millisecond to stay ordered.
          ms = lastMs + 1;
          counter = 0;
        }
      } else {
        counter = 0;
      }
      lastMs = ms;
      fillRandom(8);
      // 48-bit big-endian timestamp.
      let t = ms;
      for (let i = 5; i >= 0; i--) {
        bytes[i] = t % 256;
        t = Math.floor(t / 256);
      }
      // Version 7 and a 12-bit monotonic counter in rand_a.
      bytes[6] = 0x70 | ((counter >>> 8) & 0x0f);
      bytes[7] = counter & 0xff;
      bytes[8] = 0x80 | ((bytes[8] ?? 0) & 0x3f);
      let s = '';
      for (let i = 0; i < 16; i++) {
        if (i === 4 || i === 6 || i === 8 || i === 10) s += '-';
        s += HEX[bytes[i] ?? 0];
      }
      return prefix ? `${prefix}_${s}` : s;
    },
  };
}

/**
 * A generator of readable sequential ids (`prefix-1`, `prefix-2`, …) for tests and examples.
 *
 * @example
 * ```ts
 * const ids = createSequentialIds();
 * ids.next('case'); // 'case-1'
 * ```
 */
export function createSequentialIds(): IdGenerator {
  const counters = new Map<string, number>();
  return {
    next(prefix = 'id'): string {
      const n = (counters.get(prefix) ?? 0) + 1;
      counters.set(prefix, n);
      return `${prefix}-${n}`;
    },
  };
}
