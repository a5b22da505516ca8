import { type HeapPositions, visitInOrder } from './heap.js';

/** What an {@link IdleHeap} reads of an entry: its global number (see {@link IdleHeap}). */
export interface IdleHeapEntry {
  /** Row of the entry in the shared position table, assigned by {@link HeapPositions.alloc}. */
  handle: number;
}

/** Doubles per heap row: rank, idle-since, registration order, handle. */
const ROW = 4;

/**
 * Idle workers of one lane, best first by (rank, idle-since, registration order). The keys and
 * handles of all rows live interleaved in one `Float64Array`, positions in the shared
 * {@link HeapPositions}: re-keying a worker in one lane (the engine does it in each of the
 * worker's ~30 lanes when it takes or frees work) is an O(log n) sift inside one dense buffer
 * that never loads a worker or entry object.
 *
 * @example
 * ```ts
 * const positions = new HeapPositions<{ handle: number }>();
 * const heap = new IdleHeap(positions);
 * const e = { handle: -1 };
 * e.handle = positions.alloc(e);
 * heap.push(e, 0, 1_000, 0);
 * heap.peek() === e; // true
 * ```
 */
export class IdleHeap<E extends IdleHeapEntry> {
  #rows: Float64Array = new Float64Array(8 * ROW);
  #size = 0;
  readonly #positions: HeapPositions<E>;

  constructor(positions: HeapPositions<E>) {
    this.#positions = positions;
  }

  get size(): number {
    return this.#size;
  }

  #at(i: number): E {
    return this.#positions.entries[this.#rows[i * ROW + 3] as number] as E;
  }

  peek(): E | undefined {
    return this.#size === 0 ? undefined : this.#at(0);
  }

  /** The best entry's handle, or -1 (without loading the entry). */
  peekHandle(): number {
    return this.#size === 0 ? -1 : (this.#rows[3] as number);
  }

  has(e: E): boolean {
    const i = this.#positions.pos[e.handle] as number;
    return i >= 0 && i < this.#size && this.#rows[i * ROW + 3] === e.handle;
  }

  /** Every entry once, in no particular order. */
  forEach(visit: (e: E) => void): void {
    for (let i = 0; i < this.#size; i++) visit(this.#at(i));
  }

  /** Adds an entry with its keys (lower first). */
  push(e: E, rank: number, idle: number, order: number): void {
    const i = this.#size++;
    if ((i + 1) * ROW > this.#rows.length) {
      const grown = new Float64Array(this.#rows.length * 2);
      grown.set(this.#rows);
      this.#rows = grown;
    }
    const rows = this.#rows;
    const at = i * ROW;
    rows[at] = rank;
    rows[at + 1] = idle;
    rows[at + 2] = order;
    rows[at + 3] = e.handle;
    this.#positions.pos[e.handle] = i;
    this.#up(i);
  }

  /** Re-keys an entry already in the heap. */
  update(e: E, rank: number, idle: number): void {
    if (!this.has(e)) return;
    const i = this.#positions.pos[e.handle] as number;
    const rows = this.#rows;
    const at = i * ROW;
    const better = rank < (rows[at] as number) || (rank === rows[at] && idle < (rows[at + 1] as number));
    rows[at] = rank;
    rows[at + 1] = idle;
    if (better) this.#up(i);
    else this.#down(i);
  }

  /** Removes an entry; returns whether it was here. */
  remove(e: E): boolean {
    if (!this.has(e)) return false;
    const pos = this.#positions.pos;
    const i = pos[e.handle] as number;
    pos[e.handle] = -1;
    const last = --this.#size;
    if (i !== last) {
      const rows = this.#rows;
      rows.copyWithin(i * ROW, last * ROW, last * ROW + ROW);
      pos[rows[i * ROW + 3] as number] = i;
      if (i > 0 && this.#less(i, (i - 1) >> 1)) this.#up(i);
      else this.#down(i);
    }
    return true;
  }

  /** Visits entries best first without removing them, until `visit` returns true. */
  findInOrder(visit: (e: E) => boolean): E | undefined {
    return visitInOrder(
      this.#size,
      (a, b) => this.#less(a, b),
      (i) => this.#at(i),
      visit,
    );
  }

  #less(i: number, j: number): boolean {
    const rows = this.#rows;
    const a = i * ROW;
    const b = j * ROW;
    const ra = rows[a] as number;
    const rb = rows[b] as number;
    if (ra !== rb) return ra < rb;
    const ia = rows[a + 1] as number;
    const ib = rows[b + 1] as number;
    if (ia !== ib) return ia < ib;
    return (rows[a + 2] as number) < (rows[b + 2] as number);
  }

  #swap(i: number, j: number): void {
    const rows = this.#rows;
    const a = i * ROW;
    const b = j * ROW;
    for (let k = 0; k < ROW; k++) {
      const x = rows[a + k] as number;
      rows[a + k] = rows[b + k] as number;
      rows[b + k] = x;
    }
    const pos = this.#positions.pos;
    pos[rows[a + 3] as number] = i;
    pos[rows[b + 3] as number] = j;
  }

  #up(i: number): void {
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.#less(i, p)) break;
      this.#swap(i, p);
      i = p;
    }
  }

  #down(i: number): void {
    const n = this.#size;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      let c = l;
      if (l + 1 < n && this.#less(l + 1, l)) c = l + 1;
      if (!this.#less(c, i)) break;
      this.#swap(i, c);
      i = c;
    }
  }
}
