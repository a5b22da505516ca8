import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BusinessCalendar } from '../src/index.js';

const NINE_TO_FIVE = [['09:00', '17:00']] as const;
const calendars = {
  utc: BusinessCalendar.from({
    timeZone: 'UTC',
    hours: { mon: NINE_TO_FIVE, tue: NINE_TO_FIVE, wed: NINE_TO_FIVE, thu: NINE_TO_FIVE, fri: NINE_TO_FIVE },
  }),
  losAngeles: BusinessCalendar.from({
    timeZone: 'America/Los_Angeles',
    hours: {
      mon: [
        ['08:00', '12:00'],
        ['13:00', '18:30'],
      ],
      tue: [['22:00', '06:00']],
      wed: [['09:00', '17:00']],
      thu: [
        ['07:15:30', '11:00'],
        ['11:30', '24:00'],
      ],
      sat: [['01:30', '02:30']],
      sun: [['23:00', '03:00']],
    },
    holidays: ['2018-12-25', '2018-12-26', '2019-01-01', '2019-11-28'],
    shifts: { '2019-03-10': [['01:00', '04:00']], '2018-12-29': [['10:00', '14:00']] },
    breaks: { '2019-01-03': [['10:00', '12:00']], '2019-11-05': [['23:00', '02:00']] },
  }),
  saoPaulo: BusinessCalendar.from({
    timeZone: 'America/Sao_Paulo',
    hours: {
      mon: [['00:00', '24:00']],
      fri: [['23:00', '01:00']],
      sat: [
        ['00:00', '00:30'],
        ['08:00', '12:00'],
        ['23:30', '24:00'],
      ],
      sun: [['00:00', '02:00']],
    },
    holidays: ['2018-11-05'],
  }),
  berlin: BusinessCalendar.from({
    timeZone: 'Europe/Berlin',
    hours: {
      mon: [
        ['09:00', '12:00'],
        ['13:00', '17:00'],
      ],
      tue: [['09:00', '17:00']],
      fri: [['09:00', '15:00']],
      sun: [['02:00', '03:30']],
    },
    holidays: ['2019-10-03', '2019-10-04'],
  }),
};
const names = Object.keys(calendars) as (keyof typeof calendars)[];

// Instants from 2018 to 2020 (Sao Paulo still had DST), on whole seconds so second-based amounts stay exact.
const instant = fc
  .integer({ min: Date.UTC(2018, 0, 1) / 1000, max: Date.UTC(2020, 0, 1) / 1000 })
  .map((s) => s * 1000);
const seconds = fc.integer({ min: 0, max: 60 * 3600 * 10 });
const calendar = fc.constantFrom(...names);
const params = { numRuns: 400, seed: 20_261_124 };

describe('BusinessCalendar properties', () => {
  it('businessTimeBetween(t, addBusinessTime(t, d)) == d and the same backwards', () => {
    fc.assert(
      fc.property(calendar, instant, seconds, (name, t, s) => {
        const cal = calendars[name];
        const after = cal.addBusinessTime(t, s, 'seconds');
        expect(cal.businessTimeBetween(t, after)).toBe(s * 1000);
        const before = cal.subtractBusinessTime(t, s, 'seconds');
        expect(cal.businessTimeBetween(before, t)).toBe(s * 1000);
        expect(after.getTime()).toBeGreaterThanOrEqual(t);
        expect(before.getTime()).toBeLessThanOrEqual(t);
      }),
      params,
    );
  });

  it('adding and subtracting are monotonic in the start and the amount', () => {
    fc.assert(
      fc.property(calendar, instant, instant, seconds, seconds, (name, a, b, s1, s2) => {
        const cal = calendars[name];
        const [t1, t2] = a <= b ? [a, b] : [b, a];
        const [d1, d2] = s1 <= s2 ? [s1, s2] : [s2, s1];
        expect(cal.addBusinessTime(t1, d1, 'seconds') <= cal.addBusinessTime(t2, d1, 'seconds')).toBe(true);
        expect(cal.addBusinessTime(t1, d1, 'seconds') <= cal.addBusinessTime(t1, d2, 'seconds')).toBe(true);
        expect(
          cal.subtractBusinessTime(t1, d1, 'seconds') <= cal.subtractBusinessTime(t2, d1, 'seconds'),
        ).toBe(true);
        expect(
          cal.subtractBusinessTime(t1, d2, 'seconds') <= cal.subtractBusinessTime(t1, d1, 'seconds'),
        ).toBe(true);
        expect(cal.businessTimeBetween(t1, t2)).toBeGreaterThanOrEqual(0);
      }),
      params,
    );
  });

  it('isBusinessTime agrees with periodsAfter, and periods are ordered, disjoint and non-touching', () => {
    fc.assert(
      fc.property(calendar, instant, (name, t) => {
        const cal = calendars[name];
        const list: { start: number; end: number }[] = [];
        for (const p of cal.periodsAfter(t)) {
          list.push({ start: p.start.getTime(), end: p.end.getTime() });
          if (list.length === 6) break;
        }
        expect(cal.isBusinessTime(t)).toBe(list[0]?.start === t);
        let previousEnd = Number.NEGATIVE_INFINITY;
        for (const { start, end } of list) {
          expect(start).toBeGreaterThan(previousEnd);
          expect(end).toBeGreaterThan(start);
          expect(cal.isBusinessTime(start)).toBe(true);
          expect(cal.isBusinessTime(end - 1)).toBe(true);
          expect(cal.isBusinessTime(end)).toBe(false);
          expect(cal.isBusinessTime(start - 1)).toBe(start === t && cal.isBusinessTime(t - 1));
          expect(cal.businessTimeBetween(start, end)).toBe(end - start);
          if (previousEnd > Number.NEGATIVE_INFINITY)
            expect(cal.businessTimeBetween(previousEnd, start)).toBe(0);
          previousEnd = end;
        }
      }),
      params,
    );
  });

  it('periodsBefore mirrors periodsAfter', () => {
    fc.assert(
      fc.property(calendar, instant, (name, t) => {
        const cal = calendars[name];
        const [first] = cal.periodsBefore(t);
        if (first === undefined) throw new Error('no period before');
        const end = first.end.getTime();
        expect(end).toBeLessThanOrEqual(t);
        expect(cal.businessTimeBetween(end, t)).toBe(0);
        expect(cal.isBusinessTime(end - 1)).toBe(true);
        const [again] = cal.periodsAfter(first.start);
        expect(again?.start.getTime()).toBe(first.start.getTime());
      }),
      params,
    );
  });

  it('addBusinessTime matches a walk over periodsAfter (rolling over at closings)', () => {
    fc.assert(
      fc.property(calendar, instant, seconds, (name, t, s) => {
        const cal = calendars[name];
        let remaining = s * 1000;
        let expected = Number.NaN;
        for (const p of cal.periodsAfter(t)) {
          const len = p.end.getTime() - p.start.getTime();
          if (remaining < len) {
            expected = p.start.getTime() + remaining;
            break;
          }
          remaining -= len;
        }
        expect(cal.addBusinessTime(t, s, 'seconds').getTime()).toBe(expected);
        expect(cal.isBusinessTime(expected)).toBe(true);
      }),
      params,
    );
  });

  it('time running out exactly at a closing rolls over; subtracting a whole period lands on its opening', () => {
    fc.assert(
      fc.property(calendar, instant, (name, t) => {
        const cal = calendars[name];
        const [first, second] = cal.periodsAfter(t);
        if (first === undefined || second === undefined) throw new Error('expected two periods');
        const length = first.end.getTime() - first.start.getTime();
        expect(cal.addBusinessTime(t, length / 1000, 'seconds').getTime()).toBe(second.start.getTime());
        expect(cal.subtractBusinessTime(first.end, length / 1000, 'seconds').getTime()).toBe(
          first.start.getTime(),
        );
        expect(cal.addBusinessTime(first.end, 0, 'seconds').getTime()).toBe(second.start.getTime());
      }),
      params,
    );
  });

  it('businessTimeBetween is additive', () => {
    fc.assert(
      fc.property(calendar, instant, instant, instant, (name, x, y, z) => {
        const cal = calendars[name];
        const [a, b, c] = [x, y, z].sort((p, q) => p - q) as [number, number, number];
        expect(cal.businessTimeBetween(a, c)).toBe(
          cal.businessTimeBetween(a, b) + cal.businessTimeBetween(b, c),
        );
      }),
      params,
    );
  });

  it('days land on business time, forwards and backwards', () => {
    fc.assert(
      fc.property(calendar, instant, fc.integer({ min: 0, max: 30 }), (name, t, n) => {
        const cal = calendars[name];
        const after = cal.addBusinessTime(t, n, 'days').getTime();
        expect(after).toBeGreaterThanOrEqual(t);
        expect(cal.isBusinessTime(after)).toBe(true);
        const before = cal.subtractBusinessTime(t, n, 'days').getTime();
        expect(before).toBeLessThanOrEqual(t);
        expect(cal.isBusinessTime(before - 1)).toBe(true);
      }),
      params,
    );
  });

  it('isBusinessTime matches a wall-clock oracle built on Intl for hours away from DST changes', () => {
    const cal = BusinessCalendar.from({
      timeZone: 'America/New_York',
      hours: {
        mon: [['09:00', '17:00']],
        wed: [
          ['08:30', '12:00'],
          ['13:00', '20:00'],
        ],
        sat: [['10:00', '14:00']],
      },
      holidays: ['2019-07-04', '2019-07-06'],
    });
    const fmt = new Intl.DateTimeFormat('en-US', {
      timeZone: 'America/New_York',
      hourCycle: 'h23',
      weekday: 'short',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
    });
    const hours: Record<string, [number, number][]> = {
      Mon: [[540, 1020]],
      Wed: [
        [510, 720],
        [780, 1200],
      ],
      Sat: [[600, 840]],
    };
    fc.assert(
      fc.property(instant, (t) => {
        const parts = Object.fromEntries(fmt.formatToParts(t).map((p) => [p.type, p.value]));
        const date = `${parts.year}-${parts.month}-${parts.day}`;
        const minute = Number(parts.hour) * 60 + Number(parts.minute);
        const open =
          date !== '2019-07-04' &&
          date !== '2019-07-06' &&
          (hours[parts.weekday as string] ?? []).some(([s, e]) => minute >= s && minute < e);
        expect(cal.isBusinessTime(t)).toBe(open);
      }),
      { ...params, numRuns: 2000 },
    );
  });
});
