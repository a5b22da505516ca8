// A/B of the case engine's commit batch on the PostgreSQL server, in one process, interleaved:
// `putMany` (the engine as shipped) against the same storage with `putMany` hidden from
// `tx.documents`, so core's `putMany` helper falls back to one `put` per case (the path before
// issue 12's putMany). Workload of `cases-store.bench.ts` in bursts of 100 commands per flush.
// Not a `*.bench.ts` file: `pnpm bench` does not run it.
//
//   THREADLINE_PG_URL=postgres://postgres@127.0.0.1:5432/test \
//     node --conditions=@threadline/source --import tsx bench/src/cases-putmany-ab.ts
import { loadavg } from 'node:os';
import { createPostgresStorage } from '@threadline/adapter-postgres';
import type { DocumentStore, ThreadlineStorage, TransactionContext } from '@threadline/core';
import pg from 'pg';
import { runCaseWorkload } from './casesWorkload.js';

const PG_URL = process.env.THREADLINE_PG_URL;
const RUNS = Number(process.env.AB_RUNS ?? 5);
const CASES = Number(process.env.AB_CASES ?? 300);
const BURST = 100;
let n = 0;

/** `target` with some members replaced (`undefined` hides one); other methods bound to it. */
function without<T extends object>(target: T, replace: Record<string, unknown>): T {
  return new Proxy(target, {
    get(t, p) {
      if (typeof p === 'string' && Object.hasOwn(replace, p)) return replace[p];
      const v = Reflect.get(t, p, t);
      return typeof v === 'function' ? v.bind(t) : v;
    },
  });
}

/** The storage with `putMany` hidden from the documents its transactions hand out. */
function loopOfPuts(storage: ThreadlineStorage): ThreadlineStorage {
  const docs = storage.documents;
  const transaction = docs.transaction as NonNullable<DocumentStore['transaction']>;
  const documents = without(docs, {
    transaction: <R>(fn: (tx: TransactionContext) => Promise<R>, o?: Parameters<typeof transaction>[1]) =>
      transaction.call(
        docs,
        (tx) => fn({ ...tx, documents: without(tx.documents, { putMany: undefined }) }),
        o,
      ),
  });
  return { ...storage, documents };
}

async function once(variant: 'putMany' | 'put loop'): Promise<number> {
  const pool = new pg.Pool({ connectionString: PG_URL, max: 4 });
  const schema = `tl_ab_cases_${process.pid}_${++n}`;
  const raw = createPostgresStorage({ client: pool, schema });
  await raw.migrate();
  const storage = variant === 'putMany' ? raw : loopOfPuts(raw);
  try {
    return await runCaseWorkload(storage, CASES, BURST);
  } finally {
    await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await pool.end();
  }
}

if (!PG_URL) {
  console.log('THREADLINE_PG_URL is not set: nothing to measure.');
} else {
  const load = () =>
    loadavg()
      .map((x) => x.toFixed(1))
      .join(' ');
  console.log(`load average before: ${load()}`);
  const results: Record<string, number[]> = { 'put loop': [], putMany: [] };
  for (let r = 0; r < RUNS; r++) {
    for (const v of ['put loop', 'putMany'] as const) results[v]?.push(await once(v));
  }
  for (const [variant, xs] of Object.entries(results)) {
    xs.sort((a, b) => a - b);
    const median = xs[Math.floor(xs.length / 2)] as number;
    console.log(
      `${variant}: median ${Math.round(median)} commands/s (${Math.round(xs[0] as number)}–${Math.round(xs[xs.length - 1] as number)})`,
    );
  }
  console.log(`load average after: ${load()}`);
}
