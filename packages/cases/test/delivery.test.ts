// Delivery never undoes or half-applies a command: a failing bus or a failing subscriber is
// counted, reported through `onError`, and the engine keeps going.
import {
  createSequentialIds,
  type DeliveryErrorContext,
  type EventBus,
  type EventEnvelope,
  ManualClock,
} from '@threadline/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type CaseEngine,
  type CaseEngineEvent,
  type CaseEngineOptions,
  createCaseEngine,
  type SlaPolicyInput,
} from '../src/index.js';

const T0 = Date.UTC(2026, 0, 5, 9);
const H = 3_600_000;
const policies: SlaPolicyInput[] = [{ id: 'default', targets: { first_reply: { normal: { hours: 1 } } } }];

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
beforeEach(() => {
  unhandled.length = 0;
  process.on('unhandledRejection', onUnhandled);
});
afterEach(() => {
  process.off('unhandledRejection', onUnhandled);
});
const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

function engineWith(options: Partial<CaseEngineOptions>): { engine: CaseEngine; clock: ManualClock } {
  const clock = new ManualClock(T0);
  const engine = createCaseEngine({ clock, ids: createSequentialIds(), calendars: {}, policies, ...options });
  return { engine, clock };
}

/** The same commands on any engine: two cases, a transition, a breach, a reply. */
function script(engine: CaseEngine, clock: ManualClock): string[] {
  const a = engine.openCase({ customerId: 'c1', subject: 'Refund', priority: 'normal', channel: 'email' });
  const b = engine.openCase({ customerId: 'c2', subject: 'Login', priority: 'normal', channel: 'chat' });
  engine.transition(a.id, 'open', { actor: 'agent' });
  clock.advance(2 * H);
  engine.advanceTo(clock.now());
  engine.recordMessage(a.id, { author: 'agent', public: true, at: clock.now() });
  return [a.id, b.id];
}

function view(engine: CaseEngine, ids: string[]) {
  const { publishFailures: _p, handlerFailures: _h, ...stats } = engine.stats();
  return { stats, cases: ids.map((id) => [engine.getCase(id), engine.getSla(id), engine.getAudit(id)]) };
}

function bus(publish: (events: readonly EventEnvelope[]) => Promise<void>): EventBus {
  return {
    publish: (e) => publish(Array.isArray(e) ? e : [e as EventEnvelope]),
    subscribe: () => () => undefined,
  };
}

describe('case engine delivery failures', () => {
  it('a rejecting bus: no unhandled rejection, state as with a healthy bus, failures counted and reported', async () => {
    const healthy: EventEnvelope[] = [];
    const ref = engineWith({ bus: bus(async (e) => void healthy.push(...e)) });
    const ids = script(ref.engine, ref.clock);
    expect(healthy.map((e) => e.type)).toContain('sla.breached');

    const reports: DeliveryErrorContext<CaseEngineEvent>[] = [];
    const failing = engineWith({
      bus: bus(() => Promise.reject(new Error('bus down'))),
      onError: (_e, context) => reports.push(context),
    });
    expect(script(failing.engine, failing.clock)).toEqual(ids);
    await failing.engine.flush();
    await settle();
    expect(unhandled).toEqual([]);
    expect(view(failing.engine, ids)).toEqual(view(ref.engine, ids));
    expect(failing.engine.stats().publishFailures).toBe(reports.length);
    expect(reports.flatMap((r) => r.events.map((e) => e.id))).toEqual(healthy.map((e) => e.id));
  });

  it('a bus whose publish throws synchronously: the command returns and the failure is counted', async () => {
    const { engine, clock } = engineWith({
      bus: {
        publish: () => {
          throw new Error('sync');
        },
        subscribe: () => () => undefined,
      },
    });
    const [id] = script(engine, clock);
    await engine.flush();
    await settle();
    expect(unhandled).toEqual([]);
    expect(engine.stats().publishFailures).toBeGreaterThan(0);
    expect(engine.getCase(id as string)?.status).toBe('open');
  });

  it('a throwing subscriber: commands return, the other subscribers get every event of each batch', async () => {
    const ref = engineWith({});
    const expected: string[] = [];
    ref.engine.subscribe('*', (e) => expected.push(`${e.type}:${e.aggregateId}`));
    const ids = script(ref.engine, ref.clock);

    const errors: unknown[] = [];
    const { engine, clock } = engineWith({ onError: (e) => errors.push(e) });
    const before: string[] = [];
    const after: string[] = [];
    engine.subscribe('*', (e) => before.push(`${e.type}:${e.aggregateId}`));
    engine.subscribe('case.opened', () => {
      throw new Error('listener bug');
    });
    engine.subscribe('sla.*', () => {
      throw new Error('another bug');
    });
    engine.subscribe('*', (e) => after.push(`${e.type}:${e.aggregateId}`));
    expect(script(engine, clock)).toEqual(ids);
    await engine.flush();
    expect(before).toEqual(expected);
    expect(after).toEqual(expected);
    expect(view(engine, ids)).toEqual(view(ref.engine, ids));
    const throwers = expected.filter((e) => e.startsWith('case.opened') || e.startsWith('sla.')).length;
    expect(engine.stats().handlerFailures).toBe(throwers);
    expect(errors).toHaveLength(throwers);
    await settle();
    expect(unhandled).toEqual([]);
  });

  it('an async subscriber that rejects is counted and reported, never unhandled', async () => {
    const contexts: DeliveryErrorContext<CaseEngineEvent>[] = [];
    const { engine, clock } = engineWith({ onError: (_e, c) => contexts.push(c) });
    const seen: string[] = [];
    engine.subscribe('case.*', async () => {
      throw new Error('async bug');
    });
    engine.subscribe('case.*', (e) => seen.push(e.type));
    script(engine, clock);
    await engine.flush();
    await settle();
    expect(unhandled).toEqual([]);
    expect(engine.stats().handlerFailures).toBe(seen.length);
    expect(contexts.map((c) => c.events[0]?.type)).toEqual(seen);
    expect(contexts.every((c) => c.source === 'subscriber')).toBe(true);
  });
});
