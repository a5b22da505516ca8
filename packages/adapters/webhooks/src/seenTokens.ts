import { type Clock, SystemClock, ThreadlineError } from '@threadline/core';
import type { SeenTokenStore } from './types.js';

/** Options of {@link createMemorySeenTokens}. */
export interface MemorySeenTokensOptions {
  /** Where expiry times come from (defaults to the system clock). */
  clock?: Clock;
  /**
   * The most tokens kept at once (default 100 000). Past it the oldest are forgotten first, so a
   * flood of signed requests cannot grow memory without bound.
   */
  maxEntries?: number;
}

/**
 * An in-memory {@link SeenTokenStore} with a time-to-live per token. Its `claim` checks and
 * records in one synchronous step, so it is atomic within the process. One process only: behind
 * a load balancer, give `verifyWebhook` a shared store ({@link createDocumentSeenTokens}).
 *
 * @example
 * ```ts
 * const seenTokens = createMemorySeenTokens({ maxEntries: 10_000 });
 * await verifyWebhook({ provider: 'mailgun', secret, headers, rawBody, seenTokens });
 * ```
 */
export function createMemorySeenTokens(options: MemorySeenTokensOptions = {}): SeenTokenStore {
  const clock = options.clock ?? new SystemClock();
  const maxEntries = options.maxEntries ?? 100_000;
  if (!Number.isSafeInteger(maxEntries) || maxEntries < 1) {
    throw new ThreadlineError('CONFIG', 'maxEntries must be a positive integer', {
      issues: [{ path: ['maxEntries'], message: 'must be a positive integer', code: 'too_small' }],
    });
  }
  // Insertion order is the order tokens were added, which is the order they expire in when
  // every token gets the same TTL; the sweep below relies on that only for speed, not correctness.
  const expiries = new Map<string, number>();
  const sweep = (now: number) => {
    for (const [token, expiresAt] of expiries) {
      if (expiresAt > now) break;
      expiries.delete(token);
    }
  };
  return {
    claim(token, ttlMs) {
      const now = clock.now();
      sweep(now);
      const expiresAt = expiries.get(token);
      if (expiresAt !== undefined && expiresAt > now) return false;
      expiries.delete(token);
      expiries.set(token, now + ttlMs);
      while (expiries.size > maxEntries) {
        const oldest = expiries.keys().next().value;
        if (oldest === undefined) break;
        expiries.delete(oldest);
      }
      return true;
    },
  };
}
