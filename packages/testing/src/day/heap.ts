/** A binary min-heap of simulation events ordered by time, then by insertion (so ties stay in order). */
export class EventHeap<T> {
  // Three parallel arrays (time, insertion number, item); sifting moves a hole instead of swapping
  // pairs, one write per level.
  readonly #times: number[] = [];
  readonly #seqs: number[] = [];
  readonly #items: T[] = [];
  #seq = 0;

  get size(): number {
    return this.#items.length;
  }

  /** The earliest time, or `null` when empty. */
  peekTime(): number | null {
    return this.#times.length > 0 ? (this.#times[0] as number) : null;
  }

  push(time: number, item: T): void {
    const times = this.#times;
    const seqs = this.#seqs;
    const items = this.#items;
    const seq = this.#seq++;
    let i = items.length;
    times.push(time);
    seqs.push(seq);
    items.push(item);
    // A later insertion never goes above an equal time, so the parent must be strictly later.
    while (i > 0) {
      const p = (i - 1) >> 1;
      const tp = times[p] as number;
      if (tp <= time) break;
      times[i] = tp;
      seqs[i] = seqs[p] as number;
      items[i] = items[p] as T;
      i = p;
    }
    times[i] = time;
    seqs[i] = seq;
    items[i] = item;
  }

  /** Removes and returns the earliest item (the heap must not be empty). */
  pop(): T {
    const times = this.#times;
    const seqs = this.#seqs;
    const items = this.#items;
    const top = items[0] as T;
    const time = times.pop() as number;
    const seq = seqs.pop() as number;
    const item = items.pop() as T;
    const n = items.length;
    if (n === 0) return top;
    // Sift the former last entry down from the root.
    let i = 0;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      let tc = times[c] as number;
      let sc = seqs[c] as number;
      const r = c + 1;
      if (r < n) {
        const tr = times[r] as number;
        const sr = seqs[r] as number;
        if (tr < tc || (tr === tc && sr < sc)) {
          c = r;
          tc = tr;
          sc = sr;
        }
      }
      if (time < tc || (time === tc && seq < sc)) break;
      times[i] = tc;
      seqs[i] = sc;
      items[i] = items[c] as T;
      i = c;
    }
    times[i] = time;
    seqs[i] = seq;
    items[i] = item;
    return top;
  }
}
