import { DAY_MS, daysFromCivil } from './civil.js';

const HOUR_MS = 3_600_000;
/** Widest distance between a wall-clock time and its instant (UTC offsets stay within ±18 h). */
const MAX_OFFSET_MS = 18 * HOUR_MS;

/** Offsets of one UTC day: `offsetBefore` until `transition`, `offsetAfter` from it on. */
interface UtcDayOffsets {
  readonly offsetBefore: number;
  readonly transition: number;
  readonly offsetAfter: number;
}

/**
 * Time-zone arithmetic for one IANA zone, built on `Intl.DateTimeFormat`.
 *
 * Offsets are looked up once per UTC day and cached; a day whose offset changes is searched to
 * the second for its transition instant, so every later lookup is a map hit and a comparison.
 */
export class ZoneRules {
  /** The IANA zone name. */
  readonly name: string;
  readonly #format: Intl.DateTimeFormat;
  readonly #days = new Map<number, UtcDayOffsets>();

  /** Throws a `RangeError` when the zone is unknown to the runtime. */
  constructor(name: string) {
    this.#format = new Intl.DateTimeFormat('en-US', {
      timeZone: name,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    this.name = this.#format.resolvedOptions().timeZone;
  }

  /** UTC offset in milliseconds (wall clock minus UTC) in force at instant `ms`. */
  offsetAt(ms: number): number {
    const key = Math.floor(ms / DAY_MS);
    let day = this.#days.get(key);
    if (day === undefined) {
      day = this.#computeDay(key);
      this.#days.set(key, day);
    }
    return ms < day.transition ? day.offsetBefore : day.offsetAfter;
  }

  /** Wall-clock time of instant `ms`, expressed as milliseconds on a UTC-like local axis. */
  wallTime(ms: number): number {
    return ms + this.offsetAt(ms);
  }

  /**
   * The instant at which the wall clock shows `local` (milliseconds on the local axis).
   * A time skipped by a forward transition moves later by the length of the gap (one hour for
   * ordinary daylight saving); a time that occurs twice takes its first occurrence.
   */
  toInstant(local: number): number {
    const before = this.offsetAt(local - MAX_OFFSET_MS);
    const middle = this.offsetAt(local);
    const after = this.offsetAt(local + MAX_OFFSET_MS);
    let best = Number.POSITIVE_INFINITY;
    for (const offset of [before, middle, after]) {
      const candidate = local - offset;
      if (candidate < best && this.offsetAt(candidate) === offset) best = candidate;
    }
    if (best !== Number.POSITIVE_INFINITY) return best;
    // Inside a gap: read the wall time with the offset in force before the transition.
    return local - before;
  }

  #rawOffset(ms: number): number {
    const seconds = Math.floor(ms / 1000) * 1000;
    let year = 0;
    let month = 0;
    let day = 0;
    let hour = 0;
    let minute = 0;
    let second = 0;
    for (const part of this.#format.formatToParts(seconds)) {
      switch (part.type) {
        case 'year':
          year = Number(part.value);
          break;
        case 'month':
          month = Number(part.value);
          break;
        case 'day':
          day = Number(part.value);
          break;
        case 'hour':
          hour = Number(part.value);
          break;
        case 'minute':
          minute = Number(part.value);
          break;
        case 'second':
          second = Number(part.value);
          break;
      }
    }
    const wall = daysFromCivil(year, month, day) * DAY_MS + hour * HOUR_MS + minute * 60_000 + second * 1000;
    return wall - seconds;
  }

  #computeDay(key: number): UtcDayOffsets {
    const start = key * DAY_MS;
    const end = start + DAY_MS;
    const offsetBefore = this.#rawOffset(start);
    const offsetAfter = this.#rawOffset(end);
    if (offsetBefore === offsetAfter) {
      return { offsetBefore, transition: Number.POSITIVE_INFINITY, offsetAfter };
    }
    // Transitions happen on whole seconds: binary-search the first second with the new offset.
    let lo = start; // has offsetBefore
    let hi = end; // has offsetAfter
    while (hi - lo > 1000) {
      const mid = lo + Math.floor((hi - lo) / 2000) * 1000;
      if (this.#rawOffset(mid) === offsetBefore) lo = mid;
      else hi = mid;
    }
    return { offsetBefore, transition: hi, offsetAfter };
  }
}

/** Whether the runtime knows an IANA zone name. */
export function isKnownTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}
