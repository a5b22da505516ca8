import { ThreadlineError } from '../errors.js';
import { DAY_MS, daysFromCivil } from './civil.js';

const HOUR_MS = 3_600_000;
const FORMAT_RE = /^(\d{1,2})\/(\d{1,2})\/(\d{4}),? (\d{2}):(\d{2}):(\d{2})$/;
const shared = new Map<string, ZoneRules>();
/** Widest distance between a wall-clock time and its instant (UTC offsets stay within ±18 h). */
const MAX_OFFSET_MS = 18 * HOUR_MS;

/** Offsets of one UTC day: `offsetBefore` until `transition`, `offsetAfter` from it on. */
interface UtcDayOffsets {
  readonly offsetBefore: number;
  readonly transition: number;
  readonly offsetAfter: number;
}

function unknownZone(name: unknown, cause?: unknown): ThreadlineError {
  const shown = typeof name === 'string' ? JSON.stringify(name) : typeof name;
  return new ThreadlineError('CONFIG', `Unknown IANA time zone ${shown}`, {
    cause,
    issues: [{ path: ['timeZone'], message: 'unknown IANA time zone', code: 'unknown_time_zone' }],
  });
}

/**
 * Time-zone arithmetic for one IANA zone, built on `Intl.DateTimeFormat`: UTC offsets at an
 * instant, wall-clock times, and the instant of a wall-clock time (DST gaps move later, repeated
 * times take the first occurrence). Get one with {@link zoneRules}.
 *
 * Offsets are looked up once per UTC day and cached; a day whose offset changes is searched to
 * the second for its transition instant, so every later lookup is a map hit and a comparison.
 */
export class ZoneRules {
  /** The IANA zone name. */
  readonly name: string;
  readonly #format: Intl.DateTimeFormat;
  readonly #days = new Map<number, UtcDayOffsets>();
  readonly #boundaries = new Map<number, number>();

  /** Throws `ThreadlineError` `CONFIG` (path `timeZone`) when the zone is unknown to the runtime. */
  constructor(name: string) {
    // Intl falls back to the host's zone for `undefined`: a missing name must not mean "local".
    if (typeof name !== 'string' || name === '') throw unknownZone(name);
    try {
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
    } catch (error) {
      throw unknownZone(name, error);
    }
    this.name = this.#format.resolvedOptions().timeZone;
  }

  /**
   * The shared (memoised) rules of a zone; throws `ThreadlineError` `CONFIG` (path `timeZone`)
   * when the zone is unknown. Same as {@link zoneRules}.
   */
  static for(name: string): ZoneRules {
    let rules = shared.get(name);
    if (rules === undefined) {
      rules = new ZoneRules(name);
      shared.set(name, rules);
    }
    return rules;
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
    // `format` is several times faster than `formatToParts`; en-US output is "M/D/YYYY, HH:MM:SS".
    const text = this.#format.format(seconds);
    const m = FORMAT_RE.exec(text);
    let wall: number;
    if (m !== null) {
      wall =
        daysFromCivil(Number(m[3]), Number(m[1]), Number(m[2])) * DAY_MS +
        Number(m[4]) * HOUR_MS +
        Number(m[5]) * 60_000 +
        Number(m[6]) * 1000;
    } else {
      const parts: Record<string, number> = {};
      for (const part of this.#format.formatToParts(seconds)) parts[part.type] = Number(part.value);
      wall =
        daysFromCivil(parts.year ?? 0, parts.month ?? 1, parts.day ?? 1) * DAY_MS +
        (parts.hour ?? 0) * HOUR_MS +
        (parts.minute ?? 0) * 60_000 +
        (parts.second ?? 0) * 1000;
    }
    return wall - seconds;
  }

  /** Offset at the first instant of UTC day `key` (each boundary is computed once). */
  #boundary(key: number): number {
    let offset = this.#boundaries.get(key);
    if (offset === undefined) {
      offset = this.#rawOffset(key * DAY_MS);
      this.#boundaries.set(key, offset);
    }
    return offset;
  }

  #computeDay(key: number): UtcDayOffsets {
    const start = key * DAY_MS;
    const end = start + DAY_MS;
    const offsetBefore = this.#boundary(key);
    const offsetAfter = this.#boundary(key + 1);
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

/**
 * The rules of an IANA time zone, shared between callers (each zone is set up once).
 * An unknown or missing name is a `ThreadlineError` `CONFIG` with the path `timeZone`.
 *
 * @example
 * ```ts
 * import { zoneRules } from '@threadline/core/calendar';
 *
 * const paris = zoneRules('Europe/Paris');
 * paris.offsetAt(Date.UTC(2026, 6, 1)) / 3_600_000; // 2 (CEST)
 * new Date(paris.toInstant(Date.UTC(2026, 0, 15, 9))).toISOString(); // '2026-01-15T08:00:00.000Z'
 * ```
 */
export function zoneRules(name: string): ZoneRules {
  return ZoneRules.for(name);
}

/** Whether the runtime knows an IANA zone name (`isKnownTimeZone('Europe/Paris') === true`). */
export function isKnownTimeZone(name: string): boolean {
  try {
    ZoneRules.for(name);
    return true;
  } catch {
    return false;
  }
}
