// Storage adapter throughput on PostgreSQL (THREADLINE_PG_URL) and PGlite (a temp directory):
// event appends and document puts (one `putMany` of 100, and 100 concurrent `put` calls) through
// @threadline/adapter-postgres against raw `pg` / PGlite multi-row inserts of the same rows into
// equivalent tables, in the same run; and the
// outbox relay (LISTEN/NOTIFY wake-up) against graphile-worker on the same server.
//
//   THREADLINE_PG_URL=postgres://postgres@127.0.0.1:5432/test pnpm bench store
//   STORE_BENCH_RUNS=7 STORE_BENCH_MS=1500 … (runs per figure, time per run)
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { createPostgresStorage, type PostgresStorage } from '@threadline/adapter-postgres';
import {
  createInProcessEventBus,
  createOutboxRelay,
  type EventEnvelope,
  SystemClock,
} from '@threadline/core';
import { Logger, runMigrations as migrateGraphileWorker, run as runGraphileWorker } from 'graphile-worker';
import pg from 'pg';
import { arrivals, fmt, percentile, table } from './util.js';

const PG_URL = process.env.THREADLINE_PG_URL;
const RUNS = Number(process.env.STORE_BENCH_RUNS ?? 5);
const RUN_MS = Number(process.env.STORE_BENCH_MS ?? 1000);
/** Comma-separated parts to run (default all): `server` (adapter vs raw), `relay`, `pglite`. */
const PARTS = process.env.STORE_BENCH_PARTS?.split(',').map((p) => p.trim());
const part = (name: string) => PARTS === undefined || PARTS.includes(name);
/** Rows per adapter call (one append of BATCH events; BATCH concurrent puts) and per raw statement. */
const BATCH = 100;

/** The loose query surface shared by a pg Pool and PGlite, for the raw baselines. */
interface Sql {
  query(sql: string, params?: unknown[]): Promise<unknown>;
}

const loads: string[] = [];
const noteLoad = (when: string) =>
  loads.push(
    `${when}: ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}`,
  );

let seq = 0;
function event(stream: string, i: number): EventEnvelope {
  return {
    id: `evt-${process.pid}-${seq++}`,
    type: 'case.updated',
    tenantId: 'default',
    aggregateId: stream,
    aggregateType: 'case',
    version: i + 1,
    occurredAt: 1_767_225_600_000 + seq,
    payload: { status: 'open', priority: i % 4, subject: `Printer on floor ${i % 9} is jammed again` },
  };
}
function doc(id: string) {
  return {
    id,
    tenantId: 'default',
    status: 'open',
    priority: seq % 4,
    subject: 'Printer on floor 3 is jammed again',
    customer: { id: `cu-${seq % 997}`, tier: 'gold' },
    tags: ['hardware', 'office'],
  };
}

/**
 * Rows per second of each round (each handles `rows` rows), measured round-robin — one round of
 * each in turn, timed separately — for RUN_MS per round kind after a warm-up. On a loaded machine
 * every kind then sees the same load, which back-to-back one-second blocks do not.
 */
async function interleavedRowsPerSecond(
  rounds: readonly (() => Promise<unknown>)[],
  rows: number,
): Promise<number[]> {
  const warmEnd = performance.now() + Math.min(300, RUN_MS / 3);
  while (performance.now() < warmEnd) for (const round of rounds) await round();
  const spent = rounds.map(() => 0);
  const done = rounds.map(() => 0);
  const end = performance.now() + RUN_MS * rounds.length;
  while (performance.now() < end) {
    for (const [i, round] of rounds.entries()) {
      const t0 = performance.now();
      await round();
      spent[i] = (spent[i] ?? 0) + performance.now() - t0;
      done[i] = (done[i] ?? 0) + rows;
    }
  }
  return rounds.map((_, i) => ((done[i] ?? 0) * 1000) / (spent[i] ?? 1));
}

interface Figure {
  name: string;
  values: number[];
}
const median = (xs: number[]) =>
  percentile(
    [...xs].sort((a, b) => a - b),
    50,
  );
const spread = (xs: number[]) => `${fmt(Math.min(...xs))}–${fmt(Math.max(...xs))}`;

/** Raw tables shaped like the adapter's (same columns, keys and indexes). */
async function createRawTables(sql: Sql, schema: string): Promise<void> {
  await sql.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
  await sql.query(`CREATE TABLE "${schema}".raw_events (
    position bigserial PRIMARY KEY, tenant_id text NOT NULL, stream_id text NOT NULL,
    stream_version integer NOT NULL CHECK (stream_version > 0), event_id text NOT NULL, type text NOT NULL,
    envelope jsonb NOT NULL, recorded_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, stream_id, stream_version))`);
  await sql.query(`CREATE INDEX ON "${schema}".raw_events (tenant_id, position)`);
  await sql.query(`CREATE TABLE "${schema}".raw_documents (
    tenant_id text NOT NULL, collection text NOT NULL, id text COLLATE "C" NOT NULL,
    version integer NOT NULL CHECK (version > 0), body jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, collection, id))`);
}

/** One multi-row INSERT … VALUES statement, one parameter per value. */
function valuesInsert(table: string, columns: string[], rows: unknown[][]): [string, unknown[]] {
  const params: unknown[] = [];
  const tuples = rows.map((r) => `(${r.map((v) => `$${params.push(v)}`).join(', ')})`);
  return [`INSERT INTO ${table} (${columns.join(', ')}) VALUES ${tuples.join(', ')}`, params];
}

/**
 * The same multi-row INSERT with every row in one JSON parameter (`jsonb_to_recordset`): fewer
 * parameters to bind, often faster. Each run measures both raw forms and the raw figure is the
 * faster one, so the adapter is compared with the best raw write we could write.
 */
function recordsetInsert(table: string, columns: [string, string][], rows: unknown[][]): [string, unknown[]] {
  const names = columns.map(([n]) => n).join(', ');
  const json = `[${rows.map((r) => `{${r.map((v, i) => `${JSON.stringify(columns[i]?.[0])}:${typeof v === 'string' && columns[i]?.[1] === 'jsonb' ? v : JSON.stringify(v)}`).join(',')}}`).join(',')}]`;
  return [
    `INSERT INTO ${table} (${names}) SELECT ${names} FROM jsonb_to_recordset($1::jsonb) AS x(${columns.map(([n, t]) => `${n} ${t}`).join(', ')})`,
    [json],
  ];
}

/** Adapter vs raw for appends and puts, round-robin in every run so all see the same load. */
async function adapterVsRaw(label: string, storage: PostgresStorage, raw: Sql, schema: string) {
  await createRawTables(raw, schema);
  let stream = 0;
  const appendAdapter = () => {
    const s = `case-${stream++}`;
    return storage.events.append(
      s,
      Array.from({ length: BATCH }, (_, i) => event(s, i)),
    );
  };
  const eventColumns: [string, string][] = [
    ['tenant_id', 'text'],
    ['stream_id', 'text'],
    ['stream_version', 'integer'],
    ['event_id', 'text'],
    ['type', 'text'],
    ['envelope', 'jsonb'],
  ];
  const eventRows = () => {
    const s = `case-${stream++}`;
    return Array.from({ length: BATCH }, (_, i) => {
      const e = event(s, i);
      return ['default', s, i + 1, e.id, e.type, JSON.stringify(e)];
    });
  };
  const appendRawValues = () => {
    const [text, params] = valuesInsert(
      `"${schema}".raw_events`,
      eventColumns.map(([n]) => n),
      eventRows(),
    );
    return raw.query(text, params);
  };
  const appendRawJson = () => {
    const [text, params] = recordsetInsert(`"${schema}".raw_events`, eventColumns, eventRows());
    return raw.query(text, params);
  };
  let id = 0;
  const putAdapter = () =>
    Promise.all(Array.from({ length: BATCH }, () => storage.documents.put('cases', doc(`c-${id++}`))));
  const putManyAdapter = () =>
    storage.documents.putMany(
      'cases',
      Array.from({ length: BATCH }, () => doc(`c-${id++}`)),
    );
  const docColumns: [string, string][] = [
    ['tenant_id', 'text'],
    ['collection', 'text'],
    ['id', 'text'],
    ['version', 'integer'],
    ['body', 'jsonb'],
  ];
  const docRows = () =>
    Array.from({ length: BATCH }, () => {
      const d = doc(`c-${id++}`);
      return ['default', 'cases', d.id, 1, JSON.stringify(d)];
    });
  const putRawValues = () => {
    const [text, params] = valuesInsert(
      `"${schema}".raw_documents`,
      docColumns.map(([n]) => n),
      docRows(),
    );
    return raw.query(text, params);
  };
  const putRawJson = () => {
    const [text, params] = recordsetInsert(`"${schema}".raw_documents`, docColumns, docRows());
    return raw.query(text, params);
  };
  const figures: Figure[] = [
    { name: 'event appends/s, adapter (append of 100)', values: [] },
    { name: 'event appends/s, raw INSERT … VALUES of 100', values: [] },
    { name: 'event appends/s, raw INSERT … jsonb_to_recordset of 100', values: [] },
    { name: 'document puts/s, adapter (putMany of 100)', values: [] },
    { name: 'document puts/s, adapter (100 concurrent puts)', values: [] },
    { name: 'document puts/s, raw INSERT … VALUES of 100', values: [] },
    { name: 'document puts/s, raw INSERT … jsonb_to_recordset of 100', values: [] },
  ];
  const ratios = { append: [] as number[], putMany: [] as number[], put: [] as number[] };
  for (let r = 0; r < RUNS; r++) {
    const measured = await interleavedRowsPerSecond(
      [appendAdapter, appendRawValues, appendRawJson, putManyAdapter, putAdapter, putRawValues, putRawJson],
      BATCH,
    );
    for (const [i, v] of measured.entries()) figures[i]?.values.push(v);
    const [a = 0, b = 0, c = 0, d = 0, p = 0, e = 0, f = 0] = measured;
    // Against the faster raw form of this run.
    ratios.append.push((100 * a) / Math.max(b, c));
    ratios.putMany.push((100 * d) / Math.max(e, f));
    ratios.put.push((100 * p) / Math.max(e, f));
  }
  console.log(`\n### ${label}: adapter vs raw (${RUNS} runs × ${RUN_MS} ms per figure, round-robin)\n`);
  table(
    ['figure', 'median', 'spread (min–max)'],
    figures.map((f) => [f.name, fmt(median(f.values)), spread(f.values)]),
  );
  table(
    ['adapter / faster raw form', 'median', 'spread', 'target'],
    [
      ['event appends', `${fmt(median(ratios.append))} %`, `${spread(ratios.append)} %`, '≥ 80 %'],
      [
        'document puts (putMany)',
        `${fmt(median(ratios.putMany))} %`,
        `${spread(ratios.putMany)} %`,
        '≥ 80 %',
      ],
      [
        'document puts (concurrent put calls)',
        `${fmt(median(ratios.put))} %`,
        `${spread(ratios.put)} %`,
        '—',
      ],
    ],
  );
}

/**
 * Waits until `check()` holds (polling every millisecond), or throws after `ms`. A timer, not a
 * `setImmediate` loop: spinning would keep one of the two cores busy and slow the database down.
 */
async function until(check: () => boolean, ms: number, what: string): Promise<void> {
  const end = performance.now() + ms;
  while (!check()) {
    if (performance.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 1));
  }
}

const THROUGHPUT_N = Number(process.env.STORE_BENCH_RELAY_N ?? 20_000);
const LATENCY_N = Number(process.env.STORE_BENCH_LATENCY_N ?? 300);

/** The outbox relay, started (NOTIFY wake-up), delivering to an in-process bus handler. */
async function relayFigures(storage: PostgresStorage) {
  const bus = createInProcessEventBus();
  let seen = 0;
  const arrived = arrivals();
  bus.subscribe('*', (e) => {
    seen++;
    arrived.arrive(e.id);
  });
  const relay = createOutboxRelay({ storage, bus, clock: new SystemClock(), batchSize: 500 });
  // Throughput: a backlog of committed events, drained by the started relay.
  const backlog: EventEnvelope[] = Array.from({ length: THROUGHPUT_N }, (_, i) => event(`r-${i % 500}`, 0));
  for (let i = 0; i < backlog.length; i += 1000) await storage.outbox.add(backlog.slice(i, i + 1000));
  const start = performance.now();
  relay.start({ intervalMs: 1000 });
  await until(() => seen >= THROUGHPUT_N, 120_000, 'the relay backlog');
  const perSecond = (THROUGHPUT_N * 1000) / (performance.now() - start);
  // Latency: one event per commit, one at a time, from the start of the commit to the handler.
  const latencies: number[] = [];
  for (let i = 0; i < LATENCY_N; i++) {
    const e = event('latency', i);
    const handled = arrived.expect(e.id, 'an event');
    const t0 = performance.now();
    await storage.documents.transaction(async (tx) => {
      await tx.outbox.add([e]);
    });
    await handled;
    latencies.push((arrived.at.get(e.id) as number) - t0);
  }
  await relay.stop();
  latencies.sort((a, b) => a - b);
  return { perSecond, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

/** graphile-worker on the same server: no-op jobs executed/s from a backlog, add-to-start latency. */
async function graphileFigures(url: string, schema: string) {
  const pool = new pg.Pool({ connectionString: url, max: 26 });
  const logger = new Logger(() => () => {});
  const options = { pgPool: pool, schema, noHandleSignals: true, pollInterval: 1000, logger };
  await migrateGraphileWorker(options);
  let done = 0;
  const started = arrivals();
  const taskList = {
    noop: async (payload: unknown) => {
      const n = (payload as { n: number }).n;
      if (n < 0) started.arrive(n);
      done++;
    },
  };
  await pool.query(
    `SELECT "${schema}".add_job('noop', json_build_object('n', g)) FROM generate_series(1, $1::int) g`,
    [THROUGHPUT_N],
  );
  const start = performance.now();
  const runner = await runGraphileWorker({ ...options, concurrency: 24, taskList });
  await until(() => done >= THROUGHPUT_N, 180_000, 'the graphile-worker backlog');
  const perSecond = (THROUGHPUT_N * 1000) / (performance.now() - start);
  const latencies: number[] = [];
  for (let i = 1; i <= LATENCY_N; i++) {
    const handled = started.expect(-i, 'a job');
    const t0 = performance.now();
    await runner.addJob('noop', { n: -i });
    await handled;
    latencies.push((started.at.get(-i) as number) - t0);
  }
  await runner.stop();
  await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await pool.end();
  latencies.sort((a, b) => a - b);
  return { perSecond, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

async function relayVsGraphile(url: string, schema: string) {
  const rows: Record<string, { perSecond: number[]; p50: number[]; p99: number[] }> = {
    relay: { perSecond: [], p50: [], p99: [] },
    graphile: { perSecond: [], p50: [], p99: [] },
  };
  for (let r = 0; r < RUNS; r++) {
    const pool = new pg.Pool({ connectionString: url, max: 10 });
    const storage = createPostgresStorage({ client: pool, schema: `${schema}_relay${r}` });
    await storage.migrate();
    const a = await relayFigures(storage);
    await pool.query(`DROP SCHEMA IF EXISTS "${schema}_relay${r}" CASCADE`);
    await storage.close();
    const b = await graphileFigures(url, `${schema}_gw${r}`);
    for (const [k, f] of [
      ['relay', a],
      ['graphile', b],
    ] as const) {
      rows[k]?.perSecond.push(f.perSecond);
      rows[k]?.p50.push(f.p50);
      rows[k]?.p99.push(f.p99);
    }
  }
  console.log(
    `\n### PostgreSQL server: outbox relay vs graphile-worker (${RUNS} runs; ${fmt(THROUGHPUT_N)} backlog, ${LATENCY_N} sequential latency samples)\n`,
  );
  const line = (name: string, k: string) => {
    const f = rows[k] as { perSecond: number[]; p50: number[]; p99: number[] };
    return [
      name,
      fmt(median(f.perSecond)),
      spread(f.perSecond),
      fmt(median(f.p50), 2),
      `${fmt(Math.min(...f.p50), 2)}–${fmt(Math.max(...f.p50), 2)}`,
      fmt(median(f.p99), 2),
    ];
  };
  table(
    ['system', 'delivered/s (median)', 'spread', 'latency p50 ms (median)', 'p50 spread', 'p99 ms (median)'],
    [
      line('outbox relay → in-process bus handler (commit → handler)', 'relay'),
      line('graphile-worker no-op jobs, concurrency 24 (add → start)', 'graphile'),
    ],
  );
}

noteLoad('start');
const schema = `bench_store_${process.pid}`;
if (PG_URL) {
  const pool = new pg.Pool({ connectionString: PG_URL, max: 10 });
  const storage = createPostgresStorage({ client: pool, schema });
  await storage.migrate();
  try {
    if (part('server')) {
      await adapterVsRaw('PostgreSQL server', storage, pool, schema);
      noteLoad('after server adapter vs raw');
    }
    if (part('relay')) {
      await relayVsGraphile(PG_URL, schema);
      noteLoad('after relay vs graphile-worker');
    }
  } finally {
    await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await storage.close();
  }
} else {
  console.log('THREADLINE_PG_URL is not set: the PostgreSQL server figures are skipped.');
}
if (part('pglite')) {
  const dir = mkdtempSync(join(tmpdir(), 'threadline-store-bench-'));
  try {
    const db = new PGlite(dir);
    const storage = createPostgresStorage({ client: db });
    await storage.migrate();
    await adapterVsRaw(`PGlite (data directory ${dir})`, storage, db, 'threadline');
    noteLoad('after PGlite');
    await storage.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
console.log(`\nload average (1/5/15 min) — ${loads.join('; ')}`);
