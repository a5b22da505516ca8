import { isThreadlineError } from '@threadline/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createSpikeDetector, SpikeDetector, type SpikeDetectorOptions } from '../src/index.js';

const HOUR = 3_600_000;

/**
 * The hour-of-week slot each instant's window lands in: a fresh detector sees one event and
 * closes that one window, and a slot's first observation becomes its mean.
 */
function slotsOf(options: SpikeDetectorOptions, instants: readonly number[]): number[] {
  return instants.map((at) => {
    const d = createSpikeDetector({ ...options, ewma: false, cusum: false });
    d.observe('x', at, 7);
    d.closeWindowsUntil(at + HOUR);
    return d.toJSON().topics.x?.slotMean.indexOf(7) ?? -1;
  });
}

/** Hour-of-week (Sunday 00:00 local = 0, the detector's slot 0) read independently from `Intl`. */
function localHourOfWeek(ms: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    weekday: 'short',
    hour: 'numeric',
    hourCycle: 'h23',
  }).formatToParts(ms);
  const weekday = parts.find((p) => p.type === 'weekday')?.value ?? '';
  const hour = Number(parts.find((p) => p.type === 'hour')?.value);
  return ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'].indexOf(weekday) * 24 + hour;
}

describe('SpikeDetector time zone (hour-of-week slots follow the local wall clock)', () => {
  // Monday 09:30 local on either side of each transition; Monday 09:00 local is slot 24 + 9.
  const cases: [string, string, number, number][] = [
    // DST starts Sunday 8 March 2026: 09:30 EST = 14:30 UTC, 09:30 EDT = 13:30 UTC.
    ['America/New_York', 'March', Date.UTC(2026, 2, 2, 14, 30), Date.UTC(2026, 2, 9, 13, 30)],
    // DST ends Sunday 1 November 2026: 09:30 EDT = 13:30 UTC, 09:30 EST = 14:30 UTC.
    ['America/New_York', 'November', Date.UTC(2026, 9, 26, 13, 30), Date.UTC(2026, 10, 2, 14, 30)],
    // Southern hemisphere, DST ends Sunday 5 April 2026: 09:30 AEDT = 22:30 UTC the day before,
    // 09:30 AEST = 23:30 UTC the day before.
    ['Australia/Sydney', 'April', Date.UTC(2026, 2, 29, 22, 30), Date.UTC(2026, 3, 5, 23, 30)],
    // DST starts Sunday 4 October 2026: 09:30 AEST = 23:30 UTC, 09:30 AEDT = 22:30 UTC.
    ['Australia/Sydney', 'October', Date.UTC(2026, 8, 27, 23, 30), Date.UTC(2026, 9, 4, 22, 30)],
  ];

  for (const [timeZone, month, before, after] of cases) {
    it(`${timeZone}, ${month} change: the same local hour is the same slot on both sides`, () => {
      expect(slotsOf({ timeZone }, [before, after])).toEqual([33, 33]);
    });
  }

  it('the deprecated fixed offset is what split them (one hour apart after the change)', () => {
    const [, , before, after] = cases[0]!;
    expect(slotsOf({ utcOffsetMinutes: -300 }, [before, after])).toEqual([33, 32]);
  });

  it('every window lands in the hour-of-week of its start in the zone (property)', () => {
    const zones = ['America/New_York', 'Australia/Sydney', 'Europe/London', 'Asia/Kolkata', 'UTC'];
    fc.assert(
      fc.property(
        fc.constantFrom(...zones),
        // Whole hours in 2020–2030, so a 1-hour window starts exactly at the instant.
        fc.integer({ min: 438_300, max: 526_000 }),
        (timeZone, hours) => {
          const at = hours * HOUR;
          // Kolkata is UTC+05:30, so its 1-hour windows start at hh:30 local: same local hour.
          expect(slotsOf({ timeZone }, [at])).toEqual([localHourOfWeek(at, timeZone)]);
        },
      ),
      { numRuns: 200, seed: 11 },
    );
  });

  it('refuses an unknown zone with VALIDATION at timeZone, and a zone with a fixed offset', () => {
    try {
      createSpikeDetector({ timeZone: 'Mars/Olympus_Mons' });
      throw new Error('expected VALIDATION');
    } catch (e) {
      expect(isThreadlineError(e, 'VALIDATION')).toBe(true);
      expect((e as { path: unknown }).path).toEqual(['timeZone']);
    }
    expect(() => createSpikeDetector({ timeZone: 'UTC', utcOffsetMinutes: 60 })).toThrow(
      expect.objectContaining({ code: 'CONFIG', path: ['utcOffsetMinutes'] }),
    );
  });

  it('keeps its zone through a JSON round trip', () => {
    const [, , before, after] = cases[2]!;
    const d = createSpikeDetector({ timeZone: 'Australia/Sydney', ewma: false, cusum: false });
    d.observe('x', before, 10);
    d.closeWindowsUntil(before + HOUR);
    expect(d.toJSON().topics.x?.slotMean.indexOf(10)).toBe(33);
    // A week later, across the change, in the restored detector: the count lands in slot 33
    // again (its mean moves) and every other slot still has a zero mean.
    const restored = SpikeDetector.fromJSON(JSON.parse(JSON.stringify(d.toJSON())));
    restored.observe('x', after, 11);
    restored.closeWindowsUntil(after + HOUR);
    const slotMean = restored.toJSON().topics.x?.slotMean ?? [];
    expect(slotMean[33]).not.toBe(10);
    expect(slotMean.flatMap((m, i) => (i !== 33 && m !== 0 ? [i] : []))).toEqual([]);
  });
});
