import type { EventBus, EventEnvelope } from '@threadline/core';
import { testEvent } from './eventLogSuite.js';
import { type MaybePromise, type SuiteRunner, uniqueName, waitFor } from './types.js';

/** What the suite reports to a bus's error callback and reads from it. */
export interface DurableBusFailure {
  /** Deliveries of the event so far, including the failed one. */
  deliveries?: number;
  /** `true` when the event was moved to the dead letters. */
  deadLettered?: boolean;
}

/** The settings the suite asks of a bus it opens (map them to your adapter's options). */
export interface DurableBusSettings {
  /**
   * Buses opened with the same space share events (same stream / key prefix); each test uses its
   * own space.
   */
  space: string;
  /** The durable subscriber group: buses with the same group share its events; different groups each get all. */
  group?: string;
  /** Deliveries before an event is dead-lettered. */
  maxDeliver?: number;
  /** Delay before a failed event is delivered again (ms; the suite asks for small values). */
  retryDelayMs?: number;
  /** After how long an event a subscriber took and never acknowledged goes to another (ms). */
  redeliverAfterMs?: number;
  /** Events a subscription handles at once (different aggregates only). */
  maxInFlight?: number;
  /** Called for every handler failure. */
  onError?: (error: unknown, failure: DurableBusFailure) => void;
}

/** A bus with what durable delivery needs: ready, and close. */
export type DurableEventBus = EventBus & {
  /** Resolves when every subscription made so far receives. */
  ready(): Promise<void>;
  close(): Promise<void>;
};

/** Options for {@link durableBusSuite}. */
export interface DurableBusSuiteOptions extends SuiteRunner {
  name?: string;
  /** Opens a bus (a new connection, like another process) with the settings. */
  openBus: (settings: DurableBusSettings) => MaybePromise<DurableEventBus>;
  /** The ids of the events dead-lettered in a space, read straight from the server. */
  readDeadLetters: (space: string) => Promise<string[]>;
  /** Removes what a space left on the server (called after each test). */
  disposeSpace?: (space: string) => MaybePromise<void>;
  /** How long to wait for delivery (default 10 000 ms). */
  deliveryTimeoutMs?: number;
  namespace?: string;
  timeoutMs?: number;
}

/**
 * The suite a bus with durable subscriber groups runs (for several processes): a publisher's
 * retry is handled once per group; an event a dead subscriber took is redelivered to a live one; a
 * group resumes where it stopped; a failed event is retried and dead-lettered after `maxDeliver`
 * while other groups are unaffected; order per aggregate with several in flight; back-pressure (no
 * more than `maxInFlight` handlers at once however many events wait).
 *
 * @example
 * ```ts
 * durableBusSuite({
 *   describe, it, expect,
 *   openBus: (s) => createNatsEventBus({ servers, stream: `S_${s.space}`, subjectPrefix: s.space, group: s.group, ... }),
 *   readDeadLetters: async (space) => ...,
 * });
 * ```
 */
export function durableBusSuite(options: DurableBusSuiteOptions): void {
  const { describe, it, expect } = options;
  const ns = options.namespace ?? 'durable';
  const wait = options.deliveryTimeoutMs ?? 10_000;
  const test = (
    title: string,
    fn: (
      open: (s: Omit<DurableBusSettings, 'space'>) => Promise<DurableEventBus>,
      space: string,
    ) => Promise<void>,
  ) =>
    it(
      title,
      async () => {
        const space = uniqueName('sp', ns).replace(/[^A-Za-z0-9]/g, '');
        const buses: DurableEventBus[] = [];
        const open = async (s: Omit<DurableBusSettings, 'space'>) => {
          const bus = await options.openBus({ ...s, space });
          buses.push(bus);
          return bus;
        };
        try {
          await fn(open, space);
        } finally {
          await Promise.all(buses.map((b) => b.close().catch(() => undefined)));
          await options.disposeSpace?.(space);
        }
      },
      options.timeoutMs ?? 60_000,
    );
  const event = (type: string, aggregateId: string, version = 1): EventEnvelope =>
    testEvent({ type, aggregateId, version, payload: { version } });

  describe(options.name ?? 'EventBus durable delivery conformance', () => {
    test('a publisher’s retry of the same event is handled once per group', async (open) => {
      const publisher = await open({});
      const a = await open({ group: 'alpha' });
      const b = await open({ group: 'beta' });
      const gotA: string[] = [];
      const gotB: string[] = [];
      a.subscribe('order.*', (e) => {
        gotA.push(e.id);
      });
      b.subscribe('order.*', (e) => {
        gotB.push(e.id);
      });
      await Promise.all([a.ready(), b.ready()]);
      const e = event('order.placed', 'o1');
      const after = event('order.placed', 'o2');
      await publisher.publish(e);
      await publisher.publish(e); // the relay retrying after a lost acknowledgement
      await publisher.publish(after);
      await waitFor(() => gotA.includes(after.id) && gotB.includes(after.id), wait, 'both groups');
      expect(gotA).toEqual([e.id, after.id]);
      expect(gotB).toEqual([e.id, after.id]);
    });

    test('an event a dead subscriber took goes to a live one; the group resumes where it stopped', async (open) => {
      const publisher = await open({});
      const first = await open({ group: 'svc', redeliverAfterMs: 400 });
      const took: string[] = [];
      first.subscribe('task.*', async (e) => {
        took.push(e.id);
        await new Promise(() => undefined); // took it and died: never settles
      });
      await first.ready();
      const a = event('task.created', 't1');
      await publisher.publish(a);
      await waitFor(() => took.length === 1, wait, 'the first subscriber to take it');
      await first.close();
      const b = event('task.created', 't2');
      await publisher.publish(b); // while no subscriber of the group runs
      const second = await open({ group: 'svc', redeliverAfterMs: 400 });
      const got: string[] = [];
      second.subscribe('task.*', (e) => {
        got.push(e.id);
      });
      await waitFor(() => got.includes(a.id) && got.includes(b.id), wait, 'redelivery and resume');
      expect([...got].sort()).toEqual([a.id, b.id].sort());
    });

    test('a failing event is retried, then dead-lettered, and other groups are unaffected', async (open, space) => {
      const publisher = await open({});
      const failures: DurableBusFailure[] = [];
      const failing = await open({
        group: 'fragile',
        maxDeliver: 3,
        retryDelayMs: 20,
        onError: (_e, f) => failures.push(f),
      });
      const healthy = await open({ group: 'sturdy' });
      const bad = event('payment.captured', 'p1');
      const good = event('payment.captured', 'p2');
      const attempts: string[] = [];
      failing.subscribe('payment.*', (e) => {
        attempts.push(e.id);
        if (e.id === bad.id) throw new Error('handler failure (expected by the conformance suite)');
      });
      const ok: string[] = [];
      healthy.subscribe('payment.*', (e) => {
        ok.push(e.id);
      });
      await Promise.all([failing.ready(), healthy.ready()]);
      await publisher.publish([bad, good]);
      await waitFor(() => failures.some((f) => f.deadLettered), wait, 'the dead letter');
      expect(attempts.filter((id) => id === bad.id)).toHaveLength(3);
      expect(attempts.filter((id) => id === good.id)).toHaveLength(1);
      expect(failures.map((f) => f.deliveries)).toEqual([1, 2, 3]);
      expect(await options.readDeadLetters(space)).toEqual([bad.id]);
      await waitFor(() => ok.length >= 2, wait, 'the other group');
      expect(ok).toEqual([bad.id, good.id]);
    });

    test('order per aggregate holds with several events in flight', async (open) => {
      const bus = await open({ group: 'ordered', maxInFlight: 16 });
      const got = new Map<string, number[]>();
      bus.subscribe('account.*', async (e) => {
        await new Promise((r) => setTimeout(r, e.version % 3));
        const list = got.get(e.aggregateId) ?? [];
        list.push(e.version);
        got.set(e.aggregateId, list);
      });
      await bus.ready();
      const events: EventEnvelope[] = [];
      for (let v = 1; v <= 25; v++)
        for (const id of ['a', 'b', 'c', 'd']) events.push(event('account.updated', id, v));
      await bus.publish(events);
      await waitFor(() => [...got.values()].reduce((s, l) => s + l.length, 0) === 100, wait, '100 events');
      for (const list of got.values()) expect(list).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    });

    test('back-pressure: never more than maxInFlight handlers at once, and everything arrives', async (open) => {
      const bus = await open({ group: 'slow', maxInFlight: 4 });
      let running = 0;
      let peak = 0;
      let done = 0;
      bus.subscribe('ticket.*', async () => {
        running++;
        peak = Math.max(peak, running);
        await new Promise((r) => setTimeout(r, 2));
        running--;
        done++;
      });
      await bus.ready();
      const events = Array.from({ length: 300 }, (_, i) =>
        event('ticket.updated', `t${i % 50}`, Math.floor(i / 50) + 1),
      );
      for (let i = 0; i < events.length; i += 100) await bus.publish(events.slice(i, i + 100));
      await waitFor(() => done === 300, wait * 2, '300 events');
      expect(peak).toBeLessThanOrEqual(4);
      expect(peak).toBeGreaterThan(1);
    });
  });
}
