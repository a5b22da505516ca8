import { createSequentialIds, ManualClock } from '@threadline/core';
import { describe, expect, it } from 'vitest';
import { createCaseEngine, DEFAULT_PAUSE_ON, type SlaMetricName, type SlaPolicyInput } from '../src/index.js';

const T0 = Date.UTC(2026, 0, 5, 9);
const M = 60_000;
const H = 60 * M;

const METRICS = [
  'first_reply',
  'next_reply',
  'periodic_update',
  'pausable_update',
  'resolution',
  'requester_wait',
  'agent_work',
  'team_ownership',
] as const satisfies readonly SlaMetricName[];

// Zendesk's documented rules ("Defining and using SLA policies"): the statuses each metric pauses in.
const ZENDESK: Record<(typeof METRICS)[number], string[]> = {
  first_reply: [], // never pauses
  next_reply: [], // never pauses
  periodic_update: [], // never pauses
  pausable_update: ['pending'],
  resolution: [], // total resolution time never pauses
  requester_wait: ['pending'], // counts new, open, on-hold
  agent_work: ['pending', 'on_hold'], // counts new and open
  team_ownership: [],
};

const day = { hours: 24 };
const policies: SlaPolicyInput[] = [
  {
    id: 'all',
    targets: Object.fromEntries(METRICS.map((m) => [m, { normal: day }])),
  },
];

function stateIn(status: 'open' | 'pending' | 'on_hold', pauseOn?: SlaPolicyInput['pauseOn']) {
  const clock = new ManualClock(T0);
  const engine = createCaseEngine({
    clock,
    ids: createSequentialIds(),
    calendars: {},
    policies: [{ ...(policies[0] as SlaPolicyInput), ...(pauseOn === undefined ? {} : { pauseOn }) }],
  });
  const c = engine.openCase({
    customerId: 'u',
    subject: 's',
    priority: 'normal',
    channel: 'email',
    team: 'tier-1',
  });
  clock.advance(M);
  engine.recordMessage(c.id, { author: 'agent', public: true }); // first reply given; update clocks start
  clock.advance(M);
  engine.recordMessage(c.id, { author: 'customer', public: true }); // next reply clock starts
  clock.advance(M);
  if (status !== 'open') engine.transition(c.id, status, { actor: 'agent-7' });
  clock.advance(H);
  const live = new Map(
    engine
      .getSla(c.id)
      .filter((m) => m.state === 'active' || m.state === 'paused')
      .map((m) => [m.metric, m.state]),
  );
  return live;
}

describe('default pause rules match Zendesk', () => {
  it('DEFAULT_PAUSE_ON is the Zendesk table', () => {
    expect(Object.fromEntries(METRICS.map((m) => [m, [...DEFAULT_PAUSE_ON[m]]]))).toEqual(ZENDESK);
  });

  for (const status of ['open', 'pending', 'on_hold'] as const) {
    it(`in ${status}: each live metric runs or pauses as Zendesk's does`, () => {
      const live = stateIn(status);
      for (const metric of METRICS) {
        if (metric === 'first_reply') continue; // achieved by the first agent reply
        // A customer message while pending moves the case back to open, so next reply is live
        // in every status here.
        expect([metric, live.get(metric)]).toEqual([
          metric,
          ZENDESK[metric].includes(status) ? 'paused' : 'active',
        ]);
      }
    });
  }

  it('first reply and resolution keep running while pending: a breach is not postponed', () => {
    const clock = new ManualClock(T0);
    const engine = createCaseEngine({
      clock,
      ids: createSequentialIds(),
      calendars: {},
      policies: [{ id: 'p', targets: { first_reply: { normal: { hours: 1 } } } }],
    });
    const c = engine.openCase({ customerId: 'u', subject: 's', priority: 'normal', channel: 'email' });
    engine.transition(c.id, 'pending', { actor: 'agent-7' });
    clock.advance(2 * H);
    engine.advanceTo(clock.now());
    expect(engine.getSla(c.id)[0]).toMatchObject({
      metric: 'first_reply',
      state: 'breached',
      breachedAt: T0 + H,
    });
  });

  it('pauseOn still replaces the rule of the metrics it names', () => {
    const live = stateIn('pending', { resolution: ['pending'], requester_wait: [] });
    expect(live.get('resolution')).toBe('paused');
    expect(live.get('requester_wait')).toBe('active');
    expect(live.get('agent_work')).toBe('paused'); // not named: the default
  });

  it('pausable update restarts on each agent reply like periodic update', () => {
    const clock = new ManualClock(T0);
    const engine = createCaseEngine({
      clock,
      ids: createSequentialIds(),
      calendars: {},
      policies: [{ id: 'p', targets: { pausable_update: { normal: { hours: 2 } } } }],
    });
    const c = engine.openCase({ customerId: 'u', subject: 's', priority: 'normal', channel: 'email' });
    expect(engine.getSla(c.id)).toEqual([]); // starts with the first agent reply
    engine.recordMessage(c.id, { author: 'agent', public: true });
    clock.advance(H);
    engine.recordMessage(c.id, { author: 'agent', public: true });
    expect(engine.getSla(c.id).map((m) => [m.metric, m.cycle, m.state])).toEqual([
      ['pausable_update', 1, 'achieved'],
      ['pausable_update', 2, 'active'],
    ]);
  });
});
