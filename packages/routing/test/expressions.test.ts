import { isThreadlineError, ManualClock } from '@threadline/core';
import { describe, expect, it } from 'vitest';
import { createRoutingEngine } from '../src/index.js';

describe('rule-language workflows', () => {
  const workflow = {
    queues: [{ id: 'fr', expression: '"fr" IN worker.languages' }, { id: 'any' }],
    filters: [
      {
        name: 'french',
        when: 'task.language == "fr" AND task.priority >= 1',
        targets: [
          { queue: 'fr', expression: 'worker.skills.billing >= task.level', skipIf: 'workers.members == 0' },
          { queue: 'any' },
        ],
      },
    ],
    defaultFilter: { targets: [{ queue: 'any' }] },
  };

  it('matches filters, queue membership and task-dependent worker expressions', () => {
    const engine = createRoutingEngine({ clock: new ManualClock(0), workflow });
    engine.upsertWorker({
      id: 'en',
      status: 'available',
      attributes: { languages: ['en'], skills: { billing: 9 } },
      capacity: { chat: 1 },
    });
    engine.upsertWorker({
      id: 'fr-low',
      status: 'available',
      attributes: { languages: ['fr'], skills: { billing: 2 } },
      capacity: { chat: 1 },
    });
    engine.upsertWorker({
      id: 'fr-high',
      status: 'available',
      attributes: { languages: ['fr'], skills: { billing: 6 } },
      capacity: { chat: 1 },
    });
    expect(engine.getWorker('en')?.queues).toEqual(['any']);
    const t = engine.submitTask({
      id: 't1',
      channel: 'chat',
      priority: 2,
      attributes: { language: 'fr', level: 5 },
    });
    expect(t.filter).toBe('french');
    expect(engine.getReservation(t.reservations[0] as string)?.workerId).toBe('fr-high');
    const t2 = engine.submitTask({
      id: 't2',
      channel: 'chat',
      priority: 2,
      attributes: { language: 'fr', level: 8 },
    });
    const why = engine.explainWaiting('t2');
    expect(t2.status).toBe('pending');
    expect(why.excluded.expression).toEqual(['fr-low']);
    expect(why.excluded.offered ?? why.excluded.capacity).toEqual(['fr-high']);
  });

  it('skips a step when skipIf holds', () => {
    const engine = createRoutingEngine({ clock: new ManualClock(0), workflow });
    engine.upsertWorker({
      id: 'en',
      status: 'available',
      attributes: { languages: ['en'] },
      capacity: { chat: 1 },
    });
    const t = engine.submitTask({
      id: 't1',
      channel: 'chat',
      priority: 1,
      attributes: { language: 'fr', level: 1 },
    });
    expect(t.step).toBe(1);
    expect(t.queue).toBe('any');
  });

  it('rejects bad expressions and roots with CONFIG errors naming the path', () => {
    const bad = (when: string) => () =>
      createRoutingEngine({
        clock: new ManualClock(0),
        workflow: { queues: [{ id: 'q' }], filters: [{ name: 'f', when, targets: [{ queue: 'q' }] }] },
      });
    for (const source of ['task.language ==', 'worker.skills.x > 1']) {
      try {
        bad(source)();
        expect.unreachable();
      } catch (e) {
        expect(isThreadlineError(e, 'CONFIG')).toBe(true);
        expect((e as { path: unknown }).path).toEqual(['filters', 0, 'when']);
      }
    }
  });

  it('business-hours filters and worker shifts follow the calendars', () => {
    let open = false;
    const calendar = { isBusinessTime: () => open };
    const clock = new ManualClock(0);
    const engine = createRoutingEngine({
      clock,
      calendars: { office: calendar },
      workflow: {
        queues: [{ id: 'q' }],
        filters: [
          {
            name: 'after-hours',
            match: { businessHours: { calendar: 'office', open: false } },
            targets: [{ queue: 'q', priority: 1 }],
          },
        ],
        defaultFilter: { targets: [{ queue: 'q' }] },
      },
    });
    engine.upsertWorker({ id: 'a', status: 'available', calendar: 'office', capacity: { chat: 1 } });
    const t = engine.submitTask({ id: 't1', channel: 'chat' });
    expect(t.filter).toBe('after-hours');
    expect(t.status).toBe('pending');
    expect(engine.explainWaiting('t1').excluded.shift).toEqual(['a']);
    open = true;
    clock.advance(1000);
    engine.advanceTo(clock.now());
    expect(engine.getTask('t1')?.status).toBe('reserved');
    expect(() =>
      engine.upsertWorker({ id: 'b', status: 'available', calendar: 'nope', capacity: { chat: 1 } }),
    ).toThrow(/unknown calendar/);
  });
});

describe('shift deadlines', () => {
  // Open 1,000–5,000 and 10,000–15,000 (ms), like a BusinessCalendar's periods.
  const periods = [
    { start: 1_000, end: 5_000 },
    { start: 10_000, end: 15_000 },
  ];
  const calendar = {
    isBusinessTime: (at: Date | number) => periods.some((p) => +at >= p.start && +at < p.end),
    *periodsAfter(at: Date | number) {
      for (const p of periods) if (p.end > +at) yield { start: Math.max(p.start, +at), end: p.end };
    },
  };

  it('a calendar with periodsAfter turns shift starts and ends into deadlines', () => {
    const clock = new ManualClock(0);
    const engine = createRoutingEngine({
      clock,
      calendars: { office: calendar },
      workflow: { queues: [{ id: 'q' }], defaultFilter: { targets: [{ queue: 'q' }] } },
    });
    const events: string[] = [];
    engine.on('reservation.rescinded', (e) => {
      events.push(`rescinded:${e.payload.reason}@${e.occurredAt}`);
    });
    engine.upsertWorker({ id: 'a', status: 'available', calendar: 'office', capacity: { chat: 1 } });
    engine.submitTask({ id: 't1', channel: 'chat' });
    expect(engine.getTask('t1')?.status).toBe('pending');
    expect(engine.nextDeadline()).toBe(1_000);
    // The scheduler wakes the engine at the shift start: the waiting task is offered then.
    clock.set(1_000);
    engine.advanceTo(1_000);
    expect(engine.getTask('t1')?.status).toBe('reserved');
    expect(engine.nextDeadline()).toBe(5_000);
    // The shift ends before the offer is answered: it is rescinded at 5,000 exactly.
    clock.set(5_000);
    engine.advanceTo(5_000);
    expect(events).toEqual(['rescinded:shift_ended@5000']);
    expect(engine.getTask('t1')?.status).toBe('pending');
    expect(engine.nextDeadline()).toBe(10_000);
    clock.set(12_000);
    engine.advanceTo(12_000);
    expect(engine.getTask('t1')?.status).toBe('reserved');
  });

  it('a bot holding a task too long is a deadline, handed to people when it fires', () => {
    const clock = new ManualClock(0);
    const engine = createRoutingEngine({
      clock,
      handoffRules: { botTimeoutMs: 60_000 },
      reservationTimeoutMs: 1_000_000,
      workflow: {
        queues: [{ id: 'bots' }, { id: 'people' }],
        defaultFilter: { targets: [{ queue: 'bots' }] },
      },
    });
    engine.upsertWorker({ id: 'bot', kind: 'bot', status: 'available', capacity: { chat: 5 } });
    const t = engine.submitTask({ id: 't', channel: 'chat' });
    clock.set(500);
    engine.acceptReservation(t.reservations[0] as string);
    expect(engine.nextDeadline()).toBe(60_500);
    engine.upsertWorker({ id: 'ana', status: 'available', capacity: { chat: 1 } });
    clock.set(60_500);
    engine.advanceTo(60_500);
    const after = engine.getTask('t');
    if (!after) throw new Error('task lost');
    expect((after.attributes.handoff as { reason: string }).reason).toBe('bot_timeout');
    expect(engine.getReservation(after.reservations[0] as string)?.workerId).toBe('ana');
    expect(engine.nextDeadline()).toBe(1_060_500);
  });
});

describe('workflow linting', () => {
  it('finds unreachable filters, shrinking timeouts, endless steps and unserved steps', async () => {
    const { lintWorkflow } = await import('../src/index.js');
    const issues = lintWorkflow(
      {
        queues: [
          { id: 'billing', workers: { skills: { billing: 1 } } },
          { id: 'spare', workers: { skills: { french: 1 } } },
        ],
        filters: [
          {
            name: 'a',
            match: { attributes: { topic: 'x' } },
            targets: [
              { queue: 'billing', timeout: 60_000 },
              { queue: 'billing', timeout: 30_000 },
              { queue: 'billing' },
            ],
          },
          { name: 'b', match: { attributes: { topic: 'x' } }, targets: [{ queue: 'billing' }] },
          {
            name: 'all',
            targets: [{ queue: 'billing', requires: { skills: { billing: 9 } } }, { queue: 'billing' }],
          },
          { name: 'never', targets: [{ queue: 'billing' }] },
        ],
        defaultFilter: { targets: [{ queue: 'billing' }] },
      },
      { workers: [{ id: 'ana', attributes: { skills: { billing: 3 } } }] },
    );
    const codes = issues.map((i) => `${i.code}@${i.path.join('.')}`);
    expect(codes).toEqual(
      expect.arrayContaining([
        'unreachable_filter@filters.1',
        'unreachable_filter@filters.3',
        'unreachable_default@defaultFilter',
        'shrinking_timeout@filters.0.targets.1.timeout',
        'unreachable_step@filters.2.targets.1',
        'step_matches_nobody@filters.2.targets.0',
        'empty_queue@queues.1',
        'unused_queue@queues.1',
      ]),
    );
    expect(codes).not.toContain('unreachable_filter@filters.2');
    const clean = lintWorkflow({ queues: [{ id: 'q' }], defaultFilter: { targets: [{ queue: 'q' }] } });
    expect(clean).toEqual([]);
  });
});
