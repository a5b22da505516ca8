// Quiet hours: a journey send reached outside the sending hours (a business calendar, in the
// calendar's zone or the customer's) waits at its step until the next opening, then sends.
import {
  type BusinessCalendarConfig,
  createBusinessCalendar,
  createInProcessEventBus,
  createManualClock,
  type EventEnvelope,
  isThreadlineError,
} from '@threadline/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createJourneyEngine, type JourneyDefinition } from '../src/index.js';
import { event, recordingSender } from './journeyHelpers.js';

const HOUR = 3_600_000;
const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri'] as const;
const daytime = createBusinessCalendar({
  timeZone: 'Europe/London',
  hours: Object.fromEntries(WEEKDAYS.map((d) => [d, [['08:00', '20:00']]])),
});
// Monday 2026-12-07, 22:00 in London (UTC in winter).
const MON_22 = Date.UTC(2026, 11, 7, 22);

function notice(
  extra: Partial<JourneyDefinition> = {},
  step: Record<string, unknown> = {},
): JourneyDefinition {
  return {
    id: 'notice',
    version: 1,
    trigger: {
      on: 'outage.customer_affected',
      capture: { sms: 'payload.phone', timeZone: 'payload.timeZone' },
    },
    goal: { on: 'outage.customer_restored' },
    quietHours: { calendar: 'daytime', zoneFrom: 'data.timeZone' },
    steps: [{ type: 'send', id: 'notice', channels: ['sms'], content: { text: 'We are on it.' }, ...step }],
    ...extra,
  } as JourneyDefinition;
}

function setup(journey: JourneyDefinition, at = MON_22) {
  const clock = createManualClock(at);
  const sender = recordingSender(['sms']);
  const bus = createInProcessEventBus();
  const events: EventEnvelope[] = [];
  bus.subscribe('journey.*', (e) => {
    events.push(e);
  });
  const engine = createJourneyEngine({ journeys: [journey], sender, clock, bus, calendars: { daytime } });
  return { clock, sender, events, engine };
}

const affected = (customerId: string, timeZone?: string) =>
  event('outage.customer_affected', {
    customerId,
    phone: '+15550100',
    ...(timeZone === undefined ? {} : { timeZone }),
  });

describe('journey quiet hours', () => {
  it('a send reached at night waits for the next opening, then goes out once', async () => {
    const { clock, engine, events, sender } = setup(notice());
    await engine.handle(affected('c1'));
    const tue08 = Date.UTC(2026, 11, 8, 8);
    expect(sender.sent).toHaveLength(0);
    expect(engine.instance('notice', 'c1')).toMatchObject({
      stepId: 'notice',
      status: 'waiting',
      dueAt: tue08,
    });
    expect(events.map((e) => e.type)).toEqual(['journey.entered', 'journey.send_deferred']);
    expect(events[1]?.payload).toMatchObject({ stepId: 'notice', reason: 'quiet_hours', until: tue08 });
    expect(engine.nextDeadline()).toBe(tue08);
    clock.set(tue08 - 1);
    await engine.advanceTo(clock.now());
    expect(sender.sent).toHaveLength(0);
    clock.set(tue08);
    await engine.advanceTo(clock.now());
    expect(sender.sent).toHaveLength(1);
    expect(events.at(-2)).toMatchObject({ type: 'journey.message_sent', occurredAt: tue08 });
    await engine.advanceTo(clock.now());
    expect(sender.calls).toBe(1);
  });

  it("uses the customer's time zone: 08:00 in New York is 13:00 in London", async () => {
    // Tuesday 01:00 in London: Monday 20:00 in New York, Tuesday 10:00 in Tokyo.
    const { clock, engine, sender } = setup(notice(), Date.UTC(2026, 11, 8, 1));
    await engine.handle(affected('ny', 'America/New_York'));
    await engine.handle(affected('tokyo', 'Asia/Tokyo'));
    await engine.handle(affected('nowhere', 'Mars/Olympus')); // unknown zone: the calendar's own
    expect(sender.sent.map((s) => s.customerId)).toEqual(['tokyo']);
    expect(engine.instance('notice', 'ny')?.dueAt).toBe(Date.UTC(2026, 11, 8, 13));
    expect(engine.instance('notice', 'nowhere')?.dueAt).toBe(Date.UTC(2026, 11, 8, 8));
    clock.set(Date.UTC(2026, 11, 8, 12));
    await engine.advanceTo(clock.now());
    expect(sender.sent.map((s) => s.customerId)).toEqual(['tokyo', 'nowhere']);
    clock.set(Date.UTC(2026, 11, 8, 13));
    await engine.advanceTo(clock.now());
    expect(sender.sent.map((s) => s.customerId)).toEqual(['tokyo', 'nowhere', 'ny']);
  });

  it('inside the sending hours it sends at once; a step can opt out; a goal while waiting sends nothing', async () => {
    const day = setup(notice(), Date.UTC(2026, 11, 7, 10));
    await day.engine.handle(affected('c1'));
    expect(day.sender.sent).toHaveLength(1);

    const optOut = setup(notice({}, { quietHours: false }));
    await optOut.engine.handle(affected('c1'));
    expect(optOut.sender.sent).toHaveLength(1);

    const goal = setup(notice());
    await goal.engine.handle(affected('c1'));
    await goal.engine.handle(event('outage.customer_restored', { customerId: 'c1' }));
    goal.clock.set(Date.UTC(2026, 11, 8, 9));
    await goal.engine.advanceTo(goal.clock.now());
    expect(goal.sender.sent).toHaveLength(0);
    expect(goal.engine.instance('notice', 'c1')).toMatchObject({ status: 'done', exitReason: 'goal' });
  });

  it('an unknown quiet-hours calendar is a CONFIG error naming the path', () => {
    const clock = createManualClock(0);
    const make = (j: JourneyDefinition) =>
      createJourneyEngine({ journeys: [j], sender: recordingSender(), clock, calendars: { daytime } });
    for (const [j, path] of [
      [notice({ quietHours: { calendar: 'nights' } }), 'journeys.0.quietHours.calendar'],
      [notice({}, { quietHours: { calendar: 'nights' } }), 'journeys.0.steps.0.quietHours.calendar'],
    ] as const) {
      try {
        make(j);
        expect.unreachable();
      } catch (error) {
        expect(isThreadlineError(error, 'CONFIG')).toBe(true);
        const issues = (error as { issues: { path: unknown[] }[] }).issues;
        expect(issues.map((i) => i.path.join('.'))).toContain(path);
      }
    }
  });
});

// --- property: with a ManualClock driven by nextDeadline, every send goes out at the first
// moment at or after it was reached that is inside the customer's sending hours (checked against
// an independent oracle built on Intl, not on the calendar).

const ZONES = ['UTC', 'Europe/London', 'America/New_York', 'Asia/Tokyo'] as const;
const ALL_DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
type Hours = Partial<Record<(typeof ALL_DAYS)[number], [number, number]>>;

const hoursArb: fc.Arbitrary<Hours> = fc
  .array(
    fc.option(
      fc
        .tuple(fc.integer({ min: 0, max: 22 }), fc.integer({ min: 1, max: 12 }))
        .map(([s, len]) => [s, Math.min(24, s + len)] as [number, number]),
      { nil: undefined },
    ),
    { minLength: 7, maxLength: 7 },
  )
  .filter((days) => days.some((d) => d !== undefined))
  .map((days) => {
    const out: Hours = {};
    days.forEach((d, i) => {
      if (d !== undefined) out[ALL_DAYS[i] as (typeof ALL_DAYS)[number]] = d;
    });
    return out;
  });

const hh = (h: number) => `${String(h).padStart(2, '0')}:00`;
const formats = new Map<string, Intl.DateTimeFormat>();
function isOpen(hours: Hours, zone: string, at: number): boolean {
  let f = formats.get(zone);
  if (f === undefined)
    formats.set(
      zone,
      (f = new Intl.DateTimeFormat('en-US', {
        timeZone: zone,
        weekday: 'short',
        hour: '2-digit',
        minute: '2-digit',
        hourCycle: 'h23',
      })),
    );
  const parts = Object.fromEntries(f.formatToParts(at).map((p) => [p.type, p.value]));
  const day = String(parts.weekday).toLowerCase().slice(0, 3) as (typeof ALL_DAYS)[number];
  const minutes = Number(parts.hour) * 60 + Number(parts.minute);
  const span = hours[day];
  return span !== undefined && minutes >= span[0] * 60 && minutes < span[1] * 60;
}
/** First instant ≥ t inside the hours: t itself, or a whole hour after it (every zone here has whole-hour offsets). */
function firstOpen(hours: Hours, zone: string, t: number): number {
  if (isOpen(hours, zone, t)) return t;
  let h = Math.ceil(t / HOUR) * HOUR;
  for (let i = 0; i < 24 * 9; i++, h += HOUR) if (isOpen(hours, zone, h)) return h;
  throw new Error('no opening within nine days');
}

describe('journey quiet hours property', () => {
  it('each send goes out once, at the first open moment at or after it was reached, in the customer zone', async () => {
    const T0 = Date.UTC(2026, 2, 20); // spans the spring DST changes in New York and London
    await fc.assert(
      fc.asyncProperty(
        hoursArb,
        fc.constantFrom(...ZONES),
        fc.array(
          fc.record({
            offset: fc.integer({ min: 0, max: 14 * 24 * 60 }).map((m) => m * 60_000),
            zone: fc.option(fc.constantFrom(...ZONES), { nil: undefined }),
          }),
          { minLength: 1, maxLength: 8 },
        ),
        async (hours, calendarZone, entries) => {
          const config: BusinessCalendarConfig = {
            timeZone: calendarZone,
            hours: Object.fromEntries(
              Object.entries(hours).map(([d, [s, e]]) => [d, [[hh(s), e === 24 ? '24:00' : hh(e)]]]),
            ),
          };
          const clock = createManualClock(T0);
          const sender = recordingSender(['sms']);
          const bus = createInProcessEventBus();
          const sent: EventEnvelope[] = [];
          bus.subscribe('journey.message_sent', (e) => {
            sent.push(e);
          });
          const engine = createJourneyEngine({
            journeys: [
              notice({
                reentry: 'never',
                steps: [
                  { type: 'send', id: 'notice', channels: ['sms'], content: { text: 'one' } },
                  { type: 'wait', id: 'gap', duration: { hours: 5 } },
                  { type: 'send', id: 'update', channels: ['sms'], content: { text: 'two' } },
                ],
              }),
            ],
            sender,
            clock,
            bus,
            calendars: { daytime: createBusinessCalendar(config) },
          });
          const run = async (until: number) => {
            for (let d = engine.nextDeadline(); d !== undefined && d <= until; d = engine.nextDeadline()) {
              clock.set(Math.max(clock.now(), d));
              await engine.advanceTo(clock.now());
            }
            clock.set(Math.max(clock.now(), until));
          };
          const sorted = entries
            .map((e, i) => ({ ...e, customer: `c${i}`, at: T0 + e.offset }))
            .sort((a, b) => a.at - b.at);
          for (const e of sorted) {
            await run(e.at);
            await engine.handle(affected(e.customer, e.zone));
          }
          await run(T0 + 40 * 24 * HOUR);
          expect(sender.calls).toBe(2 * sorted.length);
          for (const e of sorted) {
            const zone = e.zone ?? calendarZone;
            const mine = sent.filter((s) => (s.payload as { customerId: string }).customerId === e.customer);
            expect(mine.map((s) => (s.payload as { stepId: string }).stepId)).toEqual(['notice', 'update']);
            const first = firstOpen(hours, zone, e.at);
            expect(mine[0]?.occurredAt).toBe(first);
            expect(mine[1]?.occurredAt).toBe(firstOpen(hours, zone, first + 5 * HOUR));
          }
          expect(engine.stats().inMemory).toBe(0);
        },
      ),
      { seed: 1619, numRuns: 60 },
    );
  });
  it('refuses an unknown quiet-hours calendar and a malformed option with the path of the field', () => {
    const bus = createInProcessEventBus();
    const attempt = (journey: JourneyDefinition) => () =>
      createJourneyEngine({
        journeys: [journey],
        sender: recordingSender(['sms']),
        clock: createManualClock(MON_22),
        bus,
        calendars: { daytime },
      });
    const paths = (run: () => unknown) => {
      try {
        run();
      } catch (e) {
        return (e as { code?: string; issues?: { path: unknown[] }[] }).issues?.map((x) => x.path.join('.'));
      }
      return undefined;
    };
    // Unknown calendar on the journey and on a step: each error names its own field.
    expect(paths(attempt(notice({ quietHours: { calendar: 'nights' } })))).toContainEqual(
      expect.stringMatching(/quietHours\.calendar$/),
    );
    const stepPaths = paths(
      attempt(notice({ quietHours: undefined }, { quietHours: { calendar: 'nights' } })),
    );
    expect(stepPaths).toContainEqual(expect.stringMatching(/steps\.0\.quietHours\.calendar$/));
    // A malformed option is refused at the boundary, not at the first send.
    expect(paths(attempt(notice({ quietHours: { calendar: 42 } as never })))).toContainEqual(
      expect.stringMatching(/quietHours\.calendar$/),
    );
  });
});
