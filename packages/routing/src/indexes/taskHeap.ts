import { siftDown, siftUp } from './heap.js';

/** What a {@link TaskHeap} reads of a task. */
export interface HeapTask {
  /** Row in the engine's {@link TaskPositions} (allocated when the task is created). */
  handle: number;
  /** Ordering key: higher first. Fixed while the task is in a heap. */
  agedBase: number;
  createdAt: number;
  seq: number;
}

/**
 * Where each task sits in its group heap, indexed by task handle, for every heap of one engine.
 * Keeping positions in one typed array (rather than a field on each task) means a sift moves
 * entries of a few dense arrays and never writes to the task objects it passes.
 */
export class TaskPositions {
  pos: Int32Array = new Int32Array(1024).fill(-1);
  readonly #free: number[] = [];
  #next = 0;

  /** A handle for a new task. */
  alloc(): number {
    const h = this.#free.pop() ?? this.#next++;
    if (h >= this.pos.length) {
      const grown = new Int32Array(this.pos.length * 2).fill(-1);
      grown.set(this.pos);
      this.pos = grown;
    }
    this.pos[h] = -1;
    return h;
  }

  /** Returns a handle once its task is gone (it must not be in a heap). */
  release(h: number): void {
    if (h < 0 || h >= this.#next || this.pos[h] !== -1) return;
    this.pos[h] = -2;
    this.#free.push(h);
  }

  /** Handles ever allocated (the table's high-water mark). */
  get allocated(): number {
    return this.#next;
  }
}

/**
 * The waiting tasks of one group, best first: higher `agedBase`, then older `createdAt` (newer
 * first with `lifo`), then lower `seq`. A binary heap over three parallel arrays (items,
 * negated keys, handles) with positions in the shared {@link TaskPositions}; push and remove
 * are O(log n) and touch no task object except on exact key ties.
 *
 * @example
 * ```ts
 * const positions = new TaskPositions();
 * const heap = new TaskHeap(positions, false);
 * heap.push({ handle: positions.alloc(), agedBase: 5, createdAt: 0, seq: 0 });
 * heap.peek()?.agedBase; // 5
 * ```
 */
export class TaskHeap<T extends HeapTask> {
  readonly items: T[] = [];
  readonly #keys: number[] = [];
  readonly #handles: number[] = [];
  readonly #positions: TaskPositions;
  readonly #lifo: boolean;

  constructor(positions: TaskPositions, lifo: boolean) {
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
    if (items.length === 0) return undefined;
    const keys = this.#keys;
    const lessPos = (a: number, b: number) =>
      this.#before(keys[a] as number, items[a] as T, keys[b] as number, items[b] as T);
    const frontier: number[] = [0];
    while (frontier.length > 0) {
      const at = frontier[0] as number;
      const lastPos = frontier.pop() as number;
      if (frontier.length > 0) {
        frontier[0] = lastPos;
        siftDown(frontier, 0, lessPos);
      }
      const task = items[at] as T;
      if (visit(task)) return task;
      const l = 2 * at + 1;
      if (l < items.length) {
        frontier.push(l);
        siftUp(frontier, frontier.length - 1, lessPos);
        if (l + 1 < items.length) {
          frontier.push(l + 1);
          siftUp(frontier, frontier.length - 1, lessPos);
        }
      }
    }
    return undefined;
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
