// Storages the journal tests run on: memory always, PGlite always, the PostgreSQL server when
// THREADLINE_PG_URL is set (each test file gets its own schema: other helpers share the server).
import { PGlite } from '@electric-sql/pglite';
import { createMemoryStorage } from '@threadline/adapter-memory';
import { createPostgresStorage } from '@threadline/adapter-postgres';
import type { ThreadlineStorage } from '@threadline/core';
import pg from 'pg';
import { describe, it } from 'vitest';

/** The server URL from the environment (tests may read env vars for server URLs only). */
export const PG_URL = process.env.THREADLINE_PG_URL;
const IN_CI = Boolean(process.env.CI);

/** A backend: `open()` gives storages that all see the same data (a fresh process would). */
export interface JournalBackend {
  label: string;
  open(): Promise<ThreadlineStorage>;
  dispose(): Promise<void>;
}

function memoryBackend(): JournalBackend {
  const storage = createMemoryStorage();
  return { label: 'memory', open: async () => storage, dispose: async () => undefined };
}

function pgliteBackend(): JournalBackend {
  const client = new PGlite();
  const storage = createPostgresStorage({ client });
  let migrated = false;
  return {
    label: 'PGlite',
    open: async () => {
      if (!migrated) await storage.migrate();
      migrated = true;
      return storage;
    },
    dispose: () => client.close(),
  };
}

let n = 0;
function serverBackend(): JournalBackend {
  n++;
  const schema = `tl_routing_journal_${process.pid}_${Date.now().toString(36)}_${n}`;
  const pools: pg.Pool[] = [];
  return {
    label: 'PostgreSQL server',
    open: async () => {
      const pool = new pg.Pool({ connectionString: PG_URL, max: 4 });
      pools.push(pool);
      const storage = createPostgresStorage({ client: pool, schema });
      // Fails loudly when the URL is set but the server is down.
      await storage.migrate();
      return storage;
    },
    dispose: async () => {
      const pool = pools[0] ?? new pg.Pool({ connectionString: PG_URL, max: 1 });
      try {
        await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      } finally {
        for (const p of new Set([...pools, pool])) await p.end();
      }
    },
  };
}

/**
 * Registers `body` once per backend: memory and PGlite always, the server when
 * `THREADLINE_PG_URL` is set; under CI a missing URL is a failing test, never a skip.
 */
export function forEachJournalBackend(
  body: (make: () => JournalBackend, kind: 'memory' | 'pglite' | 'server') => void,
): void {
  describe('memory storage', () => body(memoryBackend, 'memory'));
  describe('PGlite storage', () => body(pgliteBackend, 'pglite'));
  if (PG_URL) describe('PostgreSQL server storage', () => body(serverBackend, 'server'));
  else if (IN_CI)
    it('PostgreSQL server storage', () => {
      throw new Error('THREADLINE_PG_URL is not set but CI is: the routing journal suite needs the server');
    });
  else it.skip('PostgreSQL server storage (set THREADLINE_PG_URL to run it)', () => undefined);
}
