// Case engine operations/s with durable storage (`pnpm bench cases-store`): memory storage,
// embedded PGlite and, when THREADLINE_PG_URL is set, the PostgreSQL server (own schema).
// Workload per case: open, agent reply, customer reply, solve, close (5 commands; the close
// evicts the case). Two commit regimes: `flush` after every command (one transaction each:
// commit latency bound) and bursts of 100 commands per flush (group commit).
import { readFileSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { createMemoryStorage } from '@threadline/adapter-memory';
import { createPostgresStorage } from '@threadline/adapter-postgres';
import type { ThreadlineStorage } from '@threadline/core';
import pg from 'pg';
import { runCaseWorkload } from './casesWorkload.js';
import { fmt, table } from './util.js';

const RUNS = 5;
const PG_URL = process.env.THREADLINE_PG_URL;

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

/** Runs the workload; returns commands per second. */
async function once(b: Backend, burst: number): Promise<number> {
  const { storage, close } = await b.open();
  try {
    return await runCaseWorkload(storage, b.cases, burst);
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
