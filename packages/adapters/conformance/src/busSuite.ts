import type { EventBus, EventEnvelope } from '@threadline/core';
import { testEvent } from './eventLogSuite.js';
import { type MaybePromise, type SuiteRunner, uniqueName, waitFor } from './types.js';

/** Options for {@link busSuite}. */
export interface BusSuiteOptions extends SuiteRunner {
  name?: string;
  /** Makes the bus under test. Called once per test. */
  createBus: () => MaybePromise<EventBus>;
  disposeBus?: (bus: EventBus) => MaybePromise<void>;
  /** How long to wait for asynchronous delivery (default 5 000 ms). */
  deliveryTimeoutMs?: number;
  /** Time a remote subscription needs before it receives (default 0). */
  subscribeSettleMs?: number;
  namespace?: string;
  timeoutMs?: number;
}

/**
 * The conformance suite every `EventBus` adapter runs: exact, prefix and wildcard
 * subscriptions, unsubscribe, ordering per aggregate, payload fidelity, fan-out to several
 * subscribers, and isolation of a failing handler.
 *
 * @example
 * ```ts
 * busSuite({ describe, it, expect, createBus: () => new InProcessEventBus() });
 * ```
 */
export function busSuite(options: BusSuiteOptions): void {
  const { describe, it, expect } = options;
  const ns = options.namespace ?? 'bus';
  const wait = options.deliveryTimeoutMs ?? 5000;
  const settle = () => new Promise((r) => setTimeout(r, options.subscribeSettleMs ?? 0));
  const test = (title: string, fn: (bus: EventBus, agg: string) => Promise<void>) =>
    it(
      title,
      async () => {
        const bus = await options.createBus();
        try {
          await fn(bus, uniqueName('agg', ns));
        } finally {
          if (options.disposeBus) await options.disposeBus(bus);
          else await bus.close?.();
        }
      },
      options.timeoutMs ?? 30_000,
    );
  // Each test uses its own aggregate type so a shared remote bus cannot leak other tests' events.
  const kind = () =>
    uniqueName('k', ns)
      .replace(/[^a-z0-9_]/gi, '')
      .toLowerCase();

  describe(options.name ?? 'EventBus conformance', () => {
    test('exact, prefix and wildcard subscriptions receive what they match', async (bus, agg) => {
      const k = kind();
      const exact: string[] = [];
      const prefix: string[] = [];
      const all: string[] = [];
      bus.subscribe(`${k}.opened`, (e) => {
        exact.push(e.type);
      });
      bus.subscribe(`${k}.*`, (e) => {
        prefix.push(e.type);
      });
      bus.subscribe('*', (e) => {
        if (e.type.startsWith(`${k}.`)) all.push(e.type);
      });
      await settle();
      await bus.publish([
        testEvent({ type: `${k}.opened`, aggregateId: agg }),
        testEvent({ type: `${k}.closed`, aggregateId: agg }),
        testEvent({ type: `other${k}.opened`, aggregateId: agg }),
      ]);
      await waitFor(() => all.length >= 2 && prefix.length >= 2 && exact.length >= 1, wait, 'delivery');
      expect(exact).toEqual([`${k}.opened`]);
      expect(prefix).toEqual([`${k}.opened`, `${k}.closed`]);
      expect(all).toEqual([`${k}.opened`, `${k}.closed`]);
    });

    test('unsubscribe stops delivery', async (bus, agg) => {
      const k = kind();
      const got: string[] = [];
      const off = bus.subscribe(`${k}.*`, (e) => {
        got.push(e.id);
      });
      const keep: string[] = [];
      bus.subscribe(`${k}.*`, (e) => {
        keep.push(e.id);
      });
      await settle();
      const first = testEvent({ type: `${k}.a`, aggregateId: agg });
      await bus.publish(first);
      await waitFor(() => got.length === 1 && keep.length === 1, wait, 'first delivery');
      off();
      const second = testEvent({ type: `${k}.a`, aggregateId: agg });
      await bus.publish(second);
      await waitFor(() => keep.length === 2, wait, 'second delivery');
      expect(got).toEqual([first.id]);
    });

    test('events of one aggregate arrive in publish order, with payloads intact', async (bus, agg) => {
      const k = kind();
      const got: EventEnvelope[] = [];
      bus.subscribe(`${k}.*`, (e) => {
        got.push(e);
      });
      await settle();
      const sent = Array.from({ length: 100 }, (_, i) =>
        testEvent({
          type: `${k}.updated`,
          aggregateId: agg,
          version: i + 1,
          payload: { i, text: 'Zoë 😀 日本', nested: { ok: true, list: [1, null] } },
          correlationId: 'c-1',
        }),
      );
      for (let i = 0; i < sent.length; i += 10) await bus.publish(sent.slice(i, i + 10));
      await waitFor(() => got.length >= 100, wait, '100 events');
      expect(got.map((e) => e.id)).toEqual(sent.map((e) => e.id));
      expect(got[42]).toMatchObject({
        payload: sent[42]?.payload,
        correlationId: 'c-1',
        version: 43,
        tenantId: 'default',
      });
    });

    test('a throwing handler does not stop delivery to other handlers or later events', async (bus, agg) => {
      const k = kind();
      const got: string[] = [];
      bus.subscribe(`${k}.*`, () => {
        throw new Error('handler failure (expected by the conformance suite)');
      });
      bus.subscribe(`${k}.*`, (e) => {
        got.push(e.id);
      });
      await settle();
      const a = testEvent({ type: `${k}.x`, aggregateId: agg });
      const b = testEvent({ type: `${k}.x`, aggregateId: agg });
      await bus.publish(a).catch(() => undefined);
      await bus.publish(b).catch(() => undefined);
      await waitFor(() => got.length >= 2, wait, 'delivery after failure');
      expect(got).toEqual([a.id, b.id]);
    });
  });
}
