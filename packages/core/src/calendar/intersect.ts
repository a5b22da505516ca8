import { DAY_MS, formatIsoDate, parseIsoDate, weekdayOf } from './civil.js';
import {
  type BusinessCalendarConfig,
  parseTimeOfDay,
  type TimeInterval,
  WEEKDAYS,
  type Weekday,
} from './config.js';

const WEEK_MS = 7 * DAY_MS;

type Ranges = [number, number][];

function toMs(interval: TimeInterval): [number, number] {
  const s = parseTimeOfDay(interval[0]) as number;
  let e = parseTimeOfDay(interval[1]) as number;
  if (e <= s) e += DAY_MS;
  return [s, e];
}

function normalise(ranges: Ranges): Ranges {
  const sorted = ranges.filter(([s, e]) => e > s).sort((a, b) => a[0] - b[0]);
  const out: Ranges = [];
  for (const [s, e] of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && s <= last[1]) last[1] = Math.max(last[1], e);
    else out.push([s, e]);
  }
  return out;
}

function intersectRanges(a: Ranges, b: Ranges): Ranges {
  const out: Ranges = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const [as, ae] = a[i] as [number, number];
    const [bs, be] = b[j] as [number, number];
    const s = Math.max(as, bs);
    const e = Math.min(ae, be);
    if (e > s) out.push([s, e]);
    if (ae < be) i++;
    else j++;
  }
  return out;
}

/** Weekly coverage in milliseconds from Monday 00:00, wrapping Sunday-night intervals into Monday. */
function weekCoverage(hours: BusinessCalendarConfig['hours']): Ranges {
  const out: Ranges = [];
  WEEKDAYS.forEach((day, w) => {
    for (const interval of hours[day] ?? []) {
      const [s, e] = toMs(interval);
      const start = w * DAY_MS + s;
      const end = w * DAY_MS + e;
      if (end <= WEEK_MS) out.push([start, end]);
      else out.push([start, WEEK_MS], [0, end - WEEK_MS]);
    }
  });
  return normalise(out);
}

function formatTime(ms: number): string {
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = Math.floor((ms % 60_000) / 1000);
  const hm = `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`;
  return s === 0 ? hm : `${hm}:${String(s).padStart(2, '0')}`;
}

function toIntervals(ranges: Ranges): TimeInterval[] {
  return ranges.map(([s, e]) => [formatTime(s), formatTime(e)] as const);
}

/** Intervals of one date of a calendar: its shift if it has one, else its weekday hours. */
function ownIntervals(config: BusinessCalendarConfig, day: number): Ranges {
  const list = config.shifts?.[formatIsoDate(day)] ?? config.hours[WEEKDAYS[weekdayOf(day)] as Weekday] ?? [];
  return list.map(toMs);
}

/** Wall-clock coverage of one date within `[00:00, 24:00)`, including the overnight spill of the day before. */
function dateCoverage(config: BusinessCalendarConfig, day: number): Ranges {
  const out: Ranges = [];
  for (const [s, e] of ownIntervals(config, day)) out.push([s, Math.min(e, DAY_MS)]);
  for (const [, e] of ownIntervals(config, day - 1)) if (e > DAY_MS) out.push([0, e - DAY_MS]);
  return normalise(out);
}

function unionDated(
  a: Readonly<Record<string, readonly TimeInterval[]>> | undefined,
  b: Readonly<Record<string, readonly TimeInterval[]>> | undefined,
): Record<string, TimeInterval[]> {
  const out: Record<string, TimeInterval[]> = {};
  for (const record of [a, b]) {
    for (const [date, list] of Object.entries(record ?? {})) (out[date] ??= []).push(...list);
  }
  return out;
}

/**
 * The configuration of the intersection of two calendars: open only when both are open (the second's
 * wall-clock hours read in the first's zone), breaks and holidays united, the first's zone. Overnight
 * intervals come back split at midnight, which the calendar treats identically.
 */
export function intersectCalendarConfigs(
  a: BusinessCalendarConfig,
  b: BusinessCalendarConfig,
): BusinessCalendarConfig {
  const week = intersectRanges(weekCoverage(a.hours), weekCoverage(b.hours));
  const hours: Partial<Record<Weekday, TimeInterval[]>> = {};
  for (const [s, e] of week) {
    // Split at midnights so each piece belongs to one weekday.
    let start = s;
    while (start < e) {
      const w = Math.floor(start / DAY_MS);
      const end = Math.min(e, (w + 1) * DAY_MS);
      (hours[WEEKDAYS[w] as Weekday] ??= []).push([
        formatTime(start - w * DAY_MS),
        formatTime(end - w * DAY_MS),
      ]);
      start = end;
    }
  }

  const shiftDays = new Set<number>();
  for (const record of [a.shifts, b.shifts]) {
    for (const date of Object.keys(record ?? {})) {
      const day = parseIsoDate(date) as number;
      shiftDays.add(day);
      shiftDays.add(day + 1);
    }
  }
  const shifts: Record<string, TimeInterval[]> = {};
  for (const day of [...shiftDays].sort((x, y) => x - y)) {
    shifts[formatIsoDate(day)] = toIntervals(intersectRanges(dateCoverage(a, day), dateCoverage(b, day)));
  }

  const holidays = [...new Set([...(a.holidays ?? []), ...(b.holidays ?? [])])].sort();
  const breaks = unionDated(a.breaks, b.breaks);
  const result: BusinessCalendarConfig = { timeZone: a.timeZone, hours };
  if (shiftDays.size > 0) result.shifts = shifts;
  if (Object.keys(breaks).length > 0) result.breaks = breaks;
  if (holidays.length > 0) result.holidays = holidays;
  return result;
}
