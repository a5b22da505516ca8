import { PGlite } from '@electric-sql/pglite';
import { conformanceSuite } from '@threadline/adapter-conformance';
import { afterAll, describe, expect, it } from 'vitest';
import { createPostgresStorage, type PostgresStorage } from '../src/index.js';
import { dropSchema, IN_CI, MISSING_SERVER, newPool, PG_URL, uniqueSchema } from './server.js';

type RawQuery = (sql: string, params: unknown[]) => Promise<{ rows: unknown[] }>;

interface Opened {
  storage: PostgresStorage;
  /** Straight to the client, bypassing the adapter: the suites' independent read path. */
  raw: RawQuery;
  dispose: () => Promise<void>;
}

/** Runs the document-store and event-log suites against one migrated storage. */
function suites(label: string, open: () => Promise<Opened>): void {
  let ready: Promise<Opened> | undefined;
  const opened = () => {
    ready ??= open().then(async (o) => {
      await o.storage.migrate();
      return o;
    });
    return ready;
  };
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
}

suites('PGlite (in memory)', async () => {
  const client = new PGlite();
  return {
    storage: createPostgresStorage({ client }),
    raw: (sql, params) => client.query(sql, params),
    dispose: () => client.close(),
  };
});

if (PG_URL) {
  suites('PostgreSQL server', async () => {
    const schema = uniqueSchema();
    const pool = newPool();
    return {
      storage: createPostgresStorage({ client: pool, schema }),
      raw: (sql, params) => pool.query(sql, params),
      dispose: async () => {
        await pool.end();
        await dropSchema(schema);
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
