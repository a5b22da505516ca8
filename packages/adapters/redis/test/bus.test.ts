import { randomUUID } from 'node:crypto';
import { busSuite } from '@threadline/adapter-conformance';
import {
  createEvent,
  createIdGenerator,
  type EventEnvelope,
  isThreadlineError,
  ManualClock,
} from '@threadline/core';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { createRedisEventBus, type RedisBusErrorContext, type RedisEventBus } from '../src/index.js';

const URL = process.env.THREADLINE_REDIS_URL;
const IN_CI = process.env.CI === 'true';

// Every bus of this run uses its own key prefix, so runs never see each other.
const run = randomUUID().replace(/-/g, '').slice(0, 12);
let n = 0;
const opened: RedisEventBus[] = [];
function open(
  extra: Partial<Parameters<typeof createRedisEventBus>[0]> = {},
  space = `t${run}`,
): RedisEventBus {
  const bus = createRedisEventBus({
    url: URL as string,
    keyPrefix: `tl_${space}`,
    blockMs: 50,
    discoveryIntervalMs: 20,
    claimIntervalMs: 20,
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
    it('Redis server suites', () => {
      throw new Error(
        'THREADLINE_REDIS_URL is not set but CI is: the Redis suites need a server (.ci/run starts one and exports the URL)',
      );
    });
  } else it.skip('Redis server suites (set THREADLINE_REDIS_URL to run them)', () => undefined);
} else {
  afterAll(async () => {
    await Promise.all(opened.map((b) => b.close()));
    // Remove this run's keys.
    const redis = new Redis(URL);
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `tl_*${run}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
    await redis.quit();
  });

  busSuite({
    describe,
    it,
    expect,
    name: 'Redis Streams, ephemeral subscriptions',
    createBus: () => open(),
    namespace: `e${run}`,
  });
  busSuite({
    describe,
    it,
    expect,
    name: 'Redis Streams, consumer groups',
    createBus: () => open({ group: `g${++n}`, retryDelaysMs: [10], maxInFlight: 8 }),
    namespace: `d${run}`,
  });

  describe('Redis Streams specifics', () => {
    it('one stream per tenant and family; a publisher’s retry is handled once per group', async () => {
      const space = `s${run}${++n}`;
      const bus = open({ group: `g${n}` }, space);
      const got: EventEnvelope[] = [];
      bus.subscribe('case.*', (e) => {
        got.push(e);
      });
      const e = event('case.opened', 'c1', 1, 'acme:eu');
      await bus.publish(e);
      await bus.publish(e); // the outbox relay retrying after a lost reply
      await until(() => bus.stats().duplicates === 1, 5000, 'dedupe');
      expect(got.map((x) => x.id)).toEqual([e.id]);
      const redis = new Redis(URL);
      expect(await redis.xlen(`tl_${space}:acme%3aeu:case`)).toBe(2);
      await redis.quit();
    });

    it('retries a failed event with backoff and dead-letters it after maxDeliver', async () => {
      const space = `r${run}${++n}`;
      const publisher = open({}, space);
      const errors: RedisBusErrorContext[] = [];
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
      await Promise.all([failing.ready(), healthy.ready()]);
      await publisher.publish([bad, good]);
      await until(() => errors.some((c) => c.deadLettered), 10_000, 'dead letter');
      expect(attempts.filter((id) => id === bad.id)).toHaveLength(3);
      expect(attempts.filter((id) => id === good.id)).toHaveLength(1);
      expect(errors.filter((c) => c.stage === 'handler').map((c) => c.deliveries)).toEqual([1, 2, 3]);
      expect(failing.stats()).toMatchObject({ deadLettered: 1, redelivered: 2, failed: 3, delivered: 1 });
      const redis = new Redis(URL);
      const dead = await redis.xrange(`tl_${space}:dead:default:order`, '-', '+');
      await redis.quit();
      expect(dead).toHaveLength(1);
      expect(dead[0]?.[1]).toContain('boom');
      await until(() => okSeen.length >= 2, 5000, 'other group');
      expect(okSeen).toEqual([bad.id, good.id]);
    });

    it('claims what a dead consumer left, and a group resumes where it stopped', async () => {
      const space = `p${run}${++n}`;
      const group = `svc${n}`;
      const publisher = open({}, space);
      const first = open({ group, claimIdleMs: 300 }, space);
      const got1: string[] = [];
      first.subscribe('task.*', async (e) => {
        got1.push(e.id);
        await new Promise(() => undefined); // took it and died: never acknowledges
      });
      await first.ready();
      const a = event('task.created', 't1');
      await publisher.publish(a);
      await until(() => got1.length === 1, 5000, 'first delivery');
      const b = event('task.created', 't2');
      const second = open({ group, claimIdleMs: 300 }, space);
      const got2: string[] = [];
      second.subscribe('task.*', (e) => {
        got2.push(e.id);
      });
      await second.ready();
      await publisher.publish(b);
      await until(() => got2.length >= 2, 10_000, 'claim and resume');
      expect(got2.sort()).toEqual([a.id, b.id].sort());
      expect(second.stats().redelivered).toBe(1);
    });

    it('keeps per-aggregate order with several entries in flight', async () => {
      const space = `o${run}${++n}`;
      const bus = open({ group: `ord${n}`, maxInFlight: 16 }, space);
      const got = new Map<string, number[]>();
      bus.subscribe('acct.*', async (e) => {
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
      let error: unknown;
      try {
        createRedisEventBus({ url: URL as string, keyPrefix: 'has:colon' });
      } catch (e) {
        error = e;
      }
      expect(isThreadlineError(error) && error.code).toBe('CONFIG');
      expect((error as { issues: { path: unknown[] }[] }).issues[0]?.path).toEqual(['keyPrefix']);
    });
  });
}
