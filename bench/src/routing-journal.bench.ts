// Routing with the command journal on: decisions per second when every command is journaled and
// group-committed (journal entries + outbox rows in one transaction per batch), on the memory
// storage, on PGlite (in-process, in memory) and on the PostgreSQL server (THREADLINE_PG_URL),
// plus the commit latency of one batch. Each round is one arrival (a routing decision: the task
// is offered to an idle worker), its accept and its completion: three journaled commands.
import { PGlite } from '@electric-sql/pglite';
import { createMemoryStorage } from '@threadline/adapter-memory';
import { createPostgresStorage } from '@threadline/adapter-postgres';
import { ManualClock, type ThreadlineStorage } from '@threadline/core';
import { createRoutingEngine, type RoutingEngine, type WorkflowConfig } from '@threadline/routing';
import pg from 'pg';
import { fmt, percentile, table } from './util.js';

const RUNS = Number(process.env.JOURNAL_RUNS ?? 5);
const WORKERS = 1_000;
const QUEUES = 20;
/** Commands per batch (the journal's `maxBatch`); a round journals three commands. */
const BATCH = Number(process.env.JOURNAL_BATCH ?? 3_000);
const LATENCY_BATCHES = Number(process.env.JOURNAL_LATENCY_BATCHES ?? 50);
const PG_URL = process.env.THREADLINE_PG_URL;
const SCALE = Number(process.env.JOURNAL_SCALE ?? 1);
/** Comma-separated backends to measure (default all): `none,memory,PGlite,PostgreSQL`. */
const ONLY = process.env.JOURNAL_BACKENDS?.split(',').map((s) => s.trim());
const wanted = (label: string) => ONLY === undefined || ONLY.includes(label);
const ROUNDS: Record<string, number> = {
  memory: 60_000 * SCALE,
  PGlite: 30_000 * SCALE,
  PostgreSQL: 60_000 * SCALE,
};

const workflow: WorkflowConfig = {
  queues: Array.from({ length: QUEUES }, (_, q) => ({ id: `q${q}`, workers: { skills: { [`s${q}`]: 1 } } })),
  filters: Array.from({ length: QUEUES }, (_, q) => ({
    name: `to-q${q}`,
    match: { attributes: { queue: `q${q}` } },
    targets: [{ queue: `q${q}` }],
  })),
};

interface Backend {
  label: string;
  open(): Promise<ThreadlineStorage>;
  close(): Promise<void>;
}

function backends(): Backend[] {
  const list: Backend[] = [
    { label: 'memory', open: async () => createMemoryStorage(), close: async () => undefined },
  ];
  let lite: PGlite | undefined;
  list.push({
    label: 'PGlite',
    open: async () => {
      await lite?.close();
      lite = new PGlite();
      const storage = createPostgresStorage({ client: lite });
      await storage.migrate();
      return storage;
    },
    close: async () => lite?.close(),
  });
  if (PG_URL) {
    const pool = new pg.Pool({ connectionString: PG_URL, max: 4 });
    let n = 0;
    const schemas: string[] = [];
    list.push({
      label: 'PostgreSQL',
      open: async () => {
        const schema = `tl_bench_routing_journal_${process.pid}_${++n}`;
        schemas.push(schema);
        const storage = createPostgresStorage({ client: pool, schema });
        await storage.migrate();
        return storage;
      },
      close: async () => {
        for (const s of schemas) await pool.query(`DROP SCHEMA IF EXISTS "${s}" CASCADE`);
        await pool.end();
      },
    });
  }
  return list;
}

/** An engine with every worker idle, journaling to `storage`. */
async function setup(storage: ThreadlineStorage | undefined) {
  const clock = new ManualClock(Date.UTC(2026, 0, 5, 9));
  const engine = createRoutingEngine({
    clock,
    workflow,
    ...(storage
      ? { storage, journal: { maxBatch: BATCH, flushIntervalMs: 0, snapshotEvery: 1_000_000 } }
      : {}),
  });
  for (let w = 0; w < WORKERS; w++) {
    engine.upsertWorker({
      id: `w${w}`,
      status: 'available',
      attributes: { skills: { [`s${w % QUEUES}`]: 5 } },
      capacity: { chat: 3 },
    });
  }
  await engine.flush();
  return { engine, clock };
}

let taskSeq = 0;
/** One arrival, its accept and its completion; returns after queueing three journal entries. */
function round(engine: RoutingEngine, clock: ManualClock): void {
  const id = `t${taskSeq++}`;
  const t = engine.submitTask({ id, channel: 'chat', attributes: { queue: `q${taskSeq % QUEUES}` } });
  const offer = t.reservations[0];
  if (offer === undefined) throw new Error('bench: expected an offer');
  engine.acceptReservation(offer);
  engine.completeTask(id);
  clock.advance(1);
}

/** This process's CPU time (user + system, µs) per decision in the last {@link throughput} run. */
let lastCpuPerDecision = 0;

/**
 * Decisions per wall-second, commits pipelined: the next batch runs while the last commits. Also
 * sets {@link lastCpuPerDecision}, which depends much less on the machine's load than wall time.
 */
async function throughput(storage: ThreadlineStorage | undefined, rounds: number): Promise<number> {
  const { engine, clock } = await setup(storage);
  const perBatch = Math.max(1, Math.floor(BATCH / 3));
  const before = engine.stats().decisions;
  const cpu = process.cpuUsage();
  const start = performance.now();
  let inFlight: Promise<void> = Promise.resolve();
  for (let done = 0; done < rounds; ) {
    const n = Math.min(perBatch, rounds - done);
    for (let k = 0; k < n; k++) round(engine, clock);
    done += n;
    await inFlight;
    inFlight = engine.flush();
  }
  await inFlight;
  const ms = performance.now() - start;
  const used = process.cpuUsage(cpu);
  const decisions = engine.stats().decisions - before;
  lastCpuPerDecision = (used.user + used.system) / decisions;
  if (decisions !== rounds) throw new Error(`bench: ${decisions} decisions for ${rounds} rounds`);
  if (storage && engine.stats().journal?.pending !== 0) throw new Error('bench: uncommitted entries left');
  return (decisions * 1000) / ms;
}

/** Milliseconds from `flush()` to its commit, one full batch at a time (no pipelining). */
async function commitLatencies(storage: ThreadlineStorage): Promise<number[]> {
  const { engine, clock } = await setup(storage);
  const perBatch = Math.max(1, Math.floor(BATCH / 3));
  const out: number[] = [];
  for (let b = 0; b < LATENCY_BATCHES; b++) {
    for (let k = 0; k < perBatch; k++) round(engine, clock);
    const t0 = performance.now();
    await engine.flush();
    out.push(performance.now() - t0);
  }
  return out.sort((a, b) => a - b);
}

const median = (xs: number[]) =>
  percentile(
    [...xs].sort((a, b) => a - b),
    50,
  );
const spread = (xs: number[]) => `${fmt(Math.min(...xs))}–${fmt(Math.max(...xs))}`;

const rows: (string | number)[][] = [];
const inMemory: number[] = [];
const inMemoryCpu: number[] = [];
if (wanted('none'))
  for (let r = 0; r < RUNS; r++) {
    inMemory.push(await throughput(undefined, ROUNDS.memory as number));
    inMemoryCpu.push(lastCpuPerDecision);
  }
if (inMemory.length > 0) {
  rows.push([
    'no storage (journal off): decisions/s, median (min–max)',
    `${fmt(median(inMemory))} (${spread(inMemory)})`,
    '',
  ]);
  rows.push([
    "no storage (journal off): this process's CPU µs per decision, median (min–max)",
    `${fmt(median(inMemoryCpu), 1)} (${fmt(Math.min(...inMemoryCpu), 1)}–${fmt(Math.max(...inMemoryCpu), 1)})`,
    '',
  ]);
}
for (const b of backends().filter((x) => wanted(x.label))) {
  const rates: number[] = [];
  const cpus: number[] = [];
  const p50s: number[] = [];
  const p99s: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    rates.push(await throughput(await b.open(), ROUNDS[b.label] as number));
    cpus.push(lastCpuPerDecision);
    const lat = await commitLatencies(await b.open());
    p50s.push(percentile(lat, 50));
    p99s.push(percentile(lat, 99));
  }
  await b.close();
  rows.push([
    `${b.label} journal: decisions/s, median (min–max)`,
    `${fmt(median(rates))} (${spread(rates)})`,
    b.label === 'PostgreSQL' ? '≥ 50,000' : '',
  ]);
  rows.push([
    `${b.label} journal: this process's CPU µs per decision, median (min–max)`,
    `${fmt(median(cpus), 1)} (${fmt(Math.min(...cpus), 1)}–${fmt(Math.max(...cpus), 1)})`,
    '',
  ]);
  rows.push([
    `${b.label} journal: commit of one ${fmt(BATCH)}-command batch, ms p50 / p99 (median of runs)`,
    `${fmt(median(p50s), 1)} / ${fmt(median(p99s), 1)}`,
    '',
  ]);
}
if (!PG_URL) rows.push(['PostgreSQL journal', 'skipped: THREADLINE_PG_URL not set', '≥ 50,000']);
console.log(
  `${RUNS} runs; ${fmt(WORKERS)} workers, ${QUEUES} queues; a decision = arrival + accept + completion (3 journaled commands); batches of ${fmt(BATCH)} commands, the next batch computed while the last commits`,
);
table(['measure', 'value', 'target'], rows);
