import { BusinessCalendar, createSequentialIds, ManualClock } from '@threadline/core';
import { describe, expect, it } from 'vitest';
import { type CaseEngineEvent, createCaseEngine, type SlaPolicyInput } from '../src/index.js';

// Hand-worked SLA timelines. Every instant is written out in UTC with its New York wall time.
const weekday = [['09:00', '17:00']] as [string, string][];
const newYork = BusinessCalendar.from({
  timeZone: 'America/New_York',
  hours: { mon: weekday, tue: weekday, wed: weekday, thu: weekday, fri: weekday },
  holidays: ['2026-11-26'], // Thanksgiving
});
const allDay = [['00:00', '24:00']] as [string, string][];
const newYork247 = BusinessCalendar.from({
  timeZone: 'America/New_York',
  hours: { mon: allDay, tue: allDay, wed: allDay, thu: allDay, fri: allDay, sat: allDay, sun: allDay },
});

const policies: SlaPolicyInput[] = [
  {
    id: 'round-the-clock',
    when: 'case.channel == "voice"',
    calendar: 'ny247',
    targets: { first_reply: { normal: { hours: 24 } } },
  },
  {
    id: 'business',
    calendar: 'ny',
    warn: { percent: 75 },
    // Reply and resolution clocks pausing while waiting is the pause mechanics under test; the
    // defaults (Zendesk's: they never pause) are tested in pauseDefaults.test.ts.
    pauseOn: {
      first_reply: ['pending', 'on_hold'],
      next_reply: ['pending', 'on_hold'],
      periodic_update: ['pending', 'on_hold'],
      resolution: ['pending', 'on_hold'],
    },
    targets: {
      first_reply: { normal: { hours: 2 }, high: { hours: 4 } },
      resolution: { normal: { hours: 16 }, high: { within: { hours: 72 }, time: 'calendar' } },
    },
  },
];

function setup(at: string) {
  const clock = new ManualClock(Date.parse(at));
  const engine = createCaseEngine({
    clock,
    ids: createSequentialIds(),
    calendars: { ny: newYork, ny247: newYork247 },
    policies,
    escalations: [
      {
        id: 'night-desk',
        metric: 'first_reply',
        levels: [
          {
            after: { hours: 1 },
            actions: [
              { type: 'notify', recipients: [{ id: 'duty-manager', calendar: 'ny' }, { id: 'pager' }] },
            ],
          },
        ],
      },
    ],
  });
  const events: CaseEngineEvent[] = [];
  engine.subscribe('*', (e) => {
    events.push(e);
  });
  const sla = (caseId: string, metric: string) => engine.getSla(caseId).find((m) => m.metric === metric);
  const go = (iso: string) => {
    clock.set(Date.parse(iso));
    engine.advanceTo(clock.now());
  };
  return { clock, engine, events, sla, go };
}

const at = (iso: string) => Date.parse(iso);

describe('hand-worked SLA timelines on a New York business calendar (Mon–Fri 09:00–17:00)', () => {
  it('crosses a weekend', () => {
    // Opened Fri 2026-01-09 16:00 EST (21:00Z). First reply 2 business hours:
    // Fri 16:00–17:00 (1 h) + Mon 09:00–10:00 (1 h) → due Mon 2026-01-12 10:00 EST = 15:00Z.
    // Warning at 75% = 1.5 h → Mon 09:30 EST = 14:30Z.
    // Resolution 16 business hours: Fri 1 h + Mon 8 h + Tue 7 h → Tue 2026-01-13 16:00 EST = 21:00Z.
    const { engine, sla, go, events } = setup('2026-01-09T21:00:00Z');
    const c = engine.openCase({ customerId: 'c', subject: 's', priority: 'normal', channel: 'email' });
    expect(sla(c.id, 'first_reply')).toMatchObject({
      time: 'business',
      calendar: 'ny',
      target: 7_200_000,
      startedAt: at('2026-01-09T21:00:00Z'),
      dueAt: at('2026-01-12T15:00:00Z'),
      warnAt: at('2026-01-12T14:30:00Z'),
    });
    expect(sla(c.id, 'resolution')?.dueAt).toBe(at('2026-01-13T21:00:00Z'));
    go('2026-01-12T16:00:00Z'); // Mon 11:00 EST
    expect(sla(c.id, 'first_reply')).toMatchObject({
      state: 'breached',
      warnedAt: at('2026-01-12T14:30:00Z'),
      breachedAt: at('2026-01-12T15:00:00Z'),
    });
    // The ladder's level fires 1 h after the breach (Mon 11:00 EST); the duty manager is inside
    // business hours, so delivery is immediate.
    const triggered = events.find((e) => e.type === 'escalation.triggered');
    expect(triggered?.occurredAt).toBe(at('2026-01-12T16:00:00Z'));
    expect(triggered?.payload).toMatchObject({
      actions: [
        {
          type: 'notify',
          recipients: [
            { id: 'duty-manager', calendar: 'ny', deliverAt: at('2026-01-12T16:00:00Z') },
            { id: 'pager', deliverAt: at('2026-01-12T16:00:00Z') },
          ],
        },
      ],
    });
  });

  it('pending pauses the clock; the due instant moves by exactly the paused business time', () => {
    // Opened Mon 2026-01-12 09:00 EST (14:00Z), priority high: first reply 4 business hours → due Mon 13:00 EST (18:00Z).
    // Pending at Mon 11:00 EST (16:00Z) after 2 h. Customer replies Tue 10:00 EST (15:00Z): paused
    // business time = Mon 11:00–17:00 (6 h) + Tue 09:00–10:00 (1 h) = 7 h. Remaining 2 h → due Tue 12:00 EST (17:00Z).
    const { engine, sla, go } = setup('2026-01-12T14:00:00Z');
    const c = engine.openCase({ customerId: 'c', subject: 's', priority: 'high', channel: 'email' });
    expect(sla(c.id, 'first_reply')?.dueAt).toBe(at('2026-01-12T18:00:00Z'));
    go('2026-01-12T16:00:00Z');
    engine.transition(c.id, 'pending', { actor: 'agent' });
    go('2026-01-13T15:00:00Z');
    expect(sla(c.id, 'first_reply')?.state).toBe('paused');
    engine.recordMessage(c.id, { author: 'customer', public: true });
    expect(engine.getCase(c.id)?.status).toBe('open');
    expect(sla(c.id, 'first_reply')).toMatchObject({
      state: 'active',
      pausedMs: 7 * 3_600_000,
      dueAt: at('2026-01-13T17:00:00Z'),
    });
    expect(newYork.businessTimeBetween(at('2026-01-12T18:00:00Z'), at('2026-01-13T17:00:00Z'))).toBe(
      7 * 3_600_000,
    );
    // Calendar-time resolution (72 h) is paused too (pending), by 23 h of real time.
    expect(sla(c.id, 'resolution')).toMatchObject({
      time: 'calendar',
      pausedMs: 23 * 3_600_000,
      dueAt: at('2026-01-16T13:00:00Z'),
    });
  });

  it('rolls a due instant that lands on a closing over to the next opening', () => {
    // Opened Fri 2026-01-09 15:00 EST (20:00Z): 2 business hours run out exactly at Fri 17:00,
    // so the due instant is Mon 2026-01-12 09:00 EST (14:00Z).
    const { engine, sla } = setup('2026-01-09T20:00:00Z');
    const c = engine.openCase({ customerId: 'c', subject: 's', priority: 'normal', channel: 'email' });
    expect(sla(c.id, 'first_reply')?.dueAt).toBe(at('2026-01-12T14:00:00Z'));
  });

  it('skips a holiday', () => {
    // Opened Wed 2026-11-25 15:00 EST (20:00Z), high: 4 business hours = Wed 15:00–17:00 (2 h),
    // Thu 26 is Thanksgiving, Fri 27 09:00–11:00 (2 h) → due Fri 11:00 EST = 16:00Z.
    const { engine, sla } = setup('2026-11-25T20:00:00Z');
    const c = engine.openCase({ customerId: 'c', subject: 's', priority: 'high', channel: 'email' });
    expect(sla(c.id, 'first_reply')?.dueAt).toBe(at('2026-11-27T16:00:00Z'));
  });

  it('recompute answers "what if Thanksgiving were a working day" without touching the live case', () => {
    // Live: due Fri 2026-11-27 11:00 EST (16:00Z). Without the holiday: Wed 15:00–17:00 + Thu
    // 09:00–11:00 → due Thu 2026-11-26 11:00 EST (16:00Z); replayed up to Thu 12:00 EST it is breached.
    const { engine, sla, clock } = setup('2026-11-25T20:00:00Z');
    const c = engine.openCase({ customerId: 'c', subject: 's', priority: 'high', channel: 'email' });
    clock.set(at('2026-11-26T17:00:00Z'));
    const noHoliday = BusinessCalendar.from({
      timeZone: 'America/New_York',
      hours: { mon: weekday, tue: weekday, wed: weekday, thu: weekday, fri: weekday },
    });
    const whatIf = engine.recompute(c.id, { calendars: { ny: noHoliday }, backdate: true });
    expect(whatIf.metrics.find((m) => m.metric === 'first_reply')).toMatchObject({
      dueAt: at('2026-11-26T16:00:00Z'),
      state: 'breached',
      breachedAt: at('2026-11-26T16:00:00Z'),
    });
    expect(sla(c.id, 'first_reply')).toMatchObject({ dueAt: at('2026-11-27T16:00:00Z'), state: 'active' });
  });

  it('spans the spring-forward weekend', () => {
    // Opened Fri 2026-03-06 16:00 EST (21:00Z). Clocks go forward Sun 2026-03-08.
    // First reply 2 h: Fri 16:00–17:00 + Mon 09:00–10:00 EDT (UTC−4) → due 2026-03-09T14:00Z.
    // Resolution for high is 72 calendar hours: due 2026-03-09T21:00Z, which is 17:00 EDT on the wall.
    const { engine, sla } = setup('2026-03-06T21:00:00Z');
    const n = engine.openCase({ customerId: 'c', subject: 's', priority: 'normal', channel: 'email' });
    expect(sla(n.id, 'first_reply')?.dueAt).toBe(at('2026-03-09T14:00:00Z'));
    const h = engine.openCase({ customerId: 'c', subject: 's', priority: 'high', channel: 'email' });
    expect(sla(h.id, 'resolution')).toMatchObject({ time: 'calendar', dueAt: at('2026-03-09T21:00:00Z') });
  });

  it('spans the fall-back weekend', () => {
    // Opened Fri 2026-10-30 16:30 EDT (20:30Z). Clocks go back Sun 2026-11-01.
    // First reply 2 h: Fri 16:30–17:00 (30 min) + Mon 09:00–10:30 EST (UTC−5) → due 2026-11-02T15:30Z.
    const { engine, sla } = setup('2026-10-30T20:30:00Z');
    const c = engine.openCase({ customerId: 'c', subject: 's', priority: 'normal', channel: 'email' });
    expect(sla(c.id, 'first_reply')?.dueAt).toBe(at('2026-11-02T15:30:00Z'));
  });

  it('a 24/7 calendar counts the 25-hour fall-back day in full', () => {
    // Voice cases use the round-the-clock policy: 24 business hours from Sat 2026-10-31 12:00 EDT (16:00Z)
    // are 24 real hours → due Sun 2026-11-01 16:00Z, which is 11:00 EST on the wall (not 12:00).
    const { engine, sla } = setup('2026-10-31T16:00:00Z');
    const c = engine.openCase({ customerId: 'c', subject: 's', priority: 'normal', channel: 'voice' });
    expect(sla(c.id, 'first_reply')).toMatchObject({
      policyId: 'round-the-clock',
      calendar: 'ny247',
      dueAt: at('2026-11-01T16:00:00Z'),
    });
  });

  it('delivers escalation notifications at the recipient’s next business moment', () => {
    // Opened Fri 2026-01-09 14:00 EST (19:00Z): first reply due Fri 16:00 EST (21:00Z); the ladder level
    // fires 1 h later, Fri 17:00 EST (22:00Z), the closing instant (not business time). The duty
    // manager works New York business hours: delivery Mon 2026-01-12 09:00 EST (14:00Z); the pager
    // has no calendar: delivered at once. (Opening at 15:00 instead would make the first reply due
    // Mon 09:00: time that runs out exactly at a closing rolls over to the next opening.)
    const { engine, go, events } = setup('2026-01-09T19:00:00Z');
    engine.openCase({ customerId: 'c', subject: 's', priority: 'normal', channel: 'email' });
    go('2026-01-10T00:00:00Z');
    const triggered = events.find((e) => e.type === 'escalation.triggered');
    expect(triggered?.occurredAt).toBe(at('2026-01-09T22:00:00Z'));
    expect(triggered?.payload).toMatchObject({
      actions: [
        {
          recipients: [
            { id: 'duty-manager', deliverAt: at('2026-01-12T14:00:00Z') },
            { id: 'pager', deliverAt: at('2026-01-09T22:00:00Z') },
          ],
        },
      ],
    });
  });
});

describe('calendars given as JSON configuration', () => {
  it('builds BusinessCalendars from configs and names the bad field', () => {
    const clock = new ManualClock(Date.parse('2026-01-09T21:00:00Z'));
    const engine = createCaseEngine({
      clock,
      calendars: {
        ny: {
          timeZone: 'America/New_York',
          hours: { mon: weekday, tue: weekday, wed: weekday, thu: weekday, fri: weekday },
        },
      },
      policies: [{ id: 'p', calendar: 'ny', targets: { first_reply: { normal: { hours: 2 } } } }],
    });
    const c = engine.openCase({ customerId: 'c', subject: 's', priority: 'normal', channel: 'email' });
    expect(engine.getSla(c.id)[0]?.dueAt).toBe(at('2026-01-12T15:00:00Z'));
    let err: unknown;
    try {
      createCaseEngine({ clock, calendars: { bad: { timeZone: 'Mars/Olympus', hours: {} } }, policies: [] });
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: 'CONFIG' });
    expect((err as { path: unknown[] }).path?.slice(0, 2)).toEqual(['calendars', 'bad']);
  });
});

describe('rule-language conditions', () => {
  it('policy conditions are compiled once and read case.* and customer.*; bad ones are CONFIG errors', () => {
    const clock = new ManualClock(0);
    const engine = createCaseEngine({
      clock,
      calendars: {},
      policies: [
        {
          id: 'ent',
          when: 'customer.tier == "enterprise" AND case.priority IN ["high", "urgent"]',
          targets: { first_reply: { high: 1000 } },
        },
        { id: 'rest', targets: { first_reply: { high: 5000 } } },
      ],
    });
    const a = engine.openCase({
      customerId: 'a',
      subject: 's',
      priority: 'high',
      channel: 'email',
      customer: { tier: 'enterprise' },
    });
    const b = engine.openCase({ customerId: 'b', subject: 's', priority: 'high', channel: 'email' });
    expect(engine.getSla(a.id)[0]).toMatchObject({ policyId: 'ent', target: 1000 });
    expect(engine.getSla(b.id)[0]).toMatchObject({ policyId: 'rest', target: 5000 });
    expect(() =>
      createCaseEngine({ clock, calendars: {}, policies: [{ id: 'x', when: 'case.type ==', targets: {} }] }),
    ).toThrowError(/Invalid condition at policies\.0\.when/);
  });
});
