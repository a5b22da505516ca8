import { z } from 'zod';
import { parseInput, ThreadlineError } from '../errors.js';
import { DAY_MS, formatIsoDate, parseIsoDate } from './civil.js';

/** Holiday types of the `date-holidays` package. */
export type DateHolidaysType = 'public' | 'bank' | 'school' | 'optional' | 'observance';

/** Options of {@link holidaysFromDateHolidays}. */
export interface DateHolidaysOptions {
  /** ISO 3166-1 country code, e.g. `'DE'`. */
  country: string;
  /** State code within the country (ISO 3166-2 suffix), e.g. `'BY'`. */
  state?: string;
  /** Region code within the state, as `date-holidays` names it. */
  region?: string;
  /** One year, a list of years, or an inclusive range. */
  years: number | readonly number[] | { from: number; to: number };
  /** Holiday types to include; default `['public']`. */
  types?: readonly DateHolidaysType[];
}

const Year = z.number().int().min(1000).max(9998);
const OptionsSchema = z
  .object({
    country: z.string().regex(/^[A-Za-z]{2}$/, 'expected a two-letter country code'),
    state: z.string().min(1).optional(),
    region: z.string().min(1).optional(),
    years: z.union([
      Year,
      z.array(Year).min(1).max(200),
      z
        .object({ from: Year, to: Year })
        .strict()
        .refine((r) => r.to >= r.from && r.to - r.from < 200, {
          message: 'expected from <= to, at most 200 years',
        }),
    ]),
    types: z
      .array(z.enum(['public', 'bank', 'school', 'optional', 'observance']))
      .min(1)
      .optional(),
  })
  .strict();

interface HolidayLike {
  date: string;
  start: Date;
  end: Date;
  type: string;
}
interface HolidaysInstance {
  getCountries(): Record<string, string> | undefined;
  getStates(country: string): Record<string, string> | undefined;
  getRegions(country: string, state: string): Record<string, string> | undefined;
  init(country: string, state?: string, region?: string): unknown;
  getHolidays(year: number): HolidayLike[];
}
type HolidaysConstructor = new () => HolidaysInstance;

/** Loads the `date-holidays` module; replaceable for bundlers that need an explicit import. */
export type DateHolidaysLoader = () => Promise<unknown>;

const defaultLoader: DateHolidaysLoader = () => import('date-holidays');

function unknownPlace(field: 'country' | 'state' | 'region', value: string): ThreadlineError {
  return new ThreadlineError('VALIDATION', `Invalid date-holidays options: unknown ${field} '${value}'`, {
    issues: [
      { path: [field], message: `unknown ${field} '${value}' in date-holidays`, code: 'unknown_value' },
    ],
  });
}

/**
 * Builds a `holidays` list (local dates `YYYY-MM-DD`) for {@link BusinessCalendarConfig} from the
 * optional `date-holidays` package, which is imported only when this is called. A holiday lasting
 * several days contributes each of its dates.
 *
 * @example
 * ```ts
 * const holidays = await holidaysFromDateHolidays({ country: 'DE', state: 'BY', years: { from: 2026, to: 2027 } });
 * const cal = BusinessCalendar.from({ timeZone: 'Europe/Berlin', hours, holidays });
 * ```
 */
export async function holidaysFromDateHolidays(
  options: DateHolidaysOptions,
  load: DateHolidaysLoader = defaultLoader,
): Promise<string[]> {
  const opts = parseInput(OptionsSchema, options, 'date-holidays options');
  let Holidays: HolidaysConstructor;
  try {
    const mod = (await load()) as { default?: unknown };
    Holidays = (mod.default ?? mod) as HolidaysConstructor;
    if (typeof Holidays !== 'function') throw new TypeError('date-holidays has no default export');
  } catch (cause) {
    throw new ThreadlineError(
      'CONFIG',
      "holidaysFromDateHolidays needs the optional peer dependency 'date-holidays': run `npm install date-holidays`",
      { cause, details: { dependency: 'date-holidays' } },
    );
  }
  const hd = new Holidays();
  const country = opts.country.toUpperCase();
  if (!hd.getCountries()?.[country]) throw unknownPlace('country', opts.country);
  if (opts.state !== undefined && !hd.getStates(country)?.[opts.state.toUpperCase()]) {
    throw unknownPlace('state', opts.state);
  }
  if (opts.region !== undefined) {
    const regions = opts.state === undefined ? undefined : hd.getRegions(country, opts.state.toUpperCase());
    if (!regions?.[opts.region]) throw unknownPlace('region', opts.region);
  }
  hd.init(country, opts.state?.toUpperCase(), opts.region);

  const years =
    typeof opts.years === 'number'
      ? [opts.years]
      : Array.isArray(opts.years)
        ? opts.years
        : Array.from(
            { length: opts.years.to - opts.years.from + 1 },
            (_, i) => (opts.years as { from: number }).from + i,
          );
  const types = new Set<string>(opts.types ?? ['public']);
  const days = new Set<number>();
  for (const year of new Set(years)) {
    for (const holiday of hd.getHolidays(year)) {
      if (!types.has(holiday.type)) continue;
      const first = parseIsoDate(holiday.date.slice(0, 10));
      if (first === undefined) continue;
      const span = Math.max(1, Math.round((holiday.end.getTime() - holiday.start.getTime()) / DAY_MS));
      for (let i = 0; i < span; i++) days.add(first + i);
    }
  }
  return [...days].sort((a, b) => a - b).map(formatIsoDate);
}
