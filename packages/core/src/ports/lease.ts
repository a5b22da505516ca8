import { z } from 'zod';
import { parseInput, ThreadlineError } from '../errors.js';

/**
 * Proof that a write is made under a lease: the lease's name and the fencing token its holder
 * got from `acquire`. A store given a fence (`put(…, { fence })`, `transaction(fn, { fence })`)
 * writes only while `token` is the lease's current token and the lease is not released;
 * otherwise it throws `CONFLICT` naming the lease and writes nothing.
 */
export interface LeaseFence {
  /** The lease name. */
  lease: string;
  /** The fencing token the writer holds (from {@link Lease.token}). */
  token: number;
}

/** Options for {@link LeaseStore.acquire}. */
export interface AcquireLeaseOptions {
  /** Who asks (a node id, a process name): reported by `inspect` and in conflicts. Informational. */
  owner?: string;
}

/** What {@link LeaseStore.inspect} reports about a lease. */
export interface LeaseInfo {
  name: string;
  /** The latest fencing token issued for this lease. */
  token: number;
  /** The owner given to the acquire that issued `token`, if any. */
  owner?: string;
  /** When the current grant lapses unless renewed, by the store's clock (epoch ms). */
  expiresAt: number;
  /**
   * `held` (granted and not yet expired), `expired` (another `acquire` may take it; until one
   * does, the holder can still renew and write) or `released`.
   */
  state: 'held' | 'expired' | 'released';
}

/**
 * A granted lease: the handle `acquire` returns. `token` is the fence for writes made under it.
 *
 * @example
 * ```ts
 * const lease = await storage.leases.acquire('routing:tenant-a', 10_000, { owner: 'node-1' });
 * if (lease) {
 *   await storage.documents.put('state', doc, { fence: lease.fence });
 *   await lease.renew(); // before the TTL runs out; CONFLICT once another node took over
 *   await lease.release();
 * }
 * ```
 */
export interface Lease {
  readonly name: string;
  /** The fencing token: larger than every token issued for this name before. */
  readonly token: number;
  readonly owner: string | undefined;
  /** When the lease lapses unless renewed (the store's clock), as of the last acquire or renew. */
  readonly expiresAt: number;
  /** `{ lease: name, token }`, to pass as the `fence` of writes made under this lease. */
  readonly fence: LeaseFence;
  /**
   * Extends the lease by `ttlMs` (default: the TTL it was acquired with) from now and resolves
   * the new `expiresAt`. Throws `CONFLICT` (naming the lease, `details.currentToken`) when the
   * lease was lost: released, or acquired by someone else after it expired.
   */
  renew(ttlMs?: number): Promise<number>;
  /**
   * Gives the lease up so another owner can acquire it at once. Resolves `true` when this grant
   * was still current, `false` when it had already been lost or released (nothing changes).
   */
  release(): Promise<boolean>;
}

/**
 * The lease port: named, expiring, exclusive grants with monotonic fencing tokens, that storage
 * bundles may implement as `storage.leases`. Leases live above tenancy (a partition may span
 * tenants): names are global to the store.
 *
 * - `acquire` succeeds when the lease is free (never granted, released or expired) and then
 *   issues a token larger than every earlier one for that name; when another grant is still
 *   held it resolves `undefined` (contention is routine, not an error).
 * - A grant stays current until it is released or another `acquire` takes it after expiry: an
 *   expired lease nobody took can still be renewed, and fenced writes under it still succeed
 *   (nobody else can have written under a newer token).
 * - Time is the store's clock: an injected `Clock`, or the database's own clock.
 *
 * @example
 * ```ts
 * import { createMemoryStorage } from '@threadline/adapter-memory';
 *
 * const { leases } = createMemoryStorage();
 * const lease = await leases.acquire('cases:partition-3', 15_000, { owner: 'node-a' });
 * lease?.token; // 1, then 2 for the next owner, …
 * ```
 */
export interface LeaseStore {
  /** Adapter name for diagnostics. */
  readonly name: string;
  /** Acquires `name` for `ttlMs` milliseconds, or resolves `undefined` when someone holds it. */
  acquire(name: string, ttlMs: number, options?: AcquireLeaseOptions): Promise<Lease | undefined>;
  /** Renews the grant `fence` names for `ttlMs` from now (see {@link Lease.renew}). */
  renew(fence: LeaseFence, ttlMs: number): Promise<number>;
  /** Releases the grant `fence` names (see {@link Lease.release}). */
  release(fence: LeaseFence): Promise<boolean>;
  /** The state of a lease, or `undefined` when it was never acquired. */
  inspect(name: string): Promise<LeaseInfo | undefined>;
  /** Releases resources. */
  close?(): Promise<void>;
}

/** The longest lease TTL: 2³¹−1 ms (about 24.8 days), the largest delay a timer takes. */
export const MAX_LEASE_TTL_MS = 2_147_483_647;

// Control characters are refused: PostgreSQL cannot store U+0000 and none belongs in a name.
const LeaseNameSchema = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[^\u0000-\u001f]+$/, 'control characters are not allowed');
const TtlSchema = z.number().int().min(1).max(MAX_LEASE_TTL_MS);

const AcquireSchema = z
  .object({
    name: LeaseNameSchema,
    ttlMs: TtlSchema,
    options: z.object({ owner: LeaseNameSchema.optional() }).strict().optional(),
  })
  .strict();

const FenceSchema = z.object({ lease: LeaseNameSchema, token: z.number().int().min(1) }).strict();

/**
 * Validates the arguments of `acquire` (`VALIDATION` with the path: `name`, `ttlMs`,
 * `options.owner`). Shared by every lease adapter so they reject the same inputs.
 */
export function parseAcquireLease(
  name: unknown,
  ttlMs: unknown,
  options: unknown,
): { name: string; ttlMs: number; owner: string | undefined } {
  const parsed = parseInput(AcquireSchema, { name, ttlMs, options }, 'lease request');
  return { name: parsed.name, ttlMs: parsed.ttlMs, owner: parsed.options?.owner };
}

/** Validates a TTL argument (`VALIDATION` with the path `ttlMs`). */
export function parseLeaseTtl(ttlMs: unknown): number {
  return parseInput(z.object({ ttlMs: TtlSchema }), { ttlMs }, 'lease TTL').ttlMs;
}

/** Validates a lease name argument (`VALIDATION` with the path `name`). */
export function parseLeaseName(name: unknown): string {
  return parseInput(z.object({ name: LeaseNameSchema }), { name }, 'lease name').name;
}

/**
 * Validates a fence (`VALIDATION` whose paths start with `path`, e.g. `['fence', 'token']`).
 * Stores call it on every `fence` option before anything else.
 */
export function parseFence(fence: unknown, path: readonly (string | number)[] = ['fence']): LeaseFence {
  const result = FenceSchema.safeParse(fence);
  if (result.success) return result.data;
  const issues = result.error.issues.map((i) => ({
    path: [...path, ...i.path.map((p) => (typeof p === 'symbol' ? String(p) : p))],
    message: i.message,
    code: i.code,
  }));
  throw new ThreadlineError(
    'VALIDATION',
    `Invalid fence: ${issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    { issues, cause: result.error },
  );
}

/** The state of a lease a fence is checked against: its latest token and whether it is released. */
export interface FenceTarget {
  token: number;
  released: boolean;
}

/**
 * Why `fence` may not write, or `undefined` when it may: the lease does not exist, its token is
 * not the current one (stale: someone acquired since; or never issued), or it was released.
 */
export function fenceProblem(fence: LeaseFence, current: FenceTarget | undefined): string | undefined {
  if (current === undefined) return 'was never acquired';
  if (fence.token < current.token)
    return `was acquired again since: token ${fence.token} is stale (current token ${current.token})`;
  if (fence.token > current.token)
    return `never issued token ${fence.token} (current token ${current.token})`;
  if (current.released) return `was released (token ${current.token})`;
  return undefined;
}

/**
 * The `CONFLICT` a store throws for a fence that may not write, or a renew of a lost lease:
 * `details` carries `lease`, `token` and `currentToken` (absent when the lease does not exist).
 */
export function leaseConflictError(
  fence: LeaseFence,
  current: FenceTarget | undefined,
  action: 'write' | 'renew',
): ThreadlineError {
  const problem = fenceProblem(fence, current) ?? 'is not held';
  const verb = action === 'write' ? 'Fenced write refused' : 'Lease lost';
  return new ThreadlineError('CONFLICT', `${verb}: lease "${fence.lease}" ${problem}`, {
    details: {
      lease: fence.lease,
      token: fence.token,
      ...(current === undefined ? {} : { currentToken: current.token }),
    },
  });
}

/** A grant as an adapter records it, for {@link createLease}. */
export interface LeaseGrant {
  name: string;
  token: number;
  owner: string | undefined;
  expiresAt: number;
  /** The TTL it was acquired with (the default for `renew`). */
  ttlMs: number;
}

/**
 * The {@link Lease} handle over a store's `renew` and `release`: what every adapter's `acquire`
 * returns, so handles behave the same everywhere.
 */
export function createLease(store: Pick<LeaseStore, 'renew' | 'release'>, grant: LeaseGrant): Lease {
  const fence: LeaseFence = Object.freeze({ lease: grant.name, token: grant.token });
  let expiresAt = grant.expiresAt;
  return {
    name: grant.name,
    token: grant.token,
    owner: grant.owner,
    get expiresAt() {
      return expiresAt;
    },
    fence,
    async renew(ttlMs = grant.ttlMs) {
      expiresAt = await store.renew(fence, ttlMs);
      return expiresAt;
    },
    release: () => store.release(fence),
  };
}
