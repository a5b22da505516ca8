import {
  type AdapterCapabilities,
  type Clock,
  instrumentStorage,
  type Telemetry,
  TelemetrySchema,
  ThreadlineError,
  type ThreadlineStorage,
} from '@threadline/core';
import { PostgresDocumentStore } from './documentStore.js';
import type { Driver } from './driver/driver.js';
import { isPgPool, type PgPoolLike, pgDriver } from './driver/pg.js';
import { isPGlite, type PGliteLike, pgliteDriver } from './driver/pglite.js';
import { PostgresEventLog, runnerIn } from './eventLog.js';
import { checkFence, PostgresLeaseStore } from './leaseStore.js';
import { type MigrationReport, migrate } from './migrations.js';
import { DEFAULT_CLAIM_TIMEOUT_MS, outboxWriter, PostgresOutbox } from './outbox.js';
import { flushOutboxRows } from './pendingOutbox.js';
import { PutBatcher } from './putBatcher.js';
import { assertSchemaName, DEFAULT_SCHEMA, tablesOf } from './schema.js';

/** Options for {@link createPostgresStorage}. */
export interface PostgresStorageOptions {
  /** A `pg` `Pool` (a server, shared by many processes) or a PGlite instance (embedded). */
  client: PgPoolLike | PGliteLike;
  /** PostgreSQL schema for the tables (default `threadline`): lower-case letters, digits, `_`. */
  schema?: string;
  /** How long an outbox entry handed out by `pending` stays hidden from other relays (default 30 s). */
  outboxClaimTimeoutMs?: number;
  /**
   * The clock leases expire by. Default: the database's clock, the same for every process (no
   * clock skew between them); inject a `ManualClock` in tests.
   */
  leaseClock?: Clock;
  /**
   * Tracing and metrics (default: none): every store call in a client span (`postgresql
   * documents.put`, …), the active trace context stamped into events added to the outbox, lease
   * changes counted. See `createTelemetry` in `@threadline/core`.
   */
  telemetry?: Telemetry;
}

/** Documents, event log and outbox in one PostgreSQL schema, plus migrations. */
export interface PostgresStorage extends ThreadlineStorage {
  documents: PostgresDocumentStore;
  events: PostgresEventLog;
  outbox: PostgresOutbox;
  /** Partition leases (table `leases`); the documents check `fence` options against them. */
  leases: PostgresLeaseStore;
  /** What this storage guarantees (the same object its ports report). */
  readonly capabilities: AdapterCapabilities;
  /** The schema holding the tables. */
  readonly schema: string;
  /** Creates the schema and applies pending migrations; safe to call from several processes at once. */
  migrate(): Promise<MigrationReport>;
  /** Closes the client passed in `client` (the pool or the PGlite instance). */
  close(): Promise<void>;
}

function driverFor(client: unknown): Driver {
  // PGlite also has `query`; only a pool has `connect` and `end`, so test for it first.
  if (isPgPool(client)) return pgDriver(client);
  if (isPGlite(client)) return pgliteDriver(client);
  throw new ThreadlineError(
    'CONFIG',
    'Invalid client: expected a pg Pool (query, connect, end) or a PGlite instance (query, transaction, close)',
    {
      issues: [
        { path: ['client'], message: 'expected a pg Pool or a PGlite instance', code: 'invalid_type' },
      ],
    },
  );
}

/**
 * Creates the PostgreSQL storage over a `pg` pool or a PGlite instance. Call `migrate()` once
 * before use (at start-up; it is idempotent).
 *
 * @example
 * ```ts
 * import { PGlite } from '@electric-sql/pglite';
 * import { createPostgresStorage } from '@threadline/adapter-postgres';
 *
 * const storage = createPostgresStorage({ client: new PGlite() });
 * await storage.migrate();
 * await storage.documents.put('cases', { id: 'c1', status: 'open' });
 * await storage.close();
 * ```
 */
export function createPostgresStorage(options: PostgresStorageOptions): PostgresStorage {
  if (typeof options !== 'object' || options === null) {
    throw new ThreadlineError('CONFIG', 'Invalid options: expected { client, schema? }');
  }
  const unknownKeys = Object.keys(options).filter(
    (k) => !['client', 'schema', 'outboxClaimTimeoutMs', 'leaseClock', 'telemetry'].includes(k),
  );
  if (unknownKeys.length > 0) {
    throw new ThreadlineError(
      'CONFIG',
      `Invalid options: unknown option ${unknownKeys.map((k) => `"${k}"`).join(', ')}`,
      {
        issues: unknownKeys.map((k) => ({ path: [k], message: 'unknown option', code: 'unrecognized_keys' })),
      },
    );
  }
  const schema = options.schema ?? DEFAULT_SCHEMA;
  assertSchemaName(schema);
  const claimMs = options.outboxClaimTimeoutMs ?? DEFAULT_CLAIM_TIMEOUT_MS;
  if (!Number.isInteger(claimMs) || claimMs < 1) {
    throw new ThreadlineError('CONFIG', 'Invalid outboxClaimTimeoutMs: expected a positive integer', {
      issues: [{ path: ['outboxClaimTimeoutMs'], message: 'expected a positive integer', code: 'invalid' }],
    });
  }
  const leaseClock = options.leaseClock;
  if (leaseClock !== undefined && typeof (leaseClock as { now?: unknown } | null)?.now !== 'function') {
    throw new ThreadlineError('CONFIG', 'Invalid leaseClock: expected a Clock (an object with now())', {
      issues: [{ path: ['leaseClock'], message: 'expected an object with now()', code: 'invalid_type' }],
    });
  }
  const raw = driverFor(options.client);
  const tables = tablesOf(schema);
  // Outbox rows added in a transaction wait for its next append or for COMMIT (pendingOutbox.ts);
  // a transaction that sent nothing else (the driver begins lazily) inserts them on its own, as
  // one autocommit statement: no BEGIN, no COMMIT.
  const driver: Driver = {
    ...raw,
    transaction: (fn) =>
      raw.transaction(async (tx) => {
        const result = await fn(tx);
        await flushOutboxRows(tx, tables, raw);
        return result;
      }),
  };
  const capabilities: AdapterCapabilities = Object.freeze({
    transactions: true,
    ordering: true,
    durable: driver.durable,
    uniqueIndexes: true,
    rangeQueries: true,
    fencing: true,
  });
  const documents = new PostgresDocumentStore({
    name: 'postgres',
    tables,
    capabilities,
    q: driver,
    driver,
    indexes: new Map(),
    outboxIn: (tx) => outboxWriter(tx, tables, true),
    eventsIn: (tx) => new PostgresEventLog(runnerIn(tx), tables, capabilities),
    batcher: new PutBatcher(driver, tables),
    checkFence: (tx, fence) => checkFence(tx, tables, fence),
  });
  const telemetry = options.telemetry;
  if (telemetry !== undefined && !TelemetrySchema.safeParse(telemetry).success) {
    throw new ThreadlineError('CONFIG', 'Invalid telemetry: expected a Telemetry (createTelemetry)', {
      issues: [{ path: ['telemetry'], message: 'expected a Telemetry', code: 'invalid_type' }],
    });
  }
  const storage: PostgresStorage = {
    documents,
    events: new PostgresEventLog(driver, tables, capabilities),
    outbox: new PostgresOutbox(driver, tables, claimMs, driver),
    leases: new PostgresLeaseStore(driver, tables, leaseClock),
    capabilities,
    schema,
    migrate: () => migrate(driver, tables),
    close: () => driver.close(),
  };
  return telemetry === undefined ? storage : instrumentStorage(storage, { telemetry, system: 'postgresql' });
}
