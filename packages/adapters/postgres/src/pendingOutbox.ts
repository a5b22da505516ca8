// Outbox rows added inside a transaction are not sent at once: an outbox `add` returns nothing
// the caller could use, so its row can wait for the transaction's next event append and ride in
// the same statement (a data-modifying CTE), or be inserted just before COMMIT. A group commit
// of the routing journal (outbox add + journal append) is then BEGIN, one statement, COMMIT.
// The add's validation and serialisation still happen in `add`, so a bad event is refused there.
import type { Queryable } from './driver/driver.js';
import { ROW_SPAN } from './outboxRows.js';
import type { Tables } from './schema.js';

/** One outbox row waiting to be inserted: its events as JSON text, and how many. */
export interface PendingRow {
  json: string;
  n: number;
}

/** The rows waiting in each open transaction (keyed by the transaction's queryable). */
const pendingByTx = new WeakMap<Queryable, PendingRow[]>();

/** Queues a row for the transaction `tx`. */
export function deferOutboxRow(tx: Queryable, row: PendingRow): void {
  const rows = pendingByTx.get(tx);
  if (rows === undefined) pendingByTx.set(tx, [row]);
  else rows.push(row);
}

/** Takes the transaction's waiting rows (they are the caller's to insert from now on). */
export function takeOutboxRows(tx: Queryable): PendingRow[] {
  const rows = pendingByTx.get(tx);
  if (rows === undefined || rows.length === 0) return [];
  pendingByTx.delete(tx);
  return rows;
}

/** SQL that inserts one outbox row from parameters `$<json>` and `$<n>`. */
export function insertOutboxRowSql(t: Tables, json: number, n: number): string {
  return `INSERT INTO ${t.outbox} (seq, events, n)
          VALUES (nextval(pg_get_serial_sequence('${t.outbox}', 'seq')) * ${ROW_SPAN}, $${json}::json, $${n})`;
}

/** Inserts the rows still waiting in `tx` (before COMMIT, or before a statement that cannot carry them). */
export async function flushOutboxRows(tx: Queryable, t: Tables): Promise<void> {
  for (const row of takeOutboxRows(tx)) await tx.query(insertOutboxRowSql(t, 1, 2), [row.json, row.n]);
}
