import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  civilFromDays,
  daysFromCivil,
  formatIsoDate,
  parseIsoDate,
  weekdayOf,
} from '../src/calendar/civil.js';
import { ZoneRules } from '../src/calendar/zone.js';
import { BusinessCalendar, isThreadlineError } from '../src/index.js';

const ZONES = [
  'UTC',
  'America/Los_Angeles',
  'Europe/Berlin',
  'America/Sao_Paulo',
  'Australia/Lord_Howe', // 30-minute daylight saving
  'Asia/Kathmandu', // +05:45
  'Pacific/Apia', // skipped 2011-12-30 entirely
  'Europe/Dublin', // negative daylight saving in tzdb
];

/** Offset straight from Intl, no caching: the oracle for ZoneRules. */
const formats = new Map<string, Intl.DateTimeFormat>();
function intlOffset(zone: string, ms: number): number {
  let format = formats.get(zone);
  if (format === undefined) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formats.set(zone, format);
  }
  const parts = Object.fromEntries(format.formatToParts(ms).map((p) => [p.type, Number(p.value)])) as Record<
    string,
    number
  >;
  const wall = Date.UTC(
    parts.year as number,
    (parts.month as number) - 1,
    parts.day,
    parts.hour,
    parts.minute,
    parts.second,
  );
  return wall - Math.floor(ms / 1000) * 1000;
}

describe('civil dates', () => {
  it('round-trips day numbers and agrees with Date', () => {
    fc.assert(
      fc.property(fc.integer({ min: -700_000, max: 2_900_000 }), (days) => {
        const [y, m, d] = civilFromDays(days);
        expect(daysFromCivil(y, m, d)).toBe(days);
        if (y >= 1000) {
          const date = new Date(days * 86_400_000);
          expect([date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate()]).toEqual([y, m, d]);
          expect(weekdayOf(days)).toBe((date.getUTCDay() + 6) % 7);
          expect(parseIsoDate(formatIsoDate(days))).toBe(days);
        }
      }),
      { numRuns: 500, seed: 7 },
    );
    expect(parseIsoDate('2024-02-29')).toBe(daysFromCivil(2024, 2, 29));
    expect(parseIsoDate('2023-02-29')).toBeUndefined();
    expect(parseIsoDate('2023-2-01')).toBeUndefined();
  });
});

describe('ZoneRules', () => {
  it('offsets match Intl at random instants from 1900 to 2040', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...ZONES),
        fc.integer({ min: Date.UTC(1900, 0, 1), max: Date.UTC(2040, 0, 1) }),
        (zone, ms) => {
          expect(ZoneRules.for(zone).offsetAt(ms)).toBe(intlOffset(zone, ms));
        },
      ),
      { numRuns: 3000, seed: 11 },
    );
  });

  it('matches Intl on both sides of every transition of a year', () => {
    for (const [zone, year] of [
      ['America/Los_Angeles', 2026],
      ['Europe/Berlin', 2026],
      ['Australia/Lord_Howe', 2026],
      ['America/Sao_Paulo', 2018],
      ['America/Sao_Paulo', 2019],
    ] as const) {
      const rules = ZoneRules.for(zone);
      let found = 0;
      for (let h = Date.UTC(year, 0, 1); h < Date.UTC(year + 1, 0, 1); h += 3_600_000) {
        if (intlOffset(zone, h) === intlOffset(zone, h + 3_600_000)) continue;
        let lo = h;
        let hi = h + 3_600_000;
        while (hi - lo > 1000) {
          const mid = lo + Math.floor((hi - lo) / 2000) * 1000;
          if (intlOffset(zone, mid) === intlOffset(zone, lo)) lo = mid;
          else hi = mid;
        }
        found++;
        expect(rules.offsetAt(hi - 1)).toBe(intlOffset(zone, hi - 1000));
        expect(rules.offsetAt(hi)).toBe(intlOffset(zone, hi));
      }
      expect(found).toBeGreaterThanOrEqual(1);
    }
  });

  it('finds transitions to the second', () => {
    const la = ZoneRules.for('America/Los_Angeles');
    expect(la.offsetAt(Date.parse('2026-03-08T09:59:59Z'))).toBe(-8 * 3_600_000);
    expect(la.offsetAt(Date.parse('2026-03-08T10:00:00Z'))).toBe(-7 * 3_600_000);
    const lordHowe = ZoneRules.for('Australia/Lord_Howe');
    // 2026-04-05 02:00 LHDT (+11) → 01:30 LHST (+10:30), at 2026-04-04T15:00Z.
    expect(lordHowe.offsetAt(Date.parse('2026-04-04T14:59:59Z'))).toBe(11 * 3_600_000);
    expect(lordHowe.offsetAt(Date.parse('2026-04-04T15:00:00Z'))).toBe(10.5 * 3_600_000);
  });

  it('toInstant inverts wallTime, choosing the first occurrence of repeated times', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...ZONES),
        fc.integer({ min: Date.UTC(1970, 0, 1), max: Date.UTC(2040, 0, 1) }),
        (zone, ms) => {
          const rules = ZoneRules.for(zone);
          const wall = rules.wallTime(ms);
          const back = rules.toInstant(wall);
          expect(back).toBeLessThanOrEqual(ms);
          expect(rules.wallTime(back)).toBe(wall);
        },
      ),
      { numRuns: 2000, seed: 13 },
    );
  });

  it('a skipped wall time moves forward by the gap', () => {
    const la = ZoneRules.for('America/Los_Angeles');
    // 2026-03-08 02:30 does not exist → 03:30 PDT.
    expect(la.toInstant(Date.UTC(2026, 2, 8, 2, 30))).toBe(Date.parse('2026-03-08T10:30:00Z'));
    const lordHowe = ZoneRules.for('Australia/Lord_Howe');
    // 2026-10-04 02:00 → 02:30 (+11): 02:15 does not exist → 02:45 LHDT.
    expect(lordHowe.toInstant(Date.UTC(2026, 9, 4, 2, 15))).toBe(Date.parse('2026-10-03T15:45:00Z'));
  });
});

describe('calendar edge cases', () => {
  const cal = BusinessCalendar.from({ timeZone: 'UTC', hours: { mon: [['09:00', '17:00']] } });

  it('a date skipped entirely (Samoa, 2011-12-30) has no business time and is not counted as a day', () => {
    const apia = BusinessCalendar.from({
      timeZone: 'Pacific/Apia',
      hours: { thu: [['09:00', '17:00']], fri: [['09:00', '17:00']], sat: [['09:00', '17:00']] },
    });
    // Thursday 2011-12-29 10:00 (-10:00) + 1 day → Friday the 30th never happened → Saturday 31st 10:00 (+14:00).
    expect(apia.addBusinessTime(Date.parse('2011-12-29T20:00:00Z'), 1, 'days').toISOString()).toBe(
      '2011-12-30T20:00:00.000Z',
    );
    // Thursday 16:00 + 2 h → 1 h Thursday, 1 h Saturday.
    expect(apia.addBusinessTime(Date.parse('2011-12-30T02:00:00Z'), 2, 'hours').toISOString()).toBe(
      '2011-12-30T20:00:00.000Z',
    );
  });

  it('rejects instants outside the supported years', () => {
    for (const at of [Date.UTC(999, 0, 1), Date.UTC(9999, 6, 1), 8.64e15]) {
      let error: unknown;
      try {
        cal.isBusinessTime(at);
      } catch (e) {
        error = e;
      }
      expect(isThreadlineError(error, 'VALIDATION')).toBe(true);
    }
  });

  it('intersect rejects a non-calendar and calendars without common weekly hours', () => {
    expect(() => cal.intersect({} as BusinessCalendar)).toThrow(/BusinessCalendar/);
    const weekend = BusinessCalendar.from({ timeZone: 'UTC', hours: { sat: [['09:00', '17:00']] } });
    let error: unknown;
    try {
      cal.intersect(weekend);
    } catch (e) {
      error = e;
    }
    expect(isThreadlineError(error, 'CONFIG')).toBe(true);
  });
});
