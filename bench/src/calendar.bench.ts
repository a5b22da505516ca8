// Business calendar: addBusinessTime against dayjs-business-time and moment-business-time in the same
// run, then spans from minutes to weeks, the `days` unit, multi-interval/holiday calendars and DST zones.
import { createRequire } from 'node:module';
import { BusinessCalendar, type BusinessCalendarConfig } from '@threadline/core';
import { fmt, opsPerSecond, sized, table } from './util.js';

// The comparison libraries compute in the process's local zone; pin it so all three see UTC.
process.env.TZ = 'UTC';

const require = createRequire(import.meta.url);
type DayjsLike = {
  addBusinessHours(h: number): DayjsLike;
  addBusinessMinutes(m: number): DayjsLike;
  valueOf(): number;
};
type DayjsFactory = ((t: number) => DayjsLike) & {
  extend(plugin: unknown): void;
  setBusinessTime(map: Record<string, { start: string; end: string }[] | null>): void;
  setHolidays(days: string[]): void;
};
type MomentLike = { addWorkingTime(n: number, unit: string): MomentLike; valueOf(): number };
type MomentFactory = ((t: number) => MomentLike) & { updateLocale(locale: string, spec: object): void };
const dayjs = require('dayjs') as DayjsFactory;
dayjs.extend(require('dayjs-business-time'));
const moment = require('moment') as MomentFactory;
require('moment-business-time');

/** The machine is shared and noisy: report the best of three runs, for every library alike. */
function best(fn: (i: number) => unknown, ms = 600, batch = 1000): number {
  return Math.max(opsPerSecond(fn, ms, batch), opsPerSecond(fn, ms, batch), opsPerSecond(fn, ms, batch));
}

const WEEK = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'] as const;
const KEYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;

/** Configures both libraries with the same weekly hours and holidays as a Threadline config. */
function configureLibraries(config: BusinessCalendarConfig): void {
  const dayMap: Record<string, { start: string; end: string }[] | null> = {};
  const momentMap: Record<number, string[] | null> = {};
  KEYS.forEach((key, i) => {
    const list = config.hours[key] ?? [];
    dayMap[WEEK[i] as string] = list.length
      ? list.map(([s, e]) => ({ start: `${s}:00`, end: `${e}:00` }))
      : null;
    momentMap[i] = list.length ? list.flatMap(([s, e]) => [`${s}:00`, `${e}:00`]) : null;
  });
  dayjs.setBusinessTime(dayMap);
  dayjs.setHolidays([...(config.holidays ?? [])]);
  moment.updateLocale('en', { workinghours: momentMap, holidays: [...(config.holidays ?? [])] });
}

const NINE_TO_FIVE = [['09:00', '17:00']] as const;
const weekdays: BusinessCalendarConfig = {
  timeZone: 'UTC',
  hours: { mon: NINE_TO_FIVE, tue: NINE_TO_FIVE, wed: NINE_TO_FIVE, thu: NINE_TO_FIVE, fri: NINE_TO_FIVE },
};
const SPLIT = [
  ['08:00', '12:00'],
  ['13:00', '17:30'],
] as const;
// German-style public holidays 2026–2027 plus a split day and a short Friday.
const holidays = [
  '2026-01-01',
  '2026-04-03',
  '2026-04-06',
  '2026-05-01',
  '2026-05-14',
  '2026-05-25',
  '2026-06-04',
  '2026-10-03',
  '2026-11-01',
  '2026-12-24',
  '2026-12-25',
  '2026-12-26',
  '2026-12-31',
  '2027-01-01',
  '2027-03-26',
  '2027-03-29',
  '2027-05-01',
  '2027-05-06',
  '2027-05-17',
  '2027-05-27',
  '2027-10-03',
  '2027-12-24',
  '2027-12-25',
  '2027-12-26',
  '2027-12-31',
];
const multiUtc: BusinessCalendarConfig = {
  timeZone: 'UTC',
  hours: { mon: SPLIT, tue: SPLIT, wed: SPLIT, thu: SPLIT, fri: [['08:00', '14:00']] },
  holidays,
};
const multiBerlin: BusinessCalendarConfig = {
  ...multiUtc,
  timeZone: 'Europe/Berlin',
  breaks: { '2026-06-10': [['10:00', '11:00']], '2026-09-15': [['09:00', '12:00']] },
  shifts: { '2026-11-28': [['10:00', '14:00']] },
};

// Starts spread over 2026 at odd minutes (inside and outside hours), the same for every library.
const START = Date.UTC(2026, 0, 5, 0, 0);
const N = sized(4096, 512);
const starts = Array.from({ length: N }, (_, i) => START + ((i * 7_919) % (330 * 1440)) * 60_000);
const start = (i: number) => starts[i & (N - 1)] as number;

function compare(label: string, config: BusinessCalendarConfig, hours: (i: number) => number): string[][] {
  configureLibraries(config);
  const cal = BusinessCalendar.from(config);
  // Results are checked, not just timed: moment-business-time must agree with us except where it
  // stops at a closing time, which `biz` semantics roll over to the next opening.
  let agree = 0;
  let rollover = 0;
  for (let i = 0; i < 500; i++) {
    const ours = cal.addBusinessTime(start(i), hours(i), 'hours').getTime();
    const theirs = moment(start(i)).addWorkingTime(hours(i), 'hours').valueOf();
    if (ours === theirs) agree++;
    else if (cal.addBusinessTime(theirs, 0, 'hours').getTime() === ours) rollover++;
    else throw new Error(`results differ for start ${new Date(start(i)).toISOString()} + ${hours(i)} h`);
  }
  const threadline = best((i) => cal.addBusinessTime(start(i), hours(i), 'hours'));
  const dj = best((i) => dayjs(start(i)).addBusinessHours(hours(i)), 600, 20);
  const mo = best((i) => moment(start(i)).addWorkingTime(hours(i), 'hours'), 600, 20);
  return [
    [label, 'Threadline BusinessCalendar', fmt(threadline), '1.0×'],
    [label, 'dayjs-business-time', fmt(dj), `${fmt(threadline / dj)}× faster`],
    [
      label,
      `moment-business-time (same result ${agree}/500, closing vs next opening ${rollover}/500)`,
      fmt(mo),
      `${fmt(threadline / mo)}× faster`,
    ],
  ];
}

console.log('### addBusinessTime vs npm libraries (same run, best of 3 × 0.6 s each)\n');
table(
  ['calendar, span', 'library', 'ops/s', 'Threadline'],
  [
    ...compare('Mon–Fri 9–17 UTC, +1..40 h', weekdays, (i) => 1 + (i % 40)),
    ...compare('split days + 25 holidays UTC, +1..40 h', multiUtc, (i) => 1 + (i % 40)),
  ],
);

console.log('\n### Threadline spans (ops/s, best of 3)\n');
const rows: string[][] = [];
for (const [label, config] of [
  ['Mon–Fri 9–17 UTC', weekdays],
  ['split days + holidays, Europe/Berlin (DST, breaks, shift)', multiBerlin],
] as const) {
  const cal = BusinessCalendar.from(config);
  const measure = (unit: 'seconds' | 'minutes' | 'hours' | 'days', amount: (i: number) => number) =>
    fmt(best((i) => cal.addBusinessTime(start(i), amount(i), unit)));
  rows.push(
    [label, 'addBusinessTime +1..600 min', measure('minutes', (i) => 1 + (i % 600))],
    [label, 'addBusinessTime +1..40 h', measure('hours', (i) => 1 + (i % 40))],
    [label, 'addBusinessTime +1..4 weeks of hours (40–160 h)', measure('hours', (i) => 40 + (i % 121))],
    [label, 'addBusinessTime +1..20 days (unit days)', measure('days', (i) => 1 + (i % 20))],
    [
      label,
      'subtractBusinessTime +1..40 h',
      fmt(best((i) => cal.subtractBusinessTime(start(i), 1 + (i % 40), 'hours'))),
    ],
    [
      label,
      'businessTimeBetween (spans up to 8 weeks)',
      fmt(best((i) => cal.businessTimeBetween(start(i), start(i) + (i % 1344) * 3_600_000))),
    ],
    [label, 'isBusinessTime', fmt(best((i) => cal.isBusinessTime(start(i))))],
  );
}
table(['calendar', 'operation', 'ops/s'], rows);

const cold = performance.now();
const fresh = BusinessCalendar.from(multiBerlin);
fresh.addBusinessTime(START, 2000, 'hours');
console.log(
  `\nCold start (new calendar, first +2000 h, fills ~1 year of day caches): ${fmt(performance.now() - cold, 2)} ms`,
);
