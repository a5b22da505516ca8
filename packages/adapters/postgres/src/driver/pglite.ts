import { adapterError, type Driver, guarded } from './driver.js';

/** The part of a PGlite transaction the adapter uses. */
export interface PGliteTransactionLike {
  query(sql: string, params?: unknown[]): Promise<{ rows: unknown[] }>;
}

/**
 * The part of an `@electric-sql/pglite` `PGlite` instance the adapter uses (declared structurally
 * so PGlite stays an optional peer dependency).
 */
export interface PGliteLike {
  query(sql: string, params?: unknown[]): Promise<{ rows: unknown[] }>;
  transaction<T>(fn: (tx: PGliteTransactionLike) => Promise<T>): Promise<T>;
  close(): Promise<void>;
  /** PGlite's `listen` (present since 0.2): resolves with the unlisten function. */
  listen?(channel: string, callback: (payload: string) => void): Promise<() => Promise<void>>;
  readonly dataDir?: string | undefined;
}

/** Tells a PGlite instance from a `pg` pool. */
export function isPGlite(client: unknown): client is PGliteLike {
  const c = client as Record<string, unknown> | null;
  return (
    typeof c === 'object' &&
    c !== null &&
    typeof c.query === 'function' &&
    typeof c.transaction === 'function' &&
    typeof c.close === 'function'
  );
}

/**
 * A driver over PGlite. PGlite is one connection: its `transaction` holds the instance, so other
 * queries wait until it ends (transactions behave as if they took a lock on everything).
 */
export function pgliteDriver(db: PGliteLike): Driver {
  const base = guarded((sql, params) => db.query(sql, [...params]));
  const dir = db.dataDir;
  return {
    kind: 'pglite',
    // No data directory (or `memory://`) means everything lives in this process only.
    durable: typeof dir === 'string' && dir !== '' && !dir.startsWith('memory://'),
    query: base.query,
    transaction: (fn) => db.transaction((tx) => fn(guarded((sql, params) => tx.query(sql, [...params])))),
    async listen(channel, onNotify) {
      if (typeof db.listen !== 'function') {
        throw adapterError(new Error('this PGlite instance cannot LISTEN (PGlite 0.2 or later has listen)'));
      }
      try {
        const unlisten = await db.listen(channel, onNotify);
        return async () => {
          await unlisten();
        };
      } catch (error) {
        throw adapterError(error);
      }
    },
    close: () => db.close(),
  };
}
