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
  createRoutingEngine,
  type RoutingEngine,
  type RoutingEngineOptions,
  type RoutingEvent,
} from '../src/index.js';

const workflow: RoutingEngineOptions['workflow'] = {
  queues: [{ id: 'general' }],
  defaultFilter: { targets: [{ queue: 'general' }] },
};

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
beforeEach(() => {
  unhandled.length = 0;
  process.on('unhandledRejection', onUnhandled);
});
afterEach(() => {
  process.off('unhandledRejection', onUnhandled);
});

/** Lets every pending promise callback (and a possible unhandled-rejection report) run. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

function bus(publish: (events: readonly EventEnvelope[]) => Promise<void>): EventBus {
  return {
    publish: (e) => publish(Array.isArray(e) ? e : [e as EventEnvelope]),
    subscribe: () => () => undefined,
  };
}

/** The same commands on any engine: a worker, three tasks (one offered), an accept, a cancel. */
function script(engine: RoutingEngine): void {
  engine.upsertWorker({ id: 'a', status: 'available', capacity: { chat: 1 } });
  engine.submitTask({ id: 't1', channel: 'chat' });
  engine.submitTask({ id: 't2', channel: 'chat' });
  const offer = engine.getTask('t1')?.reservations[0] as string;
  engine.acceptReservation(offer);
  engine.submitTask({ id: 't3', channel: 'chat' });
  engine.cancelTask('t3', 'gone');
}

function engineWith(options: Partial<RoutingEngineOptions>): RoutingEngine {
  return createRoutingEngine({ clock: new ManualClock(0), ids: createSequentialIds(), workflow, ...options });
}

function view(engine: RoutingEngine) {
  const { publishFailures: _p, handlerFailures: _h, ...rest } = engine.stats();
  return {
    stats: rest,
    tasks: ['t1', 't2', 't3'].map((id) => engine.getTask(id)),
    worker: engine.getWorker('a'),
  };
}

describe('routing delivery failures', () => {
  it('a rejecting bus: no unhandled rejection, state as with a healthy bus, failures counted and reported', async () => {
    const healthy: RoutingEvent[] = [];
    const reference = engineWith({ bus: bus(async (e) => void healthy.push(...(e as RoutingEvent[]))) });
    script(reference);

    const reports: DeliveryErrorContext[] = [];
    const failing = engineWith({
      bus: bus(() => Promise.reject(new Error('bus down'))),
      onError: (_error, context) => reports.push(context),
    });
    const seen: RoutingEvent[] = [];
    failing.subscribe('*', (e) => seen.push(e));
    expect(() => script(failing)).not.toThrow();
    await settle();

    expect(unhandled).toEqual([]);
    expect(view(failing)).toEqual(view(reference));
    expect(seen.map((e) => e.id)).toEqual(healthy.map((e) => e.id));
    const publishes = failing.stats().publishFailures;
    expect(publishes).toBeGreaterThan(0);
    expect(reports).toHaveLength(publishes);
    expect(reports.every((r) => r.source === 'bus')).toBe(true);
    expect(reports.flatMap((r) => r.events.map((e) => e.id))).toEqual(healthy.map((e) => e.id));
  });

  it('a bus whose publish throws synchronously is counted too, and the command returns', async () => {
    const engine = engineWith({
      bus: bus(() => {
        throw new Error('sync throw');
      }),
    });
    expect(() => script(engine)).not.toThrow();
    await settle();
    expect(unhandled).toEqual([]);
    expect(engine.stats().publishFailures).toBeGreaterThan(0);
    expect(engine.getTask('t1')?.status).toBe('assigned');
  });

  it('a throwing subscriber: the command returns, the others get every event of the batch', async () => {
    const reference = engineWith({});
    const expected: string[] = [];
    reference.subscribe('*', (e) => expected.push(`${e.type}:${e.aggregateId}`));
    script(reference);

    const errors: unknown[] = [];
    const engine = engineWith({ onError: (error) => errors.push(error) });
    const before: string[] = [];
    const after: string[] = [];
    engine.subscribe('*', (e) => before.push(`${e.type}:${e.aggregateId}`));
    engine.subscribe('reservation.*', () => {
      throw new Error('listener bug');
    });
    engine.subscribe('task.queued', () => {
      throw new Error('another bug');
    });
    engine.subscribe('*', (e) => after.push(`${e.type}:${e.aggregateId}`));
    expect(() => script(engine)).not.toThrow();

    expect(before).toEqual(expected);
    expect(after).toEqual(expected);
    expect(view(engine)).toEqual(view(reference));
    const throwers = expected.filter(
      (e) => e.startsWith('reservation.') || e.startsWith('task.queued'),
    ).length;
    expect(engine.stats().handlerFailures).toBe(throwers);
    expect(errors).toHaveLength(throwers);
    await settle();
    expect(unhandled).toEqual([]);
  });

  it('an async subscriber that rejects is counted and reported, never unhandled', async () => {
    const contexts: DeliveryErrorContext[] = [];
    const engine = engineWith({ onError: (_e, c) => contexts.push(c) });
    const others: string[] = [];
    engine.subscribe('task.*', async () => {
      throw new Error('async bug');
    });
    engine.subscribe('task.*', (e) => others.push(e.type));
    script(engine);
    await settle();
    expect(unhandled).toEqual([]);
    expect(engine.stats().handlerFailures).toBe(others.length);
    expect(contexts.map((c) => c.events[0]?.type)).toEqual(others);
    expect(contexts.every((c) => c.source === 'subscriber')).toBe(true);
  });

  it('an onError that throws is ignored; subscriptions made before restore keep counting', () => {
    const source = engineWith({});
    script(source);
    const engine = engineWith({
      onError: () => {
        throw new Error('reporter bug');
      },
    });
    engine.subscribe('*', () => {
      throw new Error('listener bug');
    });
    engine.restore(source.snapshot());
    expect(() => engine.submitTask({ id: 't4', channel: 'chat' })).not.toThrow();
    expect(engine.getTask('t4')?.status).toBe('pending');
    expect(engine.stats().handlerFailures).toBe(1);
  });
});
