import { ThreadlineError } from '@threadline/core';

/**
 * The structural shape of a business calendar this package needs. `BusinessCalendar` from
 * `@threadline/core` satisfies it; any object with the same two methods works too.
 */
export interface CalendarLike {
  addBusinessTime(start: Date | number, amount: number, unit: 'seconds' | 'minutes' | 'hours' | 'days'): Date;
  businessTimeBetween(from: Date | number, to: Date | number): number;
}

/**
 * How a metric counts time. The single seam between the SLA engine and calendar arithmetic:
 * calendar time counts every millisecond, business time counts only the calendar's open periods.
 */
export interface TimeMeasure {
  /** The instant at which `ms` of counted time has elapsed since `start`. */
  add(start: number, ms: number): number;
  /** Counted milliseconds in `[from, to)` (0 when `to <= from`). */
  between(from: number, to: number): number;
}

/** Counts every millisecond. */
export const CALENDAR_TIME: TimeMeasure = {
  add: (start, ms) => start + ms,
  between: (from, to) => (to > from ? to - from : 0),
};

/**
 * Counts business time on a calendar. Amounts are passed in seconds (fractional for sub-second
 * precision), which the calendar counts as elapsed business time.
 */
export function businessTime(calendar: CalendarLike): TimeMeasure {
  return {
    add(start, ms) {
      if (ms <= 0) return start;
      return calendar.addBusinessTime(start, ms / 1000, 'seconds').getTime();
    },
    between(from, to) {
      if (to <= from) return 0;
      return calendar.businessTimeBetween(from, to);
    },
  };
}

/** Resolves named calendars into time measures (cached per calendar). */
export class TimeMeasures {
  readonly #calendars: ReadonlyMap<string, CalendarLike>;
  readonly #cache = new Map<string, TimeMeasure>();

  constructor(calendars: ReadonlyMap<string, CalendarLike>) {
    this.#calendars = calendars;
  }

  /** The measure for a calendar name, or calendar time for `null`. */
  get(calendar: string | null): TimeMeasure {
    if (calendar === null) return CALENDAR_TIME;
    let m = this.#cache.get(calendar);
    if (m === undefined) {
      const cal = this.#calendars.get(calendar);
      if (cal === undefined) {
        throw new ThreadlineError('CONFIG', `Unknown calendar "${calendar}"`, {
          issues: [
            {
              path: ['calendars', calendar],
              message: 'no calendar with this name',
              code: 'unknown_calendar',
            },
          ],
        });
      }
      m = businessTime(cal);
      this.#cache.set(calendar, m);
    }
    return m;
  }

  /** The calendar object itself (for notification delivery times). */
  calendar(name: string): CalendarLike | undefined {
    return this.#calendars.get(name);
  }

  has(name: string): boolean {
    return this.#calendars.has(name);
  }
}
