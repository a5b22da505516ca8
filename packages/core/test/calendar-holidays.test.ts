import { describe, expect, it } from 'vitest';
import { BusinessCalendar, holidaysFromDateHolidays, isThreadlineError } from '../src/index.js';

describe('holidaysFromDateHolidays', () => {
  it('lists public holidays of a country and state as local dates', async () => {
    const days = await holidaysFromDateHolidays({ country: 'DE', state: 'BY', years: 2026 });
    expect(days).toContain('2026-01-01');
    expect(days).toContain('2026-01-06'); // Epiphany is public in Bavaria
    expect(days).toContain('2026-12-25');
    expect(days).not.toContain('2026-02-12'); // an observance, not public
    const berlin = await holidaysFromDateHolidays({ country: 'de', state: 'BE', years: [2026] });
    expect(berlin).not.toContain('2026-01-06');
    expect([...days].sort()).toEqual(days);
  });

  it('covers year ranges and feeds a calendar', async () => {
    const holidays = await holidaysFromDateHolidays({ country: 'US', years: { from: 2026, to: 2027 } });
    expect(holidays).toContain('2026-07-03'); // Independence Day observed (the 4th is a Saturday)
    expect(holidays).toContain('2027-12-24');
    const cal = BusinessCalendar.from({
      timeZone: 'America/New_York',
      hours: { fri: [['09:00', '17:00']] },
      holidays,
    });
    expect(cal.isHoliday(new Date('2026-07-03T15:00:00Z'))).toBe(true);
  });

  it('includes other types on request', async () => {
    const days = await holidaysFromDateHolidays({
      country: 'DE',
      years: 2026,
      types: ['public', 'observance'],
    });
    expect(days).toContain('2026-02-12');
  });

  it('rejects bad options with VALIDATION and the field', async () => {
    const cases: [unknown, (string | number)[]][] = [
      [{ country: 'ZZ', years: 2026 }, ['country']],
      [{ country: 'DEU', years: 2026 }, ['country']],
      [{ country: 'DE', state: 'XX', years: 2026 }, ['state']],
      [{ country: 'DE', years: { from: 2027, to: 2026 } }, ['years']],
      [{ country: 'DE', years: 2026, types: ['weird'] }, ['types', 0]],
    ];
    for (const [options, path] of cases) {
      const error = await holidaysFromDateHolidays(options as never).catch((e: unknown) => e);
      expect(isThreadlineError(error, 'VALIDATION')).toBe(true);
      expect((error as { path: unknown }).path).toEqual(path);
    }
  });

  it('explains how to install date-holidays when it is missing', async () => {
    const missing = () =>
      Promise.reject(
        Object.assign(new Error("Cannot find package 'date-holidays'"), { code: 'ERR_MODULE_NOT_FOUND' }),
      );
    const error = await holidaysFromDateHolidays({ country: 'DE', years: 2026 }, missing).catch(
      (e: unknown) => e,
    );
    expect(isThreadlineError(error, 'CONFIG')).toBe(true);
    expect((error as Error).message).toContain('npm install date-holidays');
  });
});
