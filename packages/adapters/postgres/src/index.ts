// Public surface of @threadline/adapter-postgres.

export { PostgresDocumentStore } from './documentStore.js';
export type { PgClientLike, PgPoolLike } from './driver/pg.js';
export type { PGliteLike, PGliteTransactionLike } from './driver/pglite.js';
export { PostgresEventLog } from './eventLog.js';
export { PostgresLeaseStore } from './leaseStore.js';
export type { MigrationReport } from './migrations.js';
export { PostgresOutbox } from './outbox.js';
export { createPostgresStorage, type PostgresStorage, type PostgresStorageOptions } from './storage.js';
