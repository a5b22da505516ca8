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
