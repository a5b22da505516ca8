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

type OutboxRow = { seq: number | string; event: EventEnvelope; attempts: number; last_error: string | null };

function toEntry(r: OutboxRow): OutboxEntry {
  const entry: OutboxEntry = { seq: toNumber(r.seq), event: r.event, attempts: Number(r.attempts) };
  if (r.last_error !== null) entry.lastError = r.last_error;
  return entry;
}

function checkSeqs(seqs: readonly number[]): void {
  if (!Array.isArray(seqs) || !seqs.every((s) => Number.isSafeInteger(s) && s > 0)) {
    throw new ThreadlineError('VALIDATION', 'Invalid seqs: expected an array of positive integers', {
      issues: [{ path: ['seqs'], message: 'expected an array of positive integers', code: 'invalid_type' }],
    });
  }
}

/** Writes events to the outbox through `q` (the driver, or an open transaction). */
export function outboxWriter(q: Queryable, tables: Tables): OutboxWriter {
  return {
    async add(events) {
      validateOutboxEvents(events);
      if (events.length === 0) return;
      // One serialisation, scanned once for what PostgreSQL refuses (instead of a walk per event).
      const json = JSON.stringify(events);
      assertStorableJson('outbox events', events, json, ['events']);
      await q.query(
        `INSERT INTO ${tables.outbox} (event)
         SELECT e.value FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS e(value, ord) ORDER BY e.ord`,
        [json],
      );
    },
  };
}

/**
 * The PostgreSQL `Outbox`. `pending` claims the oldest entries not claimed by another outbox
 * object with `FOR UPDATE SKIP LOCKED` and hides them from other relays for `claimTimeoutMs`
 * (database time), so several relays can drain one outbox without publishing an entry twice; the
 * claiming object sees its own claims again (for it, `pending` is a peek, as the port says); an
 * entry whose relay died becomes claimable again when its claim runs out. `markPublished` keeps
 * the row with status `published`; `markFailed` counts the attempt, records the error and releases
 * the claim, and with `maxAttempts` moves an entry that reached it to status `dead` (no relay
 * claims it; `dead` lists it, `retry` puts it back). Inserts raise a `NOTIFY` (migration 3) that
 * {@link PostgresOutbox.watch} turns into a wake-up call for relays.
 */
export class PostgresOutbox implements Outbox {
  readonly #q: Queryable;
  readonly #driver: Driver | undefined;
  readonly #t: Tables;
  readonly #claimMs: number;
  readonly #writer: OutboxWriter;
  #owner: Promise<string> | undefined;

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

  async pending(limit = 100): Promise<OutboxEntry[]> {
    checkLimit(limit);
    const t = this.#t.outbox;
    // The database makes the claim token, so library code draws no randomness of its own.
    this.#owner ??= this.#q
      .query<{ token: string }>('SELECT gen_random_uuid()::text AS token')
      .then((r) => (r.rows[0] as { token: string }).token);
    const owner = await this.#owner;
    const { rows } = await this.#q.query<OutboxRow>(
      `WITH claimable AS (
         SELECT seq FROM ${t}
          WHERE status = 'pending'
            AND (claimed_until IS NULL OR claimed_until < clock_timestamp() OR claimed_by = $3)
          ORDER BY seq LIMIT $1
          FOR UPDATE SKIP LOCKED
       )
       UPDATE ${t} o SET claimed_until = clock_timestamp() + make_interval(secs => $2::double precision / 1000),
                         claimed_by = $3
         FROM claimable WHERE o.seq = claimable.seq
       RETURNING o.seq, o.event, o.attempts, o.last_error`,
      [limit, this.#claimMs, owner],
    );
    return rows.map(toEntry).sort((a, b) => a.seq - b.seq);
  }

  async markPublished(seqs: readonly number[]): Promise<void> {
    checkSeqs(seqs);
    if (seqs.length === 0) return;
    await this.#q.query(
      `UPDATE ${this.#t.outbox} SET status = 'published', published_at = now(), claimed_until = NULL, claimed_by = NULL
        WHERE seq IN (SELECT (jsonb_array_elements_text($1::jsonb))::bigint) AND status = 'pending'`,
      [JSON.stringify(seqs)],
    );
  }

  async markFailed(seqs: readonly number[], error: unknown, options?: MarkFailedOptions): Promise<void> {
    checkSeqs(seqs);
    const max = checkMaxAttempts(options);
    if (seqs.length === 0) return;
    const message = (error instanceof Error ? error.message : String(error)).replaceAll('\u0000', '');
    // One statement counts the attempt and, at maxAttempts, dead-letters: no window in which
    // another relay could claim an entry that has just run out of attempts.
    await this.#q.query(
      `UPDATE ${this.#t.outbox}
          SET attempts = attempts + 1, last_error = $2, claimed_until = NULL, claimed_by = NULL,
              status = CASE WHEN $3::integer IS NOT NULL AND attempts + 1 >= $3::integer THEN 'dead' ELSE status END,
              dead_at = CASE WHEN $3::integer IS NOT NULL AND attempts + 1 >= $3::integer THEN now() ELSE dead_at END
        WHERE seq IN (SELECT (jsonb_array_elements_text($1::jsonb))::bigint) AND status = 'pending'`,
      [JSON.stringify(seqs), message, max],
    );
  }

  async dead(limit = 100): Promise<OutboxEntry[]> {
    checkLimit(limit);
    const { rows } = await this.#q.query<OutboxRow>(
      `SELECT seq, event, attempts, last_error FROM ${this.#t.outbox}
        WHERE status = 'dead' ORDER BY seq LIMIT $1`,
      [limit],
    );
    return rows.map(toEntry);
  }

  async retry(seqs: readonly number[]): Promise<number> {
    checkSeqs(seqs);
    if (seqs.length === 0) return 0;
    const { rows } = await this.#q.query<{ seq: number | string }>(
      `UPDATE ${this.#t.outbox} SET status = 'pending', attempts = 0, dead_at = NULL,
                                    claimed_until = NULL, claimed_by = NULL
        WHERE seq IN (SELECT (jsonb_array_elements_text($1::jsonb))::bigint) AND status = 'dead'
        RETURNING seq`,
      [JSON.stringify(seqs)],
    );
    // An UPDATE does not fire the insert trigger: wake listening relays here.
    if (rows.length > 0) await this.#q.query(`SELECT pg_notify('${OUTBOX_CHANNEL}', $1)`, [this.#t.schema]);
    return rows.length;
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
