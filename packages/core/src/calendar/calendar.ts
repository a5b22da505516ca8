import type { Instant } from '../clock.js';
import { ThreadlineError } from '../errors.js';
import { DAY_MS, daysFromCivil } from './civil.js';
import { type BusinessCalendarConfig, type CompiledCalendarConfig, compileCalendarConfig } from './config.js';
import { BLOCK_DAYS, type CalendarDay, DayTable } from './days.js';
import { intersectCalendarConfigs } from './intersect.js';
import { ZoneRules } from './zone.js';

/** Unit of an amount of business time. `days` counts business dates; the others count elapsed time. */
export type BusinessTimeUnit = 'seconds' | 'minutes' | 'hours' | 'days';

/** One stretch of business time, half-open `[start, end)`. */
export interface BusinessPeriod {
  /** First instant of the period (inclusive). */
  readonly start: Date;
  /** End of the period (exclusive). */
  readonly end: Date;
}

const UNIT_MS: Readonly<Record<Exclude<BusinessTimeUnit, 'days'>, number>> = {
  seconds: 1000,
  minutes: 60_000,
  hours: 3_600_000,
};

/** Supported local dates: 1000-01-01 … 9998-12-31. */
const MIN_DAY = daysFromCivil(1000, 1, 1);
const MAX_DAY = daysFromCivil(9999, 1, 1) - 1;
const MIN_INSTANT = (MIN_DAY + 1) * DAY_MS;
const MAX_INSTANT = (MAX_DAY - 1) * DAY_MS;

/** Amounts are bounded so a typo cannot walk thousands of years of dates. */
const MAX_AMOUNT_MS = 100 * 365.25 * DAY_MS;
const MAX_AMOUNT_DAYS = 36_500;

function invalid(field: string, message: string, code = 'invalid_argument'): ThreadlineError {
  return new ThreadlineError('VALIDATION', `Invalid ${field}: ${message}`, {
    issues: [{ path: [field], message, code }],
  });
}

function instant(at: Instant, field: string): number {
  const ms = at instanceof Date ? at.getTime() : at;
  if (typeof ms !== 'number' || !Number.isFinite(ms)) {
    throw invalid(field, 'expected a valid Date or finite epoch milliseconds', 'invalid_instant');
  }
  if (ms < MIN_INSTANT || ms > MAX_INSTANT) {
    throw invalid(field, 'instant outside the supported years 1000–9998', 'out_of_range');
  }
  return ms;
}

function outOfRange(): ThreadlineError {
  return new ThreadlineError(
    'VALIDATION',
    'Business time calculation ran past the supported years 1000–9998',
    {
      issues: [
        { path: ['amount'], message: 'result outside the supported years 1000–9998', code: 'out_of_range' },
      ],
    },
  );
}

/** Position of a day within its block (day numbers are small integers, so `&` floors negatives too). */
function inBlock(d: number): number {
  return d & (BLOCK_DAYS - 1);
}

/**
 * Business-hours arithmetic in one IANA time zone, with the semantics of Zendesk's `biz`:
 * seconds, minutes and hours count elapsed business time; `days` moves whole business dates keeping
 * the wall-clock time. Periods of each local date are computed once and cached.
 *
 * @example
 * ```ts
 * const cal = BusinessCalendar.from({
 *   timeZone: 'America/New_York',
 *   hours: { mon: [['09:00', '17:00']], tue: [['09:00', '17:00']], wed: [['09:00', '17:00']],
 *            thu: [['09:00', '17:00']], fri: [['09:00', '17:00']] },
 *   holidays: ['2026-12-25'],
 * });
 * cal.addBusinessTime(new Date('2026-12-24T21:00:00Z'), 2, 'hours'); // 2026-12-28T15:00:00Z (Mon 10:00)
 * ```
 */
export class BusinessCalendar {
  /** The validated configuration (JSON form). */
  readonly config: BusinessCalendarConfig;
  /** The IANA zone of the calendar. */
  readonly timeZone: string;
  readonly #table: DayTable;

  private constructor(config: BusinessCalendarConfig, compiled: CompiledCalendarConfig) {
    this.config = config;
    this.timeZone = config.timeZone;
    this.#table = new DayTable(ZoneRules.for(config.timeZone), compiled);
  }

  /**
   * Builds a calendar. Bad configuration throws `ThreadlineError` code `CONFIG` whose issues carry the
   * path of the bad field (e.g. `['hours', 'mon', 0]`).
   *
   * @example
   * ```ts
   * const cal = BusinessCalendar.from({ timeZone: 'UTC', hours: { mon: [['09:00', '17:00']] } });
   * ```
   */
  static from(config: BusinessCalendarConfig): BusinessCalendar {
    const { config: normalised, compiled } = compileCalendarConfig(config);
    return new BusinessCalendar(normalised, compiled);
  }

  /**
   * The instant `amount` units of business time after `start`. Time that runs out exactly at the end
   * of a period rolls over to the start of the next period; zero returns the next business moment.
   *
   * @example
   * ```ts
   * cal.addBusinessTime(Date.UTC(2026, 0, 5, 16), 2, 'hours'); // Tue 10:00 for Mon–Fri 9–17 UTC
   * ```
   */
  addBusinessTime(start: Instant, amount: number, unit: BusinessTimeUnit): Date {
    const t = instant(start, 'start');
    if (unit === 'days') return new Date(this.#addDays(t, this.#days(amount), 1));
    return new Date(this.#forward(t, this.#amountMs(amount, unit)));
  }

  /**
   * The instant `amount` units of business time before `start`. Subtracting may land exactly on the
   * opening of a period; zero returns the previous business moment (or `start` inside business time).
   *
   * @example
   * ```ts
   * cal.subtractBusinessTime(Date.UTC(2026, 0, 6, 10), 2, 'hours'); // Mon 16:00 for Mon–Fri 9–17 UTC
   * ```
   */
  subtractBusinessTime(start: Instant, amount: number, unit: BusinessTimeUnit): Date {
    const t = instant(start, 'start');
    if (unit === 'days') return new Date(this.#addDays(t, this.#days(amount), -1));
    return new Date(this.#backward(t, this.#amountMs(amount, unit)));
  }

  /**
   * Business time between two instants in milliseconds (0 when `to <= from`).
   *
   * @example
   * ```ts
   * cal.businessTimeBetween(Date.UTC(2026, 0, 5, 16), Date.UTC(2026, 0, 6, 10)); // 7_200_000
   * ```
   */
  businessTimeBetween(from: Instant, to: Instant): number {
    const a = instant(from, 'from');
    const b = instant(to, 'to');
    if (b <= a) return 0;
    const table = this.#table;
    const first = table.dayOf(a);
    const last = table.dayOf(b);
    if (first.day === last.day) return overlap(first.periods, a, b);
    let total = overlap(first.periods, a, first.end);
    let d = first.day + 1;
    while (d < last.day) {
      if (inBlock(d) === 0 && d + BLOCK_DAYS <= last.day) {
        total += table.blockTotal(d >> 3);
        d += BLOCK_DAYS;
      } else {
        total += table.get(d).total;
        d++;
      }
    }
    return total + overlap(last.periods, last.start, b);
  }

  /**
   * Whether `at` falls inside business time (periods are half-open: an opening is business time, a
   * closing is not).
   *
   * @example
   * ```ts
   * cal.isBusinessTime(new Date('2026-01-05T09:00:00Z')); // true for Mon 9–17 UTC
   * ```
   */
  isBusinessTime(at: Instant): boolean {
    const t = instant(at, 'at');
    const p = this.#table.dayOf(t).periods;
    for (let i = 0; i < p.length; i += 2) {
      if (t < (p[i] as number)) return false;
      if (t < (p[i + 1] as number)) return true;
    }
    return false;
  }

  /**
   * Whether `at` falls inside a configured break (whether or not the break overlaps opening hours).
   *
   * @example
   * ```ts
   * cal.isOnBreak(new Date('2026-06-03T12:30:00Z'));
   * ```
   */
  isOnBreak(at: Instant): boolean {
    const t = instant(at, 'at');
    const b = this.#table.dayOf(t).breaks;
    for (let i = 0; i < b.length; i += 2) {
      if (t >= (b[i] as number) && t < (b[i + 1] as number)) return true;
    }
    return false;
  }

  /**
   * Whether the local date of `at` (in the calendar's zone) is a holiday.
   *
   * @example
   * ```ts
   * cal.isHoliday(new Date('2026-12-25T12:00:00Z'));
   * ```
   */
  isHoliday(at: Instant): boolean {
    return this.#table.dayOf(instant(at, 'at')).holiday;
  }

  /**
   * Business periods from `at` onwards, lazily (the first one clipped at `at`). Periods that touch at a
   * midnight (an overnight interval) are joined unless one of them covers its whole date, so an
   * always-open calendar yields one period per local date. Iterate with `for … of` and `break` when done; each iteration starts
   * afresh.
   *
   * @example
   * ```ts
   * for (const { start, end } of cal.periodsAfter(new Date())) {
   *   console.log(start, end);
   *   break;
   * }
   * ```
   */
  periodsAfter(at: Instant): Iterable<BusinessPeriod> {
    const t = instant(at, 'at');
    const table = this.#table;
    return {
      *[Symbol.iterator]() {
        let day: CalendarDay = table.dayOf(t);
        let ps = Number.NaN;
        let pe = Number.NaN;
        // Whether the piece that ends the pending period covers its whole date.
        let lastWhole = false;
        for (;;) {
          const p = day.periods;
          for (let i = 0; i < p.length; i += 2) {
            const e = p[i + 1] as number;
            if (e <= t) continue;
            const s = Math.max(p[i] as number, t);
            const whole = s === day.start && e === day.end;
            // Join pieces that touch at a midnight unless one covers its whole date (so an
            // always-open calendar yields one period per date instead of one endless period).
            if (s === pe && !lastWhole && !whole) {
              pe = e;
              continue;
            }
            if (!Number.isNaN(ps)) yield { start: new Date(ps), end: new Date(pe) };
            ps = s;
            pe = e;
            lastWhole = whole;
          }
          if (day.day >= MAX_DAY) break;
          day = table.get(day.day + 1);
        }
        if (!Number.isNaN(ps)) yield { start: new Date(ps), end: new Date(pe) };
      },
    };
  }

  /**
   * Business periods before `at`, latest first, lazily (the first one clipped at `at`; joined like
   * {@link BusinessCalendar.periodsAfter}).
   *
   * @example
   * ```ts
   * const [last] = cal.periodsBefore(new Date());
   * ```
   */
  periodsBefore(at: Instant): Iterable<BusinessPeriod> {
    const t = instant(at, 'at');
    const table = this.#table;
    return {
      *[Symbol.iterator]() {
        let day: CalendarDay = table.dayOf(t);
        let ps = Number.NaN;
        let pe = Number.NaN;
        // Whether the piece that starts the pending period covers its whole date (see periodsAfter).
        let firstWhole = false;
        for (;;) {
          const p = day.periods;
          for (let i = p.length - 2; i >= 0; i -= 2) {
            const s = p[i] as number;
            if (s >= t) continue;
            const e = Math.min(p[i + 1] as number, t);
            const whole = s === day.start && e === day.end;
            if (e === ps && !firstWhole && !whole) {
              ps = s;
              firstWhole = whole;
              continue;
            }
            if (!Number.isNaN(ps)) yield { start: new Date(ps), end: new Date(pe) };
            ps = s;
            pe = e;
            firstWhole = whole;
          }
          if (day.day <= MIN_DAY) break;
          day = table.get(day.day - 1);
        }
        if (!Number.isNaN(ps)) yield { start: new Date(ps), end: new Date(pe) };
      },
    };
  }

  /**
   * A calendar that is open only when both are: weekly hours and shifts intersected (the other's
   * wall-clock times read in this calendar's zone), breaks and holidays united, this calendar's zone.
   *
   * @example
   * ```ts
   * const staffed = supportHours.intersect(contractHours);
   * ```
   */
  intersect(other: BusinessCalendar): BusinessCalendar {
    if (!(other instanceof BusinessCalendar)) {
      throw invalid('other', 'expected a BusinessCalendar');
    }
    return BusinessCalendar.from(intersectCalendarConfigs(this.config, other.config));
  }

  /**
   * The configuration, so `JSON.stringify(calendar)` stores a calendar and `BusinessCalendar.from`
   * restores it.
   *
   * @example
   * ```ts
   * const copy = BusinessCalendar.from(JSON.parse(JSON.stringify(cal)));
   * ```
   */
  toJSON(): BusinessCalendarConfig {
    return this.config;
  }

  #amountMs(amount: number, unit: BusinessTimeUnit): number {
    if (typeof unit !== 'string' || !Object.hasOwn(UNIT_MS, unit)) {
      throw invalid('unit', "expected 'seconds', 'minutes', 'hours' or 'days'");
    }
    const size = UNIT_MS[unit as Exclude<BusinessTimeUnit, 'days'>];
    if (typeof amount !== 'number' || !Number.isFinite(amount) || amount < 0) {
      throw invalid('amount', 'expected a finite number >= 0', 'too_small');
    }
    const ms = Math.round(amount * size);
    if (ms > MAX_AMOUNT_MS) throw invalid('amount', 'at most 100 years of business time', 'too_big');
    return ms;
  }

  #days(amount: number): number {
    if (typeof amount !== 'number' || !Number.isInteger(amount) || amount < 0) {
      throw invalid('amount', 'days must be a whole number >= 0', 'too_small');
    }
    if (amount > MAX_AMOUNT_DAYS) throw invalid('amount', 'at most 36,500 business days', 'too_big');
    return amount;
  }

  #forward(t: number, ms: number): number {
    const table = this.#table;
    const first = table.dayOf(t);
    let remaining = ms;
    let p = first.periods;
    for (let i = 0; i < p.length; i += 2) {
      const e = p[i + 1] as number;
      if (e <= t) continue;
      const s = Math.max(p[i] as number, t);
      if (remaining < e - s) return s + remaining;
      remaining -= e - s;
    }
    let d = first.day + 1;
    for (;;) {
      if (remaining > 0 && inBlock(d) === 0) {
        let bt = table.blockTotal(d >> 3);
        while (remaining > bt) {
          remaining -= bt;
          d += BLOCK_DAYS;
          if (d > MAX_DAY) throw outOfRange();
          bt = table.blockTotal(d >> 3);
        }
      }
      if (d > MAX_DAY) throw outOfRange();
      p = table.get(d).periods;
      for (let i = 0; i < p.length; i += 2) {
        const s = p[i] as number;
        const len = (p[i + 1] as number) - s;
        if (remaining < len) return s + remaining;
        remaining -= len;
      }
      d++;
    }
  }

  #backward(t: number, ms: number): number {
    const table = this.#table;
    const first = table.dayOf(t);
    let remaining = ms;
    let p = first.periods;
    for (let i = p.length - 2; i >= 0; i -= 2) {
      const s = p[i] as number;
      if (s >= t) continue;
      const e = Math.min(p[i + 1] as number, t);
      if (remaining <= e - s) return e - remaining;
      remaining -= e - s;
    }
    let d = first.day - 1;
    for (;;) {
      if (remaining > 0 && inBlock(d) === BLOCK_DAYS - 1) {
        let bt = table.blockTotal(d >> 3);
        while (remaining > bt) {
          remaining -= bt;
          d -= BLOCK_DAYS;
          if (d < MIN_DAY) throw outOfRange();
          bt = table.blockTotal(d >> 3);
        }
      }
      if (d < MIN_DAY) throw outOfRange();
      p = table.get(d).periods;
      for (let i = p.length - 2; i >= 0; i -= 2) {
        const e = p[i + 1] as number;
        const len = e - (p[i] as number);
        if (remaining <= len) return e - remaining;
        remaining -= len;
      }
      d--;
    }
  }

  #addDays(t: number, n: number, direction: 1 | -1): number {
    if (n === 0) return direction === 1 ? this.#forward(t, 0) : this.#backward(t, 0);
    const table = this.#table;
    const zone = table.zone;
    const origin = table.dayOf(t);
    const timeOfDay = origin.uniform ? t - origin.start : zone.wallTime(t) - origin.day * DAY_MS;
    let d = origin.day;
    let count = 0;
    let day = origin;
    while (count < n) {
      d += direction;
      if (d > MAX_DAY || d < MIN_DAY) throw outOfRange();
      day = table.get(d);
      if (day.business) count++;
    }
    const target =
      day.uniform && timeOfDay >= 0 && timeOfDay < DAY_MS
        ? day.start + timeOfDay
        : zone.toInstant(d * DAY_MS + timeOfDay);
    return direction === 1 ? this.#forward(target, 0) : this.#backward(target, 0);
  }
}

function overlap(p: Float64Array, lo: number, hi: number): number {
  let total = 0;
  for (let i = 0; i < p.length; i += 2) {
    const s = Math.max(p[i] as number, lo);
    const e = Math.min(p[i + 1] as number, hi);
    if (e > s) total += e - s;
  }
  return total;
}

/**
 * Creates a business calendar: the main entry point, the same as {@link BusinessCalendar.from}.
 * Bad configuration throws `ThreadlineError` `CONFIG` whose issues carry the path of the bad field.
 *
 * @example
 * ```ts
 * import { createBusinessCalendar, type TimeInterval } from '@threadline/core/calendar';
 *
 * const weekday: TimeInterval[] = [['09:00', '17:00']];
 * const cal = createBusinessCalendar({
 *   timeZone: 'America/New_York',
 *   hours: { mon: weekday, tue: weekday, wed: weekday, thu: weekday, fri: weekday },
 *   holidays: ['2026-12-25'],
 * });
 * // Thu 24 Dec 16:00 New York + 2 business hours: 1 h on Thursday, Friday is a holiday, 1 h on Monday.
 * console.log(cal.addBusinessTime(new Date('2026-12-24T21:00:00Z'), 2, 'hours').toISOString());
 * // '2026-12-28T15:00:00.000Z' (Mon 10:00)
 * ```
 */
export function createBusinessCalendar(config: BusinessCalendarConfig): BusinessCalendar {
  return BusinessCalendar.from(config);
}
