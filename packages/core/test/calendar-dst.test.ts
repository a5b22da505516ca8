import { describe, expect, it } from 'vitest';
import { BusinessCalendar, type BusinessCalendarConfig } from '../src/index.js';

const H = 3_600_000;
const iso = (d: Date) => d.toISOString();
const ALL_DAY = [['00:00', '24:00']] as const;
const NINE_TO_FIVE = [['09:00', '17:00']] as const;
const everyDay: BusinessCalendarConfig['hours'] = {
  mon: ALL_DAY,
  tue: ALL_DAY,
  wed: ALL_DAY,
  thu: ALL_DAY,
  fri: ALL_DAY,
  sat: ALL_DAY,
  sun: ALL_DAY,
};
const weekdays: BusinessCalendarConfig['hours'] = {
  mon: NINE_TO_FIVE,
  tue: NINE_TO_FIVE,
  wed: NINE_TO_FIVE,
  thu: NINE_TO_FIVE,
  fri: NINE_TO_FIVE,
};
const z = (s: string) => Date.parse(s);
function periods(cal: BusinessCalendar, at: number, n: number): string[] {
  const out: string[] = [];
  for (const p of cal.periodsAfter(at)) {
    if (out.length === n) break;
    out.push(`${iso(p.start)}/${iso(p.end)}`);
  }
  return out;
}

describe('America/Los_Angeles (DST 2026-03-08 02:00→03:00, 2026-11-01 02:00→01:00)', () => {
  const sundays = BusinessCalendar.from({ timeZone: 'America/Los_Angeles', hours: { sun: ALL_DAY } });
  const office = BusinessCalendar.from({ timeZone: 'America/Los_Angeles', hours: weekdays });
  const daily = BusinessCalendar.from({ timeZone: 'America/Los_Angeles', hours: everyDay });

  it('a spring-forward day has 23 business hours, a fall-back day 25', () => {
    expect(sundays.businessTimeBetween(z('2026-03-08T00:00:00Z'), z('2026-03-10T00:00:00Z'))).toBe(23 * H);
    expect(sundays.businessTimeBetween(z('2026-10-31T12:00:00Z'), z('2026-11-03T00:00:00Z'))).toBe(25 * H);
    // Sunday 00:00 PST = 08:00Z; Monday 00:00 PDT = 07:00Z.
    expect(periods(sundays, z('2026-03-07T12:00:00Z'), 1)).toEqual([
      '2026-03-08T08:00:00.000Z/2026-03-09T07:00:00.000Z',
    ]);
  });

  it('hours across the weekend of the change count real elapsed time', () => {
    // Friday 16:00 PST (Mar 6, 00:00Z Mar 7) + 2 h → Monday 10:00 PDT = 17:00Z.
    expect(iso(office.addBusinessTime(z('2026-03-07T00:00:00Z'), 2, 'hours'))).toBe(
      '2026-03-09T17:00:00.000Z',
    );
    expect(iso(office.subtractBusinessTime(z('2026-03-09T17:00:00Z'), 2, 'hours'))).toBe(
      '2026-03-07T00:00:00.000Z',
    );
    // Opening moves from 17:00Z to 16:00Z, but every weekday still has 8 hours.
    expect(office.businessTimeBetween(z('2026-03-02T00:00:00Z'), z('2026-03-14T00:00:00Z'))).toBe(80 * H);
    expect(office.isBusinessTime(z('2026-03-09T16:00:00Z'))).toBe(true);
    expect(office.isBusinessTime(z('2026-03-06T16:00:00Z'))).toBe(false);
  });

  it('days: a non-existent wall time moves one hour later', () => {
    // Saturday 02:30 PST + 1 day → Sunday 02:30, which does not exist → 03:30 PDT = 10:30Z.
    expect(iso(daily.addBusinessTime(z('2026-03-07T10:30:00Z'), 1, 'days'))).toBe('2026-03-08T10:30:00.000Z');
  });

  it('days: an ambiguous wall time takes its first (daylight) occurrence', () => {
    // Saturday 01:30 PDT (08:30Z) + 1 day → Sunday 01:30, first occurrence PDT = 08:30Z (not 09:30Z).
    expect(iso(daily.addBusinessTime(z('2026-10-31T08:30:00Z'), 1, 'days'))).toBe('2026-11-01T08:30:00.000Z');
    // From the second 01:30 (PST, 09:30Z) one day on is Monday 01:30 PST = 09:30Z.
    expect(iso(daily.addBusinessTime(z('2026-11-01T09:30:00Z'), 1, 'days'))).toBe('2026-11-02T09:30:00.000Z');
  });

  it('an interval starting in the gap opens one hour later', () => {
    const cal = BusinessCalendar.from({
      timeZone: 'America/Los_Angeles',
      hours: { sun: [['02:30', '04:00']] },
    });
    // 02:30 → 03:30 PDT (10:30Z) until 04:00 PDT (11:00Z).
    expect(periods(cal, z('2026-03-08T00:00:00Z'), 1)).toEqual([
      '2026-03-08T10:30:00.000Z/2026-03-08T11:00:00.000Z',
    ]);
    // The following Sunday is ordinary: 02:30–04:00 PDT.
    expect(periods(cal, z('2026-03-09T00:00:00Z'), 1)).toEqual([
      '2026-03-15T09:30:00.000Z/2026-03-15T11:00:00.000Z',
    ]);
  });

  it('an interval across the repeated hour is measured in real time', () => {
    const cal = BusinessCalendar.from({
      timeZone: 'America/Los_Angeles',
      hours: { sun: [['00:30', '02:00']] },
    });
    // 00:30 PDT (07:30Z) → 02:00 PST (10:00Z): 2.5 real hours.
    expect(periods(cal, z('2026-11-01T00:00:00Z'), 1)).toEqual([
      '2026-11-01T07:30:00.000Z/2026-11-01T10:00:00.000Z',
    ]);
  });
});

describe('Europe/Berlin (DST 2026-03-29 02:00→03:00, 2026-10-25 03:00→02:00)', () => {
  const office = BusinessCalendar.from({ timeZone: 'Europe/Berlin', hours: weekdays });
  const sundays = BusinessCalendar.from({ timeZone: 'Europe/Berlin', hours: { sun: ALL_DAY } });

  it('weekday hours follow the local clock', () => {
    // Friday Mar 27 16:00 CET = 15:00Z; + 2 h → Monday Mar 30 10:00 CEST = 08:00Z.
    expect(iso(office.addBusinessTime(z('2026-03-27T15:00:00Z'), 2, 'hours'))).toBe(
      '2026-03-30T08:00:00.000Z',
    );
    // Friday Oct 23 16:00 CEST = 14:00Z; + 2 h → Monday Oct 26 10:00 CET = 09:00Z.
    expect(iso(office.addBusinessTime(z('2026-10-23T14:00:00Z'), 2, 'hours'))).toBe(
      '2026-10-26T09:00:00.000Z',
    );
  });

  it('Sunday lengths: 23 h in March, 25 h in October', () => {
    expect(sundays.businessTimeBetween(z('2026-03-28T00:00:00Z'), z('2026-03-31T00:00:00Z'))).toBe(23 * H);
    expect(sundays.businessTimeBetween(z('2026-10-24T00:00:00Z'), z('2026-10-27T00:00:00Z'))).toBe(25 * H);
  });

  it('week boundaries are local: Monday 00:30 in Berlin is Sunday 23:30 UTC', () => {
    const early = BusinessCalendar.from({ timeZone: 'Europe/Berlin', hours: { mon: [['00:00', '02:00']] } });
    expect(early.isBusinessTime(z('2026-01-04T23:30:00Z'))).toBe(true);
    expect(early.isBusinessTime(z('2026-01-05T01:30:00Z'))).toBe(false);
    // A Sunday-night shift runs into Monday.
    const night = BusinessCalendar.from({ timeZone: 'Europe/Berlin', hours: { sun: [['22:00', '06:00']] } });
    expect(periods(night, z('2026-01-01T00:00:00Z'), 1)).toEqual([
      '2026-01-04T21:00:00.000Z/2026-01-05T05:00:00.000Z',
    ]);
    // Saturday 22:00 → Sunday 06:00 over the spring change is 7 real hours.
    const satNight = BusinessCalendar.from({
      timeZone: 'Europe/Berlin',
      hours: { sat: [['22:00', '06:00']] },
    });
    expect(periods(satNight, z('2026-03-28T00:00:00Z'), 1)).toEqual([
      '2026-03-28T21:00:00.000Z/2026-03-29T04:00:00.000Z',
    ]);
  });

  it('days keep the local wall-clock time over the change', () => {
    // Friday Mar 27 10:00 CET (09:00Z) + 1 day → Monday Mar 30 10:00 CEST (08:00Z).
    expect(iso(office.addBusinessTime(z('2026-03-27T09:00:00Z'), 1, 'days'))).toBe(
      '2026-03-30T08:00:00.000Z',
    );
    expect(iso(office.subtractBusinessTime(z('2026-03-30T08:00:00Z'), 1, 'days'))).toBe(
      '2026-03-27T09:00:00.000Z',
    );
  });
});

describe('America/Sao_Paulo 2018–19 (DST at midnight: 2018-11-04 00:00→01:00, 2019-02-17 00:00→02-16 23:00)', () => {
  const daily = BusinessCalendar.from({ timeZone: 'America/Sao_Paulo', hours: everyDay });

  it('the date whose midnight does not exist starts at 01:00', () => {
    const cal = BusinessCalendar.from({
      timeZone: 'America/Sao_Paulo',
      hours: { sun: [['00:00', '12:00']] },
    });
    // 01:00 -02 = 03:00Z until 12:00 -02 = 14:00Z: 11 hours.
    expect(periods(cal, z('2018-11-03T00:00:00Z'), 1)).toEqual([
      '2018-11-04T03:00:00.000Z/2018-11-04T14:00:00.000Z',
    ]);
    expect(cal.isBusinessTime(z('2018-11-04T02:59:59Z'))).toBe(false); // Saturday 23:59:59 -03
  });

  it('an overnight interval into the missing midnight is 3 real hours', () => {
    const cal = BusinessCalendar.from({
      timeZone: 'America/Sao_Paulo',
      hours: { sat: [['22:00', '02:00']] },
    });
    expect(periods(cal, z('2018-11-03T00:00:00Z'), 1)).toEqual([
      '2018-11-04T01:00:00.000Z/2018-11-04T04:00:00.000Z',
    ]);
  });

  it('the Saturday before the fall-back midnight lasts 25 hours', () => {
    const cal = BusinessCalendar.from({ timeZone: 'America/Sao_Paulo', hours: { sat: ALL_DAY } });
    expect(periods(cal, z('2019-02-15T00:00:00Z'), 1)).toEqual([
      '2019-02-16T02:00:00.000Z/2019-02-17T03:00:00.000Z',
    ]);
  });

  it('days: missing midnight moves one hour later; repeated 23:30 takes the first occurrence', () => {
    // Saturday 00:30 -03 (03:30Z) + 1 day → Sunday 00:30, missing → 01:30 -02 = 03:30Z.
    expect(iso(daily.addBusinessTime(z('2018-11-03T03:30:00Z'), 1, 'days'))).toBe('2018-11-04T03:30:00.000Z');
    // Friday 23:30 -02 (01:30Z Sat) + 1 day → Saturday 23:30 first occurrence (-02) = 01:30Z Sun.
    expect(iso(daily.addBusinessTime(z('2019-02-16T01:30:00Z'), 1, 'days'))).toBe('2019-02-17T01:30:00.000Z');
  });

  it('the repeated hour still belongs to its local date', () => {
    const cal = BusinessCalendar.from({
      timeZone: 'America/Sao_Paulo',
      hours: everyDay,
      holidays: ['2019-02-16'],
    });
    expect(cal.isHoliday(z('2019-02-17T01:30:00Z'))).toBe(true); // first 23:30
    expect(cal.isHoliday(z('2019-02-17T02:30:00Z'))).toBe(true); // second 23:30
    expect(cal.isHoliday(z('2019-02-17T03:00:00Z'))).toBe(false); // Sunday 00:00 -03
    expect(cal.isBusinessTime(z('2019-02-17T02:30:00Z'))).toBe(false);
    expect(cal.isBusinessTime(z('2019-02-17T03:00:00Z'))).toBe(true);
  });
});
