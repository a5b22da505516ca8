import { randomUUID } from 'node:crypto';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { busSuite } from '@threadline/adapter-conformance';
import {
  createEvent,
  createIdGenerator,
  type EventEnvelope,
  isThreadlineError,
  ManualClock,
} from '@threadline/core';
import { afterAll, describe, expect, it } from 'vitest';
import { createNatsEventBus, type NatsBusErrorContext, type NatsEventBus } from '../src/index.js';

const URL = process.env.THREADLINE_NATS_URL;
const IN_CI = process.env.CI === 'true';

// Every bus of this run uses its own stream and subject prefix, so runs never see each other.
const run = randomUUID().replace(/-/g, '').slice(0, 12);
let n = 0;
const opened: NatsEventBus[] = [];
function open(
  extra: Partial<Parameters<typeof createNatsEventBus>[0]> = {},
  space = `t${run}`,
): NatsEventBus {
  const bus = createNatsEventBus({
    servers: URL as string,
    stream: `TL_${space}`,
    subjectPrefix: `tl_${space}`,
    ...extra,
  });
  opened.push(bus);
  return bus;
}

const clock = new ManualClock(Date.UTC(2026, 11, 7, 9));
const ids = createIdGenerator({ clock, seed: 7 });
function event(type: string, aggregateId: string, version = 1, tenantId = 'default'): EventEnvelope {
  return createEvent(
    { clock, ids },
    {
      type,
      aggregateType: type.split('.')[0] as string,
      aggregateId,
      version,
      tenantId,
      payload: { v: version },
    },
  );
}

async function until(check: () => boolean, ms = 10_000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

if (!URL) {
  if (IN_CI) {
    it('NATS server suites', () => {
      throw new Error(
        'THREADLINE_NATS_URL is not set but CI is: the NATS suites need a server (.ci/run starts one and exports the URL)',
      );
    });
  } else it.skip('NATS server suites (set THREADLINE_NATS_URL to run them)', () => undefined);
} else {
  afterAll(async () => {
    await Promise.all(opened.map((b) => b.close()));
    // Remove this run's streams (and the consumers on them).
    const nc = await connect({ servers: URL });
    const jsm = await jetstreamManager(nc);
    for await (const s of jsm.streams.list()) {
      if (s.config.name.includes(run)) await jsm.streams.delete(s.config.name);
    }
    await nc.close();
  });

  busSuite({
    describe,
    it,
    expect,
    name: 'NATS JetStream, ephemeral subscriptions',
    createBus: () => open(),
    namespace: `e${run}`,
  });
  busSuite({
    describe,
    it,
    expect,
    name: 'NATS JetStream, durable subscriptions',
    createBus: () => open({ group: `g${++n}`, retryDelaysMs: [10], maxInFlight: 8 }),
    namespace: `d${run}`,
  });

  describe('NATS JetStream specifics', () => {
    it('publishes on threadline.<tenant>.<aggregate>.<event> and stores a retried publish once', async () => {
      const space = `s${run}${++n}`;
      const bus = open({}, space);
      const got: EventEnvelope[] = [];
      bus.subscribe('case.*', (e) => {
        got.push(e);
      });
      const e = event('case.opened', 'c1', 1, 'acme.eu');
      await bus.publish(e);
      await bus.publish(e); // a publisher's retry after a lost ack
      await until(() => got.length >= 1, 5000, 'delivery');
      await new Promise((r) => setTimeout(r, 200));
      expect(got.map((x) => x.id)).toEqual([e.id]);
      expect(bus.stats()).toMatchObject({ published: 1, duplicates: 1 });
      // A raw subscriber sees the documented subject (tenant token escaped).
      expect(got[0]?.tenantId).toBe('acme.eu');
    });

    it('redelivers a failed event with backoff and dead-letters it after maxDeliver', async () => {
      const space = `r${run}${++n}`;
      const publisher = open({}, space);
      const errors: NatsBusErrorContext[] = [];
      const failing = open(
        { group: `fail${n}`, maxDeliver: 3, retryDelaysMs: [20], onError: (_e, c) => errors.push(c) },
        space,
      );
      const healthy = open({ group: `ok${n}` }, space);
      const bad = event('order.placed', 'o1');
      const good = event('order.placed', 'o2');
      const attempts: string[] = [];
      failing.subscribe('order.*', (e) => {
        attempts.push(e.id);
        if (e.id === bad.id) throw new Error('boom');
      });
      const okSeen: string[] = [];
      healthy.subscribe('order.*', (e) => {
        okSeen.push(e.id);
      });
      const parked: string[] = [];
      // The dead-letter subject is an ordinary subject: anyone may watch it.
      const watcher = await connect({ servers: URL });
      const sub = watcher.subscribe(`tl_${space}-dead.>`, {
        callback: (_err, msg) => {
          parked.push(`${msg.subject} ${msg.headers?.get('Threadline-Deliveries')}`);
        },
      });
      await Promise.all([failing.ready(), healthy.ready()]);
      await publisher.publish([bad, good]);
      await until(() => errors.some((c) => c.deadLettered) && parked.length === 1, 10_000, 'dead letter');
      expect(attempts.filter((id) => id === bad.id)).toHaveLength(3);
      expect(attempts.filter((id) => id === good.id)).toHaveLength(1);
      expect(errors.filter((c) => c.stage === 'handler').map((c) => c.deliveries)).toEqual([1, 2, 3]);
      expect(failing.stats()).toMatchObject({ deadLettered: 1, redelivered: 2, failed: 3, delivered: 1 });
      expect(parked).toEqual([`tl_${space}-dead.default.order.placed 3`]);
      // Another group is unaffected: it gets both, once each.
      await until(() => okSeen.length >= 2, 5000, 'other group');
      expect(okSeen).toEqual([bad.id, good.id]);
      sub.unsubscribe();
      await watcher.close();
    });

    it('a durable subscription resumes where it stopped, and a dead consumer’s event is redelivered', async () => {
      const space = `p${run}${++n}`;
      const group = `svc${n}`;
      const publisher = open({}, space);
      const first = open({ group, ackWaitMs: 500 }, space);
      const got1: string[] = [];
      let hang = true;
      first.subscribe('task.*', async (e) => {
        got1.push(e.id);
        // Simulates a process that took the event and died: never settles, never acks.
        if (hang) await new Promise(() => undefined);
      });
      await first.ready();
      const a = event('task.created', 't1');
      await publisher.publish(a);
      await until(() => got1.length === 1, 5000, 'first delivery');
      await first.close();
      hang = false;
      const b = event('task.created', 't2');
      await publisher.publish(b); // published while no consumer runs
      const second = open({ group, ackWaitMs: 500 }, space);
      const got2: string[] = [];
      second.subscribe('task.*', (e) => {
        got2.push(e.id);
      });
      await until(() => got2.length >= 2, 10_000, 'redelivery and resume');
      expect(got2.sort()).toEqual([a.id, b.id].sort());
      expect(second.stats().redelivered).toBeGreaterThanOrEqual(1);
    });

    it('keeps per-aggregate order with several events in flight', async () => {
      const space = `o${run}${++n}`;
      const bus = open({ group: `ord${n}`, maxInFlight: 16 }, space);
      const got = new Map<string, number[]>();
      bus.subscribe('acct.*', async (e) => {
        // Random work so overlapping aggregates finish out of order.
        await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 3)));
        const list = got.get(e.aggregateId) ?? [];
        list.push(e.version);
        got.set(e.aggregateId, list);
      });
      const events: EventEnvelope[] = [];
      for (let v = 1; v <= 20; v++)
        for (const agg of ['a', 'b', 'c', 'd']) events.push(event('acct.updated', agg, v));
      await bus.publish(events);
      await until(() => [...got.values()].reduce((s, l) => s + l.length, 0) === 80, 10_000, '80 events');
      for (const list of got.values()) expect(list).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    });

    it('rejects bad options with CONFIG naming the field', () => {
      const error = (() => {
        try {
          createNatsEventBus({ servers: URL as string, stream: 'has space' });
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      expect(isThreadlineError(error) && error.code).toBe('CONFIG');
      expect((error as { issues: { path: unknown[] }[] }).issues[0]?.path).toEqual(['stream']);
    });
  });
}
