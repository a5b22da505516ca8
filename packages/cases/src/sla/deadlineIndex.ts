/** What the deadline index stores: anything with a due instant, a tie-break and a slot. */
export interface DeadlineItem {
  /** Due instant (epoch ms); must be set while the item is in the index. */
  nextAt: number | undefined;
  /** Deterministic tie-break for equal instants (lower first). */
  readonly seq: number;
  /** Slot in the heap, maintained by the index (-1 when absent). */
  heapIndex: number;
}

/**
 * An indexed binary min-heap of deadlines ordered by `(nextAt, seq)`. Insert, update, remove and
 * pop are O(log n); peek is O(1). Items remember their slot, so updates need no search.
 *
 * @example
 * ```ts
 * const index = new DeadlineIndex<MetricRecord>();
 * index.upsert(record);
 * while ((index.peek()?.nextAt ?? Infinity) <= now) handle(index.pop()!);
 * ```
 */
export class DeadlineIndex<T extends DeadlineItem> {
  readonly #heap: T[] = [];

  /** Number of items. */
  get size(): number {
    return this.#heap.length;
  }

  /** The earliest item, or `undefined`. */
  peek(): T | undefined {
    return this.#heap[0];
  }

  /** Inserts the item, or repositions it after its `nextAt` changed. */
  upsert(item: T): void {
    if (item.heapIndex < 0) {
      item.heapIndex = this.#heap.length;
      this.#heap.push(item);
      this.#up(item.heapIndex);
    } else {
      this.#up(item.heapIndex);
      this.#down(item.heapIndex);
    }
  }

  /** Removes the item if present. */
  remove(item: T): void {
    const i = item.heapIndex;
    if (i < 0) return;
    const heap = this.#heap;
    const last = heap.pop() as T;
    item.heapIndex = -1;
    if (i < heap.length) {
      heap[i] = last;
      last.heapIndex = i;
      this.#up(i);
      this.#down(last.heapIndex);
    }
  }

  /** Removes and returns the earliest item. */
  pop(): T | undefined {
    const top = this.#heap[0];
    if (top !== undefined) this.remove(top);
    return top;
  }

  #less(a: T, b: T): boolean {
    const x = a.nextAt as number;
    const y = b.nextAt as number;
    return x < y || (x === y && a.seq < b.seq);
  }

  #up(i: number): void {
    const heap = this.#heap;
    const item = heap[i] as T;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = heap[p] as T;
      if (!this.#less(item, parent)) break;
      heap[i] = parent;
      parent.heapIndex = i;
      i = p;
    }
    heap[i] = item;
    item.heapIndex = i;
  }

  #down(i: number): void {
    const heap = this.#heap;
    const n = heap.length;
    const item = heap[i] as T;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      let c = l;
      if (r < n && this.#less(heap[r] as T, heap[l] as T)) c = r;
      const child = heap[c] as T;
      if (!this.#less(child, item)) break;
      heap[i] = child;
      child.heapIndex = i;
      i = c;
    }
    heap[i] = item;
    item.heapIndex = i;
  }
}
