import { createHash } from 'node:crypto';
import {
  type Clock,
  type DocumentStore,
  isThreadlineError,
  SystemClock,
  ThreadlineError,
} from '@threadline/core';
import {
  defineExpiring,
  type ExpiringDocument,
  type PurgeExpiredOptions,
  purgeExpired,
  purgeLimit,
} from './expiry.js';
import type { SeenTokenStore } from './types.js';

/** Options of {@link createDocumentSeenTokens}. */
export interface DocumentSeenTokensOptions {
  /** Any Threadline document store; one document per token, shared by every instance. */
  store: DocumentStore;
  /** Where expiry times come from (defaults to the system clock). */
  clock?: Clock;
  /** The collection (default `webhook_tokens`). */
  collection?: string;
  /** The tenant (default `'default'`). */
  tenantId?: string;
}

/** A {@link SeenTokenStore} on a `DocumentStore`, with a sweep of expired tokens. */
export interface DocumentSeenTokens extends SeenTokenStore {
  /**
   * Deletes the tokens whose time-to-live has passed, at most `options.limit` (default 10 000),
   * and resolves how many it deleted. Call it from a schedule; expired tokens are harmless but
   * take space until then.
   */
  purgeExpired(options?: PurgeExpiredOptions): Promise<number>;
}

function configIssue(path: string, message: string): ThreadlineError {
  return new ThreadlineError('CONFIG', `Invalid seen-token options: ${path}: ${message}`, {
    issues: [{ path: [path], message, code: 'invalid_webhook_config' }],
  });
}

/**
 * Single-use tokens (Mailgun) on any Threadline `DocumentStore`, so every instance behind a load
 * balancer refuses a replay. A claim is one conditional write: the token's document is created
 * with `expectedVersion: 0` (or, when an expired record is there, at that record's version), and
 * the store's optimistic concurrency lets exactly one of concurrent claims win. Documents are
 * keyed by the token's SHA-256, so the token itself is not stored. Expired tokens are deleted by
 * `purgeExpired`, through a range index on `expiresAt` when the store has range queries.
 *
 * @example
 * ```ts
 * const seenTokens = createDocumentSeenTokens({ store: storage.documents });
 * await verifyWebhook({ provider: 'mailgun', secret, headers, rawBody, seenTokens });
 * setInterval(() => void seenTokens.purgeExpired(), 60 * 60 * 1000); // hourly sweep
 * ```
 */
export function createDocumentSeenTokens(options: DocumentSeenTokensOptions): DocumentSeenTokens {
  const { store } = options;
  if (store === null || typeof store !== 'object' || typeof store.put !== 'function') {
    throw configIssue('store', 'expected a DocumentStore');
  }
  const clock = options.clock ?? new SystemClock();
  const collection = options.collection ?? 'webhook_tokens';
  const tenantId = options.tenantId ?? 'default';
  let defined: Promise<void> | undefined;
  const ready = (): Promise<void> => {
    defined ??= defineExpiring(store, collection).catch((error: unknown) => {
      defined = undefined; // let the next call try again
      throw error;
    });
    return defined;
  };

  return {
    async claim(token, ttlMs) {
      if (typeof token !== 'string' || token === '') {
        throw new ThreadlineError('VALIDATION', 'a token is a non-empty string', {
          issues: [{ path: ['token'], message: 'must be a non-empty string', code: 'too_small' }],
        });
      }
      await ready();
      const id = createHash('sha256').update(token, 'utf8').digest('hex');
      const now = clock.now();
      const existing = await store.get<ExpiringDocument>(collection, id, { tenantId });
      if (existing !== undefined && existing.expiresAt > now) return false;
      try {
        await store.put(
          collection,
          { id, tenantId, expiresAt: now + ttlMs },
          { expectedVersion: existing?.version ?? 0 },
        );
        return true;
      } catch (error) {
        // Another request claimed this token between our read and our write: this one is the replay.
        if (isThreadlineError(error, 'CONFLICT')) return false;
        throw error;
      }
    },
    async purgeExpired(purgeOptions) {
      const limit = purgeLimit(purgeOptions);
      await ready();
      return purgeExpired(store, collection, tenantId, clock.now(), limit);
    },
  };
}
