import {
  type AdapterCapabilities,
  type AppendOptions,
  type AppendResult,
  assertKey,
  conflictError,
  type EventEnvelope,
  type EventLog,
  type ReadAllOptions,
  type ReadStreamOptions,
  type StoredEvent,
  ThreadlineError,
  tenantOf,
  validateAppend,
} from '@threadline/core';
import {
  appendLockCtes,
  barrierName,
  lockAppend,
  readHorizon,
  streamKey,
  streamSpace,
} from './appendLocks.js';
import type { Driver, Queryable } from './driver/driver.js';
import { insertOutboxRowSql, type PendingRow, takeOutboxRows } from './pendingOutbox.js';
import { assertStorable, assertStorableJson, type Tables, toNumber } from './schema.js';

interface EventRow {
  position: number | string;
  stream_id: string;
  stream_version: number;
  envelope: EventEnvelope;
}

function badOption(field: string, message: string): ThreadlineError {
  return new ThreadlineError('VALIDATION', `Invalid ${field}: ${message}`, {
    issues: [{ path: [field], message, code: 'invalid' }],
  });
}

function checkLimit(limit: unknown): number | null {
  if (limit === undefined) return null;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1)
    throw badOption('limit', 'expected a positive integer');
  return limit;
}

function toStored(row: EventRow): StoredEvent {
  return {
    ...row.envelope,
    streamId: row.stream_id,
    streamVersion: Number(row.stream_version),
    position: toNumber(row.position),
  };
}

const BATCH = 500;

/** Where the log runs SQL: the driver, or an open transaction (whose "transaction" is itself). */
export type LogRunner = Pick<Driver, 'query' | 'transaction'> & {
  /** `true` when the runner is an open transaction (a failed statement would abort it). */
  readonly inTransaction?: boolean;
  /** The open transaction itself (where its deferred outbox rows wait, see `pendingOutbox.ts`). */
  readonly tx?: Queryable;
};

/** A runner bound to an open transaction: appends join it instead of opening their own. */
export function runnerIn(tx: Queryable): LogRunner {
  return {
    query: (sql, params) => tx.query(sql, params),
    transaction: (fn) => fn(tx),
    inTransaction: true,
    tx,
  };
}

/** SQL of a data-modifying CTE inserting a carried outbox row (parameters `$json`, `$n`), or nothing. */
const carrySql = (t: Tables, carried: PendingRow | undefined, json: number, n: number): string =>
  carried === undefined ? '' : `, carried_outbox AS (${insertOutboxRowSql(t, json, n)})`;

/** How often a one-statement append that lost a version race is retried before the slow path. */
const RACE_RETRIES = 3;

const isVersionRace = (error: unknown): boolean =>
  (error as { details?: { sqlState?: unknown } } | null)?.details?.sqlState === '23505';

/**
 * The PostgreSQL `EventLog`: one `events` table with a `bigserial` global position, stream versions
 * unique per (tenant, stream), idempotency keys per tenant.
 *
 * Appends to different streams run side by side: each holds the schema's append barrier
 * *shared* and its stream's lock exclusive (appendLocks.ts), so only appends to one stream queue
 * for each other. Positions are drawn from one sequence and may commit out of order; `readAll`
 * therefore returns only positions up to a horizon that every append has finished with (it takes
 * the barrier exclusive for one statement, which waits for the appends in flight, then reads the
 * sequence). A reader paging with `readAll({ after })` never skips an event that commits later
 * with a smaller position, and sees every event once, in position order. A `readAll` costs the
 * appenders one short pause (the length of the longest append transaction in flight).
 */
export class PostgresEventLog implements EventLog {
  readonly name = 'postgres';
  readonly capabilities: AdapterCapabilities;
  readonly #driver: LogRunner;
  readonly #t: Tables;

  constructor(driver: LogRunner, tables: Tables, capabilities: AdapterCapabilities) {
    this.#driver = driver;
    this.#t = tables;
    this.capabilities = capabilities;
  }

  async append(
    streamId: string,
    events: readonly EventEnvelope[],
    options?: AppendOptions,
  ): Promise<AppendResult> {
    const { tenantId } = validateAppend(streamId, events, options);
    assertStorable('append', { tenantId, streamId, idempotencyKey: options?.idempotencyKey ?? '' });
    const json = JSON.stringify(events);
    assertStorableJson('events', events, json, ['events']);
    const key = options?.idempotencyKey;
    const t = this.#t;
    const tx = this.#driver.tx;
    if (key === undefined && tx !== undefined) {
      // Inside a transaction: the outbox rows it added so far ride in this statement (the last
      // one; earlier ones, rare, go first so their order is kept).
      const rows = takeOutboxRows(tx);
      const carried = rows.pop();
      for (const r of rows) await tx.query(insertOutboxRowSql(t, 1, 2), [r.json, r.n]);
      const expected = options?.expectedVersion;
      if (expected !== undefined)
        return this.#appendInTransaction(tx, tenantId, streamId, json, expected, carried);
      await lockAppend(tx, t, tenantId, streamId);
      return this.#appendLocked(tx, tenantId, streamId, json, undefined, carried);
    }
    if (key === undefined && this.#driver.inTransaction !== true) {
      for (let attempt = 0; attempt < RACE_RETRIES; attempt++) {
        try {
          return await this.#appendInOneStatement(tenantId, streamId, json, options?.expectedVersion);
        } catch (error) {
          if (!isVersionRace(error)) throw error;
          // Another append took these versions after this statement's snapshot: with an expected
          // version that is a conflict; without one, read again.
          if (options?.expectedVersion !== undefined) {
            const current = await streamVersionIn(this.#driver, t, tenantId, streamId);
            throw conflictError(`stream ${streamId}`, options.expectedVersion, current);
          }
        }
      }
    }
    return this.#driver.transaction(async (tx) => {
      await lockAppend(tx, t, tenantId, streamId, key);
      // Under the stream's lock a new statement sees every committed append to it: read the
      // version, check it and insert in one round trip.
      if (key === undefined)
        return this.#appendLocked(tx, tenantId, streamId, json, options?.expectedVersion);
      const used = await tx.query<{ stream_id: string; result: AppendResult }>(
        `SELECT stream_id, result FROM ${t.idempotency} WHERE tenant_id = $1 AND key = $2`,
        [tenantId, key],
      );
      const previous = used.rows[0];
      if (previous) {
        if (previous.stream_id !== streamId) {
          throw new ThreadlineError(
            'CONFLICT',
            `Idempotency key "${key}" was already used for stream "${previous.stream_id}"`,
            { details: { idempotencyKey: key, streamId: previous.stream_id } },
          );
        }
        return { ...previous.result, duplicate: true };
      }
      const current = await streamVersionIn(tx, t, tenantId, streamId);
      if (options?.expectedVersion !== undefined && options.expectedVersion !== current) {
        throw conflictError(`stream ${streamId}`, options.expectedVersion, current);
      }
      const { rows } = await tx.query<{ position: number | string }>(
        `INSERT INTO ${t.events} (tenant_id, stream_id, stream_version, event_id, type, envelope)
         SELECT $1, $2, $3 + e.ord, e.value->>'id', e.value->>'type', e.value
           FROM jsonb_array_elements($4::jsonb) WITH ORDINALITY AS e(value, ord)
          ORDER BY e.ord
         RETURNING position`,
        [tenantId, streamId, current, json],
      );
      const positions = rows.map((r) => toNumber(r.position));
      const result: AppendResult = {
        streamId,
        streamVersion: current + events.length,
        firstPosition: Math.min(...positions),
        lastPosition: Math.max(...positions),
        duplicate: false,
      };
      if (key !== undefined) {
        await tx.query(
          `INSERT INTO ${t.idempotency} (tenant_id, key, stream_id, result) VALUES ($1, $2, $3, $4::jsonb)`,
          [tenantId, key, streamId, JSON.stringify(result)],
        );
      }
      return result;
    });
  }

  /**
   * An append without an idempotency key once the append lock is held: one statement (carrying
   * the transaction's waiting outbox row, when there is one).
   */
  async #appendLocked(
    tx: Queryable,
    tenantId: string,
    streamId: string,
    json: string,
    expectedVersion: number | undefined,
    carried?: PendingRow,
  ): Promise<AppendResult> {
    const t = this.#t;
    const { rows } = await tx.query<{ position: number | string; stream_version: number }>(
      `WITH cur AS (
         SELECT coalesce(max(stream_version), 0) AS v FROM ${t.events} WHERE tenant_id = $1 AND stream_id = $2
       )${carrySql(t, carried, 5, 6)}
       INSERT INTO ${t.events} (tenant_id, stream_id, stream_version, event_id, type, envelope)
       SELECT $1, $2, cur.v + e.ord, e.value->>'id', e.value->>'type', e.value
         FROM cur, jsonb_array_elements($3::jsonb) WITH ORDINALITY AS e(value, ord)
        WHERE $4::integer IS NULL OR cur.v = $4::integer
        ORDER BY e.ord
       RETURNING position, stream_version`,
      carried === undefined
        ? [tenantId, streamId, json, expectedVersion ?? null]
        : [tenantId, streamId, json, expectedVersion ?? null, carried.json, carried.n],
    );
    return resultOf(rows, streamId, async () => {
      const current = await streamVersionIn(tx, t, tenantId, streamId);
      return conflictError(`stream ${streamId}`, expectedVersion ?? 0, current);
    });
  }

  /**
   * An append with `expectedVersion` and without an idempotency key inside a transaction, as one
   * statement: the append lock, the version check, the insert and the transaction's waiting
   * outbox row (one round trip instead of three). The version is read with the statement's
   * snapshot, which may predate the lock; an append to the same stream that committed in between
   * makes the insert hit the (tenant, stream, version) key: with an expected version that is a
   * `CONFLICT` (the stream moved on), and, as for any failed statement, the transaction is over.
   */
  async #appendInTransaction(
    tx: Queryable,
    tenantId: string,
    streamId: string,
    json: string,
    expectedVersion: number,
    carried: PendingRow | undefined,
  ): Promise<AppendResult> {
    const t = this.#t;
    const params: unknown[] = [
      tenantId,
      streamId,
      json,
      expectedVersion,
      barrierName(t),
      streamSpace(t),
      streamKey(tenantId, streamId),
    ];
    if (carried !== undefined) params.push(carried.json, carried.n);
    let rows: Array<{ position: number | string; stream_version: number }>;
    try {
      ({ rows } = await tx.query<{ position: number | string; stream_version: number }>(
        `WITH ${appendLockCtes(5, 6, 7)},
              cur AS (
                SELECT coalesce(max(stream_version), 0) AS v FROM ${t.events}
                 WHERE tenant_id = $1 AND stream_id = $2 AND (SELECT true FROM append_lock)
              )${carrySql(t, carried, 8, 9)}
         INSERT INTO ${t.events} (tenant_id, stream_id, stream_version, event_id, type, envelope)
         SELECT $1, $2, cur.v + e.ord, e.value->>'id', e.value->>'type', e.value
           FROM cur, jsonb_array_elements($3::jsonb) WITH ORDINALITY AS e(value, ord)
          WHERE cur.v = $4::integer
          ORDER BY e.ord
         RETURNING position, stream_version`,
        params,
      ));
    } catch (error) {
      if (!isVersionRace(error)) throw error;
      throw new ThreadlineError(
        'CONFLICT',
        `stream ${streamId}: expected version ${expectedVersion}, but another append to it committed first`,
        { cause: error, details: { expectedVersion } },
      );
    }
    return resultOf(rows, streamId, async () => {
      const current = await streamVersionIn(tx, t, tenantId, streamId);
      return conflictError(`stream ${streamId}`, expectedVersion, current);
    });
  }

  /**
   * An append without an idempotency key, outside a transaction, as one statement (one round trip
   * instead of five): take the schema's append lock, read the stream version, check
   * `expectedVersion` and insert, all inside the statement's own transaction. The version is read
   * with the statement's snapshot, which may predate the lock: an append that committed in between
   * makes the insert hit the (tenant, stream, version) key, which the caller treats as a race.
   */
  async #appendInOneStatement(
    tenantId: string,
    streamId: string,
    json: string,
    expectedVersion: number | undefined,
  ): Promise<AppendResult> {
    const t = this.#t;
    const { rows } = await this.#driver.query<{ position: number | string; stream_version: number }>(
      `WITH ${appendLockCtes(5, 6, 7)},
            cur AS (
              SELECT coalesce(max(stream_version), 0) AS v FROM ${t.events}
               WHERE tenant_id = $1 AND stream_id = $2 AND (SELECT true FROM append_lock)
            )
       INSERT INTO ${t.events} (tenant_id, stream_id, stream_version, event_id, type, envelope)
       SELECT $1, $2, cur.v + e.ord, e.value->>'id', e.value->>'type', e.value
         FROM cur, jsonb_array_elements($3::jsonb) WITH ORDINALITY AS e(value, ord)
        WHERE $4::integer IS NULL OR cur.v = $4::integer
        ORDER BY e.ord
       RETURNING position, stream_version`,
      [
        tenantId,
        streamId,
        json,
        expectedVersion ?? null,
        barrierName(t),
        streamSpace(t),
        streamKey(tenantId, streamId),
      ],
    );
    return resultOf(rows, streamId, async () => {
      const current = await streamVersionIn(this.#driver, t, tenantId, streamId);
      return conflictError(`stream ${streamId}`, expectedVersion ?? 0, current);
    });
  }

  async readStream(streamId: string, options?: ReadStreamOptions): Promise<StoredEvent[]> {
    assertKey(streamId, 'streamId');
    const tenantId = tenantOf(options);
    assertStorable('readStream', { tenantId, streamId });
    const from = options?.fromVersion ?? 1;
    if (!Number.isInteger(from) || from < 1) throw badOption('fromVersion', 'expected an integer >= 1');
    const limit = checkLimit(options?.limit);
    const { rows } = await this.#driver.query<EventRow>(
      `SELECT position, stream_id, stream_version, envelope FROM ${this.#t.events}
        WHERE tenant_id = $1 AND stream_id = $2 AND stream_version >= $3
        ORDER BY stream_version LIMIT $4`,
      [tenantId, streamId, from, limit],
    );
    return rows.map(toStored);
  }

  async readAll(options?: ReadAllOptions): Promise<StoredEvent[]> {
    const after = options?.after ?? 0;
    if (!Number.isInteger(after) || after < 0) throw badOption('after', 'expected an integer >= 0');
    const limit = checkLimit(options?.limit) ?? 1000;
    const tenantId = options?.tenantId === undefined ? undefined : tenantOf(options);
    if (tenantId !== undefined) assertStorable('readAll', { tenantId });
    // Only positions every append has finished with (see appendLocks.ts), read by a later
    // statement, so with a snapshot that has every commit up to the horizon.
    const horizon = await readHorizon(this.#driver, this.#t, this.#driver.inTransaction === true);
    if (horizon <= after) return [];
    if (tenantId === undefined) {
      const { rows } = await this.#driver.query<EventRow>(
        `SELECT position, stream_id, stream_version, envelope FROM ${this.#t.events}
          WHERE position > $1 AND position <= $2 ORDER BY position LIMIT $3`,
        [after, horizon, limit],
      );
      return rows.map(toStored);
    }
    const { rows } = await this.#driver.query<EventRow>(
      `SELECT position, stream_id, stream_version, envelope FROM ${this.#t.events}
        WHERE tenant_id = $1 AND position > $2 AND position <= $3 ORDER BY position LIMIT $4`,
      [tenantId, after, horizon, limit],
    );
    return rows.map(toStored);
  }

  async streamVersion(streamId: string, options?: { tenantId?: string }): Promise<number> {
    assertKey(streamId, 'streamId');
    const tenantId = tenantOf(options);
    assertStorable('streamVersion', { tenantId, streamId });
    return streamVersionIn(this.#driver, this.#t, tenantId, streamId);
  }

  async redactEvents(
    filter: { tenantId: string; streamIds?: readonly string[]; match?: (event: StoredEvent) => boolean },
    redact: (event: StoredEvent) => unknown,
  ): Promise<number> {
    const tenantId = tenantOf(filter);
    const streams = filter.streamIds === undefined ? null : JSON.stringify([...filter.streamIds]);
    assertStorable('redactEvents', { tenantId, streamIds: filter.streamIds ?? [] });
    const t = this.#t;
    // One transaction: either every selected event is rewritten or none is.
    return this.#driver.transaction(async (tx) => {
      let count = 0;
      let after = 0;
      for (;;) {
        const { rows } = await tx.query<EventRow>(
          `SELECT position, stream_id, stream_version, envelope FROM ${t.events}
            WHERE tenant_id = $1 AND position > $2
              AND ($3::jsonb IS NULL OR stream_id IN (SELECT jsonb_array_elements_text($3::jsonb)))
            ORDER BY position LIMIT ${BATCH} FOR UPDATE`,
          [tenantId, after, streams],
        );
        for (const row of rows) {
          const event = toStored(row);
          if (filter.match && !filter.match(event)) continue;
          const payload = redact(event);
          assertStorable('redacted payload', payload, ['payload']);
          await tx.query(
            `UPDATE ${t.events} SET envelope = jsonb_set(envelope, '{payload}', $2::jsonb) WHERE position = $1`,
            [event.position, JSON.stringify(payload ?? null)],
          );
          count++;
        }
        if (rows.length < BATCH) return count;
        after = toNumber(rows[rows.length - 1]?.position);
      }
    });
  }
}

/** The result of a one-statement append from its returned rows; no rows means a version conflict. */
async function resultOf(
  rows: readonly { position: number | string; stream_version: number }[],
  streamId: string,
  conflict: () => Promise<ThreadlineError>,
): Promise<AppendResult> {
  if (rows.length === 0) throw await conflict();
  let first = Number.POSITIVE_INFINITY;
  let last = 0;
  let version = 0;
  for (const r of rows) {
    const p = toNumber(r.position);
    if (p < first) first = p;
    if (p > last) last = p;
    if (Number(r.stream_version) > version) version = Number(r.stream_version);
  }
  return { streamId, streamVersion: version, firstPosition: first, lastPosition: last, duplicate: false };
}

async function streamVersionIn(q: Queryable, t: Tables, tenantId: string, streamId: string): Promise<number> {
  const { rows } = await q.query<{ v: number | null }>(
    `SELECT max(stream_version) AS v FROM ${t.events} WHERE tenant_id = $1 AND stream_id = $2`,
    [tenantId, streamId],
  );
  return Number(rows[0]?.v ?? 0);
}
