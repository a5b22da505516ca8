import {
  type EventEnvelope,
  type MarkFailedOptions,
  type Outbox,
  type OutboxEntry,
  type OutboxWriter,
  ThreadlineError,
  validateOutboxEvents,
} from '@threadline/core';
import type { Driver, Queryable } from './driver/driver.js';
import { OUTBOX_CHANNEL } from './migrations.js';
import { EVENTS_OF, isolateRows, leftover, ROW_SPAN } from './outboxRows.js';
import { packEvents, unpackEvents } from './packedEvents.js';
import { deferOutboxRow, insertOutboxRowSql } from './pendingOutbox.js';
import { assertStorableJson, type Tables, toNumber } from './schema.js';

/** Default time a claimed entry stays invisible to other relays before it may be claimed again. */
export const DEFAULT_CLAIM_TIMEOUT_MS = 30_000;

function checkLimit(limit: unknown): asserts limit is number {
  if (!Number.isInteger(limit) || (limit as number) < 1) {
    throw new ThreadlineError('VALIDATION', 'Invalid limit: expected a positive integer', {
      issues: [{ path: ['limit'], message: 'expected a positive integer', code: 'too_small' }],
    });
  }
}

function checkMaxAttempts(options: MarkFailedOptions | undefined): number | null {
  const max = options?.maxAttempts;
  if (max === undefined) return null;
  if (!Number.isInteger(max) || max < 1) {
    throw new ThreadlineError('VALIDATION', 'Invalid maxAttempts: expected a positive integer', {
      issues: [{ path: ['maxAttempts'], message: 'expected a positive integer', code: 'too_small' }],
    });
  }
  return max;
}

/** A dead row as `dead` reads it (`events` in either format). */
type DeadRow = {
  seq: number | string;
  n: number;
  done: number;
  events: unknown;
  attempts: number;
  last_error: string | null;
};

/** A row `pending` claimed; `events` is `null` when this object has them cached. */
type ClaimedRow = {
  seq: number | string;
  n: number;
  done: number;
  attempts: number;
  last_error: string | null;
  before: number | string;
  /** The row's events as stored (`packedEvents.ts`), `null` when this object has them cached. */
  events: unknown;
};

/**
 * A CTE that makes the statement's own (autocommit) transaction commit without waiting for the
 * WAL flush (`synchronous_commit = off`, for that transaction only). For a claim and for marking
 * entries published, and only there: what a crash of the server could lose is a claim (the entry
 * becomes claimable again) or a mark (the entry is published again), so delivery stays at least
 * once, and the relay does not wait for a disk flush between the wake-up and the handler. The
 * statement must run outside any explicit transaction (these run on the driver).
 */
/** The entry at index `i` of the row at `seq` (an entry's seq is its row's plus its index). */
function entryOf(
  seq: number,
  i: number,
  events: readonly EventEnvelope[],
  row: { attempts: number | string; last_error: string | null },
): OutboxEntry {
  const entry: OutboxEntry = {
    seq: seq + i,
    event: events[i] as EventEnvelope,
    attempts: Number(row.attempts),
  };
  if (row.last_error !== null) entry.lastError = row.last_error;
  return entry;
}

const ASYNC_COMMIT = `async_commit AS (SELECT set_config('synchronous_commit', 'off', true))`;

/** Long rows whose events an outbox object keeps between pages. */
const ROWS_CACHED = 8;

function checkSeqs(seqs: readonly number[]): void {
  if (!Array.isArray(seqs) || !seqs.every((s) => Number.isSafeInteger(s) && s > 0)) {
    throw new ThreadlineError('VALIDATION', 'Invalid seqs: expected an array of positive integers', {
      issues: [{ path: ['seqs'], message: 'expected an array of positive integers', code: 'invalid_type' }],
    });
  }
}

/**
 * Writes events to the outbox through `q` (the driver, or an open transaction). With `deferred`
 * (inside a transaction), each row waits for the transaction's next event append or for COMMIT
 * (see `pendingOutbox.ts`) instead of costing a statement of its own.
 */
export function outboxWriter(q: Queryable, tables: Tables, deferred = false): OutboxWriter {
  return {
    async add(events) {
      validateOutboxEvents(events);
      if (events.length === 0) return;
      // One row for the call's events (see outboxRows.ts): a batch costs one row, whatever its
      // size, packed (packedEvents.ts) and serialised once, then scanned once for what PostgreSQL
      // refuses (instead of a walk per event).
      const rows =
        events.length <= ROW_SPAN
          ? [{ json: packEvents(events), n: events.length }]
          : Array.from({ length: Math.ceil(events.length / ROW_SPAN) }, (_, k) => {
              const part = events.slice(k * ROW_SPAN, (k + 1) * ROW_SPAN);
              return { json: packEvents(part), n: part.length };
            });
      for (const row of rows) assertStorableJson('outbox events', events, row.json, ['events']);
      for (const row of rows) {
        if (deferred) deferOutboxRow(q, row);
        else await q.query(insertOutboxRowSql(tables, 1, 2), [row.json, row.n]);
      }
    },
  };
}

/**
 * The PostgreSQL `Outbox`. Each `add` is one row holding its events (an entry's seq is the row's
 * plus the event's index; see `outboxRows.ts`). `pending` claims the oldest rows not claimed by
 * another outbox object with `FOR UPDATE SKIP LOCKED`, just enough of them for `limit` entries,
 * and hides them from other relays for `claimTimeoutMs` (database time), so several relays can
 * drain one outbox without publishing an entry twice; the claiming object sees its own claims
 * again (for it, `pending` is a peek, as the port says); an entry whose relay died becomes
 * claimable again when its claim runs out. `markPublished` of the entries `pending` handed out
 * is one statement (a row's published prefix grows and its claim is released; a row fully
 * published gets status `published` and is kept); claims are per row, so the entries of one
 * `add` not handed out yet stay hidden from other relays until the claimer marks what it got; `markFailed` counts the attempt, records the error and releases the
 * claim, and with `maxAttempts` moves an entry that reached it to status `dead` (no relay claims
 * it; `dead` lists it, `retry` puts it back) — acting on part of a row splits the row first.
 * Inserts raise a `NOTIFY` (migration 3) that {@link PostgresOutbox.watch} turns into a wake-up
 * call for relays.
 */
export class PostgresOutbox implements Outbox {
  readonly #q: Queryable;
  readonly #driver: Driver | undefined;
  readonly #t: Tables;
  readonly #claimMs: number;
  readonly #writer: OutboxWriter;
  #owner: Promise<string> | undefined;
  /** Events of long rows handed out in part, by row seq, oldest first. */
  readonly #rows = new Map<number, EventEnvelope[]>();

  constructor(q: Queryable, tables: Tables, claimTimeoutMs = DEFAULT_CLAIM_TIMEOUT_MS, driver?: Driver) {
    this.#q = q;
    this.#driver = driver;
    this.#t = tables;
    this.#claimMs = claimTimeoutMs;
    this.#writer = outboxWriter(q, tables);
  }

  add(events: readonly EventEnvelope[]): Promise<void> {
    return this.#writer.add(events);
  }

  /**
   * Erasure support (the rows of published events are kept): rewrites in place, in one
   * transaction, the payload of every event of `filter.tenantId` that `filter.match` selects,
   * whatever the row's status; seqs, order and statuses stay. Reads every row (500 at a time).
   */
  async redactEvents(
    filter: { tenantId: string; match: (event: EventEnvelope) => boolean },
    redact: (event: EventEnvelope) => unknown,
  ): Promise<number> {
    const t = this.#t;
    const run = async (tx: Queryable) => {
      let count = 0;
      let after = -1;
      for (;;) {
        const { rows } = await tx.query<{ seq: number | string; events: unknown }>(
          `SELECT o.seq, ${EVENTS_OF('o')} AS events FROM ${t.outbox} o
            WHERE o.seq > $1 ORDER BY o.seq LIMIT 500 FOR UPDATE`,
          [after],
        );
        if (rows.length === 0) return count;
        for (const row of rows) {
          after = toNumber(row.seq);
          let changed = false;
          // Rows of every format (packed, an array, pre-migration-5 single events) are read
          // alike and written back packed.
          const events = unpackEvents(row.events, after).map((e) => {
            if (e.tenantId !== filter.tenantId || !filter.match(e)) return e;
            changed = true;
            count++;
            return { ...e, payload: redact(e) };
          });
          if (!changed) continue;
          const json = packEvents(events);
          assertStorableJson('redacted outbox events', events, json);
          await tx.query(`UPDATE ${t.outbox} SET events = $2::json, event = NULL WHERE seq = $1`, [
            after,
            json,
          ]);
        }
      }
    };
    return this.#driver === undefined ? run(this.#q) : this.#driver.transaction(run);
  }

  async pending(limit = 100): Promise<OutboxEntry[]> {
    checkLimit(limit);
    const t = this.#t.outbox;
    // The database makes the claim token, so library code draws no randomness of its own.
    this.#owner ??= this.#q
      .query<{ token: string }>('SELECT gen_random_uuid()::text AS token')
      .then((r) => (r.rows[0] as { token: string }).token);
    const owner = await this.#owner;
    // Claims rows in order until they hold `limit` unpublished entries, in one statement. A row's
    // events come back whole, once: they never change (a split only cuts a row into runs that
    // keep their seqs), so later pages of a long row are read from this object's cache.
    const cached = [...this.#rows.keys()];
    const { rows } = await this.#q.query<ClaimedRow>(
      `WITH claimable AS (
         SELECT seq, n - done AS waiting FROM ${t}
          WHERE status = 'pending'
            AND (claimed_until IS NULL OR claimed_until < clock_timestamp() OR claimed_by = $3)
          ORDER BY seq LIMIT $1
          FOR UPDATE SKIP LOCKED
       ), picked AS (
         SELECT seq, sum(waiting) OVER (ORDER BY seq) - waiting AS before FROM claimable
       ), ${ASYNC_COMMIT}
       UPDATE ${t} o SET claimed_until = clock_timestamp() + make_interval(secs => $2::double precision / 1000),
                         claimed_by = $3
         FROM picked, async_commit WHERE o.seq = picked.seq AND picked.before < $1
       RETURNING o.seq, o.n, o.done, o.attempts, o.last_error, picked.before,
                 CASE WHEN o.seq = ANY($4::bigint[]) THEN NULL ELSE ${EVENTS_OF('o')} END AS events`,
      [limit, this.#claimMs, owner, cached],
    );
    rows.sort((a, b) => toNumber(a.seq) - toNumber(b.seq));
    const out: OutboxEntry[] = [];
    for (const r of rows) {
      const seq = toNumber(r.seq);
      const events = r.events === null ? this.#rows.get(seq) : unpackEvents(r.events, seq);
      if (events === undefined) throw new ThreadlineError('INTERNAL', `Outbox row ${seq} has no events`);
      const n = Number(r.n);
      const from = Number(r.done);
      const to = Math.min(n, from + limit - Number(r.before));
      // Only rows with events left after this page are worth keeping.
      if (to < n) this.#remember(seq, events);
      else this.#rows.delete(seq);
      for (let i = from; i < to; i++) out.push(entryOf(seq, i, events, r));
    }
    return out;
  }

  /** Keeps a long row's events for its next pages (a few rows at most). */
  #remember(seq: number, events: EventEnvelope[]): void {
    this.#rows.delete(seq);
    this.#rows.set(seq, events);
    while (this.#rows.size > ROWS_CACHED) {
      const oldest = this.#rows.keys().next().value as number;
      this.#rows.delete(oldest);
    }
  }

  async markPublished(seqs: readonly number[]): Promise<void> {
    checkSeqs(seqs);
    if (seqs.length === 0) return;
    const t = this.#t.outbox;
    // The relay's case in one statement: per row, the entries marked are exactly the run after
    // its published prefix, which moves `done` (the row is published when `done` reaches `n`).
    const { rows } = await this.#q.query<{ seq: number | string; lo: number; hi: number }>(
      `WITH s AS (SELECT DISTINCT x.v::bigint AS seq FROM jsonb_array_elements_text($1::jsonb) x(v)),
            r AS (SELECT o.seq AS row, min(s.seq - o.seq) AS lo, max(s.seq - o.seq) AS hi, count(*) AS c
                    FROM s CROSS JOIN LATERAL (SELECT seq, n FROM ${t} WHERE seq <= s.seq ORDER BY seq DESC LIMIT 1) o
                   WHERE s.seq < o.seq + o.n GROUP BY o.seq),
            ${ASYNC_COMMIT}
       UPDATE ${t} o SET done = r.hi + 1,
              status = CASE WHEN r.hi + 1 >= o.n THEN 'published' ELSE o.status END,
              published_at = CASE WHEN r.hi + 1 >= o.n THEN now() ELSE o.published_at END,
              claimed_until = NULL, claimed_by = NULL
         FROM r, async_commit WHERE o.seq = r.row AND o.status = 'pending' AND r.lo = o.done AND r.c = r.hi - r.lo + 1
       RETURNING o.seq, r.lo, r.hi`,
      [JSON.stringify(seqs)],
    );
    const rest = leftover(
      seqs,
      rows.map((r) => ({ from: toNumber(r.seq) + Number(r.lo), to: toNumber(r.seq) + Number(r.hi) })),
    );
    if (rest.length === 0) return;
    // Anything else (part of a run, entries out of order, already published or unknown seqs).
    await this.#inTransaction(async (tx) => {
      const targets = await isolateRows(tx, this.#t, rest, 'pending');
      if (targets.length === 0) return;
      await tx.query(
        `UPDATE ${t} SET status = 'published', done = n, published_at = now(), claimed_until = NULL, claimed_by = NULL
          WHERE seq IN (SELECT (jsonb_array_elements_text($1::jsonb))::bigint) AND status = 'pending'`,
        [JSON.stringify(targets)],
      );
    });
  }

  async markFailed(seqs: readonly number[], error: unknown, options?: MarkFailedOptions): Promise<void> {
    checkSeqs(seqs);
    const max = checkMaxAttempts(options);
    if (seqs.length === 0) return;
    const message = (error instanceof Error ? error.message : String(error)).replaceAll('\u0000', '');
    await this.#inTransaction(async (tx) => {
      const targets = await isolateRows(tx, this.#t, seqs, 'pending');
      if (targets.length === 0) return;
      // One statement counts the attempt and, at maxAttempts, dead-letters: no window in which
      // another relay could claim an entry that has just run out of attempts.
      await tx.query(
        `UPDATE ${this.#t.outbox}
            SET attempts = attempts + 1, last_error = $2, claimed_until = NULL, claimed_by = NULL,
                status = CASE WHEN $3::integer IS NOT NULL AND attempts + 1 >= $3::integer THEN 'dead' ELSE status END,
                dead_at = CASE WHEN $3::integer IS NOT NULL AND attempts + 1 >= $3::integer THEN now() ELSE dead_at END
          WHERE seq IN (SELECT (jsonb_array_elements_text($1::jsonb))::bigint) AND status = 'pending'`,
        [JSON.stringify(targets), message, max],
      );
    });
  }

  async dead(limit = 100): Promise<OutboxEntry[]> {
    checkLimit(limit);
    // Whole rows, unpacked here (packedEvents.ts): at most `limit` of them hold the first `limit`
    // entries, as every dead row holds at least one.
    const { rows } = await this.#q.query<DeadRow>(
      `SELECT o.seq, o.n, o.done, ${EVENTS_OF('o')} AS events, o.attempts, o.last_error
         FROM ${this.#t.outbox} o WHERE o.status = 'dead' ORDER BY o.seq LIMIT $1`,
      [limit],
    );
    const out: OutboxEntry[] = [];
    for (const r of rows) {
      const seq = toNumber(r.seq);
      const events = unpackEvents(r.events, seq);
      for (let i = Number(r.done); i < Number(r.n) && out.length < limit; i++)
        out.push(entryOf(seq, i, events, r));
    }
    return out;
  }

  async retry(seqs: readonly number[]): Promise<number> {
    checkSeqs(seqs);
    if (seqs.length === 0) return 0;
    const requeued = await this.#inTransaction(async (tx) => {
      const targets = await isolateRows(tx, this.#t, seqs, 'dead');
      if (targets.length === 0) return 0;
      const { rows } = await tx.query<{ waiting: number }>(
        `UPDATE ${this.#t.outbox} SET status = 'pending', attempts = 0, dead_at = NULL,
                                      claimed_until = NULL, claimed_by = NULL
          WHERE seq IN (SELECT (jsonb_array_elements_text($1::jsonb))::bigint) AND status = 'dead'
          RETURNING n - done AS waiting`,
        [JSON.stringify(targets)],
      );
      return rows.reduce((sum, r) => sum + Number(r.waiting), 0);
    });
    // An UPDATE does not fire the insert trigger: wake listening relays here.
    if (requeued > 0) await this.#q.query(`SELECT pg_notify('${OUTBOX_CHANNEL}', $1)`, [this.#t.schema]);
    return requeued;
  }

  /** Runs `fn` in a transaction of the driver (or, without one, on the queryable itself). */
  #inTransaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.#driver === undefined ? fn(this.#q) : this.#driver.transaction(fn);
  }

  /**
   * Calls `listener` when entries are added to this schema's outbox (or re-queued), after their
   * transaction commits, through `LISTEN`/`NOTIFY` on a connection of its own. Resolves with a
   * function that stops listening. The outbox relay's `start()` uses it to publish without
   * waiting for its poll interval.
   */
  async watch(listener: () => void): Promise<() => Promise<void>> {
    if (this.#driver === undefined) {
      throw new ThreadlineError('UNSUPPORTED', 'This outbox has no driver to LISTEN on');
    }
    const schema = this.#t.schema;
    return this.#driver.listen(OUTBOX_CHANNEL, (payload) => {
      if (payload === schema) listener();
    });
  }
}
