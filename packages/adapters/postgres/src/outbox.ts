import {
  type EventEnvelope,
  EventEnvelopeSchema,
  issuesFromZod,
  type Outbox,
  type OutboxEntry,
  type OutboxWriter,
  ThreadlineError,
  validationError,
} from '@threadline/core';
import type { Queryable } from './driver/driver.js';
import { assertStorable, type Tables, toNumber } from './schema.js';

/** Default time a claimed entry stays invisible to other relays before it may be claimed again. */
export const DEFAULT_CLAIM_TIMEOUT_MS = 30_000;

function validateEvents(events: readonly EventEnvelope[]): void {
  if (!Array.isArray(events)) {
    throw new ThreadlineError('VALIDATION', 'Invalid events: expected an array', {
      issues: [{ path: ['events'], message: 'expected an array', code: 'invalid_type' }],
    });
  }
  const issues = events.flatMap((e, i) => {
    const r = EventEnvelopeSchema.safeParse(e);
    return r.success ? [] : issuesFromZod(r.error.issues, ['events', i]);
  });
  if (issues.length > 0) throw validationError('outbox events', issues);
  assertStorable('outbox events', events, ['events']);
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
      validateEvents(events);
      if (events.length === 0) return;
      await q.query(
        `INSERT INTO ${tables.outbox} (event)
         SELECT e.value FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS e(value, ord) ORDER BY e.ord`,
        [JSON.stringify(events)],
      );
    },
  };
}

/**
 * The PostgreSQL `Outbox`. `pending` claims the oldest entries not claimed by another outbox
 * object with `FOR UPDATE SKIP LOCKED` and hides them from other relays for `claimTimeoutMs`
 * (database time), so several relays can drain one outbox without publishing an entry twice; the
 * claiming object sees its own claims again (for it, `pending` is a peek, as the port says); an
 * entry whose relay died becomes claimable again when its claim runs out. `markPublished` keeps the row with status
 * `published`; `markFailed` counts the attempt, records the error and releases the claim.
 */
export class PostgresOutbox implements Outbox {
  readonly #q: Queryable;
  readonly #t: Tables;
  readonly #claimMs: number;
  readonly #writer: OutboxWriter;
  #owner: Promise<string> | undefined;

  constructor(q: Queryable, tables: Tables, claimTimeoutMs = DEFAULT_CLAIM_TIMEOUT_MS) {
    this.#q = q;
    this.#t = tables;
    this.#claimMs = claimTimeoutMs;
    this.#writer = outboxWriter(q, tables);
  }

  add(events: readonly EventEnvelope[]): Promise<void> {
    return this.#writer.add(events);
  }

  async pending(limit = 100): Promise<OutboxEntry[]> {
    if (!Number.isInteger(limit) || limit < 1) {
      throw new ThreadlineError('VALIDATION', 'Invalid limit: expected a positive integer', {
        issues: [{ path: ['limit'], message: 'expected a positive integer', code: 'too_small' }],
      });
    }
    const t = this.#t.outbox;
    // The database makes the claim token, so library code draws no randomness of its own.
    this.#owner ??= this.#q
      .query<{ token: string }>('SELECT gen_random_uuid()::text AS token')
      .then((r) => (r.rows[0] as { token: string }).token);
    const owner = await this.#owner;
    const { rows } = await this.#q.query<{
      seq: number | string;
      event: EventEnvelope;
      attempts: number;
      last_error: string | null;
    }>(
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
    return rows
      .map((r) => {
        const entry: OutboxEntry = { seq: toNumber(r.seq), event: r.event, attempts: Number(r.attempts) };
        if (r.last_error !== null) entry.lastError = r.last_error;
        return entry;
      })
      .sort((a, b) => a.seq - b.seq);
  }

  async markPublished(seqs: readonly number[]): Promise<void> {
    checkSeqs(seqs);
    if (seqs.length === 0) return;
    await this.#q.query(
      `UPDATE ${this.#t.outbox} SET status = 'published', published_at = now(), claimed_until = NULL, claimed_by = NULL
        WHERE seq IN (SELECT (jsonb_array_elements_text($1::jsonb))::bigint)`,
      [JSON.stringify(seqs)],
    );
  }

  async markFailed(seqs: readonly number[], error: unknown): Promise<void> {
    checkSeqs(seqs);
    if (seqs.length === 0) return;
    const message = (error instanceof Error ? error.message : String(error)).replaceAll('\u0000', '');
    await this.#q.query(
      `UPDATE ${this.#t.outbox} SET attempts = attempts + 1, last_error = $2, claimed_until = NULL, claimed_by = NULL
        WHERE seq IN (SELECT (jsonb_array_elements_text($1::jsonb))::bigint) AND status = 'pending'`,
      [JSON.stringify(seqs), message],
    );
  }
}
