// Event-bus throughput and latency on NATS JetStream and Redis Streams (pnpm bench bus), with the
// in-process bus as the reference. Needs THREADLINE_NATS_URL / THREADLINE_REDIS_URL; a bus whose
// server is not configured is reported as skipped.
import { randomUUID } from 'node:crypto';
import { loadavg } from 'node:os';
import { createNatsEventBus } from '@threadline/adapter-nats';
import { createRedisEventBus } from '@threadline/adapter-redis';
import { createInProcessEventBus, type EventBus, type EventEnvelope } from '@threadline/core';
import { fmt, percentile, table } from './util.js';

const QUICK = process.argv.includes('--quick') || process.env.THREADLINE_BENCH_QUICK === '1';
const RUNS = QUICK ? 2 : 5;
const THROUGHPUT_EVENTS = QUICK ? 2_000 : 20_000;
const LATENCY_EVENTS = QUICK ? 200 : 2_000;
const BATCH = 100;
const filler = 'x'.repeat(1024 - 200); // about 1 KB per serialised event

interface Bus extends EventBus {
  ready?(): Promise<void>;
  close?(): Promise<void>;
}

interface Backend {
  name: string;
  /** A publisher and a subscriber bus (separate connections, like two processes). */
  open(space: string): { publisher: Bus; subscriber: Bus };
  cleanup?(space: string): Promise<void>;
}

const backends: Backend[] = [
  {
    name: 'in-process',
    open() {
      const bus = createInProcessEventBus();
      return { publisher: bus, subscriber: bus };
    },
  },
];
const NATS = process.env.THREADLINE_NATS_URL;
const REDIS = process.env.THREADLINE_REDIS_URL;
if (NATS) {
  backends.push({
    name: 'NATS JetStream',
    open(space) {
      const common = {
        servers: NATS,
        stream: `BENCH_${space}`,
        subjectPrefix: `bench_${space}`,
        maxInFlight: 64,
      };
      return {
        publisher: createNatsEventBus(common),
        subscriber: createNatsEventBus({ ...common, group: 'bench' }),
      };
    },
    async cleanup(space) {
      const { connect } = await import('@nats-io/transport-node');
      const { jetstreamManager } = await import('@nats-io/jetstream');
      const nc = await connect({ servers: NATS });
      const jsm = await jetstreamManager(nc);
      for (const s of [`BENCH_${space}`, `BENCH_${space}_DEAD`])
        await jsm.streams.delete(s).catch(() => false);
      await nc.close();
    },
  });
}
// Redis twice: acknowledgements pipelined per read batch (the default) and, for the A/B in the
// same run, one round trip per entry for the seen check and one for SET + XACK (pipelineAcks off).
for (const [name, pipelineAcks] of REDIS
  ? ([
      ['Redis Streams', true],
      ['Redis Streams (acks per entry)', false],
    ] as const)
  : []) {
  backends.push({
    name,
    open(space) {
      const common = { url: REDIS, keyPrefix: `bench_${space}`, maxInFlight: 64, discoveryIntervalMs: 20 };
      return {
        publisher: createRedisEventBus(common),
        subscriber: createRedisEventBus({ ...common, group: 'bench', pipelineAcks }),
      };
    },
    async cleanup(space) {
      const { Redis } = await import('ioredis');
      const redis = new Redis(REDIS as string);
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `bench_${space}*`, 'COUNT', 1000);
        cursor = next;
        if (keys.length > 0) await redis.del(...keys);
      } while (cursor !== '0');
      await redis.quit();
    },
  });
}

let seq = 0;
function event(sentAt: number, aggregate: number): EventEnvelope {
  seq++;
  return {
    id: `evt-${seq}-${randomUUID()}`,
    type: 'task.updated',
    tenantId: 'default',
    aggregateType: 'task',
    aggregateId: `t-${aggregate}`,
    version: 1,
    occurredAt: 1_767_225_600_000,
    payload: { sentAt, filler },
  };
}

interface RunResult {
  publishPerS: number;
  endToEndPerS: number;
  p50: number;
  p99: number;
}

async function once(backend: Backend): Promise<RunResult> {
  const space = randomUUID().replace(/-/g, '').slice(0, 10);
  const { publisher, subscriber } = backend.open(space);
  let received = 0;
  const latencies: number[] = [];
  subscriber.subscribe('task.*', (e) => {
    received++;
    const sentAt = (e.payload as { sentAt: number }).sentAt;
    if (sentAt > 0) latencies.push(performance.now() - sentAt);
  });
  await subscriber.ready?.();
  // Throughput: batches of 100 published back to back; end to end = until the last is handled.
  const t0 = performance.now();
  for (let i = 0; i < THROUGHPUT_EVENTS; i += BATCH) {
    await publisher.publish(Array.from({ length: BATCH }, (_, j) => event(0, (i + j) % 500)));
  }
  const published = performance.now();
  while (received < THROUGHPUT_EVENTS) await new Promise((r) => setTimeout(r, 1));
  const handled = performance.now();
  // Latency: one event at a time, each published when the previous was handled.
  for (let i = 0; i < LATENCY_EVENTS; i++) {
    const target = received + 1;
    await publisher.publish(event(performance.now(), i % 500));
    while (received < target) await new Promise((r) => setImmediate(r));
  }
  await publisher.close?.();
  if (subscriber !== publisher) await subscriber.close?.();
  await backend.cleanup?.(space);
  latencies.sort((a, b) => a - b);
  return {
    publishPerS: THROUGHPUT_EVENTS / ((published - t0) / 1000),
    endToEndPerS: THROUGHPUT_EVENTS / ((handled - t0) / 1000),
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const spread = (xs: number[], digits = 0) =>
  `${fmt(Math.min(...xs), digits)}–${fmt(Math.max(...xs), digits)}`;

console.log(
  `bus: ${RUNS} runs × (${THROUGHPUT_EVENTS} events in batches of ${BATCH}, then ${LATENCY_EVENTS} one at a time), ~1 KB events; load ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
if (!NATS) console.log('  NATS skipped: set THREADLINE_NATS_URL');
if (!REDIS) console.log('  Redis skipped: set THREADLINE_REDIS_URL');
const rows: (string | number)[][] = [];
// Interleaved: run r of every backend before run r + 1 of any, so load drifts hit all alike.
const resultsOf = new Map<Backend, RunResult[]>(backends.map((b) => [b, []]));
for (let r = 0; r < RUNS; r++)
  for (const backend of backends) resultsOf.get(backend)?.push(await once(backend));
for (const backend of backends) {
  const results = resultsOf.get(backend) ?? [];
  const col = (k: keyof RunResult, digits = 0) =>
    `${fmt(median(results.map((x) => x[k])), digits)} (${spread(
      results.map((x) => x[k]),
      digits,
    )})`;
  rows.push([backend.name, col('publishPerS'), col('endToEndPerS'), col('p50', 2), col('p99', 2)]);
}
table(['bus', 'publish events/s', 'published→handled events/s', 'latency p50 ms', 'latency p99 ms'], rows);
console.log(
  `load after: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
process.exit(0);
