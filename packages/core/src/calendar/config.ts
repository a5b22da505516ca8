import { z } from 'zod';
import { parseInput } from '../errors.js';
import { DAY_MS, parseIsoDate } from './civil.js';
import { isKnownTimeZone } from './zone.js';

/** Weekday keys of {@link BusinessCalendarConfig.hours}, Monday first. */
export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

/** A weekday key: `'mon'` … `'sun'`. */
export type Weekday = (typeof WEEKDAYS)[number];

/**
 * A local time interval `[start, end)` as `'HH:MM'` or `'HH:MM:SS'` strings. `'24:00'` is allowed as an
 * end; an end before the start runs overnight into the next day; start equal to end is an error.
 */
export type TimeInterval = readonly [start: string, end: string];

/**
 * Configuration of a {@link BusinessCalendar} (JSON-serialisable).
 *
 * @example
 * ```ts
 * const config: BusinessCalendarConfig = {
 *   timeZone: 'Europe/Berlin',
 *   hours: { mon: [['09:00', '12:00'], ['13:00', '17:00']], fri: [['09:00', '15:00']] },
 *   shifts: { '2026-12-24': [['09:00', '12:00']] },
 *   breaks: { '2026-06-03': [['14:00', '15:00']] },
 *   holidays: ['2026-12-25', '2026-12-26'],
 * };
 * ```
 */
export interface BusinessCalendarConfig {
  /** IANA time zone the hours, dates and holidays are read in. */
  timeZone: string;
  /** Weekly hours; a missing weekday has no business time. At least one interval overall. */
  hours: Partial<Record<Weekday, readonly TimeInterval[]>>;
  /** Per local date `YYYY-MM-DD`: intervals that replace that date's weekday hours (`[]` = closed). */
  shifts?: Readonly<Record<string, readonly TimeInterval[]>>;
  /** Per local date `YYYY-MM-DD`: intervals removed from business time. */
  breaks?: Readonly<Record<string, readonly TimeInterval[]>>;
  /** Local dates `YYYY-MM-DD` with no business time at all (they win over shifts). */
  holidays?: readonly string[];
}

const TIME_RE = /^(\d{2}):(\d{2})(?::(\d{2}))?$/;

/** Milliseconds after local midnight of `'HH:MM[:SS]'`, or `undefined` when malformed or past 24:00. */
export function parseTimeOfDay(text: string): number | undefined {
  const m = TIME_RE.exec(text);
  if (!m) return undefined;
  const h = Number(m[1]);
  const min = Number(m[2]);
  const s = m[3] === undefined ? 0 : Number(m[3]);
  if (min > 59 || s > 59) return undefined;
  const ms = h * 3_600_000 + min * 60_000 + s * 1000;
  return ms <= DAY_MS ? ms : undefined;
}

const TimeSchema = z.string().refine((t) => parseTimeOfDay(t) !== undefined, {
  message: "expected a time 'HH:MM' or 'HH:MM:SS' between 00:00 and 24:00",
});

const IntervalSchema = z.tuple([TimeSchema, TimeSchema]).superRefine(([start, end], ctx) => {
  const s = parseTimeOfDay(start);
  const e = parseTimeOfDay(end);
  if (s === undefined || e === undefined) return;
  if (s === DAY_MS) {
    ctx.addIssue({ code: 'custom', path: [0], message: "'24:00' is only allowed as an end" });
  } else if (s === e) {
    ctx.addIssue({ code: 'custom', message: `start equals end (${start}): an interval must not be empty` });
  }
});

const DateKeySchema = z.string().refine((d) => parseIsoDate(d) !== undefined, {
  message: 'expected a real date YYYY-MM-DD',
});

const hoursShape = Object.fromEntries(WEEKDAYS.map((d) => [d, z.array(IntervalSchema).optional()])) as Record<
  Weekday,
  z.ZodOptional<z.ZodArray<typeof IntervalSchema>>
>;

/** Zod schema of {@link BusinessCalendarConfig}. */
export const BusinessCalendarConfigSchema = z
  .object({
    timeZone: z.string().refine(isKnownTimeZone, { message: 'unknown IANA time zone' }),
    hours: z.object(hoursShape).strict(),
    shifts: z.record(DateKeySchema, z.array(IntervalSchema)).optional(),
    breaks: z.record(DateKeySchema, z.array(IntervalSchema)).optional(),
    holidays: z.array(DateKeySchema).optional(),
  })
  .strict()
  .superRefine((config, ctx) => {
    const any = WEEKDAYS.some((d) => (config.hours[d]?.length ?? 0) > 0);
    if (!any) {
      ctx.addIssue({
        code: 'custom',
        path: ['hours'],
        message: 'weekly hours need at least one interval (use holidays or shifts for closed dates)',
      });
    }
  });

/** Intervals in milliseconds after local midnight, flattened `[start, end, start, end, …]`; overnight ends exceed 24 h. */
export type LocalIntervals = readonly number[];

/** A validated configuration compiled for fast lookups. */
export interface CompiledCalendarConfig {
  /** Weekday index (0 = Monday) → intervals. */
  readonly week: readonly LocalIntervals[];
  /** Day number → replacing intervals. */
  readonly shifts: ReadonlyMap<number, LocalIntervals>;
  /** Day number → break intervals. */
  readonly breaks: ReadonlyMap<number, LocalIntervals>;
  /** Day numbers of holidays. */
  readonly holidays: ReadonlySet<number>;
}

function compileIntervals(list: readonly TimeInterval[] | undefined): number[] {
  const out: number[] = [];
  for (const [start, end] of list ?? []) {
    const s = parseTimeOfDay(start) as number;
    let e = parseTimeOfDay(end) as number;
    if (e <= s) e += DAY_MS;
    out.push(s, e);
  }
  return out;
}

function compileDated(
  record: Readonly<Record<string, readonly TimeInterval[]>> | undefined,
): Map<number, number[]> {
  const out = new Map<number, number[]>();
  for (const [date, list] of Object.entries(record ?? {})) {
    out.set(parseIsoDate(date) as number, compileIntervals(list));
  }
  return out;
}

/**
 * Validates a calendar configuration (errors are `ThreadlineError` code `CONFIG` with the path of the
 * bad field, e.g. `['hours', 'mon', 0]`) and returns a normalised copy plus its compiled form.
 */
export function compileCalendarConfig(input: unknown): {
  config: BusinessCalendarConfig;
  compiled: CompiledCalendarConfig;
} {
  const parsed = parseInput(BusinessCalendarConfigSchema, input, 'business calendar config', 'CONFIG');
  const config: BusinessCalendarConfig = {
    timeZone: parsed.timeZone,
    hours: parsed.hours,
    ...(parsed.shifts === undefined ? {} : { shifts: parsed.shifts }),
    ...(parsed.breaks === undefined ? {} : { breaks: parsed.breaks }),
    ...(parsed.holidays === undefined ? {} : { holidays: parsed.holidays }),
  };
  const compiled: CompiledCalendarConfig = {
    week: WEEKDAYS.map((d) => compileIntervals(parsed.hours[d])),
    shifts: compileDated(parsed.shifts),
    breaks: compileDated(parsed.breaks),
    holidays: new Set((parsed.holidays ?? []).map((d) => parseIsoDate(d) as number)),
  };
  return { config, compiled };
}
