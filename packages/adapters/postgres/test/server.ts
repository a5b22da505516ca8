// Where the PostgreSQL server suites find their server, and unique schema names per run.
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { describe, it } from 'vitest';
import { createPostgresStorage, type PostgresStorage } from '../src/index.js';

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

/** One way to open storages for a test: every storage it opens shares one database and schema. */
export interface Backend {
  label: string;
  /** Opens a storage on the backend's schema; each call is a separate client for `pg` (like another process). */
  open: (options?: { outboxClaimTimeoutMs?: number }) => PostgresStorage;
  /** Closes what `open` made and drops the schema. */
  dispose: () => Promise<void>;
}

/** In-memory PGlite: every `open` shares one instance (PGlite is one connection). */
export function pgliteBackend(): Backend {
  const client = new PGlite();
  return {
    label: 'PGlite',
    open: (options = {}) => {
      return createPostgresStorage({ client, ...options });
    },
    dispose: () => client.close(),
  };
}

/** The test server with a fresh schema: every `open` is its own pool, as two processes would be. */
export function serverBackend(): Backend {
  const schema = uniqueSchema();
  const storages: PostgresStorage[] = [];
  return {
    label: 'PostgreSQL server',
    open: (options = {}) => {
      const s = createPostgresStorage({ client: newPool(), schema, ...options });
      storages.push(s);
      return s;
    },
    dispose: async () => {
      for (const s of storages) await s.close();
      await dropSchema(schema);
    },
  };
}

/**
 * Registers `body` once per backend: PGlite always, the server when `THREADLINE_PG_URL` is set;
 * under CI a missing URL registers a failing test instead of skipping.
 */
export function forEachBackend(body: (make: () => Backend, label: string) => void): void {
  describe('PGlite', () => body(pgliteBackend, 'PGlite'));
  if (PG_URL) describe('PostgreSQL server', () => body(serverBackend, 'PostgreSQL server'));
  else if (IN_CI)
    it('PostgreSQL server suite', () => {
      throw new Error(MISSING_SERVER);
    });
  else it.skip('PostgreSQL server suite (set THREADLINE_PG_URL to run it)', () => undefined);
}
