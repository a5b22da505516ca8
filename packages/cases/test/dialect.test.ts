import { createSequentialIds, ManualClock } from '@threadline/core';
import { describe, expect, it } from 'vitest';
import { type CaseEngineEvent, createCaseEngine, type SlaPolicyInput } from '../src/index.js';

const T0 = Date.UTC(2026, 0, 5, 9);
const M = 60_000;
const H = 60 * M;

const policies: SlaPolicyInput[] = [
  {
    id: 'default',
    warn: { percent: 50 },
    targets: { first_reply: { normal: { hours: 1 } }, resolution: { normal: { hours: 8 } } },
  },
];

function setup() {
  const clock = new ManualClock(T0);
  const engine = createCaseEngine({ clock, ids: createSequentialIds(), calendars: {}, policies });
  const events: CaseEngineEvent[] = [];
  // A handler that returns something (here a number) is accepted under strict.
  engine.subscribe('*', (e) => events.push(e));
  const open = (id: string) =>
    engine.openCase({ id, customerId: 'cus-1', subject: 'Refund', priority: 'normal', channel: 'email' });
  return { clock, engine, events, open };
}

describe('event envelope version', () => {
  it('is 1 for a case’s first event and +1 for each later event of that case, timer events included', () => {
    const { clock, engine, events, open } = setup();
    open('a');
    open('b');
    clock.set(T0 + 2 * H);
    engine.advanceTo(clock.now()); // warnings and breaches: not commands, still events of the case
    engine.recordMessage('a', { author: 'agent', public: true });
    engine.transition('a', 'solved', { actor: 'agent-7' });
    for (const id of ['a', 'b']) {
      const mine = events.filter((e) => e.aggregateId === id);
      expect(mine[0]?.type).toBe('case.opened');
      expect(mine.map((e) => e.version)).toEqual(mine.map((_, i) => i + 1));
    }
    expect(events.filter((e) => e.aggregateId === 'a').length).toBeGreaterThan(6);
  });

  it('counts events published while nobody listened', () => {
    const clock = new ManualClock(T0);
    const engine = createCaseEngine({ clock, ids: createSequentialIds(), calendars: {}, policies });
    engine.openCase({ id: 'a', customerId: 'c', subject: 's', priority: 'normal', channel: 'email' });
    const seen: CaseEngineEvent[] = [];
    engine.subscribe('case.*', (e) => seen.push(e));
    engine.transition('a', 'open', { actor: 'agent-7' });
    // case.opened, sla.started ×2 happened unseen: the status change is the case's fourth event.
    expect(seen.map((e) => [e.type, e.version])).toEqual([['case.status_changed', 4]]);
  });
});

describe('American spelling', () => {
  it('a metric ended without being met is `canceled`, announced by `sla.canceled`', () => {
    const { engine, events, open } = setup();
    open('a');
    engine.transition('a', 'solved', { actor: 'agent-7' });
    const first = engine.getSla('a').find((m) => m.metric === 'first_reply');
    expect(first).toMatchObject({ state: 'canceled', canceledAt: T0 });
    expect(events.some((e) => e.type === 'sla.canceled' && e.payload.reason === 'solved')).toBe(true);
  });
});
