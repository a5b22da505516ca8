// Memory mode with `retainClosed: false`: closed cases whose SLA is final leave memory, so a long
// run's memory follows the cases still open (or solved), not every case it ever closed.
import { createSequentialIds, isThreadlineError, ManualClock } from '@threadline/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type CaseEngineEvent,
  createCaseEngine,
  type EscalationLadderInput,
  type SlaPolicyInput,
} from '../src/index.js';

const T0 = Date.UTC(2026, 0, 5, 9);
const M = 60_000;
const policies: SlaPolicyInput[] = [
  {
    id: 'default',
    targets: {
      first_reply: { normal: { minutes: 30 } },
      resolution: { normal: { hours: 4 } },
    },
  },
];
// A level two hours after a breach: solving ends the metric, so nothing stays due once closed.
const ladders: EscalationLadderInput[] = [
  {
    id: 'res',
    metric: 'resolution',
    levels: [{ after: { hours: 2 }, actions: [{ type: 'add_team', team: 'leads' }] }],
  },
];

function engineWith(retainClosed?: boolean) {
  const clock = new ManualClock(T0);
  const engine = createCaseEngine({
    clock,
    ids: createSequentialIds(),
    calendars: {},
    policies,
    escalations: ladders,
    ...(retainClosed === undefined ? {} : { retainClosed }),
  });
  return { clock, engine };
}

describe('retainClosed (memory mode)', () => {
  it('keeps closed cases by default', () => {
    const { engine } = engineWith();
    const c = engine.openCase({ customerId: 'x', subject: 's', priority: 'normal', channel: 'email' });
    engine.transition(c.id, 'solved', { actor: 'a' });
    engine.transition(c.id, 'closed', { actor: 'a' });
    expect(engine.getCase(c.id)?.status).toBe('closed');
    expect(engine.stats()).toMatchObject({ cases: 1, evicted: 0 });
  });

  it('false: a closed case with a final SLA leaves memory after its events were delivered', () => {
    const { engine } = engineWith(false);
    const events: CaseEngineEvent[] = [];
    engine.subscribe('*', (e) => {
      events.push(e);
    });
    const open = engine.openCase({ customerId: 'x', subject: 'stays', priority: 'normal', channel: 'email' });
    const c = engine.openCase({ customerId: 'x', subject: 'goes', priority: 'normal', channel: 'email' });
    engine.transition(c.id, 'solved', { actor: 'a' });
    expect(engine.getCase(c.id)?.status).toBe('solved');
    engine.transition(c.id, 'closed', { actor: 'a' });
    expect(events.filter((e) => e.aggregateId === c.id).map((e) => e.type)).toContain('case.status_changed');
    expect(engine.getCase(c.id)).toBeUndefined();
    expect(engine.getCase(open.id)?.subject).toBe('stays');
    expect(engine.stats()).toMatchObject({ cases: 1, evicted: 1 });
    let err: unknown;
    try {
      engine.recordMessage(c.id, { author: 'customer', public: true });
    } catch (e) {
      err = e;
    }
    expect(isThreadlineError(err, 'NOT_FOUND')).toBe(true);
  });

  it('false: a breached case that closes leaves memory and the deadline index; open ones still fire', () => {
    const { clock, engine } = engineWith(false);
    const c = engine.openCase({ customerId: 'x', subject: 's', priority: 'normal', channel: 'email' });
    clock.advance(5 * 60 * M); // resolution breached at 4 h; solving ends it (late), closing ends the rest
    engine.advanceTo(clock.now());
    const other = engine.openCase({ customerId: 'y', subject: 's', priority: 'normal', channel: 'email' });
    engine.transition(c.id, 'solved', { actor: 'a' });
    engine.transition(c.id, 'closed', { actor: 'a' });
    expect(engine.getCase(c.id)).toBeUndefined();
    expect(engine.stats()).toMatchObject({ cases: 1, evicted: 1 });
    // Only the other case's first reply (30 min) is left to fire.
    expect(engine.nextDeadline()).toBe(clock.now() + 30 * M);
    clock.advance(31 * M);
    engine.advanceTo(clock.now());
    expect(engine.getSla(other.id).find((m) => m.metric === 'first_reply')?.state).toBe('breached');
  });

  it('property: the events are the same whether closed cases are kept or not', () => {
    const op = fc.oneof(
      fc.record({ k: fc.constant('open' as const) }),
      fc.record({ k: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 3 * 60 * M }) }),
      fc.record({
        k: fc.constant('status' as const),
        i: fc.nat(5),
        to: fc.constantFrom('open' as const, 'pending' as const, 'solved' as const, 'closed' as const),
      }),
      fc.record({ k: fc.constant('message' as const), i: fc.nat(5) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
        const runs = [true, false].map((retainClosed) => {
          const { clock, engine } = engineWith(retainClosed);
          const seen: string[] = [];
          engine.subscribe('*', (e) => {
            seen.push(`${e.type} ${e.aggregateId} ${e.occurredAt} ${JSON.stringify(e.payload)}`);
          });
          const ids: string[] = [];
          for (const o of ops) {
            try {
              if (o.k === 'open')
                ids.push(
                  engine.openCase({ customerId: 'x', subject: 's', priority: 'normal', channel: 'chat' }).id,
                );
              else if (o.k === 'advance') {
                clock.advance(o.ms);
                engine.advanceTo(clock.now());
              } else {
                const id = ids[o.i % Math.max(1, ids.length)];
                if (id === undefined) continue;
                if (o.k === 'status') engine.transition(id, o.to, { actor: 'a' });
                else engine.recordMessage(id, { author: 'agent', public: true });
              }
            } catch (e) {
              // A closed case: illegal when kept, not found when it left memory.
              if (!isThreadlineError(e, 'ILLEGAL_TRANSITION') && !isThreadlineError(e, 'NOT_FOUND')) throw e;
            }
          }
          const open = ids.filter(
            (id) => engine.getCase(id) !== undefined && engine.getCase(id)?.status !== 'closed',
          );
          return { seen, open, stats: engine.stats() };
        });
        const [kept, evicting] = runs as [(typeof runs)[0], (typeof runs)[0]];
        expect(evicting.seen).toEqual(kept.seen);
        expect(evicting.open).toEqual(kept.open);
        expect(evicting.stats.cases + evicting.stats.evicted).toBe(kept.stats.cases);
        expect(evicting.stats.liveMetrics).toBeLessThanOrEqual(kept.stats.liveMetrics);
      }),
      { numRuns: 100, seed: 21 },
    );
  });
});
