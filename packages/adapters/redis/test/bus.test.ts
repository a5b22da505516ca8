import { randomUUID } from 'node:crypto';
import { busSuite, durableBusSuite } from '@threadline/adapter-conformance';
import {
  createEvent,
  createIdGenerator,
  type EventEnvelope,
  isThreadlineError,
  ManualClock,
} from '@threadline/core';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { createRedisEventBus, type RedisEventBus } from '../src/index.js';

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

  const keysOf = async (redis: Redis, match: string): Promise<string[]> => {
    const out: string[] = [];
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', match, 'COUNT', 1000);
      cursor = next;
      out.push(...keys);
    } while (cursor !== '0');
    return out;
  };
  durableBusSuite({
    describe,
    it,
    expect,
    name: 'Redis Streams, durable delivery',
    namespace: `x${run}`,
    openBus: (s) =>
      createRedisEventBus({
        url: URL,
        keyPrefix: `tl_${s.space}`,
        blockMs: 50,
        discoveryIntervalMs: 20,
        claimIntervalMs: 20,
        ...(s.group ? { group: s.group } : {}),
        ...(s.maxDeliver ? { maxDeliver: s.maxDeliver } : {}),
        ...(s.retryDelayMs !== undefined ? { retryDelaysMs: [s.retryDelayMs] } : {}),
        ...(s.redeliverAfterMs ? { claimIdleMs: s.redeliverAfterMs } : {}),
        ...(s.maxInFlight ? { maxInFlight: s.maxInFlight } : {}),
        onError: (error, c) => {
          if (c.stage === 'handler')
            s.onError?.(error, {
              ...(c.deliveries !== undefined ? { deliveries: c.deliveries } : {}),
              ...(c.deadLettered ? { deadLettered: true } : {}),
            });
        },
      }),
    readDeadLetters: async (space) => {
      const redis = new Redis(URL);
      try {
        const out: string[] = [];
        for (const key of (await keysOf(redis, `tl_${space}:dead:*`)).sort()) {
          for (const [, fields] of await redis.xrange(key, '-', '+')) {
            out.push((JSON.parse(fields[fields.indexOf('event') + 1] ?? '{}') as { id: string }).id);
          }
        }
        return out;
      } finally {
        await redis.quit();
      }
    },
    disposeSpace: async (space) => {
      const redis = new Redis(URL);
      const keys = await keysOf(redis, `tl_${space}:*`);
      if (keys.length > 0) await redis.del(...keys);
      await redis.quit();
    },
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
