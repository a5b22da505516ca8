import type { Driver, Queryable } from './driver/driver.js';
import type { Tables } from './schema.js';

/**
 * The channel outbox inserts are announced on (`NOTIFY`), with the schema name as the payload:
 * one fixed, short identifier whatever the schema's length.
 */
export const OUTBOX_CHANNEL = 'threadline_outbox';

/** One schema change, applied once per schema and recorded in the migrations table. */
export interface Migration {
  version: number;
  name: string;
  sql: (t: Tables) => string[];
}

/**
 * Every migration, in order. Append new ones; never edit an applied one (databases in the field
 * already recorded it).
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'documents, events, idempotency keys, outbox',
    sql: (t) => [
      // `id` sorts bytewise (COLLATE "C") so keyset pages follow one order on every server locale.
      `CREATE TABLE ${t.documents} (
        tenant_id text NOT NULL,
        collection text NOT NULL,
        id text COLLATE "C" NOT NULL,
        version integer NOT NULL CHECK (version > 0),
        body jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, collection, id)
      )`,
      `CREATE TABLE ${t.collectionIndexes} (
        collection text NOT NULL,
        field text NOT NULL,
        index_name text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (collection, field)
      )`,
      `CREATE TABLE ${t.events} (
        position bigserial PRIMARY KEY,
        tenant_id text NOT NULL,
        stream_id text NOT NULL,
        stream_version integer NOT NULL CHECK (stream_version > 0),
        event_id text NOT NULL,
        type text NOT NULL,
        envelope jsonb NOT NULL,
        recorded_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (tenant_id, stream_id, stream_version)
      )`,
      `CREATE INDEX events_tenant_position ON ${t.events} (tenant_id, position)`,
      `CREATE TABLE ${t.idempotency} (
        tenant_id text NOT NULL,
        key text NOT NULL,
        stream_id text NOT NULL,
        result jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, key)
      )`,
      `CREATE TABLE ${t.outbox} (
        seq bigserial PRIMARY KEY,
        event jsonb NOT NULL,
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'published')),
        attempts integer NOT NULL DEFAULT 0,
        last_error text,
        claimed_until timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        published_at timestamptz
      )`,
      `CREATE INDEX outbox_pending ON ${t.outbox} (seq) WHERE status = 'pending'`,
    ],
  },
  {
    version: 2,
    name: 'unique and range indexes, outbox claim owner',
    sql: (t) => [
      // One row per declared unique index (name = fields joined by '+') or range index (name =
      // the field); `index_name` is the SQL index, so a 23505 on it maps back to `name`.
      `CREATE TABLE ${t.collectionKeys} (
        collection text NOT NULL,
        kind text NOT NULL CHECK (kind IN ('unique', 'range')),
        name text NOT NULL,
        fields jsonb NOT NULL,
        index_name text NOT NULL UNIQUE,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (collection, kind, name)
      )`,
      // Which outbox object holds a claim: it sees its own claims again (pending is a peek for
      // it), other relays skip them until they are marked or run out.
      `ALTER TABLE ${t.outbox} ADD COLUMN claimed_by text`,
    ],
  },
  {
    version: 3,
    name: 'outbox dead letters, NOTIFY on insert',
    // Written to be re-runnable (IF EXISTS / IF NOT EXISTS / OR REPLACE), so a schema that
    // half-applied it by hand still migrates.
    sql: (t) => [
      `ALTER TABLE ${t.outbox} DROP CONSTRAINT IF EXISTS outbox_status_check`,
      `ALTER TABLE ${t.outbox} ADD CONSTRAINT outbox_status_check CHECK (status IN ('pending', 'published', 'dead'))`,
      `ALTER TABLE ${t.outbox} ADD COLUMN IF NOT EXISTS dead_at timestamptz`,
      `CREATE INDEX IF NOT EXISTS outbox_dead ON ${t.outbox} (seq) WHERE status = 'dead'`,
      // One notification per inserting statement (and PostgreSQL folds equal ones within a
      // transaction), delivered at COMMIT: a listening relay wakes as soon as rows are visible.
      `CREATE OR REPLACE FUNCTION "${t.schema}".outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         PERFORM pg_notify('${OUTBOX_CHANNEL}', '${t.schema}');
         RETURN NULL;
       END $$`,
      `DROP TRIGGER IF EXISTS outbox_notify ON ${t.outbox}`,
      `CREATE TRIGGER outbox_notify AFTER INSERT ON ${t.outbox}
       FOR EACH STATEMENT EXECUTE FUNCTION "${t.schema}".outbox_notify()`,
    ],
  },
  {
    version: 4,
    name: 'partition leases with fencing tokens',
    // One row per lease name, kept after release so tokens never go back. `expires_at` is epoch
    // milliseconds on the lease store's clock (the database's, unless one is injected).
    sql: (t) => [
      `CREATE TABLE IF NOT EXISTS ${t.leases} (
        name text PRIMARY KEY,
        token bigint NOT NULL CHECK (token > 0),
        owner text,
        held boolean NOT NULL,
        expires_at bigint NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`,
    ],
  },
  {
    version: 5,
    name: 'outbox rows hold a batch of events',
    // One row per `add` (see outboxRows.ts): `events` holds the call's events, `n` how many, and
    // `done` how many of them are published. Rows written before keep their one `event` (n = 1).
    // `events` is `json` stored uncompressed: a batch is written as the text it arrived as (no
    // jsonb conversion, no compression: both cost more than the rest of the insert) and read
    // back whole by the relay.
    sql: (t) => [
      `ALTER TABLE ${t.outbox} ALTER COLUMN event DROP NOT NULL`,
      `ALTER TABLE ${t.outbox} ADD COLUMN IF NOT EXISTS events json`,
      `ALTER TABLE ${t.outbox} ALTER COLUMN events SET STORAGE EXTERNAL`,
      `ALTER TABLE ${t.outbox} ADD COLUMN IF NOT EXISTS n integer NOT NULL DEFAULT 1`,
      `ALTER TABLE ${t.outbox} ADD COLUMN IF NOT EXISTS done integer NOT NULL DEFAULT 0`,
    ],
  },
];

/** What `migrate()` did. */
export interface MigrationReport {
  /** Versions applied by this call, in order (empty when the schema was up to date). */
  applied: number[];
  /** The schema's version after the call. */
  version: number;
}

/** Transaction-scoped advisory lock on a name (released at COMMIT/ROLLBACK). */
export async function lockName(q: Queryable, name: string): Promise<void> {
  await q.query('SELECT pg_advisory_xact_lock(hashtext($1))', [name]);
}

/**
 * Applies pending migrations in one transaction under an advisory lock on the schema name, so two
 * processes migrating at once apply each version exactly once (the second waits, then finds
 * nothing to do).
 */
export async function migrate(
  driver: Driver,
  tables: Tables,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<MigrationReport> {
  return driver.transaction(async (tx) => {
    await lockName(tx, `threadline:migrate:${tables.schema}`);
    await tx.query(`CREATE SCHEMA IF NOT EXISTS "${tables.schema}"`);
    await tx.query(
      `CREATE TABLE IF NOT EXISTS ${tables.migrations} (
        version integer PRIMARY KEY,
        name text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`,
    );
    const { rows } = await tx.query<{ version: number }>(`SELECT version FROM ${tables.migrations}`);
    const done = new Set(rows.map((r) => Number(r.version)));
    const applied: number[] = [];
    for (const m of migrations) {
      if (done.has(m.version)) continue;
      for (const statement of m.sql(tables)) await tx.query(statement);
      await tx.query(`INSERT INTO ${tables.migrations} (version, name) VALUES ($1, $2)`, [m.version, m.name]);
      applied.push(m.version);
    }
    const version = Math.max(0, ...done, ...applied);
    return { applied, version };
  });
}
