import {
  type DocumentStore,
  isThreadlineError,
  type StoredDocument,
  ThreadlineError,
} from '@threadline/core';

/** A document that is dead once `expiresAt` (epoch ms) has passed (internal). */
export interface ExpiringDocument extends StoredDocument {
  expiresAt: number;
}

/** Options of a `purgeExpired` call. */
export interface PurgeExpiredOptions {
  /** The most documents deleted by this call (default 10 000); call again while it returns this many. */
  limit?: number;
}

const PAGE = 500;

/**
 * Declares a collection of expiring documents (internal): with a range index on `expiresAt` when
 * the store supports range queries, so a purge reads only the expired ones.
 */
export function defineExpiring(store: DocumentStore, collection: string): Promise<void> {
  return store.defineCollection(
    collection,
    store.capabilities.rangeQueries === true ? { indexes: [], ranges: ['expiresAt'] } : { indexes: [] },
  );
}

/** Checks a purge limit: a positive safe integer (internal). */
export function purgeLimit(options: PurgeExpiredOptions | undefined): number {
  const limit = options?.limit ?? 10_000;
  if (!Number.isSafeInteger(limit) || limit < 1) {
    throw new ThreadlineError('VALIDATION', 'purgeExpired: limit must be a positive integer', {
      issues: [{ path: ['limit'], message: 'must be a positive integer', code: 'too_small' }],
    });
  }
  return limit;
}

/**
 * Deletes the documents of one tenant whose `expiresAt` is at or before `now`, at most `limit`,
 * and returns how many it deleted (internal). With a range index it reads only expired documents
 * (oldest first); without one it pages through the collection. Each delete is conditional on the
 * version read, so a document rewritten meanwhile (a token or delivery seen again) is kept.
 */
export async function purgeExpired(
  store: DocumentStore,
  collection: string,
  tenantId: string,
  now: number,
  limit: number,
): Promise<number> {
  const ranged = store.capabilities.rangeQueries === true;
  let deleted = 0;
  let cursor: string | undefined;
  do {
    const page = await store.find<ExpiringDocument>(collection, {
      tenantId,
      limit: PAGE,
      ...(ranged ? { where: { expiresAt: { lte: now } } } : {}),
      ...(cursor === undefined ? {} : { cursor }),
    });
    for (const document of page.items) {
      if (!(typeof document.expiresAt === 'number' && document.expiresAt <= now)) continue;
      try {
        if (await store.delete(collection, document.id, { tenantId, expectedVersion: document.version })) {
          deleted += 1;
        }
      } catch (error) {
        if (!isThreadlineError(error, 'CONFLICT')) throw error;
      }
      if (deleted >= limit) return deleted;
    }
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  return deleted;
}
