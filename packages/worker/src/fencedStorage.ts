import type {
  DocumentStore,
  LeaseFence,
  PutOptions,
  ThreadlineStorage,
  TransactionContext,
  TransactionOptions,
} from '@threadline/core';
import type { BlockCommit } from './blockCommit.js';

/** Collection of the node's progress markers (one document per engine, one per partition). */
export const PROGRESS_COLLECTION = 'worker_progress';

/** A progress marker: the last command of `partition` whose effect is in the store. */
export interface ProgressMarker {
  /** `<lease>` for the partition, `<lease>:<engine key>` for one engine. */
  id: string;
  partition: number;
  seq: number;
}

/**
 * The storage an engine of a held partition writes through: every `put` and every `transaction`
 * carries the lease's fence (so a node that lost the lease cannot write). While the partition
 * runner has a block open, an engine's `transaction` **joins** the block's group commit (`block`:
 * one transaction for the whole block, markers included, see {@link BlockCommit}); outside a block
 * it runs on its own and also writes the engine's progress marker (`marker()` when it starts), so
 * the marker commits if and only if the engine's writes do.
 *
 * Sound because the partition runner applies a block of commands synchronously and waits for
 * every engine's flush before the next block: when an engine calls `transaction`, the commands
 * it has applied are exactly the ones its batch holds.
 */
export function fencedStorage(
  storage: ThreadlineStorage,
  fence: LeaseFence,
  block: { key: string; commit: BlockCommit },
  marker: () => ProgressMarker,
): ThreadlineStorage {
  const inner = storage.documents;
  const documents: DocumentStore = {
    name: inner.name,
    capabilities: inner.capabilities,
    defineCollection: (collection, definition) => inner.defineCollection(collection, definition),
    get: (collection, id, options) => inner.get(collection, id, options),
    getMany: (collection, ids, options) => inner.getMany(collection, ids, options),
    put: (collection, document, options?: PutOptions) =>
      inner.put(collection, document, { ...options, fence }),
    delete: (collection, id, options) =>
      // A delete is fenced through a transaction (the port's delete takes no fence).
      (inner.transaction as NonNullable<DocumentStore['transaction']>)(
        (tx) => tx.documents.delete(collection, id, options),
        { fence },
      ),
    find: (collection, query) => inner.find(collection, query),
    transaction<R>(fn: (tx: TransactionContext) => Promise<R>, options?: TransactionOptions): Promise<R> {
      const joined = block.commit.join(block.key, fn);
      if (joined !== undefined) return joined;
      const own = marker();
      return (inner.transaction as NonNullable<DocumentStore['transaction']>)(
        async (tx) => {
          const result = await fn(tx);
          await tx.documents.put(PROGRESS_COLLECTION, { ...own });
          return result;
        },
        { ...options, fence },
      );
    },
  };
  return { ...storage, documents };
}
