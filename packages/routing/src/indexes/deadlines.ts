import { IndexedHeap } from './heap.js';

/**
 * What falls due: an offer expiring, a workflow step timing out, an SLA boost, wrap-up ending, an
 * exclusion lapsing, a bot holding a task too long, a shift calendar opening or closing.
 */
export type DeadlineKind = 'reservation' | 'step' | 'boost' | 'wrapup' | 'exclusion' | 'bot' | 'shift';

/** One deadline kept as data. `ref` names the task or reservation; `token` guards against stale entries. */
export interface Deadline {
  at: number;
  kind: DeadlineKind;
  ref: string;
  token: number;
  seq: number;
  /** Position in the heap; {@link IN_FIFO} while in the offer FIFO, -1 when in neither. */
  heapIndex: number;
  /** Index in the offer FIFO's array while there, else -1. */
  fifoSlot: number;
}

/** `heapIndex` of a deadline held in the FIFO of offer expiries. */
const IN_FIFO = -2;

/**
 * The engine's deadlines, fired by instant then insertion order, so `advanceTo(now)` fires them
 * deterministically and `nextDeadline()` is O(1).
 *
 * Offer expiries all use the engine's one reservation timeout, so they arrive in due order: they
 * go to a FIFO (O(1) to add, cancel and pop) instead of the heap, which keeps step timeouts,
 * wrap-ups, boosts and exclusions. An offer expiry that would arrive out of order (a restored
 * snapshot, a clock set back) goes to the heap like the rest.
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
  /** Offer expiries in due order; canceled ones stay (as `null`) until they reach the head. */
  #fifo: Array<Deadline | null> = [];
  #fifoHead = 0;
  #fifoLive = 0;
  /** Latest instant in the FIFO since it was last empty: a later offer expiry keeps it in order. */
  #fifoMaxAt = Number.NEGATIVE_INFINITY;
  #seq = 0;

  /** Schedules a deadline and returns it (keep it to cancel). */
  add(at: number, kind: DeadlineKind, ref: string, token: number): Deadline {
    const d: Deadline = { at, kind, ref, token, seq: this.#seq++, heapIndex: -1, fifoSlot: -1 };
    if (kind === 'reservation' && at >= this.#fifoMaxAt) {
      d.heapIndex = IN_FIFO;
      d.fifoSlot = this.#fifo.length;
      this.#fifo.push(d);
      this.#fifoLive++;
      this.#fifoMaxAt = at;
    } else this.#heap.push(d);
    return d;
  }

  /** Cancels a scheduled deadline (no-op when it already fired or was canceled). */
  cancel(d: Deadline | undefined): void {
    if (!d) return;
    if (d.heapIndex !== IN_FIFO) {
      this.#heap.remove(d);
      return;
    }
    d.heapIndex = -1;
    this.#fifo[d.fifoSlot] = null;
    d.fifoSlot = -1;
    this.#fifoLive--;
    this.#trimHead();
  }

  /** Earliest pending instant, or `null`. */
  next(): number | null {
    const h = this.#heap.peek();
    const f = this.#fifoLive > 0 ? (this.#fifo[this.#fifoHead] as Deadline) : undefined;
    if (!h) return f ? f.at : null;
    if (!f) return h.at;
    return Math.min(h.at, f.at);
  }

  /** Removes and returns the earliest deadline due at or before `now`. */
  popDue(now: number): Deadline | undefined {
    const h = this.#heap.peek();
    const f = this.#fifoLive > 0 ? (this.#fifo[this.#fifoHead] as Deadline) : undefined;
    const fromFifo = f !== undefined && (h === undefined || f.at < h.at || (f.at === h.at && f.seq < h.seq));
    const top = fromFifo ? f : h;
    if (!top || top.at > now) return undefined;
    if (fromFifo) {
      this.#fifo[this.#fifoHead] = null;
      top.heapIndex = -1;
      top.fifoSlot = -1;
      this.#fifoLive--;
      this.#trimHead();
    } else this.#heap.pop();
    return top;
  }

  /** Number of pending deadlines. */
  get size(): number {
    return this.#heap.size + this.#fifoLive;
  }

  /** All pending deadlines (unordered), for snapshots. */
  all(): readonly Deadline[] {
    const live = this.#fifo.slice(this.#fifoHead).filter((d): d is Deadline => d !== null);
    return live.length === 0 ? this.#heap.items : [...this.#heap.items, ...live];
  }

  /**
   * Drops canceled entries at the head. Once canceled slots outnumber live ones (an old offer
   * left open while many later ones were answered), the array is compacted: O(n), amortised.
   */
  #trimHead(): void {
    const fifo = this.#fifo;
    while (this.#fifoHead < fifo.length && fifo[this.#fifoHead] === null) this.#fifoHead++;
    if (this.#fifoHead === fifo.length) {
      fifo.length = 0;
      this.#fifoHead = 0;
      this.#fifoMaxAt = Number.NEGATIVE_INFINITY;
    } else if (fifo.length - this.#fifoLive > 1024 && fifo.length > 2 * this.#fifoLive) {
      const live = fifo.slice(this.#fifoHead).filter((d): d is Deadline => d !== null);
      live.forEach((d, i) => {
        d.fifoSlot = i;
      });
      this.#fifo = live;
      this.#fifoHead = 0;
    }
  }
}
