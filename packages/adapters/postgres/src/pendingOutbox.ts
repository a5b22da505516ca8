// Outbox rows added inside a transaction are not sent at once: an outbox `add` returns nothing
// the caller could use, so its row can wait for the transaction's next event append and ride in
// the same statement (a data-modifying CTE), or be inserted just before COMMIT. A group commit
// of the routing journal (outbox add + journal append) is then BEGIN, one statement, COMMIT, and
// a transaction that holds nothing but outbox rows (the `pg` driver begins lazily) is one
// autocommit INSERT.
// The add's validation and serialisation still happen in `add`, so a bad event is refused there.
import type { Queryable, TransactionQueryable } from './driver/driver.js';
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

/** Outbox rows per insert statement (two parameters each, far below PostgreSQL's 65,535). */
const ROWS_PER_STATEMENT = 1000;

/**
 * SQL that inserts `count` outbox rows, in order, from parameters `$1` (json), `$2` (n), `$3`,
 * `$4`, … (a multi-row `VALUES` takes its sequence values row by row, in the listed order).
 */
function insertOutboxRowsSql(t: Tables, count: number): string {
  const values = Array.from(
    { length: count },
    (_, i) =>
      `(nextval(pg_get_serial_sequence('${t.outbox}', 'seq')) * ${ROW_SPAN}, $${2 * i + 1}::json, $${2 * i + 2})`,
  );
  return `INSERT INTO ${t.outbox} (seq, events, n) VALUES ${values.join(', ')}`;
}

/**
 * Inserts the rows still waiting in `tx` (before COMMIT, or before a statement that cannot carry
 * them), in one statement. When `tx` has not begun (a lazy transaction that sent nothing: it held
 * only outbox rows) and `outside` is given, the statement runs there, on its own, as an autocommit
 * statement: the whole transaction is then one round trip, and its `NOTIFY` goes out with it.
 */
export async function flushOutboxRows(
  tx: TransactionQueryable,
  t: Tables,
  outside?: Queryable,
): Promise<void> {
  const rows = takeOutboxRows(tx);
  if (rows.length === 0) return;
  // Several statements must commit together: only a single one may leave the transaction.
  const q = tx.begun === false && outside !== undefined && rows.length <= ROWS_PER_STATEMENT ? outside : tx;
  for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) {
    const chunk = rows.slice(i, i + ROWS_PER_STATEMENT);
    await q.query(
      insertOutboxRowsSql(t, chunk.length),
      chunk.flatMap((r) => [r.json, r.n]),
    );
  }
}
