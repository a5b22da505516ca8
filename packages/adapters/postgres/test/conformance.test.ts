import { PGlite } from '@electric-sql/pglite';
import { conformanceSuite } from '@threadline/adapter-conformance';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresStorage, type PostgresStorage } from '../src/index.js';
import { dropSchema, IN_CI, MISSING_SERVER, newPool, PG_URL, uniqueSchema } from './server.js';

type RawQuery = (sql: string, params: unknown[]) => Promise<{ rows: unknown[] }>;

interface Opened {
  storage: PostgresStorage;
  /** Straight to the client, bypassing the adapter: the suites' independent read path. */
  raw: RawQuery;
  dispose: () => Promise<void>;
  /** Another storage on the same client, over `schema` (a new object each call, like a restart). */
  at: (schema: string) => PostgresStorage;
}

let schemas = 0;

/**
 * The concurrency suite's "two transactions updating one document" test expects the two to
 * interleave (both read version 1, one fails). PGlite is one connection and runs transactions one
 * after the other, so the second reads the first's commit and both succeed with no lost update —
 * a serial outcome, which `PGlite transactions run one at a time` below checks. On PGlite that
 * one suite test is registered with `it.fails`: it is expected to fail there, and if it ever
 * passes, the run fails and this note must go.
 */
const SERIAL_ON_PGLITE =
  'two transactions updating one document: one commits, the other is CONFLICT and writes nothing';

/** Runs the document-store and event-log suites against one migrated storage. */
function suites(label: string, open: () => Promise<Opened>, serial = false): void {
  let ready: Promise<Opened> | undefined;
  const opened = () => {
    ready ??= open().then(async (o) => {
      await o.storage.migrate();
      return o;
    });
    return ready;
  };
  // Starting PGlite and migrating takes seconds (tens on a loaded machine): once, up front,
  // instead of inside the first test's time limit.
  beforeAll(async () => {
    await opened();
  }, 180_000);
  afterAll(async () => {
    if (ready) await (await ready).dispose();
  });
  // Each test gets fresh collection, stream and tenant names, so one storage serves them all
  // (disposing per test would close the shared client).
  conformanceSuite({
    describe,
    it,
    expect,
    documentStore: {
      name: `${label}: DocumentStore conformance`,
      createStore: async () => (await opened()).storage.documents,
      disposeStore: () => undefined,
      namespace: 'pgds',
      readRaw: async (collection, tenantId, id) => {
        const o = await opened();
        const { rows } = await o.raw(
          `SELECT body FROM "${o.storage.schema}".documents WHERE tenant_id = $1 AND collection = $2 AND id = $3`,
          [tenantId, collection, id],
        );
        return (rows[0] as { body: Record<string, unknown> } | undefined)?.body;
      },
    },
    eventLog: {
      name: `${label}: EventLog conformance`,
      createLog: async () => (await opened()).storage.events,
      disposeLog: () => undefined,
      namespace: 'pgel',
      readRaw: async (tenantId, streamId) => {
        const o = await opened();
        const { rows } = await o.raw(
          `SELECT envelope FROM "${o.storage.schema}".events WHERE tenant_id = $1 AND stream_id = $2 ORDER BY stream_version`,
          [tenantId, streamId],
        );
        return rows.map((r) => (r as { envelope: Record<string, unknown> }).envelope);
      },
    },
  });
  // The outbox and concurrency suites read the whole outbox, so each test gets its own schema.
  const schemaOf = new WeakMap<object, string>();
  const fresh = async () => {
    const schema = `tl_cc_${process.pid}_${++schemas}`;
    const storage = (await opened()).at(schema);
    await storage.migrate();
    schemaOf.set(storage.outbox, schema);
    return storage;
  };
  const itFor = (title: string, fn: () => Promise<void> | void, timeout?: number) =>
    serial && title === SERIAL_ON_PGLITE ? it.fails(title, fn, timeout) : it(title, fn, timeout);
  conformanceSuite({
    describe,
    it: itFor,
    expect,
    outbox: {
      name: `${label}: Outbox conformance`,
      createOutbox: async () => (await fresh()).outbox,
      disposeOutbox: () => undefined,
      // A new storage object over the same tables: only what the database kept survives.
      reopen: async (outbox) => {
        const schema = schemaOf.get(outbox) as string;
        const again = (await opened()).at(schema);
        schemaOf.set(again.outbox, schema);
        return again.outbox;
      },
    },
    concurrency: {
      name: `${label}: concurrency conformance`,
      createStorage: fresh,
      disposeStorage: () => undefined,
      namespace: 'pgcc',
    },
  });
}

suites(
  'PGlite (in memory)',
  async () => {
    const client = new PGlite();
    return {
      storage: createPostgresStorage({ client }),
      raw: (sql, params) => client.query(sql, params),
      dispose: () => client.close(),
      at: (schema) => createPostgresStorage({ client, schema }),
    };
  },
  true,
);

describe('PGlite transactions run one at a time', () => {
  it('two transactions bumping one document both commit, in sequence, losing no update', async () => {
    const client = new PGlite();
    try {
      const storage = createPostgresStorage({ client });
      await storage.migrate();
      await storage.documents.put('c', { id: 'hot', n: 0 });
      const bump = (by: number) =>
        storage.documents.transaction(async (tx) => {
          const cur = (await tx.documents.get('c', 'hot')) as unknown as {
            n: number;
            version: number;
            id: string;
          };
          await new Promise((r) => setTimeout(r, 5));
          await tx.documents.put('c', { ...cur, n: cur.n + by }, { expectedVersion: cur.version });
        });
      await Promise.all([bump(1), bump(10)]);
      expect(await storage.documents.get('c', 'hot')).toMatchObject({ n: 11, version: 3 });
    } finally {
      await client.close();
    }
  });
});

if (PG_URL) {
  suites('PostgreSQL server', async () => {
    const schema = uniqueSchema();
    const pool = newPool();
    const extra: string[] = [];
    return {
      storage: createPostgresStorage({ client: pool, schema }),
      raw: (sql, params) => pool.query(sql, params),
      dispose: async () => {
        await pool.end();
        for (const s of [schema, ...extra]) await dropSchema(s);
      },
      at: (name) => {
        const s = `${schema}_${name}`;
        if (!extra.includes(s)) extra.push(s);
        return createPostgresStorage({ client: pool, schema: s });
      },
    };
  });
} else if (IN_CI) {
  it('PostgreSQL server conformance', () => {
    throw new Error(MISSING_SERVER);
  });
} else {
  it.skip('PostgreSQL server conformance (set THREADLINE_PG_URL to run it)', () => undefined);
}
