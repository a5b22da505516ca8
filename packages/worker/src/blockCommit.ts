import type { LeaseFence, ThreadlineStorage, TransactionContext } from '@threadline/core';
import { PROGRESS_COLLECTION, type ProgressMarker } from './fencedStorage.js';

/** One engine's commit, waiting to run inside its block's transaction. */
interface Joined {
  key: string;
  run: (tx: TransactionContext) => Promise<unknown>;
  resolve: (result: unknown) => void;
  reject: (error: unknown) => void;
}

/**
 * The group commit of one block of a partition: while a block is open, every engine of the
 * partition that commits (`storage.documents.transaction(fn)` on its fenced storage) **joins**
 * it instead of opening a transaction of its own; `commit` then runs the block's progress markers
 * and every joined `fn`, in one fenced transaction, and only then answers each engine (so an
 * engine learns its commit succeeded only once it has). One block, one `BEGIN … COMMIT`: the
 * partition's routing journal, its case changes, their outbox rows and the markers commit
 * together or not at all.
 *
 * Engines whose `fn` appends to the event log run last (the case engine before the routing
 * journals): an append takes the store's append lock until the commit, so everything else is
 * written before it.
 */
export class BlockCommit {
  #open = false;
  /** Set once a block failed: the partition stops, and no engine may commit on its own after that. */
  #failed: { error: unknown } | null = null;
  #joined: Joined[] = [];
  /** Who waits for which engine to join (see `joinedBy`). */
  readonly #arrivals = new Map<string, Array<() => void>>();
  readonly #keys = new Set<string>();

  /** Starts collecting: engine commits from now on join this block. */
  open(): void {
    this.#open = true;
    this.#joined = [];
    this.#keys.clear();
  }

  /**
   * An engine's commit: joins the open block (the promise settles when the block's transaction
   * does), or `undefined` when no block is collecting (the caller commits on its own). After a
   * block failed, every commit is refused with that block's error.
   */
  join<R>(key: string, run: (tx: TransactionContext) => Promise<R>): Promise<R> | undefined {
    if (this.#failed !== null) return Promise.reject(this.#failed.error);
    if (!this.#open) return undefined;
    return new Promise<R>((resolve, reject) => {
      this.#joined.push({ key, run, resolve: resolve as (r: unknown) => void, reject });
      this.#keys.add(key);
      const waiting = this.#arrivals.get(key);
      this.#arrivals.delete(key);
      for (const w of waiting ?? []) w();
    });
  }

  /** Resolves once engine `key` has joined the open block. */
  joinedBy(key: string): Promise<void> {
    if (this.#keys.has(key)) return Promise.resolve();
    return new Promise((resolve) => {
      const list = this.#arrivals.get(key);
      if (list === undefined) this.#arrivals.set(key, [resolve]);
      else list.push(resolve);
    });
  }

  /**
   * Closes the block and commits it: one transaction fenced by `fence` writes `markers` (one
   * statement where the store has `putMany`), then runs every joined commit (`order` ranks them,
   * lower first). Each engine is answered with its own result, or with the failure; a failure
   * is also thrown.
   */
  async commit(
    storage: ThreadlineStorage,
    fence: LeaseFence,
    markers: ProgressMarker[],
    order: (key: string) => number,
  ): Promise<void> {
    const joined = this.#close().sort((a, b) => order(a.key) - order(b.key));
    const docs = storage.documents;
    let results: unknown[];
    try {
      results = await (docs.transaction as NonNullable<typeof docs.transaction>)(
        async (tx) => {
          const write = markers.map((m) => ({ ...m }));
          if (typeof tx.documents.putMany === 'function')
            await tx.documents.putMany(PROGRESS_COLLECTION, write);
          else for (const m of write) await tx.documents.put(PROGRESS_COLLECTION, m);
          const out: unknown[] = [];
          for (const j of joined) out.push(await j.run(tx));
          return out;
        },
        { fence },
      );
    } catch (error) {
      this.#failed = { error };
      for (const j of joined) j.reject(error);
      throw error;
    }
    joined.forEach((j, i) => {
      j.resolve(results[i]);
    });
  }

  /**
   * Closes the block without committing (the block failed): every joined engine is answered with
   * `error`, and so is every later commit.
   */
  abort(error: unknown): void {
    this.#failed = { error };
    for (const j of this.#close()) j.reject(error);
  }

  #close(): Joined[] {
    this.#open = false;
    const joined = this.#joined;
    this.#joined = [];
    this.#keys.clear();
    this.#arrivals.clear();
    return joined;
  }
}
