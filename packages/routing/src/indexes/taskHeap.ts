import { type HeapPositions, visitInOrder } from './heap.js';

/** What a {@link TaskHeap} reads of a task. */
export interface HeapTask {
  /** Row in the engine's {@link HeapPositions} (allocated when the task is created). */
  handle: number;
  /** Ordering key: higher first. Fixed while the task is in a heap. */
  agedBase: number;
  createdAt: number;
  seq: number;
}

/**
 * The waiting tasks of one group, best first: higher `agedBase`, then older `createdAt` (newer
 * first with `lifo`), then lower `seq`. A binary heap over three parallel arrays (items,
 * negated keys, handles) with positions in the shared {@link HeapPositions}; push and remove
 * are O(log n) and touch no task object except on exact key ties.
 *
 * @example
 * ```ts
 * const positions = new HeapPositions();
 * const heap = new TaskHeap(positions, false);
 * heap.push({ handle: positions.alloc(), agedBase: 5, createdAt: 0, seq: 0 });
 * heap.peek()?.agedBase; // 5
 * ```
 */
export class TaskHeap<T extends HeapTask> {
  readonly items: T[] = [];
  readonly #keys: number[] = [];
  readonly #handles: number[] = [];
  readonly #positions: HeapPositions;
  readonly #lifo: boolean;

  constructor(positions: HeapPositions, lifo: boolean) {
    this.#positions = positions;
    this.#lifo = lifo;
  }

  /** Number of waiting tasks. */
  get size(): number {
    return this.items.length;
  }

  /** The best task, or `undefined`. */
  peek(): T | undefined {
    return this.items[0];
  }

  /** The best task's `agedBase` (from the key array; `NaN` when empty). */
  peekBase(): number {
    return this.items.length === 0 ? Number.NaN : -(this.#keys[0] as number);
  }

  /** True when `task` is in this heap. */
  has(task: T): boolean {
    const i = this.#positions.pos[task.handle] as number;
    return i >= 0 && this.items[i] === task;
  }

  /** Adds a task (its `agedBase` must be set and stay fixed while it is here). */
  push(task: T): void {
    const i = this.items.length;
    this.items.push(task);
    this.#keys.push(-task.agedBase);
    this.#handles.push(task.handle);
    this.#up(i, task, -task.agedBase, task.handle);
  }

  /** Removes `task` if present; returns whether it was. */
  remove(task: T): boolean {
    const pos = this.#positions.pos;
    const i = pos[task.handle] as number;
    const items = this.items;
    if (i < 0 || items[i] !== task) return false;
    pos[task.handle] = -1;
    const last = items.pop() as T;
    const lastKey = this.#keys.pop() as number;
    const lastHandle = this.#handles.pop() as number;
    if (i < items.length) {
      // Re-seat the last entry at the hole, then let it sift whichever way it must.
      const parent = (i - 1) >> 1;
      if (i > 0 && this.#before(lastKey, last, this.#keys[parent] as number, items[parent] as T))
        this.#up(i, last, lastKey, lastHandle);
      else this.#down(i, last, lastKey, lastHandle);
    }
    return true;
  }

  /**
   * Visits tasks best first without removing them, stopping when `visit` returns `true`.
   * O(k log k) for k visited tasks.
   */
  findInOrder(visit: (task: T) => boolean): T | undefined {
    const items = this.items;
    const keys = this.#keys;
    return visitInOrder(
      items.length,
      (a, b) => this.#before(keys[a] as number, items[a] as T, keys[b] as number, items[b] as T),
      (i) => items[i] as T,
      visit,
    );
  }

  /** Strict order: does (ka, a) come before (kb, b)? Loads the tasks only on equal keys. */
  #before(ka: number, a: T, kb: number, b: T): boolean {
    if (ka !== kb) return ka < kb;
    if (a.createdAt !== b.createdAt)
      return this.#lifo ? a.createdAt > b.createdAt : a.createdAt < b.createdAt;
    return a.seq < b.seq;
  }

  #up(i: number, task: T, key: number, handle: number): void {
    const items = this.items;
    const keys = this.#keys;
    const handles = this.#handles;
    const pos = this.#positions.pos;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pk = keys[p] as number;
      if (!(key < pk || (key === pk && this.#before(key, task, pk, items[p] as T)))) break;
      items[i] = items[p] as T;
      keys[i] = pk;
      const ph = handles[p] as number;
      handles[i] = ph;
      pos[ph] = i;
      i = p;
    }
    items[i] = task;
    keys[i] = key;
    handles[i] = handle;
    pos[handle] = i;
  }

  #down(i: number, task: T, key: number, handle: number): void {
    const items = this.items;
    const keys = this.#keys;
    const handles = this.#handles;
    const pos = this.#positions.pos;
    const n = items.length;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      let c = l;
      let ck = keys[l] as number;
      if (l + 1 < n) {
        const rk = keys[l + 1] as number;
        if (rk < ck || (rk === ck && this.#before(rk, items[l + 1] as T, ck, items[l] as T))) {
          c = l + 1;
          ck = rk;
        }
      }
      if (!(ck < key || (ck === key && this.#before(ck, items[c] as T, key, task)))) break;
      items[i] = items[c] as T;
      keys[i] = ck;
      const ch = handles[c] as number;
      handles[i] = ch;
      pos[ch] = i;
      i = c;
    }
    items[i] = task;
    keys[i] = key;
    handles[i] = handle;
    pos[handle] = i;
  }
}
