// Where the outbox relay's commit → handler latency goes, component by component, next to
// graphile-worker's add → task start in the same process, on the same server, in alternating
// rounds. Every `pg` query and every notification is timestamped (a wrapper around the `pg`
// client, so neither library is changed): the producer's statements, the NOTIFY's arrival, the
// wait until the claim statement is sent, the claim's round trip, and the step from the claim's
// result to the handler (or task).
//
//   THREADLINE_PG_URL=postgres://postgres@127.0.0.1:5432/test node --conditions=@threadline/source \
//     --import tsx bench/src/relay-latency-parts.ts
//   PARTS_ROUNDS=5 PARTS_N=200 … (rounds of each system, samples per round)
//
// Not part of `pnpm bench` (a diagnosis tool; `pnpm bench store` has the end-to-end figures).
import { loadavg } from 'node:os';
import { createPostgresStorage } from '@threadline/adapter-postgres';
import {
  createInProcessEventBus,
  createOutboxRelay,
  type EventEnvelope,
  SystemClock,
} from '@threadline/core';
import { Logger, runMigrations as migrateGraphileWorker, run as runGraphileWorker } from 'graphile-worker';
import pg from 'pg';
import { arrivals, fmt, median, percentile, table } from './util.js';

const PG_URL = process.env.THREADLINE_PG_URL;
if (!PG_URL) throw new Error('THREADLINE_PG_URL is not set');
const ROUNDS = Number(process.env.PARTS_ROUNDS ?? 5);
const N = Number(process.env.PARTS_N ?? 200);

/** One traced query (start/end on this process's clock) or one notification's arrival. */
type Mark =
  | { kind: 'q'; sql: string; start: number; end: number }
  | { kind: 'n'; channel: string; at: number };
let trace: Mark[] = [];

// Timestamps every query the pg client runs (the pool calls it with a callback, addJob and the
// adapter's transactions without) and every notification before its listeners run.
const proto = pg.Client.prototype as unknown as {
  query: (...args: unknown[]) => unknown;
  emit: (event: string, ...args: unknown[]) => boolean;
};
const query = proto.query;
proto.query = function (this: unknown, ...args: unknown[]) {
  const first = args[0];
  const sql = typeof first === 'string' ? first : ((first as { text?: string } | null)?.text ?? '');
  const mark: Mark = { kind: 'q', sql, start: performance.now(), end: Number.NaN };
  trace.push(mark);
  const last = args.length - 1;
  const cb = args[last];
  if (typeof cb === 'function') {
    args[last] = (...r: unknown[]) => {
      mark.end = performance.now();
      return (cb as (...a: unknown[]) => unknown)(...r);
    };
    return query.apply(this, args);
  }
  const out = query.apply(this, args);
  if (out && typeof (out as Promise<unknown>).then === 'function') {
    (out as Promise<unknown>).then(
      () => {
        mark.end = performance.now();
      },
      () => {
        mark.end = performance.now();
      },
    );
  }
  return out;
};
const emit = proto.emit;
proto.emit = function (this: unknown, event: string, ...args: unknown[]) {
  if (event === 'notification') {
    trace.push({ kind: 'n', channel: (args[0] as { channel: string }).channel, at: performance.now() });
  }
  return emit.call(this, event, ...args);
};

/** Components of one sample, in ms. */
interface Parts {
  total: number;
  /** Start of the call until it resolved (the producer's statements). */
  producer: number;
  /** Producer round trips (statements sent). */
  statements: number;
  /** The committing statement's round trip (COMMIT, or the autocommit statement). */
  commit: number;
  /** The producer's other statements' round trips, summed. */
  before: number;
  /** End of the committing statement until the notification arrived. */
  notify: number;
  /** Notification until the claim statement was sent (the relay's / worker's scheduling). */
  wake: number;
  /** The claim statement's round trip. */
  claim: number;
  /** Claim result until the handler (task) ran. */
  handler: number;
}

const COMPONENTS: Array<keyof Parts> = [
  'total',
  'producer',
  'statements',
  'before',
  'commit',
  'notify',
  'wake',
  'claim',
  'handler',
];

/** Reads one sample's components out of the trace, between `t0` and the handler time `h`. */
function partsOf(
  marks: readonly Mark[],
  t0: number,
  t1: number,
  h: number,
  channel: string,
  producerSql: RegExp,
): Parts | undefined {
  const produced = marks.filter(
    (m): m is Extract<Mark, { kind: 'q' }> =>
      m.kind === 'q' && m.start >= t0 && m.start <= t1 && producerSql.test(m.sql),
  );
  const committed = produced[produced.length - 1];
  const note = marks.find(
    (m): m is Extract<Mark, { kind: 'n' }> => m.kind === 'n' && m.channel === channel && m.at >= t0,
  );
  if (committed === undefined || note === undefined) return undefined;
  // The claim that handed the job out: the last claiming statement to finish before the handler
  // (graphile-worker's other workers may be claiming at the same time and find nothing).
  let claim: Extract<Mark, { kind: 'q' }> | undefined;
  for (const m of marks) {
    if (m.kind !== 'q' || !/skip locked/i.test(m.sql) || m.start < note.at || !(m.end <= h)) continue;
    if (claim === undefined || m.end > claim.end) claim = m;
  }
  if (claim === undefined) return undefined;
  return {
    total: h - t0,
    producer: t1 - t0,
    statements: produced.length,
    commit: committed.end - committed.start,
    before: produced.slice(0, -1).reduce((sum, m) => sum + (m.end - m.start), 0),
    notify: note.at - committed.end,
    wake: claim.start - note.at,
    claim: claim.end - claim.start,
    handler: h - claim.end,
  };
}

let seq = 0;
function event(i: number): EventEnvelope {
  return {
    id: `evt-${process.pid}-${seq++}`,
    type: 'case.updated',
    tenantId: 'default',
    aggregateId: 'latency',
    aggregateType: 'case',
    version: i + 1,
    occurredAt: Date.now(),
    payload: { status: 'open', priority: i % 4 },
  };
}

async function relayRound(schema: string): Promise<Parts[]> {
  const pool = new pg.Pool({ connectionString: PG_URL, max: 10 });
  const storage = createPostgresStorage({ client: pool, schema });
  await storage.migrate();
  const bus = createInProcessEventBus();
  const arrived = arrivals();
  bus.subscribe('*', (e) => arrived.arrive(e.id));
  const relay = createOutboxRelay({ storage, bus, clock: new SystemClock(), batchSize: 500 });
  relay.start({ intervalMs: 1000 });
  // Warm-up: the LISTEN connection, the claim token, prepared plans.
  for (let i = 0; i < 20; i++) {
    const e = event(i);
    const seen = arrived.expect(e.id, 'a warm-up event');
    await storage.documents.transaction(async (tx) => tx.outbox.add([e]));
    await seen;
  }
  const out: Parts[] = [];
  for (let i = 0; i < N; i++) {
    const e = event(i);
    const seen = arrived.expect(e.id, 'an event');
    trace = [];
    const t0 = performance.now();
    await storage.documents.transaction(async (tx) => tx.outbox.add([e]));
    const t1 = performance.now();
    await seen;
    const p = partsOf(
      trace,
      t0,
      t1,
      arrived.at.get(e.id) as number,
      'threadline_outbox',
      /^(BEGIN|COMMIT)$|INSERT INTO .*outbox/,
    );
    if (p) out.push(p);
  }
  await relay.stop();
  await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await storage.close();
  return out;
}

async function graphileRound(schema: string): Promise<Parts[]> {
  const pool = new pg.Pool({ connectionString: PG_URL, max: 26 });
  const logger = new Logger(() => () => {});
  const options = { pgPool: pool, schema, noHandleSignals: true, pollInterval: 1000, logger };
  await migrateGraphileWorker(options);
  const started = arrivals();
  const taskList = {
    noop: async (payload: unknown) => {
      started.arrive((payload as { n: number }).n);
    },
  };
  const runner = await runGraphileWorker({ ...options, concurrency: 24, taskList });
  for (let i = 1; i <= 20; i++) {
    const seen = started.expect(-i, 'a warm-up job');
    await runner.addJob('noop', { n: -i });
    await seen;
  }
  const out: Parts[] = [];
  for (let i = 1; i <= N; i++) {
    const seen = started.expect(i, 'a job');
    trace = [];
    const t0 = performance.now();
    await runner.addJob('noop', { n: i });
    const t1 = performance.now();
    await seen;
    const p = partsOf(trace, t0, t1, started.at.get(i) as number, 'jobs:insert', /add_job/);
    if (p) out.push(p);
  }
  await runner.stop();
  await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await pool.end();
  return out;
}

const load = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');
const loads: string[] = [`start ${load()}`];
const medians: Record<'relay' | 'graphile', Record<keyof Parts, number[]>> = {
  relay: Object.fromEntries(COMPONENTS.map((c) => [c, []])) as unknown as Record<keyof Parts, number[]>,
  graphile: Object.fromEntries(COMPONENTS.map((c) => [c, []])) as unknown as Record<keyof Parts, number[]>,
};
const p99s: Record<'relay' | 'graphile', number[]> = { relay: [], graphile: [] };
const base = `bench_parts_${process.pid}`;
for (let r = 0; r < ROUNDS; r++) {
  for (const system of ['relay', 'graphile'] as const) {
    const samples =
      system === 'relay' ? await relayRound(`${base}_r${r}`) : await graphileRound(`${base}_g${r}`);
    for (const c of COMPONENTS) {
      const values = samples.map((s) => s[c]).sort((a, b) => a - b);
      medians[system][c].push(percentile(values, 50));
    }
    p99s[system].push(
      percentile(
        samples.map((s) => s.total).sort((a, b) => a - b),
        99,
      ),
    );
    console.log(
      `round ${r + 1} ${system}: ${samples.length}/${N} samples traced, total p50 ${fmt(medians[system].total[r] as number, 2)} ms`,
    );
  }
  loads.push(`after round ${r + 1} ${load()}`);
}

console.log(
  `\n### Commit → handler, by component (${ROUNDS} rounds × ${N} samples; per round the p50 of each component, then the median [min–max] of the rounds)\n`,
);
const cell = (v: number[]) => `${fmt(median(v), 2)} [${fmt(Math.min(...v), 2)}–${fmt(Math.max(...v), 2)}]`;
table(
  ['component (ms, p50)', 'outbox relay', 'graphile-worker', 'relay / graphile'],
  COMPONENTS.map((c) => [
    c,
    cell(medians.relay[c]),
    cell(medians.graphile[c]),
    `${fmt(median(medians.relay[c]) / median(medians.graphile[c]), 2)}`,
  ]),
);
console.log(
  `\ntotal p99 (median of rounds): relay ${fmt(median(p99s.relay), 2)} ms, graphile ${fmt(median(p99s.graphile), 2)} ms`,
);
console.log(`load average (1/5/15 min): ${loads.join('; ')}`);
