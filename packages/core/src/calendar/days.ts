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
  readonly periods: Float64Array;
  /** Sum of the periods' lengths in milliseconds. */
  readonly total: number;
  /** Configured breaks overlapping this date (whether or not they hit business hours), flattened. */
  readonly breaks: Float64Array;
  /** Whether `days` arithmetic counts this date: not a holiday and has hours (weekday or shift). */
  readonly business: boolean;
  /** Whether the date is a configured holiday. */
  readonly holiday: boolean;
  /** Whether the date has no offset change: then wall time `h` is simply `start + h`. */
  readonly uniform: boolean;
}

/** Days per block used to skip long stretches of time in one step (8 blocks fill a chunk). */
export const BLOCK_DAYS = 8;
const CHUNK_DAYS = 64;
/** Shared empty list (never written to) for dates without periods or breaks. */
const NONE = new Float64Array(0);

/** 64 consecutive dates and the business time of their eight 8-day blocks (NaN until known). */
interface Chunk {
  readonly days: (CalendarDay | undefined)[];
  readonly blocks: Float64Array;
}

function newChunk(): Chunk {
  return {
    days: new Array<CalendarDay | undefined>(CHUNK_DAYS).fill(undefined),
    blocks: new Float64Array(8).fill(Number.NaN),
  };
}

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
 * plus the business time of 8-day blocks so long spans are skipped a block at a time.
 */
export class DayTable {
  /** The zone the dates are read in. */
  readonly zone: ZoneRules;
  readonly #config: CompiledCalendarConfig;
  // Days live in chunks of 64 consecutive dates; walks stay inside one chunk, which is cached.
  readonly #chunks = new Map<number, Chunk>();
  #lastChunkKey = Number.NaN;
  #lastChunk: Chunk = newChunk();
  /** Offset (ms) of the last date looked up by instant, used to guess the next one's date. */
  #guessOffset = 0;

  constructor(zone: ZoneRules, config: CompiledCalendarConfig) {
    this.zone = zone;
    this.#config = config;
  }

  /** The local date with day number `day`. */
  get(day: number): CalendarDay {
    const chunk = this.#chunk(day >> 6);
    const index = day & 63;
    let d = chunk.days[index];
    if (d === undefined) {
      d = this.#compute(day);
      chunk.days[index] = d;
    }
    return d;
  }

  #chunk(key: number): Chunk {
    if (key === this.#lastChunkKey) return this.#lastChunk;
    let chunk = this.#chunks.get(key);
    if (chunk === undefined) {
      chunk = newChunk();
      this.#chunks.set(key, chunk);
    }
    this.#lastChunkKey = key;
    this.#lastChunk = chunk;
    return chunk;
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

  /** Business milliseconds in block `block` (days `8·block` … `8·block + 7`). */
  blockTotal(block: number): number {
    const chunk = this.#chunk(block >> 3);
    let total = chunk.blocks[block & 7] as number;
    if (Number.isNaN(total)) {
      total = 0;
      for (let i = 0; i < BLOCK_DAYS; i++) total += this.get(block * BLOCK_DAYS + i).total;
      chunk.blocks[block & 7] = total;
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
      const s = Math.max(lo, this.zone.toInstant(base + (intervals[i] as number)));
      const e = Math.min(hi, this.zone.toInstant(base + (intervals[i + 1] as number)));
      if (e > s) out.push(s, e);
    }
  }

  #compute(day: number): CalendarDay {
    const start = this.zone.toInstant(day * DAY_MS);
    const end = this.zone.toInstant((day + 1) * DAY_MS);
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
    // Typed arrays keep every element access in the hot loops monomorphic.
    return {
      day,
      start,
      end,
      periods: periods.length === 0 ? NONE : Float64Array.from(periods),
      total,
      breaks: breaks.length === 0 ? NONE : Float64Array.from(breaks),
      business: !holiday && own.length > 0,
      holiday,
      uniform: end - start === DAY_MS && this.zone.offsetAt(start) === this.zone.offsetAt(end - 1),
    };
  }
}
