import {
  type Clock,
  type DocumentStore,
  isThreadlineError,
  type StoredDocument,
  SystemClock,
  ThreadlineError,
} from '@threadline/core';

/** Options of {@link createDeliveryDedupe}. */
export interface DeliveryDedupeOptions {
  /** Any Threadline document store; one document per delivery id. */
  store: DocumentStore;
  /** How long a delivery id is remembered: at least as long as the provider keeps retrying. */
  ttlMs: number;
  /** Where expiry times come from (defaults to the system clock). */
  clock?: Clock;
  /** The collection (default `webhook_deliveries`). */
  collection?: string;
  /** The tenant (default `'default'`). */
  tenantId?: string;
}

/** Remembers delivery ids so a retried webhook is processed once. */
export interface DeliveryDedupe {
  /**
   * Records `id` and tells whether it had been recorded before and has not expired: `false` the
   * first time (process the delivery), `true` for a retry (acknowledge and skip). When two
   * requests race with one id, the store's optimistic concurrency lets exactly one see `false`.
   */
  seen(id: string): Promise<boolean>;
}

interface DeliveryDocument extends StoredDocument {
  expiresAt: number;
}

function configIssue(path: string, message: string): ThreadlineError {
  return new ThreadlineError('CONFIG', `Invalid delivery dedupe options: ${path}: ${message}`, {
    issues: [{ path: [path], message, code: 'invalid_webhook_config' }],
  });
}

/**
 * A delivery-id dedupe on any `DocumentStore`, with a time-to-live.
 *
 * @example
 * ```ts
 * const dedupe = createDeliveryDedupe({ store, ttlMs: 24 * 60 * 60 * 1000 });
 * const result = await verifyWebhook({ provider: 'standard', secret, headers, rawBody });
 * if (result.valid && result.deliveryId && (await dedupe.seen(result.deliveryId))) return ok();
 * ```
 */
export function createDeliveryDedupe(options: DeliveryDedupeOptions): DeliveryDedupe {
  const { store, ttlMs } = options;
  if (store === null || typeof store !== 'object' || typeof store.put !== 'function') {
    throw configIssue('store', 'expected a DocumentStore');
  }
  if (typeof ttlMs !== 'number' || !(ttlMs > 0) || ttlMs === Infinity) {
    throw configIssue('ttlMs', 'must be a positive, finite number of milliseconds');
  }
  const clock = options.clock ?? new SystemClock();
  const collection = options.collection ?? 'webhook_deliveries';
  const tenantId = options.tenantId ?? 'default';
  let defined: Promise<void> | undefined;
  return {
    async seen(id) {
      if (typeof id !== 'string' || id === '') {
        throw new ThreadlineError('VALIDATION', 'a delivery id is a non-empty string', {
          issues: [{ path: ['id'], message: 'must be a non-empty string', code: 'too_small' }],
        });
      }
      await (defined ??= store.defineCollection(collection, { indexes: [] }).catch((error: unknown) => {
        defined = undefined; // let the next call try again
        throw error;
      }));
      const now = clock.now();
      const existing = await store.get<DeliveryDocument>(collection, id, { tenantId });
      if (existing !== undefined && existing.expiresAt > now) return true;
      try {
        await store.put(
          collection,
          { id, tenantId, expiresAt: now + ttlMs },
          { expectedVersion: existing?.version ?? 0 },
        );
        return false;
      } catch (error) {
        // Another request recorded this id between our read and our write: it processes it.
        if (isThreadlineError(error, 'CONFLICT')) return true;
        throw error;
      }
    },
  };
}
