// The cross-package dialect: subscribe(pattern, handler), per-aggregate envelope versions,
// `<aggregate>.<past_tense>` event names, synchronous advanceTo that never runs backwards.
import { isThreadlineError, ManualClock } from '@threadline/core';
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  createRoutingEngine,
  ROUTING_EVENT_TYPES,
  type RoutingEngineOptions,
  type RoutingEvent,
  type RoutingEventOf,
  type ShiftCalendar,
} from '../src/index.js';

const workflow: RoutingEngineOptions['workflow'] = {
  queues: [{ id: 'general' }],
  defaultFilter: { targets: [{ queue: 'general' }] },
};

describe('subscribe', () => {
  it('delivers exact types, prefix patterns and everything; the handler may return anything', () => {
    const engine = createRoutingEngine({ clock: new ManualClock(0), workflow });
    const exact: string[] = [];
    const tasks: string[] = [];
    const all: string[] = [];
    // Handlers that return values (push returns a number) are fine under strict.
    engine.subscribe('reservation.created', (e) => exact.push(e.payload.workerId));
    const stop = engine.subscribe('task.*', (e) => tasks.push(e.type));
    engine.subscribe('*', (e) => all.push(e.type));
    engine.upsertWorker({ id: 'a', status: 'available', capacity: { chat: 1 } });
    engine.submitTask({ id: 't', channel: 'chat' });
    expect(exact).toEqual(['a']);
    expect(tasks).toEqual(['task.queued']);
    expect(all).toEqual(['worker.status_changed', 'task.queued', 'reservation.created']);
    stop();
    stop();
    engine.cancelTask('t', 'gone');
    expect(tasks).toEqual(['task.queued']);
    expect(all.at(-1)).toBe('task.canceled');
  });

  it('narrows the event type by pattern', () => {
    const engine = createRoutingEngine({ clock: new ManualClock(0), workflow });
    engine.subscribe('reservation.*', (e) => {
      expectTypeOf(e.type).toEqualTypeOf<
        | 'reservation.created'
        | 'reservation.accepted'
        | 'reservation.rejected'
        | 'reservation.timed_out'
        | 'reservation.rescinded'
      >();
    });
    engine.subscribe('task.assigned', (e) => {
      expectTypeOf(e).toEqualTypeOf<RoutingEventOf<'task.assigned'>>();
    });
  });

  it('refuses unknown patterns and non-function handlers with VALIDATION', () => {
    const engine = createRoutingEngine({ clock: new ManualClock(0), workflow });
    for (const call of [
      () => engine.subscribe('nope.*' as 'task.*', () => undefined),
      () => engine.subscribe('reservation.timeout' as 'task.*', () => undefined),
      () => engine.subscribe('*', 42 as unknown as () => void),
    ]) {
      try {
        call();
        expect.unreachable();
      } catch (error) {
        expect(isThreadlineError(error) && error.code).toBe('VALIDATION');
      }
    }
  });

  it('keeps on() as a deprecated alias', () => {
    const engine = createRoutingEngine({ clock: new ManualClock(0), workflow });
    const seen: string[] = [];
    engine.on('worker.status_changed', (e) => seen.push(e.payload.workerId));
    engine.upsertWorker({ id: 'a', status: 'available', capacity: { chat: 1 } });
    expect(seen).toEqual(['a']);
  });
});

describe('event names and versions', () => {
  it('names every event <aggregate>.<past_tense> with the aggregate as aggregateType', () => {
    for (const type of ROUTING_EVENT_TYPES)
      expect(type).toMatch(/^(task|reservation|worker)\.[a-z]+(_[a-z]+)*$/);
    expect(ROUTING_EVENT_TYPES).toContain('reservation.timed_out');
    expect(ROUTING_EVENT_TYPES).toContain('task.handed_off');
  });

  it('numbers each aggregate’s events 1, 2, 3 … whoever listens', () => {
    const clock = new ManualClock(0);
    const engine = createRoutingEngine({ clock, workflow, reservationTimeoutMs: 1_000 });
    const events: RoutingEvent[] = [];
    engine.upsertWorker({ id: 'a', status: 'available', capacity: { chat: 1 } });
    engine.upsertWorker({ id: 'b', status: 'available', capacity: { chat: 1 } });
    // Subscribed late and to one aggregate only: versions still count every event.
    engine.subscribe('*', (e) => events.push(e));
    engine.submitTask({ id: 't', channel: 'chat' });
    clock.advance(1_000);
    engine.advanceTo(clock.now()); // a's offer times out; b gets one
    const offer = events.filter((e) => e.type === 'reservation.created').at(-1);
    if (offer?.type !== 'reservation.created') throw new Error('no offer');
    engine.acceptReservation(offer.payload.reservationId);
    engine.completeTask('t');
    engine.setWorkerStatus('a', 'away');
    const versions = (aggregateId: string) =>
      events.filter((e) => e.aggregateId === aggregateId).map((e) => [e.type, e.version]);
    expect(versions('t')).toEqual([
      ['task.queued', 1],
      ['task.assigned', 2],
      ['task.completed', 3],
    ]);
    const firstOffer = events.find((e) => e.type === 'reservation.created');
    expect(versions(firstOffer?.aggregateId ?? '')).toEqual([
      ['reservation.created', 1],
      ['reservation.timed_out', 2],
    ]);
    expect(versions(offer.aggregateId)).toEqual([
      ['reservation.created', 1],
      ['reservation.accepted', 2],
    ]);
    // Worker a's first event (its status on registration) happened before anyone listened.
    expect(versions('a')).toEqual([['worker.status_changed', 2]]);
    for (const e of events) expect(e.aggregateType).toBe(e.type.split('.')[0]);
  });

  it('carries versions through snapshot and restore', () => {
    const engine = createRoutingEngine({ clock: new ManualClock(0), workflow });
    engine.upsertWorker({ id: 'a', status: 'busy', capacity: { chat: 1 } });
    engine.submitTask({ id: 't', channel: 'chat' });
    const copy = createRoutingEngine({ clock: new ManualClock(0), workflow });
    copy.restore(JSON.parse(JSON.stringify(engine.snapshot())));
    const events: RoutingEvent[] = [];
    copy.subscribe('*', (e) => events.push(e));
    copy.setWorkerStatus('a', 'available');
    expect(events.map((e) => [e.type, e.version])).toEqual([
      ['worker.status_changed', 2],
      ['reservation.created', 1],
    ]);
    copy.cancelTask('t', 'test');
    expect(events.at(-1)).toMatchObject({ type: 'task.canceled', version: 2 });
  });
});

describe('advanceTo', () => {
  it('is a no-op for an instant earlier than the latest one seen', () => {
    let open = true;
    const calendar: ShiftCalendar = { isBusinessTime: () => open };
    const clock = new ManualClock(0);
    const engine = createRoutingEngine({ clock, workflow, calendars: { day: calendar } });
    const offers: string[] = [];
    engine.subscribe('reservation.created', (e) => offers.push(e.payload.workerId));
    engine.upsertWorker({ id: 'a', status: 'available', capacity: { chat: 1 }, calendar: 'day' });
    open = false;
    engine.advanceTo(1_000); // the shift ends
    open = true;
    engine.advanceTo(500); // earlier: must not re-check shifts in the past
    engine.submitTask({ id: 't', channel: 'chat' });
    expect(offers).toEqual([]);
    engine.advanceTo(2_000);
    expect(offers).toEqual(['a']);
  });
});
