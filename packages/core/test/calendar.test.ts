import { describe, expect, it } from 'vitest';
import { BusinessCalendar, type BusinessCalendarConfig, isThreadlineError } from '../src/index.js';

const NINE_TO_FIVE = [['09:00', '17:00']] as const;
const weekdays: BusinessCalendarConfig['hours'] = {
  mon: NINE_TO_FIVE,
  tue: NINE_TO_FIVE,
  wed: NINE_TO_FIVE,
  thu: NINE_TO_FIVE,
  fri: NINE_TO_FIVE,
};
const utc = BusinessCalendar.from({ timeZone: 'UTC', hours: weekdays });
const iso = (d: Date) => d.toISOString();
const H = 3_600_000;

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
}

describe('BusinessCalendar basics (Mon–Fri 09–17 UTC)', () => {
  // 2026-01-05 is a Monday.
  it('adds hours within a day and across the night', () => {
    expect(iso(utc.addBusinessTime(Date.UTC(2026, 0, 5, 10), 3, 'hours'))).toBe('2026-01-05T13:00:00.000Z');
    expect(iso(utc.addBusinessTime(Date.UTC(2026, 0, 5, 16), 2, 'hours'))).toBe('2026-01-06T10:00:00.000Z');
    expect(iso(utc.addBusinessTime(new Date(Date.UTC(2026, 0, 5, 16)), 40, 'hours'))).toBe(
      '2026-01-12T16:00:00.000Z',
    );
  });

  it('rolls forward to the next opening when time runs out exactly at a closing', () => {
    expect(iso(utc.addBusinessTime(Date.UTC(2026, 0, 5, 16), 1, 'hours'))).toBe('2026-01-06T09:00:00.000Z');
    expect(iso(utc.addBusinessTime(Date.UTC(2026, 0, 9, 9), 8, 'hours'))).toBe('2026-01-12T09:00:00.000Z');
  });

  it('subtracting may land exactly on an opening', () => {
    expect(iso(utc.subtractBusinessTime(Date.UTC(2026, 0, 6, 10), 1, 'hours'))).toBe(
      '2026-01-06T09:00:00.000Z',
    );
    expect(iso(utc.subtractBusinessTime(Date.UTC(2026, 0, 6, 10), 2, 'hours'))).toBe(
      '2026-01-05T16:00:00.000Z',
    );
  });

  it('adding zero returns the next business moment; subtracting zero the previous one', () => {
    expect(iso(utc.addBusinessTime(Date.UTC(2026, 0, 5, 12), 0, 'hours'))).toBe('2026-01-05T12:00:00.000Z');
    expect(iso(utc.addBusinessTime(Date.UTC(2026, 0, 5, 17), 0, 'minutes'))).toBe('2026-01-06T09:00:00.000Z');
    expect(iso(utc.addBusinessTime(Date.UTC(2026, 0, 10, 12), 0, 'seconds'))).toBe(
      '2026-01-12T09:00:00.000Z',
    );
    expect(iso(utc.subtractBusinessTime(Date.UTC(2026, 0, 12, 9), 0, 'hours'))).toBe(
      '2026-01-09T17:00:00.000Z',
    );
    expect(iso(utc.subtractBusinessTime(Date.UTC(2026, 0, 12, 10), 0, 'hours'))).toBe(
      '2026-01-12T10:00:00.000Z',
    );
  });

  it('starting outside hours counts from the next opening', () => {
    expect(iso(utc.addBusinessTime(Date.UTC(2026, 0, 10, 3), 30, 'minutes'))).toBe(
      '2026-01-12T09:30:00.000Z',
    );
    expect(iso(utc.addBusinessTime(Date.UTC(2026, 0, 5, 6), 90, 'seconds'))).toBe('2026-01-05T09:01:30.000Z');
  });

  it('measures business time between instants', () => {
    expect(utc.businessTimeBetween(Date.UTC(2026, 0, 5, 16), Date.UTC(2026, 0, 6, 10))).toBe(2 * H);
    expect(utc.businessTimeBetween(Date.UTC(2026, 0, 5), Date.UTC(2026, 1, 2))).toBe(20 * 8 * H);
    expect(utc.businessTimeBetween(Date.UTC(2026, 0, 6), Date.UTC(2026, 0, 5))).toBe(0);
    expect(utc.businessTimeBetween(Date.UTC(2026, 0, 10), Date.UTC(2026, 0, 11))).toBe(0);
  });

  it('answers isBusinessTime with half-open periods', () => {
    expect(utc.isBusinessTime(Date.UTC(2026, 0, 5, 9))).toBe(true);
    expect(utc.isBusinessTime(Date.UTC(2026, 0, 5, 16, 59, 59, 999))).toBe(true);
    expect(utc.isBusinessTime(Date.UTC(2026, 0, 5, 17))).toBe(false);
    expect(utc.isBusinessTime(Date.UTC(2026, 0, 10, 12))).toBe(false);
  });

  it('moves whole business dates for days, keeping the wall-clock time', () => {
    // Friday 12:00 + 1 day → Monday 12:00; Friday 20:00 + 1 day → Monday 20:00 → snaps to Tuesday 09:00.
    expect(iso(utc.addBusinessTime(Date.UTC(2026, 0, 9, 12), 1, 'days'))).toBe('2026-01-12T12:00:00.000Z');
    expect(iso(utc.addBusinessTime(Date.UTC(2026, 0, 9, 20), 1, 'days'))).toBe('2026-01-13T09:00:00.000Z');
    // Monday 08:00 − 1 day → Friday 08:00 → snaps back to Thursday 17:00.
    expect(iso(utc.subtractBusinessTime(Date.UTC(2026, 0, 12, 8), 1, 'days'))).toBe(
      '2026-01-08T17:00:00.000Z',
    );
    expect(iso(utc.addBusinessTime(Date.UTC(2026, 0, 5, 10), 10, 'days'))).toBe('2026-01-19T10:00:00.000Z');
  });

  it('rejects bad arguments with VALIDATION and the field', () => {
    const neg = thrown(() => utc.addBusinessTime(0, -1, 'hours'));
    expect(isThreadlineError(neg, 'VALIDATION') && neg.path).toEqual(['amount']);
    const unit = thrown(() => utc.addBusinessTime(0, 1, 'weeks' as 'days'));
    expect(isThreadlineError(unit, 'VALIDATION') && unit.path).toEqual(['unit']);
    const frac = thrown(() => utc.addBusinessTime(0, 1.5, 'days'));
    expect(isThreadlineError(frac, 'VALIDATION') && frac.path).toEqual(['amount']);
    const bad = thrown(() => utc.isBusinessTime(new Date('nope')));
    expect(isThreadlineError(bad, 'VALIDATION') && bad.path).toEqual(['at']);
    const nan = thrown(() => utc.businessTimeBetween(0, Number.NaN));
    expect(isThreadlineError(nan, 'VALIDATION') && nan.path).toEqual(['to']);
  });
});

describe('BusinessCalendar configuration errors', () => {
  const cases: [unknown, (string | number)[]][] = [
    [{ timeZone: 'UTC', hours: { mon: [['09:00', '09:00']] } }, ['hours', 'mon', 0]],
    [{ timeZone: 'UTC', hours: { mon: [['09:00', '25:00']] } }, ['hours', 'mon', 0, 1]],
    [{ timeZone: 'UTC', hours: { mon: [['24:00', '09:00']] } }, ['hours', 'mon', 0, 0]],
    [{ timeZone: 'UTC', hours: { mon: [['9', '17:00']] } }, ['hours', 'mon', 0, 0]],
    [{ timeZone: 'Mars/Olympus', hours: { mon: NINE_TO_FIVE } }, ['timeZone']],
    [{ timeZone: 'UTC', hours: { monday: NINE_TO_FIVE } }, ['hours']],
    [{ timeZone: 'UTC', hours: {} }, ['hours']],
    [{ timeZone: 'UTC', hours: weekdays, holidays: ['2026-02-30'] }, ['holidays', 0]],
    [
      { timeZone: 'UTC', hours: weekdays, shifts: { '2026-01-05': [['10:00', '10:00']] } },
      ['shifts', '2026-01-05', 0],
    ],
    [
      { timeZone: 'UTC', hours: weekdays, breaks: { '2026-01-05': [['10:00']] } },
      ['breaks', '2026-01-05', 0],
    ],
    [{ timeZone: 'UTC', hours: weekdays, extra: true }, []],
  ];
  it.each(cases)('rejects %j with CONFIG at the field path', (config, path) => {
    const e = thrown(() => BusinessCalendar.from(config as BusinessCalendarConfig));
    expect(isThreadlineError(e, 'CONFIG')).toBe(true);
    expect((e as { path: unknown }).path).toEqual(path);
  });

  it('accepts seconds, 24:00 and overnight intervals', () => {
    const cal = BusinessCalendar.from({
      timeZone: 'UTC',
      hours: { mon: [['22:00', '06:00']], tue: [['08:30:15', '24:00']] },
    });
    expect(cal.businessTimeBetween(Date.UTC(2026, 0, 5), Date.UTC(2026, 0, 7))).toBe(
      8 * H + 15.5 * H - 15_000,
    );
  });
});
