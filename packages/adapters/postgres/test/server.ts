// Where the PostgreSQL server suites find their server, and unique schema names per run.
import pg from 'pg';

/** The server URL from the environment (tests may read env vars for server URLs only). */
export const PG_URL = process.env.THREADLINE_PG_URL;
/** Under CI a missing server is a failure, never a skip. */
export const IN_CI = Boolean(process.env.CI);

let n = 0;
/** A schema name no other run or test uses, so runs against one server never collide. */
export function uniqueSchema(): string {
  n++;
  return `tl_test_${process.pid}_${Date.now().toString(36)}_${n}`;
}

/** A pool on the test server. */
export function newPool(max = 10): pg.Pool {
  return new pg.Pool({ connectionString: PG_URL, max });
}

/** Drops a test schema (and everything in it). */
export async function dropSchema(schema: string): Promise<void> {
  const pool = newPool(1);
  try {
    await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await pool.end();
  }
}

/** The message a CI run without a server fails with. */
export const MISSING_SERVER =
  'THREADLINE_PG_URL is not set but CI is: the PostgreSQL suites need a server (.ci/run starts one and exports the URL)';
