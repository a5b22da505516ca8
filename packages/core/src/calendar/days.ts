import { DAY_MS, weekdayOf } from './civil.js';
import type { CompiledCalendarConfig, LocalIntervals } from './config.js';
import type { ZoneRules } from './zone.js';

/** One local date of a calendar, resolved to instants. */
export interface CalendarDay {
  /** Day number (days since 1970-01-01) of the local date. */
  readonly day: number;
  /** First instant of the local date. */
  readonly start: number;
  /** First instant of the next local date. */
  readonly end: number;
  /** Business periods within `[start, end)`, flattened `[start, end, …]`, sorted, disjoint, non-adjacent. */
  readonly periods: readonly number[];
  /** Sum of the periods' lengths in milliseconds. */
  readonly total: number;
  /** Configured breaks overlapping this date (whether or not they hit business hours), flattened. */
  readonly breaks: readonly number[];
  /** Whether `days` arithmetic counts this date: not a holiday and has hours (weekday or shift). */
  readonly business: boolean;
  /** Whether the date is a configured holiday. */
  readonly holiday: boolean;
}

/** Days per block used to skip long stretches of time in one step. */
export const BLOCK_DAYS = 7;

function sortMerge(flat: number[]): number[] {
  if (flat.length <= 2) return flat;
  const pairs: [number, number][] = [];
  for (let i = 0; i < flat.length; i += 2) pairs.push([flat[i] as number, flat[i + 1] as number]);
  pairs.sort((a, b) => a[0] - b[0]);
  const out: number[] = [];
  for (const [s, e] of pairs) {
    const last = out.length - 1;
    if (last > 0 && s <= (out[last] as number)) {
      if (e > (out[last] as number)) out[last] = e;
    } else out.push(s, e);
  }
  return out;
}

function subtract(periods: number[], cuts: number[]): number[] {
  if (cuts.length === 0) return periods;
  let current = periods;
  for (let c = 0; c < cuts.length; c += 2) {
    const cs = cuts[c] as number;
    const ce = cuts[c + 1] as number;
    const next: number[] = [];
    for (let i = 0; i < current.length; i += 2) {
      const s = current[i] as number;
      const e = current[i + 1] as number;
      if (ce <= s || cs >= e) {
        next.push(s, e);
        continue;
      }
      if (cs > s) next.push(s, cs);
      if (ce < e) next.push(ce, e);
    }
    current = next;
  }
  return current;
}

/**
 * Lazily computes and caches each local date of a calendar (its bounds, business periods and breaks),
 * plus the business time of 7-day blocks so long spans are skipped a week at a time.
 */
export class DayTable {
  /** The zone the dates are read in. */
  readonly zone: ZoneRules;
  readonly #zone: ZoneRules;
  readonly #config: CompiledCalendarConfig;
  // Days live in chunks of 64 consecutive dates; walks stay inside one chunk, which is cached.
  readonly #chunks = new Map<number, (CalendarDay | undefined)[]>();
  #lastChunkKey = Number.NaN;
  #lastChunk: (CalendarDay | undefined)[] = [];
  /** Offset (ms) of the last date looked up by instant, used to guess the next one's date. */
  #guessOffset = 0;
  readonly #blocks = new Map<number, number>();

  constructor(zone: ZoneRules, config: CompiledCalendarConfig) {
    this.zone = zone;
    this.#zone = zone;
    this.#config = config;
  }

  /** The local date with day number `day`. */
  get(day: number): CalendarDay {
    const key = day >> 6;
    let chunk: (CalendarDay | undefined)[] | undefined = this.#lastChunk;
    if (key !== this.#lastChunkKey) {
      chunk = this.#chunks.get(key);
      if (chunk === undefined) {
        chunk = new Array<CalendarDay | undefined>(64).fill(undefined);
        this.#chunks.set(key, chunk);
      }
      this.#lastChunkKey = key;
      this.#lastChunk = chunk;
    }
    const index = day & 63;
    let d = chunk[index];
    if (d === undefined) {
      d = this.#compute(day);
      chunk[index] = d;
    }
    return d;
  }

  /** The local date containing instant `ms`. */
  dayOf(ms: number): CalendarDay {
    // Guess the date with the offset of the previous lookup, then step: the table partitions time
    // into local dates, so at most a step or two is ever needed (also across DST transitions).
    let d = this.get(Math.floor((ms + this.#guessOffset) / DAY_MS));
    while (ms < d.start) d = this.get(d.day - 1);
    while (ms >= d.end) d = this.get(d.day + 1);
    this.#guessOffset = d.day * DAY_MS - d.start;
    return d;
  }

  /** Business milliseconds in block `block` (days `7·block` … `7·block + 6`). */
  blockTotal(block: number): number {
    let total = this.#blocks.get(block);
    if (total === undefined) {
      total = 0;
      for (let i = 0; i < BLOCK_DAYS; i++) total += this.get(block * BLOCK_DAYS + i).total;
      this.#blocks.set(block, total);
    }
    return total;
  }

  /** Intervals (local, from midnight) that start on `day`. */
  intervalsOf(day: number): LocalIntervals {
    return this.#config.shifts.get(day) ?? (this.#config.week[weekdayOf(day)] as LocalIntervals);
  }

  #instants(day: number, intervals: LocalIntervals, lo: number, hi: number, out: number[]): void {
    const base = day * DAY_MS;
    for (let i = 0; i < intervals.length; i += 2) {
      const s = Math.max(lo, this.#zone.toInstant(base + (intervals[i] as number)));
      const e = Math.min(hi, this.#zone.toInstant(base + (intervals[i + 1] as number)));
      if (e > s) out.push(s, e);
    }
  }

  #compute(day: number): CalendarDay {
    const start = this.#zone.toInstant(day * DAY_MS);
    const end = this.#zone.toInstant((day + 1) * DAY_MS);
    const holiday = this.#config.holidays.has(day);
    const own = this.intervalsOf(day);

    const breakList: number[] = [];
    for (const src of [day - 1, day]) {
      const b = this.#config.breaks.get(src);
      if (b !== undefined) this.#instants(src, b, start, end, breakList);
    }
    const breaks = sortMerge(breakList);

    let periods: number[] = [];
    if (!holiday) {
      this.#instants(day - 1, this.intervalsOf(day - 1), start, end, periods);
      this.#instants(day, own, start, end, periods);
      periods = subtract(sortMerge(periods), breaks);
    }
    let total = 0;
    for (let i = 0; i < periods.length; i += 2) total += (periods[i + 1] as number) - (periods[i] as number);
    return { day, start, end, periods, total, breaks, business: !holiday && own.length > 0, holiday };
  }
}
