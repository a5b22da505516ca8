// The worked examples of the "Business calendar" section of the README, kept true by this test.
import { describe, expect, it } from 'vitest';
import { BusinessCalendar } from '../src/index.js';

const cal = BusinessCalendar.from({
  timeZone: 'America/New_York',
  hours: {
    mon: [['09:00', '17:00']],
    tue: [['09:00', '17:00']],
    wed: [['09:00', '17:00']],
    thu: [
      ['09:00', '12:00'],
      ['13:00', '17:00'],
    ],
    fri: [['09:00', '17:00']],
  },
  shifts: { '2026-12-24': [['09:00', '13:00']], '2026-12-25': [['10:00', '14:00']] },
  breaks: { '2026-12-22': [['12:00', '14:00']] },
  holidays: ['2026-12-25', '2026-12-31', '2027-01-01'],
});
/** A New York wall time in December 2026 (EST, UTC−5). */
const ny = (local: string) => new Date(`2026-12-${local}-05:00`);
const add = (at: string, n: number, unit: 'hours' | 'days') => cal.addBusinessTime(ny(at), n, unit).getTime();
const sub = (at: string, n: number, unit: 'hours' | 'days') =>
  cal.subtractBusinessTime(ny(at), n, unit).getTime();
const t = (local: string) => ny(local).getTime();

describe('README worked examples', () => {
  it('rules 1–4', () => {
    expect(add('18T16:00:00', 2, 'hours')).toBe(t('21T10:00:00'));
    expect(add('18T16:00:00', 1, 'hours')).toBe(t('21T09:00:00'));
    expect(sub('21T10:00:00', 1, 'hours')).toBe(t('21T09:00:00'));
    expect(add('19T12:00:00', 1, 'hours')).toBe(t('21T10:00:00'));
    expect(add('19T12:00:00', 0, 'hours')).toBe(t('21T09:00:00'));
    expect(sub('19T12:00:00', 0, 'hours')).toBe(t('18T17:00:00'));
  });

  it('rules 5–8', () => {
    expect(add('17T11:00:00', 2, 'hours')).toBe(t('17T14:00:00'));
    expect(cal.isBusinessTime(ny('17T12:30:00'))).toBe(false);
    expect(add('22T11:00:00', 2, 'hours')).toBe(t('22T15:00:00'));
    expect(cal.isOnBreak(ny('22T13:00:00'))).toBe(true);
    expect(add('24T12:00:00', 2, 'hours')).toBe(t('28T10:00:00'));
    expect(cal.isHoliday(ny('25T11:00:00'))).toBe(true);
    expect(cal.isBusinessTime(ny('25T11:00:00'))).toBe(false);
  });

  it('rule 9 (days)', () => {
    expect(add('23T10:00:00', 1, 'days')).toBe(t('24T10:00:00'));
    expect(add('23T15:00:00', 1, 'days')).toBe(t('28T09:00:00'));
    expect(sub('28T08:00:00', 1, 'days')).toBe(t('23T17:00:00'));
  });

  it('operations table and periods', () => {
    expect(cal.businessTimeBetween(ny('18T16:00:00'), ny('22T15:00:00'))).toBe(13 * 3_600_000);
    const periods: [number, number][] = [];
    for (const p of cal.periodsAfter(ny('24T10:30:00'))) {
      periods.push([p.start.getTime(), p.end.getTime()]);
      if (periods.length === 3) break;
    }
    expect(periods).toEqual([
      [t('24T10:30:00'), t('24T13:00:00')],
      [t('28T09:00:00'), t('28T17:00:00')],
      [t('29T09:00:00'), t('29T17:00:00')],
    ]);
  });

  it('intersect example', () => {
    const support = BusinessCalendar.from({
      timeZone: 'Europe/Berlin',
      hours: { mon: [['08:00', '16:00']], tue: [['08:00', '16:00']] },
      holidays: ['2026-01-06'],
    });
    const contract = BusinessCalendar.from({
      timeZone: 'UTC',
      hours: { mon: [['10:00', '20:00']], tue: [['12:00', '18:00']] },
      holidays: ['2026-01-05'],
    });
    expect(support.intersect(contract).config).toEqual({
      timeZone: 'Europe/Berlin',
      hours: { mon: [['10:00', '16:00']], tue: [['12:00', '16:00']] },
      holidays: ['2026-01-05', '2026-01-06'],
    });
  });
});
