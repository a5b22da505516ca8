import {
  type Clock,
  type DocumentStore,
  isThreadlineError,
  type StoredDocument,
  SystemClock,
  ThreadlineError,
} from '@threadline/core';
import { defineExpiring, type PurgeExpiredOptions, purgeExpired, purgeLimit } from './expiry.js';

/** Options of {@link createDeliveryDedupe}. */
export interface DeliveryDedupeOptions {
  /** Any Threadline document store; one document per delivery id. */
  store: DocumentStore;
  /** How long a completed delivery id is remembered: at least as long as the provider keeps retrying. */
  ttlMs: number;
  /**
   * How long a claim holds while the delivery is processed (default 5 minutes). A process that
   * crashes mid-processing never completes nor releases its claim; once it expires the provider's
   * next retry is let through, so a valid message is never lost.
   */
  claimTtlMs?: number;
  /** Where expiry times come from (defaults to the system clock). */
  clock?: Clock;
  /** The collection (default `webhook_deliveries`). */
  collection?: string;
  /** The tenant (default `'default'`). */
  tenantId?: string;
}

/**
 * What {@link DeliveryDedupe.claim} found: `claimed` (process it, then `complete` or `release`),
 * `in_flight` (another request is processing it now) or `completed` (already processed).
 */
export type DeliveryClaim = 'claimed' | 'in_flight' | 'completed';

/**
 * Remembers delivery ids so a retried webhook is processed once and a failed processing is
 * retried: claim → process → complete, or release when processing failed.
 */
export interface DeliveryDedupe {
  /**
   * Claims `id` for processing. Exactly one of concurrent claims of one id gets `claimed` (the
   * store's optimistic concurrency decides); the others see `in_flight`, and claims after a
   * `complete` see `completed` until `ttlMs` has passed.
   */
  claim(id: string): Promise<DeliveryClaim>;
  /** Marks a claimed delivery processed: retries are `completed` for `ttlMs`. */
  complete(id: string): Promise<void>;
  /** Gives a claim up after a failed processing, so the provider's retry is processed. */
  release(id: string): Promise<void>;
  /**
   * Claims and completes `id` in one step: `false` the first time, `true` for a retry.
   *
   * @deprecated It records the delivery before it is processed, so a retry after a failed
   * processing is reported as a duplicate and the message is lost. Use `claim`, then `complete`
   * or `release`.
   */
  seen(id: string): Promise<boolean>;
  /**
   * Deletes the ids whose time has passed (completed ones after `ttlMs`, abandoned claims after
   * `claimTtlMs`), at most `options.limit` (default 10 000), and resolves how many it deleted.
   * Expired ids are harmless (a claim overwrites them) but take space until purged: call it from
   * a schedule (e.g. hourly). On a store with range queries it reads only the expired ids, through
   * a range index on `expiresAt`.
   */
  purgeExpired(options?: PurgeExpiredOptions): Promise<number>;
}

interface DeliveryDocument extends StoredDocument {
  /** Absent in documents written before claims existed: those were completed deliveries. */
  state?: 'claimed' | 'completed';
  expiresAt: number;
}

function configIssue(path: string, message: string): ThreadlineError {
  return new ThreadlineError('CONFIG', `Invalid delivery dedupe options: ${path}: ${message}`, {
    issues: [{ path: [path], message, code: 'invalid_webhook_config' }],
  });
}

function positiveMs(value: unknown): boolean {
  return typeof value === 'number' && value > 0 && value !== Infinity;
}

/**
 * A delivery-id dedupe on any `DocumentStore`, with a time-to-live, on a claim / complete /
 * release protocol so a delivery whose processing failed is processed again when it is retried.
 *
 * @example
 * ```ts
 * const dedupe = createDeliveryDedupe({ store, ttlMs: 24 * 60 * 60 * 1000 });
 * const claim = await dedupe.claim(deliveryId);
 * if (claim !== 'claimed') return reply(409);
 * try {
 *   await route(item);
 *   await dedupe.complete(deliveryId);
 * } catch (error) {
 *   await dedupe.release(deliveryId); // the provider's retry will be processed
 *   throw error;
 * }
 * ```
 */
export function createDeliveryDedupe(options: DeliveryDedupeOptions): DeliveryDedupe {
  const { store, ttlMs } = options;
  if (store === null || typeof store !== 'object' || typeof store.put !== 'function') {
    throw configIssue('store', 'expected a DocumentStore');
  }
  if (!positiveMs(ttlMs)) throw configIssue('ttlMs', 'must be a positive, finite number of milliseconds');
  const claimTtlMs = options.claimTtlMs ?? 5 * 60_000;
  if (!positiveMs(claimTtlMs)) {
    throw configIssue('claimTtlMs', 'must be a positive, finite number of milliseconds');
  }
  const clock = options.clock ?? new SystemClock();
  const collection = options.collection ?? 'webhook_deliveries';
  const tenantId = options.tenantId ?? 'default';
  let defined: Promise<void> | undefined;
  // The version each claim of this instance was written at: `release` deletes only that version,
  // so it never gives up a claim another request took after ours expired. Bounded: the oldest
  // unsettled entries are forgotten first (their release then falls back to "any claim").
  const claimed = new Map<string, number>();
  const MAX_TRACKED = 10_000;

  async function ready(id: unknown): Promise<void> {
    if (typeof id !== 'string' || id === '') {
      throw new ThreadlineError('VALIDATION', 'a delivery id is a non-empty string', {
        issues: [{ path: ['id'], message: 'must be a non-empty string', code: 'too_small' }],
      });
    }
    await ensureDefined();
  }

  function ensureDefined(): Promise<void> {
    defined ??= defineExpiring(store, collection).catch((error: unknown) => {
      defined = undefined; // let the next call try again
      throw error;
    });
    return defined;
  }

  function live(document: DeliveryDocument | undefined, now: number): DeliveryClaim | undefined {
    if (document === undefined || document.expiresAt <= now) return undefined;
    return document.state === 'claimed' ? 'in_flight' : 'completed';
  }

  // `exclusive`: refuse when a live document exists (claim, seen); otherwise overwrite (complete).
  async function write(
    id: string,
    state: 'claimed' | 'completed',
    lifetime: number,
    exclusive: boolean,
    attempt = 1,
  ): Promise<DeliveryClaim> {
    await ready(id);
    const now = clock.now();
    const existing = await store.get<DeliveryDocument>(collection, id, { tenantId });
    if (exclusive) {
      const found = live(existing, now);
      if (found !== undefined) return found;
    }
    try {
      const saved = await store.put(
        collection,
        { id, tenantId, state, expiresAt: now + lifetime },
        { expectedVersion: existing?.version ?? 0 },
      );
      claimed.delete(id);
      if (state === 'claimed') {
        if (claimed.size >= MAX_TRACKED) claimed.delete(claimed.keys().next().value as string);
        claimed.set(id, saved.version);
      }
      return 'claimed';
    } catch (error) {
      if (!isThreadlineError(error, 'CONFLICT')) throw error;
      // Another request wrote this id between our read and our write.
      if (exclusive) {
        const current = await store.get<DeliveryDocument>(collection, id, { tenantId });
        return live(current, clock.now()) ?? 'in_flight';
      }
      // `complete` overwrites whatever is there; a few rounds settle any race with a claimer.
      if (attempt >= 5) throw error;
      return write(id, state, lifetime, exclusive, attempt + 1);
    }
  }

  return {
    claim: (id) => write(id, 'claimed', claimTtlMs, true),
    async complete(id) {
      await write(id, 'completed', ttlMs, false);
    },
    async release(id) {
      await ready(id);
      const existing = await store.get<DeliveryDocument>(collection, id, { tenantId });
      const mine = claimed.get(id);
      claimed.delete(id);
      // A completed delivery stays completed; only a claim is given up, and only our own.
      if (existing?.state !== 'claimed') return;
      if (mine !== undefined && mine !== existing.version) return;
      try {
        await store.delete(collection, id, { tenantId, expectedVersion: existing.version });
      } catch (error) {
        // Someone else moved the document on (completed it, or re-claimed an expired claim).
        if (!isThreadlineError(error, 'CONFLICT')) throw error;
      }
    },
    async seen(id) {
      const claim = await write(id, 'completed', ttlMs, true);
      return claim !== 'claimed';
    },
    async purgeExpired(purgeOptions) {
      const limit = purgeLimit(purgeOptions);
      await ensureDefined();
      return purgeExpired(store, collection, tenantId, clock.now(), limit);
    },
  };
}
