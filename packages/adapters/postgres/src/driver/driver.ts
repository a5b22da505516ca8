import { ThreadlineError } from '@threadline/core';

/** Rows returned by one statement. */
export interface SqlResult<R> {
  rows: R[];
}

/** Something that runs one parameterised statement: the client itself or an open transaction. */
export interface Queryable {
  query<R = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<SqlResult<R>>;
}

/**
 * An open transaction. A driver may begin it lazily: `BEGIN` goes out with its first statement,
 * and a transaction that sent none ends without `BEGIN` or `COMMIT` (no round trip at all).
 */
export interface TransactionQueryable extends Queryable {
  /**
   * Whether the transaction has begun (a statement was sent in it). `false` only on a lazy
   * driver before the first statement; a driver that begins at once leaves it out.
   */
  readonly begun?: boolean;
}

/**
 * The small surface the adapter needs from a PostgreSQL client, so one set of SQL runs on a `pg`
 * pool and on PGlite alike.
 */
export interface Driver extends Queryable {
  /** Which client this wraps (for diagnostics). */
  readonly kind: 'pg' | 'pglite';
  /** Whether committed data survives a restart (a server, or PGlite with a data directory). */
  readonly durable: boolean;
  /**
   * Runs `fn` inside BEGIN … COMMIT on one connection; rolls back when `fn` throws. The `pg`
   * driver begins lazily (see {@link TransactionQueryable}).
   */
  transaction<T>(fn: (tx: TransactionQueryable) => Promise<T>): Promise<T>;
  /**
   * Runs `LISTEN channel` on a connection of its own and calls `onNotify` with each payload;
   * resolves with a function that stops listening (and returns the connection).
   */
  listen(channel: string, onNotify: (payload: string) => void): Promise<() => Promise<void>>;
  /** Closes the client. */
  close(): Promise<void>;
}

// SQLSTATEs that mean "the schema is not there yet": the caller forgot `migrate()`.
const NOT_MIGRATED = new Set(['42P01', '3F000']);

/**
 * SQLSTATEs of a transaction the server aborted because of another one, that succeeds when run
 * again: `40P01` deadlock detected (two transactions took locks in opposite orders), `40001`
 * serialization failure.
 */
const RETRYABLE = new Set(['40P01', '40001']);

/**
 * Turns a client error into a `ThreadlineError` (keeping the SQLSTATE in `details.sqlState` and
 * the original as `cause`): a deadlock or a serialization failure is the ports' retryable
 * `CONFLICT` (with `details.retryable: true`; the whole transaction was rolled back, run it
 * again), anything else `ADAPTER`. `ThreadlineError`s pass through unchanged.
 */
export function adapterError(error: unknown): unknown {
  if (error instanceof ThreadlineError) return error;
  const e = error as { code?: unknown; message?: unknown } | null;
  const sqlState = typeof e?.code === 'string' ? e.code : undefined;
  const message = typeof e?.message === 'string' ? e.message : String(error);
  if (sqlState !== undefined && RETRYABLE.has(sqlState)) {
    return new ThreadlineError(
      'CONFLICT',
      `PostgreSQL: ${message} (the transaction was rolled back; run it again)`,
      { cause: error, details: { sqlState, retryable: true } },
    );
  }
  const hint = sqlState && NOT_MIGRATED.has(sqlState) ? ' (run `await storage.migrate()` first)' : '';
  return new ThreadlineError('ADAPTER', `PostgreSQL: ${message}${hint}`, {
    cause: error,
    details: sqlState ? { sqlState } : {},
  });
}

/** Wraps a raw query function so every client error becomes an `ADAPTER` error. */
export function guarded(
  run: (sql: string, params: readonly unknown[]) => Promise<{ rows: unknown[] }>,
): Queryable {
  return {
    async query<R>(sql: string, params: readonly unknown[] = []): Promise<SqlResult<R>> {
      try {
        const r = await run(sql, params);
        return { rows: r.rows as R[] };
      } catch (error) {
        throw adapterError(error);
      }
    },
  };
}
