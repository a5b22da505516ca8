import { describe, expect, it } from 'vitest';
import { BusinessCalendar, type BusinessCalendarConfig } from '../src/index.js';

const H = 3_600_000;
const iso = (d: Date) => d.toISOString();
const NINE_TO_FIVE = [['09:00', '17:00']] as const;
const SPLIT = [
  ['09:00', '12:00'],
  ['13:00', '17:00'],
] as const;
const weekdays: BusinessCalendarConfig['hours'] = {
  mon: NINE_TO_FIVE,
  tue: NINE_TO_FIVE,
  wed: NINE_TO_FIVE,
  thu: NINE_TO_FIVE,
  fri: NINE_TO_FIVE,
};
function periods(cal: BusinessCalendar, it: Iterable<{ start: Date; end: Date }>, n: number): string[] {
  const out: string[] = [];
  for (const p of it) {
    if (out.length === n) break;
    out.push(`${iso(p.start).slice(0, 16)}/${iso(p.end).slice(0, 16)}`);
  }
  void cal;
  return out;
}
// 2026-01-05 is a Monday; all calendars here are in UTC so instants read as wall time.
const at = (day: number, hour: number, minute = 0) => Date.UTC(2026, 0, day, hour, minute);

describe('multi-interval days', () => {
  const cal = BusinessCalendar.from({ timeZone: 'UTC', hours: { ...weekdays, thu: SPLIT } });
  it('skips the lunch gap', () => {
    // Thursday Jan 8 11:00 + 2 h → 1 h before lunch, 1 h after → 14:00.
    expect(iso(cal.addBusinessTime(at(8, 11), 2, 'hours'))).toBe('2026-01-08T14:00:00.000Z');
    // Running out exactly at 12:00 rolls over to 13:00.
    expect(iso(cal.addBusinessTime(at(8, 11), 1, 'hours'))).toBe('2026-01-08T13:00:00.000Z');
    // Backwards from 13:30 by 30 minutes lands on the opening at 13:00; 31 minutes → 11:59.
    expect(iso(cal.subtractBusinessTime(at(8, 13, 30), 30, 'minutes'))).toBe('2026-01-08T13:00:00.000Z');
    expect(iso(cal.subtractBusinessTime(at(8, 13, 30), 31, 'minutes'))).toBe('2026-01-08T11:59:00.000Z');
    expect(cal.businessTimeBetween(at(8, 0), at(9, 0))).toBe(7 * H);
    expect(cal.isBusinessTime(at(8, 12, 30))).toBe(false);
  });
});

describe('breaks', () => {
  const cal = BusinessCalendar.from({
    timeZone: 'UTC',
    hours: { ...weekdays, thu: SPLIT },
    breaks: { '2026-01-08': [['11:00', '14:00']], '2026-01-05': [['16:30', '17:30']] },
  });
  it('a break spanning two intervals removes the end of one and the start of the next', () => {
    expect(periods(cal, cal.periodsAfter(at(8, 0)), 2)).toEqual([
      '2026-01-08T09:00/2026-01-08T11:00',
      '2026-01-08T14:00/2026-01-08T17:00',
    ]);
    // 09:00 + 3 h → 2 h before the break, 1 h after → 15:00.
    expect(iso(cal.addBusinessTime(at(8, 9), 3, 'hours'))).toBe('2026-01-08T15:00:00.000Z');
    expect(cal.businessTimeBetween(at(8, 0), at(9, 0))).toBe(5 * H);
  });
  it('isOnBreak reports configured breaks even outside opening hours', () => {
    expect(cal.isOnBreak(at(8, 12, 30))).toBe(true);
    expect(cal.isOnBreak(at(8, 14))).toBe(false);
    expect(cal.isOnBreak(at(5, 17, 15))).toBe(true);
    expect(cal.isBusinessTime(at(8, 11, 30))).toBe(false);
    // Monday ends at 16:30 because of the break.
    expect(iso(cal.addBusinessTime(at(5, 16), 30, 'minutes'))).toBe('2026-01-06T09:00:00.000Z');
  });
});

describe('holidays', () => {
  // Christmas 2026: Thu 24, Fri 25 and Mon 28 December are holidays.
  const cal = BusinessCalendar.from({
    timeZone: 'UTC',
    hours: weekdays,
    holidays: ['2026-12-24', '2026-12-25', '2026-12-28'],
  });
  const dec = (day: number, hour: number) => Date.UTC(2026, 11, day, hour);
  it('consecutive holidays and a weekend are skipped together', () => {
    // Wednesday 23rd 16:00 + 2 h → Tuesday 29th 10:00.
    expect(iso(cal.addBusinessTime(dec(23, 16), 2, 'hours'))).toBe('2026-12-29T10:00:00.000Z');
    expect(iso(cal.addBusinessTime(dec(23, 10), 1, 'days'))).toBe('2026-12-29T10:00:00.000Z');
    expect(iso(cal.subtractBusinessTime(dec(29, 10), 1, 'days'))).toBe('2026-12-23T10:00:00.000Z');
    // Mon 21, Tue 22, Wed 23, Tue 29, Wed 30.
    expect(cal.businessTimeBetween(dec(21, 0), dec(31, 0))).toBe(5 * 8 * H);
  });
  it('isHoliday reads the local date', () => {
    expect(cal.isHoliday(dec(25, 23))).toBe(true);
    expect(cal.isHoliday(dec(26, 0))).toBe(false);
    const tokyo = BusinessCalendar.from({
      timeZone: 'Asia/Tokyo',
      hours: weekdays,
      holidays: ['2026-12-25'],
    });
    // 2026-12-24T16:00Z is already the 25th in Tokyo.
    expect(tokyo.isHoliday(dec(24, 16))).toBe(true);
    expect(tokyo.isHoliday(dec(24, 14))).toBe(false);
  });
  it('a holiday removes the whole local date, including an overnight spill', () => {
    const night = BusinessCalendar.from({
      timeZone: 'UTC',
      hours: { fri: [['22:00', '06:00']] },
      holidays: ['2026-01-10'],
    });
    // Friday Jan 9 22:00 → Saturday Jan 10 is a holiday, so only 22:00–24:00 remains.
    expect(periods(night, night.periodsAfter(at(9, 0)), 1)).toEqual(['2026-01-09T22:00/2026-01-10T00:00']);
  });
});

describe('shifts', () => {
  const cal = BusinessCalendar.from({
    timeZone: 'UTC',
    hours: weekdays,
    shifts: {
      '2026-01-10': [['10:00', '14:00']], // a Saturday gets hours
      '2026-01-12': [['12:00', '13:00']], // a Monday's hours are replaced
      '2026-01-13': [], // a Tuesday is closed
      '2026-01-17': [['10:00', '14:00']],
    },
    holidays: ['2026-01-17'], // the holiday beats the shift
  });
  it('a shift replaces the weekday hours of its date', () => {
    // Friday 16:00 + 3 h → 1 h Friday, 2 h on the Saturday shift → Saturday 12:00.
    expect(iso(cal.addBusinessTime(at(9, 16), 3, 'hours'))).toBe('2026-01-10T12:00:00.000Z');
    expect(periods(cal, cal.periodsAfter(at(10, 13)), 3)).toEqual([
      '2026-01-10T13:00/2026-01-10T14:00',
      '2026-01-12T12:00/2026-01-12T13:00',
      '2026-01-14T09:00/2026-01-14T17:00',
    ]);
    expect(cal.isBusinessTime(at(12, 10))).toBe(false);
    // Days count the Saturday shift as a business date and skip the closed Tuesday.
    expect(iso(cal.addBusinessTime(at(9, 12), 1, 'days'))).toBe('2026-01-10T12:00:00.000Z');
    expect(iso(cal.addBusinessTime(at(12, 12), 1, 'days'))).toBe('2026-01-14T12:00:00.000Z');
  });
  it('a holiday wins over a shift on the same date', () => {
    expect(cal.isHoliday(at(17, 11))).toBe(true);
    expect(cal.isBusinessTime(at(17, 11))).toBe(false);
    expect(iso(cal.addBusinessTime(at(16, 16), 2, 'hours'))).toBe('2026-01-19T10:00:00.000Z');
  });
});

describe('forward/backward asymmetry', () => {
  const cal = BusinessCalendar.from({ timeZone: 'UTC', hours: weekdays });
  it('adding ends at an opening, subtracting at an opening too, so they do not invert each other', () => {
    const fri1600 = at(9, 16);
    const mon0900 = cal.addBusinessTime(fri1600, 1, 'hours');
    expect(iso(mon0900)).toBe('2026-01-12T09:00:00.000Z');
    // Subtracting the hour again goes back to Friday 16:00 ...
    expect(iso(cal.subtractBusinessTime(mon0900, 1, 'hours'))).toBe('2026-01-09T16:00:00.000Z');
    // ... but from the Friday closing, subtracting 8 h gives Friday 09:00 while adding 8 h to it gives Monday 09:00.
    expect(iso(cal.subtractBusinessTime(at(9, 17), 8, 'hours'))).toBe('2026-01-09T09:00:00.000Z');
    expect(iso(cal.addBusinessTime(at(9, 9), 8, 'hours'))).toBe('2026-01-12T09:00:00.000Z');
    // From outside hours: Saturday noon + 1 h = Monday 10:00, Monday 10:00 − 1 h = Monday 09:00 (not Saturday).
    expect(iso(cal.subtractBusinessTime(cal.addBusinessTime(at(10, 12), 1, 'hours'), 1, 'hours'))).toBe(
      '2026-01-12T09:00:00.000Z',
    );
  });
});

describe('periodsAfter / periodsBefore', () => {
  const cal = BusinessCalendar.from({
    timeZone: 'UTC',
    hours: {
      mon: [['22:00', '24:00']],
      tue: [
        ['00:00', '02:00'],
        ['09:00', '10:00'],
      ],
    },
  });
  it('clips the first period at the instant and joins touching periods across midnight', () => {
    expect(periods(cal, cal.periodsAfter(at(5, 23)), 3)).toEqual([
      '2026-01-05T23:00/2026-01-06T02:00',
      '2026-01-06T09:00/2026-01-06T10:00',
      '2026-01-12T22:00/2026-01-13T02:00',
    ]);
    expect(periods(cal, cal.periodsBefore(at(6, 1)), 3)).toEqual([
      '2026-01-05T22:00/2026-01-06T01:00',
      '2025-12-30T09:00/2025-12-30T10:00',
      '2025-12-29T22:00/2025-12-30T02:00',
    ]);
  });
  it('is lazy and can be iterated again', () => {
    const it = cal.periodsAfter(at(5, 0));
    const first = periods(cal, it, 1);
    expect(periods(cal, it, 1)).toEqual(first);
  });
});

describe('intersect', () => {
  it('intersects hours, unites holidays and breaks, keeps the first zone', () => {
    const a = BusinessCalendar.from({
      timeZone: 'Europe/Berlin',
      hours: { ...weekdays, sun: [['20:00', '02:00']] },
      holidays: ['2026-01-06'],
      breaks: { '2026-01-07': [['12:00', '13:00']] },
    });
    const b = BusinessCalendar.from({
      timeZone: 'America/New_York',
      hours: {
        mon: [
          ['00:00', '10:00'],
          ['16:00', '24:00'],
        ],
        tue: [['12:00', '20:00']],
        wed: NINE_TO_FIVE,
      },
      holidays: ['2026-01-08'],
      breaks: { '2026-01-07': [['15:00', '15:30']] },
      shifts: { '2026-01-13': [['08:00', '10:00']] },
    });
    const c = a.intersect(b);
    expect(c.timeZone).toBe('Europe/Berlin');
    expect(c.config.hours).toEqual({
      mon: [
        ['00:00', '02:00'],
        ['09:00', '10:00'],
        ['16:00', '17:00'],
      ],
      tue: [['12:00', '17:00']],
      wed: [['09:00', '17:00']],
    });
    expect(c.config.holidays).toEqual(['2026-01-06', '2026-01-08']);
    expect(c.config.breaks).toEqual({
      '2026-01-07': [
        ['12:00', '13:00'],
        ['15:00', '15:30'],
      ],
    });
    // Tuesday Jan 13 has b's shift 08–10 against a's 09–17 → 09–10; Wednesday 14 is listed too (spill day).
    expect(c.config.shifts).toEqual({
      '2026-01-13': [['09:00', '10:00']],
      '2026-01-14': [['09:00', '17:00']],
    });
    // Wednesday Jan 7 in Berlin: 09–17 minus breaks 12–13 and 15–15:30 = 6.5 h.
    expect(c.businessTimeBetween(Date.UTC(2026, 0, 7), Date.UTC(2026, 0, 8))).toBe(6.5 * H);
  });
});
