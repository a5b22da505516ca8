// Storage backends the durable-mode tests run on: memory always, PGlite always, and the
// PostgreSQL server when THREADLINE_PG_URL is set (each test file gets its own schema).
import { PGlite } from '@electric-sql/pglite';
import { createMemoryStorage } from '@threadline/adapter-memory';
import { createPostgresStorage } from '@threadline/adapter-postgres';
import type { ThreadlineStorage } from '@threadline/core';
import pg from 'pg';
import { it } from 'vitest';

/** Tests may read env for server URLs only. */
const PG_URL = process.env.THREADLINE_PG_URL;
const IN_CI = Boolean(process.env.CI);

/** A backend: `open()` returns a fresh, empty storage; `dispose()` closes what was opened. */
export interface Backend {
  label: string;
  open: () => Promise<ThreadlineStorage>;
  dispose: () => Promise<void>;
}

let n = 0;

function memory(): Backend {
  return { label: 'memory', open: async () => createMemoryStorage(), dispose: async () => undefined };
}

/** One in-memory PGlite per file (starting one is slow); every `open` gets its own schema. */
function pglite(): Backend {
  let client: PGlite | undefined;
  return {
    label: 'PGlite',
    open: async () => {
      client ??= new PGlite();
      n++;
      const storage = createPostgresStorage({ client, schema: `tl_cases_${n}` });
      await storage.migrate();
      return storage;
    },
    dispose: async () => {
      await client?.close();
      client = undefined;
    },
  };
}

function server(url: string): Backend {
  const pool = new pg.Pool({ connectionString: url, max: 4 });
  const schemas: string[] = [];
  return {
    label: 'PostgreSQL',
    open: async () => {
      n++;
      const schema = `tl_cases_${process.pid}_${Date.now().toString(36)}_${n}`;
      schemas.push(schema);
      const storage = createPostgresStorage({ client: pool, schema });
      await storage.migrate();
      return storage;
    },
    dispose: async () => {
      for (const s of schemas.splice(0)) await pool.query(`DROP SCHEMA IF EXISTS "${s}" CASCADE`);
      await pool.end();
    },
  };
}

/** The backends of this run. */
export function backends(): Backend[] {
  const out = [memory(), pglite()];
  if (PG_URL) out.push(server(PG_URL));
  return out;
}

/** Under CI a missing server is a failure, never a silent skip. */
export function requireServerInCi(): void {
  if (!PG_URL && IN_CI) {
    it('PostgreSQL server', () => {
      throw new Error('THREADLINE_PG_URL is not set but CI is: the cases storage tests need the server');
    });
  }
}
