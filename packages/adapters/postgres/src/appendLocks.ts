import type { Queryable } from './driver/driver.js';
import type { Tables } from './schema.js';
import { toNumber } from './schema.js';

/**
 * The event log's locks, all transaction-scoped advisory locks.
 *
 * - The **append barrier** (`threadline:append:<schema>`): every append holds it *shared* from
 *   before it draws positions until its transaction ends, so appenders never wait for each other
 *   on it. `readAll` takes it *exclusive* for one statement: that waits until every append in
 *   flight has committed or rolled back (and holds new ones back for that instant), then reads
 *   the position sequence's last value. Every position up to that value is then final: committed
 *   and visible, or rolled back and never coming. The reader returns nothing past it, so paging
 *   with `after` never skips an event that commits later with a smaller position.
 * - The **stream lock** (one per tenant and stream, exclusive): appends to one stream queue for
 *   it, so their version checks see each other; appends to other streams do not wait.
 * - The **key lock** (one per tenant and idempotency key, exclusive): concurrent retries with one
 *   key find each other's result.
 *
 * Locks are always taken in that order (barrier, key, stream), so the barrier cannot be part of
 * a deadlock. Two transactions appending to the same two streams in opposite orders can
 * deadlock on stream locks; PostgreSQL detects it and fails one of them (the retryable
 * `CONFLICT`, `details.sqlState` `40P01`), as it does for rows updated in opposite orders.
 */

/** The barrier's name for `t`'s schema (the same name the earlier one-appender lock used). */
export const barrierName = (t: Tables): string => `threadline:append:${t.schema}`;

/** The namespace (first key) of stream and key locks of `t`'s schema. */
export const streamSpace = (t: Tables): string => `threadline:stream:${t.schema}`;

/** The second key of a stream's lock (JSON, so no tenant/stream pair can be spelt two ways). */
export const streamKey = (tenantId: string, streamId: string): string => JSON.stringify([tenantId, streamId]);

/** The second key of an idempotency key's lock. */
export const idempotencyKey = (tenantId: string, key: string): string =>
  JSON.stringify(['key', tenantId, key]);

/**
 * CTEs `append_barrier` then `append_lock` (the stream lock, taken after the barrier because it
 * scans it), for a one-statement append: the statement gates on `(SELECT true FROM append_lock)`.
 * Parameters: `$barrier` the barrier's name, `$space` the stream namespace, `$key` the stream key.
 */
export function appendLockCtes(barrier: number, space: number, key: number): string {
  return `append_barrier AS (SELECT pg_advisory_xact_lock_shared(hashtext($${barrier})) AS locked),
          append_lock AS (
            SELECT pg_advisory_xact_lock(hashtext($${space}), hashtext($${key})) AS locked FROM append_barrier
          )`;
}

/**
 * Takes the barrier (shared), then the idempotency key's lock when there is a key, then the
 * stream's lock, in one statement (each level of the query runs after the one it reads from).
 */
export async function lockAppend(
  q: Queryable,
  t: Tables,
  tenantId: string,
  streamId: string,
  key?: string,
): Promise<void> {
  const barrier = 'SELECT pg_advisory_xact_lock_shared(hashtext($1)) AS locked OFFSET 0';
  const inner =
    key === undefined
      ? barrier
      : `SELECT pg_advisory_xact_lock(hashtext($2), hashtext($4)) AS locked FROM (${barrier}) b OFFSET 0`;
  const params: unknown[] = [barrierName(t), streamSpace(t), streamKey(tenantId, streamId)];
  if (key !== undefined) params.push(idempotencyKey(tenantId, key));
  await q.query(`SELECT pg_advisory_xact_lock(hashtext($2), hashtext($3)) FROM (${inner}) k`, params);
}

/**
 * The highest position a reader may return now: waits for the appends in flight to end (the
 * barrier, exclusive), then reads the last position drawn. Every position up to it is final.
 *
 * Outside a transaction this is one statement whose own transaction releases the barrier at
 * once. Inside one (`inTransaction`), the barrier is taken at session level and released right
 * after, so the reading transaction does not hold appenders back until it ends.
 */
export async function readHorizon(q: Queryable, t: Tables, inTransaction: boolean): Promise<number> {
  const last = (n: number) =>
    `coalesce(pg_sequence_last_value(pg_get_serial_sequence($${n}, 'position')::regclass), 0) AS horizon`;
  if (!inTransaction) {
    // The sequence is read in the projection of the barrier's row, so after the lock is granted.
    const { rows } = await q.query<{ horizon: number | string }>(
      `SELECT ${last(2)} FROM (SELECT pg_advisory_xact_lock(hashtext($1)) AS locked OFFSET 0) b`,
      [barrierName(t), t.events],
    );
    return toNumber(rows[0]?.horizon ?? 0);
  }
  await q.query('SELECT pg_advisory_lock(hashtext($1))', [barrierName(t)]);
  try {
    const { rows } = await q.query<{ horizon: number | string }>(`SELECT ${last(1)}`, [t.events]);
    return toNumber(rows[0]?.horizon ?? 0);
  } finally {
    await q.query('SELECT pg_advisory_unlock(hashtext($1))', [barrierName(t)]);
  }
}
