import {
  type AcquireLeaseOptions,
  type Clock,
  createLease,
  type FenceTarget,
  type Lease,
  type LeaseFence,
  type LeaseInfo,
  type LeaseStore,
  leaseConflictError,
  parseAcquireLease,
  parseFence,
  parseLeaseName,
  parseLeaseTtl,
} from '@threadline/core';
import type { Queryable } from './driver/driver.js';
import { type Tables, toNumber } from './schema.js';

// The database's clock in epoch milliseconds: one clock for every process, no skew between them.
const DB_NOW = `(extract(epoch from clock_timestamp()) * 1000)::bigint`;

interface LeaseRow {
  token: unknown;
  owner: string | null;
  held: boolean;
  expires_at: unknown;
}

/**
 * The PostgreSQL {@link LeaseStore}: one row per lease name in `leases` (migration 4), changed
 * only by single conditional statements (`INSERT … ON CONFLICT DO UPDATE … WHERE`, `UPDATE …
 * WHERE token = $n RETURNING`), so any number of processes on one database agree on who holds a
 * lease and tokens only grow. No advisory locks: a grant outlives the connection that made it
 * and ends only by release or expiry, which is what fencing needs. Time is the database's clock
 * (`clock_timestamp()`), or the `clock` given to `createPostgresStorage({ leaseClock })`.
 */
export class PostgresLeaseStore implements LeaseStore {
  readonly name = 'postgres';
  readonly #q: Queryable;
  readonly #t: Tables;
  readonly #clock: Clock | undefined;

  constructor(q: Queryable, tables: Tables, clock?: Clock) {
    this.#q = q;
    this.#t = tables;
    this.#clock = clock;
  }

  /** The SQL for "now" and the parameters it needs, appended after `params`. */
  #now(params: unknown[]): string {
    if (!this.#clock) return DB_NOW;
    params.push(this.#clock.now());
    return `$${params.length}::bigint`;
  }

  async acquire(name: string, ttlMs: number, options?: AcquireLeaseOptions): Promise<Lease | undefined> {
    const request = parseAcquireLease(name, ttlMs, options);
    const params: unknown[] = [request.name, request.owner ?? null, request.ttlMs];
    const now = this.#now(params);
    const t = this.#t.leases;
    // "Now" is evaluated once (the subquery); EXCLUDED.expires_at - ttl is that instant again.
    // ON CONFLICT DO UPDATE locks the row, so concurrent acquirers are serialised: at most one
    // finds it free and bumps the token; the others get no row back.
    const { rows } = await this.#q.query<{ token: unknown; expires_at: unknown }>(
      `INSERT INTO ${t} AS l (name, token, owner, held, expires_at)
         SELECT $1, 1, $2, true, n.now + $3::bigint FROM (SELECT ${now} AS now) n
       ON CONFLICT (name) DO UPDATE
         SET token = l.token + 1, owner = EXCLUDED.owner, held = true,
             expires_at = EXCLUDED.expires_at, updated_at = now()
         WHERE NOT l.held OR l.expires_at <= EXCLUDED.expires_at - $3::bigint
       RETURNING token, expires_at`,
      params,
    );
    const row = rows[0];
    if (!row) return undefined;
    return createLease(this, {
      name: request.name,
      token: toNumber(row.token),
      owner: request.owner,
      expiresAt: toNumber(row.expires_at),
      ttlMs: request.ttlMs,
    });
  }

  async renew(fence: LeaseFence, ttlMs: number): Promise<number> {
    const f = parseFence(fence);
    const ttl = parseLeaseTtl(ttlMs);
    const params: unknown[] = [f.lease, f.token, ttl];
    const now = this.#now(params);
    const { rows } = await this.#q.query<{ expires_at: unknown }>(
      `UPDATE ${this.#t.leases} SET expires_at = ${now} + $3::bigint, updated_at = now()
        WHERE name = $1 AND token = $2 AND held RETURNING expires_at`,
      params,
    );
    const row = rows[0];
    if (!row) throw leaseConflictError(f, await this.#target(f.lease), 'renew');
    return toNumber(row.expires_at);
  }

  async release(fence: LeaseFence): Promise<boolean> {
    const f = parseFence(fence);
    const params: unknown[] = [f.lease, f.token];
    const now = this.#now(params);
    const { rows } = await this.#q.query(
      `UPDATE ${this.#t.leases} SET held = false, expires_at = LEAST(expires_at, ${now}), updated_at = now()
        WHERE name = $1 AND token = $2 AND held RETURNING token`,
      params,
    );
    return rows.length > 0;
  }

  async inspect(name: string): Promise<LeaseInfo | undefined> {
    const leaseName = parseLeaseName(name);
    const params: unknown[] = [leaseName];
    const now = this.#now(params);
    const { rows } = await this.#q.query<LeaseRow & { now: unknown }>(
      `SELECT token, owner, held, expires_at, ${now} AS now FROM ${this.#t.leases} WHERE name = $1`,
      params,
    );
    const row = rows[0];
    if (!row) return undefined;
    const expiresAt = toNumber(row.expires_at);
    return {
      name: leaseName,
      token: toNumber(row.token),
      ...(row.owner === null ? {} : { owner: row.owner }),
      expiresAt,
      state: !row.held ? 'released' : expiresAt > toNumber(row.now) ? 'held' : 'expired',
    };
  }

  async #target(name: string): Promise<FenceTarget | undefined> {
    const { rows } = await this.#q.query<LeaseRow>(
      `SELECT token, held FROM ${this.#t.leases} WHERE name = $1`,
      [name],
    );
    const row = rows[0];
    return row ? { token: toNumber(row.token), released: !row.held } : undefined;
  }
}

/**
 * Checks a fence inside an open transaction: locks the lease row `FOR SHARE` until the
 * transaction ends, so a takeover (which updates the row) waits for this transaction to commit,
 * or — if it committed first — this check sees the new token and throws `CONFLICT` naming the
 * lease. Either the fenced writes commit before the next owner's grant, or not at all.
 */
export async function checkFence(tx: Queryable, tables: Tables, fence: unknown): Promise<void> {
  const f = parseFence(fence);
  const { rows } = await tx.query<LeaseRow>(
    `SELECT token, held FROM ${tables.leases} WHERE name = $1 FOR SHARE`,
    [f.lease],
  );
  const row = rows[0];
  const current = row ? { token: toNumber(row.token), released: !row.held } : undefined;
  if (!current || current.token !== f.token || current.released)
    throw leaseConflictError(f, current, 'write');
}
