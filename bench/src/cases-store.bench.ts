// Case engine operations/s with durable storage (`pnpm bench cases-store`): memory storage,
// embedded PGlite and, when THREADLINE_PG_URL is set, the PostgreSQL server (own schema).
// Workload per case: open, agent reply, customer reply, solve, close (5 commands; the close
// evicts the case). Two commit regimes: `flush` after every command (one transaction each:
// commit latency bound) and bursts of 100 commands per flush (group commit).
import { readFileSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { createMemoryStorage } from '@threadline/adapter-memory';
import { createPostgresStorage } from '@threadline/adapter-postgres';
import { type CaseEngine, createCaseEngine } from '@threadline/cases';
import { createSequentialIds, ManualClock, type ThreadlineStorage } from '@threadline/core';
import pg from 'pg';
import { fmt, table } from './util.js';

const RUNS = 5;
const PG_URL = process.env.THREADLINE_PG_URL;
const T0 = Date.UTC(2026, 0, 5, 9);

interface Backend {
  label: string;
  cases: number;
  open: () => Promise<{ storage: ThreadlineStorage; close: () => Promise<void> }>;
}

let n = 0;
const backends: Backend[] = [
  {
    label: 'memory storage',
    cases: 2000,
    open: async () => ({ storage: createMemoryStorage(), close: async () => undefined }),
  },
  {
    label: 'PGlite (in memory)',
    cases: 200,
    open: async () => {
      const client = new PGlite();
      const storage = createPostgresStorage({ client });
      await storage.migrate();
      return { storage, close: () => client.close() };
    },
  },
];
if (PG_URL) {
  backends.push({
    label: 'PostgreSQL (pg pool, 127.0.0.1)',
    cases: 300,
    open: async () => {
      const pool = new pg.Pool({ connectionString: PG_URL, max: 4 });
      const schema = `tl_bench_cases_${process.pid}_${++n}`;
      const storage = createPostgresStorage({ client: pool, schema });
      await storage.migrate();
      return {
        storage,
        close: async () => {
          await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
          await pool.end();
        },
      };
    },
  });
}

function engineOn(storage: ThreadlineStorage, clock: ManualClock): CaseEngine {
  return createCaseEngine({
    clock,
    ids: createSequentialIds(),
    calendars: {},
    policies: [
      {
        id: 'default',
        targets: { first_reply: { normal: { hours: 1 } }, resolution: { normal: { hours: 8 } } },
      },
    ],
    storage,
  });
}

/** Runs the workload; returns commands per second. */
async function once(b: Backend, burst: number): Promise<number> {
  const { storage, close } = await b.open();
  try {
    const clock = new ManualClock(T0);
    const engine = engineOn(storage, clock);
    // Warm-up: collections, declaration, JIT.
    engine.openCase({ id: 'warm', customerId: 'w', subject: 'w', priority: 'normal', channel: 'chat' });
    await engine.flush();
    let commands = 0;
    const step = async (fn: () => void) => {
      fn();
      commands++;
      if (commands % burst === 0) await engine.flush();
    };
    const start = performance.now();
    for (let i = 0; i < b.cases; i++) {
      const id = `c${i}`;
      clock.advance(1000);
      await step(() =>
        engine.openCase({ id, customerId: `u${i}`, subject: 'Refund', priority: 'normal', channel: 'chat' }),
      );
      await step(() => engine.recordMessage(id, { author: 'agent', public: true }));
      await step(() => engine.recordMessage(id, { author: 'customer', public: true }));
      await step(() => engine.transition(id, 'solved', { actor: 'a' }));
      await step(() => engine.transition(id, 'closed', { actor: 'a' }));
    }
    await engine.flush();
    const seconds = (performance.now() - start) / 1000;
    if (engine.stats().cases !== 1)
      throw new Error(`expected closed cases to be evicted: ${engine.stats().cases}`);
    return commands / seconds;
  } finally {
    await close();
  }
}

const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
console.log(`load average before: ${load()}`);
const rows: (string | number)[][] = [];
for (const b of backends) {
  for (const burst of [1, 100]) {
    const results: number[] = [];
    for (let r = 0; r < RUNS; r++) results.push(await once(b, burst));
    results.sort((x, y) => x - y);
    const median = results[Math.floor(results.length / 2)] as number;
    rows.push([
      b.label,
      burst === 1 ? 'flush per command' : 'bursts of 100',
      b.cases * 5,
      fmt(median),
      `${fmt(results[0] as number)}–${fmt(results[results.length - 1] as number)}`,
    ]);
  }
}
table(['storage', 'commit regime', 'commands/run', 'median commands/s', `range of ${RUNS} runs`], rows);
if (!PG_URL) console.log('PostgreSQL server: skipped (THREADLINE_PG_URL not set)');
console.log(`load average after: ${load()}`);
