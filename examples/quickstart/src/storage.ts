// `--store <spec>` for the examples: which storage bundle a program runs on. The PostgreSQL
// clients are imported lazily, so a memory run never loads pg or PGlite.
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { createMemoryStorage } from '@threadline/adapter-memory';
import { ThreadlineError, type ThreadlineStorage } from '@threadline/core';

/** The `--store` line of an example's `--help`. */
export const STORE_USAGE = `--store <spec>        where the engines keep their state (default memory):
                          memory                 in this process only, gone at exit
                          pglite:<dir>           embedded PostgreSQL (PGlite), data in <dir>; durable, no server
                          postgres://user@host:port/db   a PostgreSQL server (schema "threadline")`;

/** A parsed `--store` value. */
export type StoreSpec =
  | { kind: 'memory' }
  | { kind: 'pglite'; dir: string }
  | { kind: 'postgres'; url: string };

/** A storage bundle opened from a {@link StoreSpec}, with what closing it takes. */
export interface OpenedStorage {
  spec: StoreSpec;
  storage: ThreadlineStorage;
  /** True for PGlite and PostgreSQL: a fresh process finds what this one committed. */
  durable: boolean;
  /** Closes the client (PGlite instance or pg pool); a no-op for memory. */
  close(): Promise<void>;
}

function bad(spec: string, why: string): ThreadlineError {
  return new ThreadlineError('VALIDATION', `--store ${JSON.stringify(spec)}: ${why}`, {
    issues: [{ path: ['store'], message: why, code: 'invalid_store' }],
  });
}

/**
 * Parses `memory`, `pglite:<dir>` or `postgres://…` (`postgresql://` too); anything else is
 * `VALIDATION` at path `store`, with a message the CLI prints above its usage.
 *
 * @example
 * ```ts
 * parseStoreSpec('pglite:./data'); // { kind: 'pglite', dir: './data' }
 * ```
 */
export function parseStoreSpec(spec: string): StoreSpec {
  const s = spec.trim();
  if (s === 'memory') return { kind: 'memory' };
  if (s.startsWith('pglite:')) {
    const dir = s.slice('pglite:'.length);
    if (dir.trim() === '') throw bad(spec, 'pglite needs a directory: pglite:<dir>');
    if (dir.startsWith('//')) throw bad(spec, 'pglite takes a directory path, not a URL: pglite:./data');
    return { kind: 'pglite', dir };
  }
  if (/^postgres(ql)?:\/\//.test(s)) {
    let url: URL;
    try {
      url = new URL(s);
    } catch {
      throw bad(spec, 'not a valid URL (postgres://user@host:port/db)');
    }
    if (url.hostname === '') throw bad(spec, 'the URL names no host (postgres://user@host:port/db)');
    if (url.pathname.length <= 1) throw bad(spec, 'the URL names no database (postgres://user@host:port/db)');
    return { kind: 'postgres', url: s };
  }
  throw bad(spec, 'expected memory, pglite:<dir> or postgres://user@host:port/db');
}

/**
 * Opens the storage a spec names and, for PostgreSQL and PGlite, applies the adapter's
 * migrations. `schema` isolates the tables (default `threadline`); relative PGlite directories
 * resolve against `cwd` (default `process.cwd()`).
 *
 * @example
 * ```ts
 * const { storage, durable, close } = await openStorage('pglite:./threadline-data');
 * // … createIdentityService({ storage, … }), createRoutingEngine({ storage, … }) …
 * await close();
 * ```
 */
export async function openStorage(
  spec: string | StoreSpec = 'memory',
  options: { schema?: string; cwd?: string } = {},
): Promise<OpenedStorage> {
  const parsed = typeof spec === 'string' ? parseStoreSpec(spec) : spec;
  if (parsed.kind === 'memory')
    return { spec: parsed, storage: createMemoryStorage(), durable: false, close: async () => {} };
  const { createPostgresStorage } = await import('@threadline/adapter-postgres');
  const schema = options.schema === undefined ? {} : { schema: options.schema };
  if (parsed.kind === 'pglite') {
    const dir = resolve(options.cwd ?? process.cwd(), parsed.dir);
    mkdirSync(dir, { recursive: true });
    const { PGlite } = await import('@electric-sql/pglite');
    const storage = createPostgresStorage({ client: new PGlite(dir), ...schema });
    return opened(parsed, storage);
  }
  const { default: pg } = await import('pg');
  const pool = new pg.Pool({ connectionString: parsed.url, max: 4 });
  // An idle client's error (the server went away) must not crash the process unhandled.
  pool.on('error', () => {});
  return opened(parsed, createPostgresStorage({ client: pool, ...schema }));
}

async function opened(
  spec: StoreSpec,
  storage: ThreadlineStorage & { migrate(): Promise<unknown>; close(): Promise<void> },
): Promise<OpenedStorage> {
  try {
    await storage.migrate();
  } catch (error) {
    await storage.close().catch(() => {});
    throw new ThreadlineError('ADAPTER', `could not open the ${spec.kind} store: ${String(error)}`, {
      cause: error,
    });
  }
  return { spec, storage, durable: true, close: () => storage.close() };
}
