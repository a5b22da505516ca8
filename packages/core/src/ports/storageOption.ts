import { isThreadlineError, ThreadlineError } from '../errors.js';
import type { DocumentStore } from './documentStore.js';
import { validateAdapter } from './registration.js';
import type { ThreadlineStorage } from './storage.js';

/**
 * Resolves an engine's `storage` option (or its deprecated `store` alias) to the document store,
 * checked with {@link validateAdapter}: giving both, or a store missing methods, is one `CONFIG`
 * error that names the option and every missing method. `undefined` when neither is given.
 * `owner` names the engine in messages (`'routing engine'`).
 *
 * @example
 * ```ts
 * import { createMemoryStorage } from '@threadline/adapter-memory';
 * import { resolveDocumentStoreOption } from '@threadline/core';
 *
 * const documents = resolveDocumentStoreOption('my engine', createMemoryStorage(), undefined);
 * ```
 */
export function resolveDocumentStoreOption(
  owner: string,
  storage: ThreadlineStorage | undefined,
  store: DocumentStore | undefined,
): DocumentStore | undefined {
  if (storage !== undefined && store !== undefined) {
    throw new ThreadlineError('CONFIG', `Invalid ${owner} options: pass storage or store, not both`, {
      issues: [
        {
          path: ['store'],
          message: 'store is a deprecated alias of storage; pass only storage',
          code: 'custom',
        },
      ],
    });
  }
  if (storage === undefined && store === undefined) return undefined;
  const path = storage === undefined ? ['store'] : ['storage', 'documents'];
  try {
    return validateAdapter('DocumentStore', storage === undefined ? store : storage.documents);
  } catch (error) {
    if (!isThreadlineError(error)) throw error;
    throw new ThreadlineError('CONFIG', `Invalid ${owner} options: ${path.join('.')}: ${error.message}`, {
      cause: error,
      issues: [{ path, message: error.message, code: 'custom' }],
      details: error.details,
    });
  }
}
