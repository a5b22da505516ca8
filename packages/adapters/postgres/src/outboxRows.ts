// How outbox rows hold events (migration 5): one row per `add` call, holding the call's events
// in order (packed since row format 2, see packedEvents.ts). An entry's seq is its row's `seq` plus its index in the row, so rows never share a
// seq: a new row's `seq` is the table sequence's next value times ROW_SPAN, and a row holds at
// most ROW_SPAN events. `done` counts the row's leading events already published, so a relay
// publishing a long row page by page only moves `done` forward. An operation on entries that are
// not a whole row's remaining run (a failure, a dead letter, a re-queue, an erasure's
// `markPublished`) first splits the row into runs, each a row of its own with the seq of its
// first entry: seqs never change.
import type { Queryable } from './driver/driver.js';
import { sliceEventsSql } from './packedEvents.js';
import type { Tables } from './schema.js';

/** Seqs reserved per row: a row holds at most this many events (an `add` of more makes several rows). */
export const ROW_SPAN = 131_072;

/**
 * SQL of every event of row `alias` as one `json` value: an array of envelopes, or a packed
 * object (`packedEvents.ts`); rows before migration 5 hold one `event`, made an array.
 */
export const EVENTS_OF = (alias: string) => `coalesce(${alias}.events, json_build_array(${alias}.event))`;

/**
 * SQL of the events of row `alias` with index in `[fromSql, toSql)`, in the row's format (a packed
 * row stays packed, see `packedEvents.ts`; an array stays an array).
 */
export const SLICE_OF = (alias: string, fromSql: string, toSql: string) =>
  sliceEventsSql(EVENTS_OF(alias), fromSql, toSql);

/** What the row lookup returns about a row holding some of the requested seqs. */
interface RowInfo {
  seq: number;
  n: number;
  done: number;
}

/** Sorted, distinct, as numbers. */
function distinct(seqs: readonly number[]): number[] {
  return [...new Set(seqs)].sort((a, b) => a - b);
}

/**
 * The rows of status `status` holding any of `seqs`, locked (`FOR UPDATE`) for the transaction
 * `tx`: the row holding a seq is the one with the greatest `seq` not above it, when the seq is
 * within its `n` events.
 */
async function lockRowsOf(tx: Queryable, t: Tables, seqs: readonly number[], status: string) {
  const { rows } = await tx.query<{ seq: number | string; n: number; done: number }>(
    `SELECT o.seq, o.n, o.done FROM ${t.outbox} o
      WHERE o.status = $2 AND o.seq IN (
        SELECT r.seq FROM jsonb_array_elements_text($1::jsonb) x(v)
          CROSS JOIN LATERAL (SELECT seq, n FROM ${t.outbox} WHERE seq <= x.v::bigint ORDER BY seq DESC LIMIT 1) r
         WHERE x.v::bigint < r.seq + r.n)
      ORDER BY o.seq FOR UPDATE`,
    [JSON.stringify(seqs), status],
  );
  return rows.map((r): RowInfo => ({ seq: Number(r.seq), n: Number(r.n), done: Number(r.done) }));
}

/** A run of a row's events after a split: `[from, to)` by index, acted on or not. */
interface Run {
  from: number;
  to: number;
  hit: boolean;
}

function runsOf(row: RowInfo, hits: ReadonlySet<number>): Run[] {
  const runs: Run[] = [];
  for (let i = row.done; i < row.n; i++) {
    const hit = hits.has(row.seq + i);
    const last = runs[runs.length - 1];
    if (last !== undefined && last.hit === hit) last.to = i + 1;
    else runs.push({ from: i, to: i + 1, hit });
  }
  return runs;
}

/**
 * Inside the transaction `tx`: makes every entry of `seqs` that sits in a row of status `status`
 * part of rows made only of such entries, splitting rows where needed (a row's published prefix
 * stays in the row, each remaining run becomes a row with its first entry's seq, keeping status,
 * attempts and error). A split row's claim is released: its holder acts on exactly the entries it
 * was handed, and the rest were never handed out (or are handed out again once marked). Resolves with the seqs of the rows to act on; seqs of other
 * statuses, already-published entries and unknown seqs are left out.
 */
export async function isolateRows(
  tx: Queryable,
  t: Tables,
  seqs: readonly number[],
  status: 'pending' | 'dead',
): Promise<number[]> {
  const wanted = distinct(seqs);
  if (wanted.length === 0) return [];
  const hits = new Set(wanted);
  const rows = await lockRowsOf(tx, t, wanted, status);
  const targets: number[] = [];
  const splits: Array<{ row: RowInfo; runs: Run[] }> = [];
  for (const row of rows) {
    const runs = runsOf(row, hits);
    const first = runs[0];
    if (first === undefined) continue; // every hit is already published
    if (runs.length === 1 && first.hit) targets.push(row.seq);
    else if (runs.some((r) => r.hit)) splits.push({ row, runs });
  }
  for (const { row, runs } of splits) {
    await tx.query(
      `WITH src AS (SELECT * FROM ${t.outbox} WHERE seq = $1),
            runs AS (SELECT * FROM jsonb_to_recordset($2::jsonb) AS r("from" integer, "to" integer))
       INSERT INTO ${t.outbox} (seq, events, n, done, status, attempts, last_error, claimed_until, claimed_by, created_at, dead_at)
       SELECT src.seq + runs."from", ${SLICE_OF('src', 'runs."from"', 'runs."to"')}, runs."to" - runs."from", 0,
              src.status, src.attempts, src.last_error, NULL, NULL, src.created_at, src.dead_at
         FROM src, runs WHERE runs."from" > 0`,
      [row.seq, JSON.stringify(runs.map((r) => ({ from: r.from, to: r.to })))],
    );
    // The row keeps its published prefix (when it has one) and, when the first run starts at 0,
    // that run: the row's own seq is that run's first seq.
    const head = runs[0] as Run;
    if (head.from === 0) {
      await tx.query(
        `UPDATE ${t.outbox} SET events = ${SLICE_OF(t.outbox, '0', '$2::integer')}, n = $2, event = NULL,
                claimed_until = NULL, claimed_by = NULL
          WHERE seq = $1`,
        [row.seq, head.to],
      );
      if (head.hit) targets.push(row.seq);
    } else {
      await tx.query(
        `UPDATE ${t.outbox} SET events = ${SLICE_OF(t.outbox, '0', '$2::integer')}, n = $2, done = $2, event = NULL,
                status = 'published', published_at = coalesce(published_at, now()), claimed_until = NULL, claimed_by = NULL
          WHERE seq = $1`,
        [row.seq, head.from],
      );
    }
    for (const r of runs) if (r.hit && r.from > 0) targets.push(row.seq + r.from);
  }
  return targets.sort((a, b) => a - b);
}

/** The distinct seqs not inside any of the `[from, to]` ranges (what a one-statement update left over). */
export function leftover(
  seqs: readonly number[],
  covered: ReadonlyArray<{ from: number; to: number }>,
): number[] {
  return distinct(seqs).filter((s) => !covered.some((c) => s >= c.from && s <= c.to));
}
