import { adapterError, type Driver, guarded, type Queryable, type TransactionQueryable } from './driver.js';

/** The part of a `pg` connection the adapter uses. */
export interface PgClientLike {
  query(sql: string, params?: unknown[]): Promise<{ rows: unknown[] }>;
  release(error?: Error | boolean): void;
  /**
   * `pg`'s event emitter methods (a `pg` `PoolClient` has them): `notification` for `LISTEN`,
   * `error` while a transaction holds the connection (see `pgDriver`).
   */
  on?(event: 'notification', listener: (message: { channel: string; payload?: string }) => void): unknown;
  on?(event: 'error', listener: (error: Error) => void): unknown;
  off?(event: 'notification', listener: (message: { channel: string; payload?: string }) => void): unknown;
  off?(event: 'error', listener: (error: Error) => void): unknown;
}

/**
 * The part of a `pg` `Pool` the adapter uses (declared structurally so `pg` stays an optional
 * peer dependency).
 */
export interface PgPoolLike {
  query(sql: string, params?: unknown[]): Promise<{ rows: unknown[] }>;
  connect(): Promise<PgClientLike>;
  end(): Promise<void>;
}

/** Tells a `pg` pool from a PGlite instance. */
export function isPgPool(client: unknown): client is PgPoolLike {
  const c = client as Record<string, unknown> | null;
  return (
    typeof c === 'object' &&
    c !== null &&
    typeof c.connect === 'function' &&
    typeof c.query === 'function' &&
    typeof c.end === 'function'
  );
}

/** A driver over a `pg` pool: each transaction checks out one connection. */
export function pgDriver(pool: PgPoolLike): Driver {
  const base = guarded((sql, params) => pool.query(sql, [...params]));
  return {
    kind: 'pg',
    durable: true,
    query: base.query,
    async transaction(fn) {
      // Begun lazily: the connection is checked out and BEGIN sent with the first statement, so a
      // transaction that sends none costs no round trip (an outbox-only transaction then becomes
      // one autocommit INSERT, see `storage.ts`). The snapshot is taken at the first statement
      // either way, so what the transaction sees does not change.
      let conn: PgClientLike | undefined;
      let opened: Promise<Queryable> | undefined;
      let broken: Error | undefined;
      // A checked-out `pg` client has no error listener (the pool listens only while it is
      // idle): a connection the server ends meanwhile (`idle_in_transaction_session_timeout`,
      // a restart) would emit an unhandled 'error' and crash the process. The transaction's next
      // query fails instead, and the connection is discarded on release.
      const onError = (error: Error) => {
        broken ??= error;
      };
      const open = async (): Promise<Queryable> => {
        let c: PgClientLike;
        try {
          c = await pool.connect();
        } catch (error) {
          throw adapterError(error);
        }
        conn = c;
        c.on?.('error', onError);
        const q = guarded((sql, params) => c.query(sql, [...params]));
        await q.query('BEGIN');
        return q;
      };
      const tx: TransactionQueryable = {
        get begun() {
          return opened !== undefined;
        },
        async query<R>(sql: string, params?: readonly unknown[]) {
          opened ??= open();
          return (await opened).query<R>(sql, params);
        },
      };
      try {
        const result = await fn(tx);
        if (opened !== undefined) await (await opened).query('COMMIT');
        return result;
      } catch (error) {
        if (conn !== undefined) {
          try {
            await conn.query('ROLLBACK');
          } catch (rollbackError) {
            // A connection that cannot roll back must not go back to the pool.
            broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
          }
        }
        throw error;
      } finally {
        if (conn !== undefined) {
          conn.off?.('error', onError);
          conn.release(broken ?? false);
        }
      }
    },
    async listen(channel, onNotify) {
      let conn: PgClientLike;
      try {
        conn = await pool.connect();
      } catch (error) {
        throw adapterError(error);
      }
      if (typeof conn.on !== 'function' || typeof conn.off !== 'function') {
        conn.release();
        throw adapterError(new Error('this pg client cannot receive notifications (no on/off)'));
      }
      const handler = (m: { channel: string; payload?: string }) => {
        if (m.channel === channel) onNotify(m.payload ?? '');
      };
      conn.on('notification', handler);
      try {
        await conn.query(`LISTEN ${channel}`);
      } catch (error) {
        conn.off('notification', handler);
        conn.release(true);
        throw adapterError(error);
      }
      let stopped = false;
      return async () => {
        if (stopped) return;
        stopped = true;
        conn.off?.('notification', handler);
        let broken: Error | boolean = false;
        try {
          await conn.query(`UNLISTEN ${channel}`);
        } catch (error) {
          broken = error instanceof Error ? error : true;
        }
        conn.release(broken);
      };
    },
    close: () => pool.end(),
  };
}
