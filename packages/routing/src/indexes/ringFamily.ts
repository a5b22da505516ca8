import type { HeapPositions } from './heap.js';
import type { IdleHeapEntry } from './idleHeap.js';
import { IdleLane, type IdleLinks } from './idleLane.js';

/** Skill levels are integers 0–10 (core's `SkillLevelSchema`): one bucket each. */
const LEVELS = 11;

/**
 * Idle workers holding one skill on one channel, in one {@link IdleLane} per skill level. Every
 * lane whose queue asks for that skill at a minimum level and nothing else (the rings of a
 * skill: `billing ≥ 1`, `billing ≥ 4`, `billing ≥ 7`) reads the buckets at or above its level
 * instead of keeping its own idle list, so a worker sits in one bucket per skill rather than
 * in every ring it qualifies for: taking or freeing work re-keys ~8 entries, not ~30. All
 * buckets share the engine's {@link IdleLinks}, so entries compare across buckets by the same
 * keys (rank, idle-since, registration order) a lane's own list uses, and the order a ring
 * sees is exactly the order its own list would have.
 *
 * @example
 * ```ts
 * const positions = new HeapPositions<{ handle: number }>();
 * const family = new RingFamily(positions, new IdleLinks());
 * const e = { handle: positions.alloc({ handle: -1 }) };
 * family.bucket(7).push(e, 0, 1_000, 0, 0);
 * family.count[7]++;
 * family.size(4); // 1
 * ```
 */
export class RingFamily<E extends IdleHeapEntry> {
  /** Entries per level bucket (kept by the caller beside its pushes and removals). */
  readonly count: Int32Array = new Int32Array(LEVELS);
  readonly #buckets: Array<IdleLane<E> | undefined> = new Array(LEVELS).fill(undefined);
  readonly #positions: HeapPositions<E>;
  readonly #links: IdleLinks;
  /** Scratch lists of the general search (reused: the search never nests). */
  readonly #found: E[] = [];
  readonly #order: number[] = [];
  readonly #heads: Int32Array = new Int32Array(LEVELS);

  constructor(positions: HeapPositions<E>, links: IdleLinks) {
    this.#positions = positions;
    this.#links = links;
  }

  /** The bucket of workers at `level` (created on first use). */
  bucket(level: number): IdleLane<E> {
    let b = this.#buckets[level];
    if (b === undefined) {
      b = new IdleLane<E>(this.#positions, this.#links);
      this.#buckets[level] = b;
    }
    return b;
  }

  /** Idle entries at `minLevel` or above. */
  size(minLevel: number): number {
    const count = this.count;
    let n = 0;
    for (let l = minLevel; l < LEVELS; l++) n += count[l] as number;
    return n;
  }

  /** Every entry at `minLevel` or above once, in no particular order. */
  forEach(minLevel: number, visit: (e: E) => void): void {
    for (let l = minLevel; l < LEVELS; l++) if (this.count[l] !== 0) this.#buckets[l]?.forEach(visit);
  }

  /** Counts entries at `minLevel` or above that `accept` takes, stopping at `atLeast`. */
  countAccepted(minLevel: number, atLeast: number, accept: (e: E) => boolean): number {
    let n = 0;
    for (let l = minLevel; l < LEVELS && n < atLeast; l++) {
      if (this.count[l] === 0) continue;
      this.#buckets[l]?.findInOrder((e) => {
        if (accept(e)) n++;
        return n >= atLeast;
      });
    }
    return n;
  }

  /** The best entry at `minLevel` or above, or `undefined` (bucket heads compared by handle). */
  best(minLevel: number): E | undefined {
    const links = this.#links;
    const count = this.count;
    let best = -1;
    for (let l = minLevel; l < LEVELS; l++) {
      if (count[l] === 0) continue;
      const head = (this.#buckets[l] as IdleLane<E>).peekHandle();
      if (head !== -1 && (best === -1 || links.less(head, best))) best = head;
    }
    return best === -1 ? undefined : (this.#positions.entries[best] as E);
  }

  /**
   * Appends to `out` the first `n` entries at `minLevel` or above that `accept` takes, best
   * first (the order of one list holding them all).
   */
  firstAccepted(minLevel: number, n: number, accept: (e: E) => boolean, out: E[]): void {
    const links = this.#links;
    const count = this.count;
    if (n === 1) {
      // The common case: the best head of the buckets is usually eligible.
      const best = this.best(minLevel);
      if (best === undefined) return;
      if (accept(best)) {
        out.push(best);
        return;
      }
    }
    // Walk the buckets best head first, each in order, keeping the best `n` accepted entries so
    // far (sorted); a bucket's walk stops at its first entry that sorts after the `n`-th of them
    // (everything behind it in that bucket does too), so only the first bucket is walked to its
    // first accepted entry and the others only over entries that could still make the cut.
    const order = this.#order;
    order.length = 0;
    for (let l = minLevel; l < LEVELS; l++) {
      if (count[l] === 0) continue;
      const head = (this.#buckets[l] as IdleLane<E>).peekHandle();
      if (head === -1) continue;
      let at = order.length;
      order.push(l);
      const heads = this.#heads;
      heads[l] = head;
      while (at > 0 && links.less(head, heads[order[at - 1] as number] as number)) {
        order[at] = order[at - 1] as number;
        at--;
      }
      order[at] = l;
    }
    const found = this.#found;
    found.length = 0;
    const visit = (e: E): boolean => {
      if (found.length >= n && !links.less(e.handle, (found[n - 1] as E).handle)) return true;
      if (!accept(e)) return false;
      let at = found.length;
      found.push(e);
      while (at > 0 && links.less(e.handle, (found[at - 1] as E).handle)) {
        found[at] = found[at - 1] as E;
        at--;
      }
      found[at] = e;
      if (found.length > n) found.pop();
      return false;
    };
    for (const l of order) (this.#buckets[l] as IdleLane<E>).findInOrder(visit);
    for (let i = 0; i < found.length && i < n; i++) out.push(found[i] as E);
    found.length = 0;
  }
}
