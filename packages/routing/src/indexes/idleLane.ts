import type { HeapPositions } from './heap.js';
import { IdleHeap, type IdleHeapEntry } from './idleHeap.js';

const NONE = -1;
const IN_HEAP = 2;
/** List entries an insert may walk back over before it takes the heap instead. */
const WALK_BACK = 8;

/**
 * Per-handle links and keys of every {@link IdleLane} of one engine (dense typed arrays indexed
 * by the entry handle that {@link HeapPositions.alloc} gave out): which structure the entry is in
 * (`-1` none, `0`/`1` a lane's list of that class, `2` the lane's heap), its list neighbours
 * and its keys (rank, idle-since, registration order).
 *
 * @example
 * ```ts
 * const links = new IdleLinks();
 * links.ensure(2000);
 * ```
 */
export class IdleLinks {
  where: Int8Array = new Int8Array(1024).fill(NONE);
  prev: Int32Array = new Int32Array(1024);
  next: Int32Array = new Int32Array(1024);
  rank: Float64Array = new Float64Array(1024);
  idle: Float64Array = new Float64Array(1024);
  order: Float64Array = new Float64Array(1024);

  /** Grows the arrays so that handle `h` fits. */
  ensure(h: number): void {
    if (h < this.where.length) return;
    let n = this.where.length;
    while (n <= h) n *= 2;
    const where = new Int8Array(n).fill(NONE);
    where.set(this.where);
    this.where = where;
    const grow = <A extends Int32Array | Float64Array>(a: A, make: (n: number) => A): A => {
      const b = make(n);
      b.set(a);
      return b;
    };
    this.prev = grow(this.prev, (k) => new Int32Array(k));
    this.next = grow(this.next, (k) => new Int32Array(k));
    this.rank = grow(this.rank, (k) => new Float64Array(k));
    this.idle = grow(this.idle, (k) => new Float64Array(k));
    this.order = grow(this.order, (k) => new Float64Array(k));
  }

  /** Whether `a` sorts before `b` by (rank, idle-since, order). */
  less(a: number, b: number): boolean {
    const ra = this.rank[a] as number;
    const rb = this.rank[b] as number;
    if (ra !== rb) return ra < rb;
    const ia = this.idle[a] as number;
    const ib = this.idle[b] as number;
    if (ia !== ib) return ia < ib;
    return (this.order[a] as number) < (this.order[b] as number);
  }
}

/**
 * Idle workers of one lane, best first by (rank, idle-since, registration order): two sorted
 * intrusive lists (one per *class*, e.g. free of tasks / holding some) plus an {@link IdleHeap}
 * for the rest. An entry goes into its class's list when its key sorts at most a few entries
 * before that list's tail, else into the heap; reads merge the three. Every order of inserts is correct; the
 * lists make the common ones O(1). Under longest idle a worker's new key is nearly always the
 * newest of its class — a worker that frees is the latest to become idle, a worker that takes an
 * offer is the latest offered — so taking and freeing work moves it to a list tail in each of
 * its ~30 lanes (unlink + append) instead of sifting it through ~30 heaps; keys that arrive out
 * of order (a full worker freeing one slot, restored workers, ties within a millisecond) take
 * the heap.
 *
 * @example
 * ```ts
 * const positions = new HeapPositions<{ handle: number }>();
 * const lane = new IdleLane(positions, new IdleLinks());
 * const e = { handle: -1 };
 * e.handle = positions.alloc(e);
 * lane.push(e, 0, 1_000, 0, 0);
 * lane.peek() === e; // true
 * ```
 */
export class IdleLane<E extends IdleHeapEntry> {
  readonly #heap: IdleHeap<E>;
  readonly #positions: HeapPositions<E>;
  readonly #links: IdleLinks;
  #head0 = NONE;
  #tail0 = NONE;
  #head1 = NONE;
  #tail1 = NONE;
  #size = 0;
  /**
   * Entries in the heap, kept on the lane: a read of a lane whose heap is empty (four in ten in
   * the idle-agent bench) does not load the heap object, a scattered cache line per lane read.
   */
  #inHeap = 0;

  constructor(positions: HeapPositions<E>, links: IdleLinks) {
    this.#positions = positions;
    this.#links = links;
    this.#heap = new IdleHeap<E>(positions);
  }

  /** Entries in the lane. */
  get size(): number {
    return this.#size;
  }

  has(e: E): boolean {
    const h = e.handle;
    return h < this.#links.where.length && this.#links.where[h] !== NONE;
  }

  /** Adds an entry (in no lane yet) with its keys (lower first) and its class (0 or 1). */
  push(e: E, rank: number, idle: number, order: number, klass: 0 | 1): void {
    const links = this.#links;
    const h = e.handle;
    links.ensure(h);
    if (links.where[h] !== NONE) return;
    links.rank[h] = rank;
    links.idle[h] = idle;
    links.order[h] = order;
    this.#size++;
    // Find the list entry to insert after, walking back from the tail a few steps (ties within a
    // millisecond sort by registration order); further back, the heap takes the entry.
    let after = klass === 0 ? this.#tail0 : this.#tail1;
    for (let steps = 0; after !== NONE && links.less(h, after); steps++) {
      if (steps === WALK_BACK) {
        links.where[h] = IN_HEAP;
        this.#inHeap++;
        this.#heap.push(e, rank, idle, order);
        return;
      }
      after = links.prev[after] as number;
    }
    links.where[h] = klass;
    links.prev[h] = after;
    const next = after === NONE ? (klass === 0 ? this.#head0 : this.#head1) : (links.next[after] as number);
    links.next[h] = next;
    if (after === NONE) {
      if (klass === 0) this.#head0 = h;
      else this.#head1 = h;
    } else links.next[after] = h;
    if (next === NONE) {
      if (klass === 0) this.#tail0 = h;
      else this.#tail1 = h;
    } else links.prev[next] = h;
  }

  /** Re-keys an entry already in the lane. */
  update(e: E, rank: number, idle: number, order: number, klass: 0 | 1): void {
    if (!this.remove(e)) return;
    this.push(e, rank, idle, order, klass);
  }

  /** Removes an entry; returns whether it was here. */
  remove(e: E): boolean {
    const links = this.#links;
    const h = e.handle;
    if (h >= links.where.length) return false;
    const where = links.where[h] as number;
    if (where === NONE) return false;
    links.where[h] = NONE;
    this.#size--;
    if (where === IN_HEAP) {
      this.#inHeap--;
      this.#heap.remove(e);
      return true;
    }
    const p = links.prev[h] as number;
    const n = links.next[h] as number;
    if (p === NONE) {
      if (where === 0) this.#head0 = n;
      else this.#head1 = n;
    } else links.next[p] = n;
    if (n === NONE) {
      if (where === 0) this.#tail0 = p;
      else this.#tail1 = p;
    } else links.prev[n] = p;
    return true;
  }

  /** The best entry's handle, or -1 (without loading the entry). */
  peekHandle(): number {
    const links = this.#links;
    let best = this.#head0;
    const h1 = this.#head1;
    if (h1 !== NONE && (best === NONE || links.less(h1, best))) best = h1;
    if (this.#inHeap === 0) return best;
    const top = this.#heap.peekHandle();
    if (top !== NONE && (best === NONE || links.less(top, best))) return top;
    return best;
  }

  /** The best entry, or `undefined`. */
  peek(): E | undefined {
    const links = this.#links;
    let best = this.#head0;
    const h1 = this.#head1;
    if (h1 !== NONE && (best === NONE || links.less(h1, best))) best = h1;
    const top = this.#inHeap === 0 ? undefined : this.#heap.peek();
    if (top !== undefined && (best === NONE || links.less(top.handle, best))) return top;
    return best === NONE ? undefined : (this.#positions.entries[best] as E);
  }

  /** Every entry once, in no particular order. */
  forEach(visit: (e: E) => void): void {
    const entries = this.#positions.entries;
    const next = this.#links.next;
    for (let h = this.#head0; h !== NONE; h = next[h] as number) visit(entries[h] as E);
    for (let h = this.#head1; h !== NONE; h = next[h] as number) visit(entries[h] as E);
    if (this.#inHeap > 0) this.#heap.forEach(visit);
  }

  /** Visits entries best first without removing them, until `visit` returns true. */
  findInOrder(visit: (e: E) => boolean): E | undefined {
    const links = this.#links;
    const entries = this.#positions.entries;
    let c0 = this.#head0;
    let c1 = this.#head1;
    let found: E | undefined;
    // Emits list entries (both lists merged) that sort before `limit` (-1: all of them).
    const drain = (limit: number): boolean => {
      for (;;) {
        let h: number;
        if (c0 === NONE && c1 === NONE) return false;
        if (c1 === NONE || (c0 !== NONE && links.less(c0, c1))) {
          h = c0;
          if (limit !== NONE && !links.less(h, limit)) return false;
          c0 = links.next[h] as number;
        } else {
          h = c1;
          if (limit !== NONE && !links.less(h, limit)) return false;
          c1 = links.next[h] as number;
        }
        const e = entries[h] as E;
        if (visit(e)) {
          found = e;
          return true;
        }
      }
    };
    if (this.#inHeap > 0) {
      const hit = this.#heap.findInOrder((e) => drain(e.handle) || visit(e));
      if (found !== undefined) return found;
      if (hit !== undefined) return hit;
    }
    drain(NONE);
    return found;
  }
}
