import { randomUUID } from 'node:crypto';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { busSuite, durableBusSuite } from '@threadline/adapter-conformance';
import {
  createEvent,
  createIdGenerator,
  type EventEnvelope,
  isThreadlineError,
  ManualClock,
} from '@threadline/core';
import { afterAll, describe, expect, it } from 'vitest';
import { createNatsEventBus, type NatsEventBus } from '../src/index.js';

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

  durableBusSuite({
    describe,
    it,
    expect,
    name: 'NATS JetStream, durable delivery',
    namespace: `x${run}`,
    openBus: (s) =>
      createNatsEventBus({
        servers: URL,
        stream: `TL_${s.space}`,
        subjectPrefix: `tl_${s.space}`,
        ...(s.group ? { group: s.group } : {}),
        ...(s.maxDeliver ? { maxDeliver: s.maxDeliver } : {}),
        ...(s.retryDelayMs !== undefined ? { retryDelaysMs: [s.retryDelayMs] } : {}),
        ...(s.redeliverAfterMs ? { ackWaitMs: s.redeliverAfterMs } : {}),
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
      const nc = await connect({ servers: URL });
      try {
        const jsm = await jetstreamManager(nc);
        const info = await jsm.streams.info(`TL_${space}_DEAD`);
        const out: string[] = [];
        for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
          const m = await jsm.streams.getMessage(`TL_${space}_DEAD`, { seq });
          if (m) out.push((JSON.parse(new TextDecoder().decode(m.data)) as { id: string }).id);
        }
        return out;
      } finally {
        await nc.close();
      }
    },
    disposeSpace: async (space) => {
      const nc = await connect({ servers: URL });
      const jsm = await jetstreamManager(nc);
      for (const name of [`TL_${space}`, `TL_${space}_DEAD`])
        await jsm.streams.delete(name).catch(() => false);
      await nc.close();
    },
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
