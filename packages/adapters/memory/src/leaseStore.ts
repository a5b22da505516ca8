import {
  type AcquireLeaseOptions,
  type Clock,
  createLease,
  createSystemClock,
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

/** Options for {@link createMemoryLeaseStore}. */
export interface MemoryLeaseStoreOptions {
  /** The clock leases expire by (default: the system clock); a `ManualClock` in tests. */
  clock?: Clock;
}

interface LeaseRecord {
  token: number;
  owner: string | undefined;
  expiresAt: number;
  released: boolean;
}

/**
 * The in-memory reference {@link LeaseStore}: one process, its clock. Every operation runs
 * synchronously inside the call, so acquisitions never interleave; fenced writes of the memory
 * document store check their fence with {@link MemoryLeaseStore.assertFence} in the same
 * synchronous step as the write.
 */
export class MemoryLeaseStore implements LeaseStore {
  readonly name = 'memory';
  readonly #clock: Clock;
  readonly #leases = new Map<string, LeaseRecord>();

  constructor(options: MemoryLeaseStoreOptions = {}) {
    this.#clock = options.clock ?? createSystemClock();
  }

  async acquire(name: string, ttlMs: number, options?: AcquireLeaseOptions): Promise<Lease | undefined> {
    const request = parseAcquireLease(name, ttlMs, options);
    const now = this.#clock.now();
    const current = this.#leases.get(request.name);
    if (current && !current.released && current.expiresAt > now) return undefined;
    const record: LeaseRecord = {
      token: (current?.token ?? 0) + 1,
      owner: request.owner,
      expiresAt: now + request.ttlMs,
      released: false,
    };
    this.#leases.set(request.name, record);
    return createLease(this, { name: request.name, ...record, ttlMs: request.ttlMs });
  }

  async renew(fence: LeaseFence, ttlMs: number): Promise<number> {
    const f = parseFence(fence);
    const ttl = parseLeaseTtl(ttlMs);
    const current = this.#leases.get(f.lease);
    if (!current || current.token !== f.token || current.released)
      throw leaseConflictError(f, current && target(current), 'renew');
    current.expiresAt = this.#clock.now() + ttl;
    return current.expiresAt;
  }

  async release(fence: LeaseFence): Promise<boolean> {
    const f = parseFence(fence);
    const current = this.#leases.get(f.lease);
    if (!current || current.token !== f.token || current.released) return false;
    current.released = true;
    current.expiresAt = Math.min(current.expiresAt, this.#clock.now());
    return true;
  }

  async inspect(name: string): Promise<LeaseInfo | undefined> {
    const leaseName = parseLeaseName(name);
    const r = this.#leases.get(leaseName);
    if (!r) return undefined;
    const state = r.released ? 'released' : r.expiresAt > this.#clock.now() ? 'held' : 'expired';
    return {
      name: leaseName,
      token: r.token,
      ...(r.owner === undefined ? {} : { owner: r.owner }),
      expiresAt: r.expiresAt,
      state,
    };
  }

  /**
   * Throws `CONFLICT` naming the lease unless `fence` may write now (its token is the current
   * one and not released); validates the fence first (`VALIDATION` under `path`).
   */
  assertFence(fence: unknown, path: readonly (string | number)[] = ['fence']): void {
    const f = parseFence(fence, path);
    const current = this.#leases.get(f.lease);
    if (!current || current.token !== f.token || current.released)
      throw leaseConflictError(f, current && target(current), 'write');
  }
}

function target(r: LeaseRecord): FenceTarget {
  return { token: r.token, released: r.released };
}

/**
 * Creates the in-memory lease store. `createMemoryStorage()` makes one for its bundle
 * (`storage.leases`), wired to the documents' fences.
 *
 * @example
 * ```ts
 * import { createManualClock } from '@threadline/core';
 *
 * const clock = createManualClock(0);
 * const leases = createMemoryLeaseStore({ clock });
 * const a = await leases.acquire('partition-1', 1_000, { owner: 'a' }); // token 1
 * clock.advance(1_000);
 * const b = await leases.acquire('partition-1', 1_000, { owner: 'b' }); // token 2: a lost it
 * ```
 */
export function createMemoryLeaseStore(options: MemoryLeaseStoreOptions = {}): MemoryLeaseStore {
  return new MemoryLeaseStore(options);
}
