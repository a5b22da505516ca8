/**
 * An indexed binary min-heap over items that carry their own position (`heapIndex`), so
 * removal and re-keying of an arbitrary item are O(log n) without a lookup map.
 * `less(a, b)` must be a strict total order for deterministic results.
 *
 * @example
 * ```ts
 * const heap = new IndexedHeap<{ key: number; heapIndex: number }>((a, b) => a.key < b.key, 'heapIndex');
 * heap.push({ key: 3, heapIndex: -1 });
 * heap.peek()?.key; // 3
 * ```
 */
export class IndexedHeap<T> {
  readonly items: T[] = [];
  readonly #less: (a: T, b: T) => boolean;
  readonly #slot: (item: T) => number;
  readonly #setSlot: (item: T, index: number) => void;
  /** Optional numeric primary key (smaller first), cached beside `items` so sifts rarely touch items. */
  readonly #key: ((item: T) => number) | undefined;
  readonly #keys: number[] = [];

  /**
   * `key`, when given, must agree with `less`: `key(a) < key(b)` implies `less(a, b)`, and
   * `less` decides only between items with equal keys. An item's key must not change while it
   * is in the heap, except through {@link IndexedHeap.update}.
   */
  constructor(
    less: (a: T, b: T) => boolean,
    slot: (item: T) => number,
    setSlot: (item: T, index: number) => void,
    key?: (item: T) => number,
  ) {
    this.#less = less;
    this.#slot = slot;
    this.#setSlot = setSlot;
    this.#key = key;
  }

  #lessAt(i: number, j: number): boolean {
    const keys = this.#keys;
    if (this.#key !== undefined) {
      const ki = keys[i] as number;
      const kj = keys[j] as number;
      if (ki !== kj) return ki < kj;
    }
    return this.#less(this.items[i] as T, this.items[j] as T);
  }

  /** Number of items. */
  get size(): number {
    return this.items.length;
  }

  /** The smallest item, or `undefined`. */
  peek(): T | undefined {
    return this.items[0];
  }

  /** True when `item` is currently in this heap. */
  has(item: T): boolean {
    const i = this.#slot(item);
    return i >= 0 && this.items[i] === item;
  }

  /** Inserts an item (must not already be in a heap using the same slot). */
  push(item: T): void {
    const i = this.items.length;
    this.items.push(item);
    if (this.#key !== undefined) this.#keys.push(this.#key(item));
    this.#setSlot(item, i);
    this.#up(i);
  }

  /** Removes and returns the smallest item. */
  pop(): T | undefined {
    const top = this.items[0];
    if (top !== undefined) this.remove(top);
    return top;
  }

  /** Removes `item` if present. */
  remove(item: T): boolean {
    const i = this.#slot(item);
    if (i < 0 || this.items[i] !== item) return false;
    const last = this.items.pop() as T;
    const lastKey = this.#key !== undefined ? (this.#keys.pop() as number) : 0;
    this.#setSlot(item, -1);
    if (i < this.items.length) {
      this.items[i] = last;
      if (this.#key !== undefined) this.#keys[i] = lastKey;
      this.#setSlot(last, i);
      this.#down(i);
      this.#up(this.#slot(last));
    }
    return true;
  }

  /** Restores order after `item`'s key changed. */
  update(item: T): void {
    const i = this.#slot(item);
    if (i < 0 || this.items[i] !== item) return;
    if (this.#key !== undefined) this.#keys[i] = this.#key(item);
    this.#up(i);
    this.#down(this.#slot(item));
  }

  /**
   * Visits items in ascending order without removing them, stopping when `visit` returns `true`.
   * Costs O(k log k) for k visited items, so "first item that passes a check" stays cheap.
   */
  findInOrder(visit: (item: T) => boolean): T | undefined {
    const items = this.items;
    const less = this.#less;
    return visitInOrder(
      items.length,
      (a, b) => less(items[a] as T, items[b] as T),
      (i) => items[i] as T,
      visit,
    );
  }

  // Sifts swap neighbours (rather than moving a hole) so `#lessAt` can compare cached keys in place.
  #up(i: number): void {
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.#lessAt(i, p)) break;
      this.#swap(i, p);
      i = p;
    }
  }

  #down(i: number): void {
    const n = this.items.length;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      let c = l;
      if (r < n && this.#lessAt(r, l)) c = r;
      if (!this.#lessAt(c, i)) break;
      this.#swap(i, c);
      i = c;
    }
  }

  #swap(i: number, j: number): void {
    const items = this.items;
    const a = items[i] as T;
    const b = items[j] as T;
    items[i] = b;
    items[j] = a;
    this.#setSlot(b, i);
    this.#setSlot(a, j);
    if (this.#key !== undefined) {
      const keys = this.#keys;
      const k = keys[i] as number;
      keys[i] = keys[j] as number;
      keys[j] = k;
    }
  }
}

/** Moves `a[i]` up a binary heap ordered by `less`. */
export function siftUp(a: number[], i: number, less: (x: number, y: number) => boolean): void {
  const v = a[i] as number;
  while (i > 0) {
    const p = (i - 1) >> 1;
    const pv = a[p] as number;
    if (!less(v, pv)) break;
    a[i] = pv;
    i = p;
  }
  a[i] = v;
}

/** Moves `a[i]` down a binary heap ordered by `less`. */
export function siftDown(a: number[], i: number, less: (x: number, y: number) => boolean): void {
  const n = a.length;
  const v = a[i] as number;
  for (;;) {
    const l = 2 * i + 1;
    if (l >= n) break;
    let c = l;
    if (l + 1 < n && less(a[l + 1] as number, a[l] as number)) c = l + 1;
    const cv = a[c] as number;
    if (!less(cv, v)) break;
    a[i] = cv;
    i = c;
  }
  a[i] = v;
}

/**
 * Visits the entries of an array-backed binary heap of `size` rows in ascending order without
 * changing it, until `visit` returns `true` (that entry is returned). A small frontier heap of
 * row positions, ordered by `lessPos`, grows by a row's two children each time the row is
 * visited, so visiting k entries costs O(k log k) whatever the heap's size.
 */
export function visitInOrder<T>(
  size: number,
  lessPos: (a: number, b: number) => boolean,
  at: (row: number) => T,
  visit: (entry: T) => boolean,
): T | undefined {
  if (size === 0) return undefined;
  const frontier: number[] = [0];
  while (frontier.length > 0) {
    const row = frontier[0] as number;
    const last = frontier.pop() as number;
    if (frontier.length > 0) {
      frontier[0] = last;
      siftDown(frontier, 0, lessPos);
    }
    const entry = at(row);
    if (visit(entry)) return entry;
    const l = 2 * row + 1;
    if (l < size) {
      frontier.push(l);
      siftUp(frontier, frontier.length - 1, lessPos);
      if (l + 1 < size) {
        frontier.push(l + 1);
        siftUp(frontier, frontier.length - 1, lessPos);
      }
    }
  }
  return undefined;
}

/**
 * Where each entry sits in its heap, indexed by the entry's handle, shared by all heaps of one
 * kind in an engine (one dense `Int32Array`, recycled handles). Keeping positions here rather
 * than on the entries means a sift moves rows of dense arrays and writes to no entry object.
 * `entries` maps a live handle back to its entry, for heaps that store only handles.
 *
 * @example
 * ```ts
 * const positions = new HeapPositions<string>();
 * const h = positions.alloc('a');
 * positions.entries[h]; // 'a'
 * ```
 */
export class HeapPositions<E = unknown> {
  pos: Int32Array = new Int32Array(1024).fill(-1);
  readonly entries: Array<E | undefined> = [];
  readonly #free: number[] = [];
  #next = 0;

  /** A handle for a new entry (recorded in `entries` when given). */
  alloc(entry?: E): number {
    const h = this.#free.pop() ?? this.#next++;
    if (h >= this.pos.length) {
      const grown = new Int32Array(this.pos.length * 2).fill(-1);
      grown.set(this.pos);
      this.pos = grown;
    }
    this.pos[h] = -1;
    this.entries[h] = entry;
    return h;
  }

  /** Returns a handle once its entry is gone; ignored while the entry is still in a heap. */
  release(h: number): void {
    if (h < 0 || h >= this.#next || this.pos[h] !== -1) return;
    this.pos[h] = -2;
    this.entries[h] = undefined;
    this.#free.push(h);
  }
}
