import { IndexedHeap } from './heap.js';

/** What falls due: an offer expiring, a workflow step timing out, an SLA boost, wrap-up ending, an exclusion lapsing. */
export type DeadlineKind = 'reservation' | 'step' | 'boost' | 'wrapup' | 'exclusion';

/** One deadline kept as data. `ref` names the task or reservation; `token` guards against stale entries. */
export interface Deadline {
  at: number;
  kind: DeadlineKind;
  ref: string;
  token: number;
  seq: number;
  heapIndex: number;
}

/**
 * The engine's deadlines in one min-heap ordered by instant, then insertion order, so
 * `advanceTo(now)` fires them deterministically and `nextDeadline()` is O(1).
 *
 * @example
 * ```ts
 * const d = new DeadlineQueue();
 * d.add(1000, 'reservation', 'res-1', 1);
 * d.next(); // 1000
 * ```
 */
export class DeadlineQueue {
  readonly #heap = new IndexedHeap<Deadline>(
    (a, b) => a.at < b.at || (a.at === b.at && a.seq < b.seq),
    (d) => d.heapIndex,
    (d, i) => {
      d.heapIndex = i;
    },
  );
  #seq = 0;

  /** Schedules a deadline and returns it (keep it to cancel). */
  add(at: number, kind: DeadlineKind, ref: string, token: number): Deadline {
    const d: Deadline = { at, kind, ref, token, seq: this.#seq++, heapIndex: -1 };
    this.#heap.push(d);
    return d;
  }

  /** Cancels a scheduled deadline (no-op when it already fired). */
  cancel(d: Deadline | undefined): void {
    if (d) this.#heap.remove(d);
  }

  /** Earliest pending instant, or `null`. */
  next(): number | null {
    return this.#heap.peek()?.at ?? null;
  }

  /** Removes and returns the earliest deadline due at or before `now`. */
  popDue(now: number): Deadline | undefined {
    const top = this.#heap.peek();
    if (!top || top.at > now) return undefined;
    this.#heap.pop();
    return top;
  }

  /** Number of pending deadlines. */
  get size(): number {
    return this.#heap.size;
  }

  /** All pending deadlines (unordered), for snapshots. */
  all(): readonly Deadline[] {
    return this.#heap.items;
  }
}
