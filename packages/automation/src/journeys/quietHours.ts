import { type BusinessCalendar, createBusinessCalendar, isKnownTimeZone } from '@threadline/core';
import { readPath } from './compile.js';

/**
 * A send step's quiet hours, compiled: the sending calendar, and where the customer's time zone
 * is. Calendars in other zones are built once per zone and kept (internal).
 */
export class QuietHours {
  readonly #byZone = new Map<string, BusinessCalendar>();

  constructor(
    readonly calendar: BusinessCalendar,
    /** Path over `{ data, customerId, journey }` to the customer's zone, or `undefined`. */
    readonly zonePath: readonly string[] | undefined,
  ) {
    this.#byZone.set(calendar.timeZone, calendar);
  }

  /** The sending calendar for an instance: the calendar's hours in the customer's zone, if known. */
  calendarFor(context: unknown): BusinessCalendar {
    if (this.zonePath === undefined) return this.calendar;
    const zone = readPath(context, this.zonePath);
    if (typeof zone !== 'string' || zone.length === 0) return this.calendar;
    let cal = this.#byZone.get(zone);
    if (cal === undefined) {
      if (this.#byZone.size > 1_000 || !isKnownTimeZone(zone)) return this.calendar;
      cal = createBusinessCalendar({ ...this.calendar.config, timeZone: zone });
      this.#byZone.set(zone, cal);
    }
    return cal;
  }

  /**
   * When a send reached at `now` may go out: `now` inside the sending hours, else the next
   * opening (adding zero business time gives the next business moment).
   */
  sendAt(context: unknown, now: number): number {
    const cal = this.calendarFor(context);
    if (cal.isBusinessTime(now)) return now;
    return Math.max(now, cal.addBusinessTime(now, 0, 'seconds').getTime());
  }
}
