/**
 * The journey instances of one engine as a struct of arrays: one slot per customer and journey,
 * typed arrays for every number, no object or closure per instance. A binary min-heap of slots
 * ordered by due time (ties by slot) holds every timer; a map from `tenant + customer` to the
 * first slot, and a per-slot link to the next, finds a customer's instances. About 200–300 bytes
 * per waiting instance, most of it the customer id string and its map entry.
 */

/** Instance status codes. */
export const FREE = 0;
/** Waiting on a timer (a `wait` step, or a deferred send). */
export const WAITING = 1;
/** Waiting for an event, with a timeout on the timer heap. */
export const WAITING_EVENT = 2;
/** A send is in flight (or committed and not yet confirmed). */
export const SENDING = 3;
/** Left the journey. */
export const DONE = 4;

/** Exit reasons as codes (index into {@link EXIT_REASONS}). */
export const EXIT_REASONS = ['completed', 'goal', 'holdout', 'removed'] as const;
/** Why an instance left its journey. */
export type JourneyExitReason = (typeof EXIT_REASONS)[number];

const NONE = -1;

/** The instance table (see the module comment). Grows by doubling; released slots are reused. */
export class InstanceTable {
  capacity = 0;
  /** Slots ever allocated (the high-water mark); released ones are FREE and reused first. */
  size = 0;
  journey = new Uint16Array(0);
  step = new Uint16Array(0);
  status = new Uint8Array(0);
  /** Variant index + 1 (0: no split / holdout). */
  variant = new Uint8Array(0);
  /** Exit reason code (DONE only). */
  exit = new Uint8Array(0);
  /** Channel index being tried (SENDING, and deferred sends). */
  channel = new Uint8Array(0);
  tenant = new Uint16Array(0);
  run = new Uint16Array(0);
  /** Events emitted so far (the next event's version - 1). */
  seq = new Uint32Array(0);
  /** Store version of the instance's document (durable mode). */
  docVersion = new Int32Array(0);
  due = new Float64Array(0);
  enteredAt = new Float64Array(0);
  heapPos = new Int32Array(0);
  nextOfCustomer = new Int32Array(0);
  customer: string[] = [];
  triggerId: string[] = [];
  data: (Record<string, unknown> | undefined)[] = [];

  heap = new Int32Array(0);
  heapSize = 0;

  readonly tenants: string[] = [];
  readonly #tenantIndex = new Map<string, number>();
  readonly #byCustomer = new Map<string, number>();
  readonly #free: number[] = [];

  constructor(initial = 1024) {
    this.#grow(initial);
  }

  #grow(min: number): void {
    let cap = Math.max(16, this.capacity);
    while (cap < min) cap *= 2;
    if (cap === this.capacity) return;
    const grow = <T extends Uint8Array | Uint16Array | Uint32Array | Int32Array | Float64Array>(
      a: T,
      make: new (n: number) => T,
    ): T => {
      const b = new make(cap);
      b.set(a);
      return b;
    };
    this.journey = grow(this.journey, Uint16Array);
    this.step = grow(this.step, Uint16Array);
    this.status = grow(this.status, Uint8Array);
    this.variant = grow(this.variant, Uint8Array);
    this.exit = grow(this.exit, Uint8Array);
    this.channel = grow(this.channel, Uint8Array);
    this.tenant = grow(this.tenant, Uint16Array);
    this.run = grow(this.run, Uint16Array);
    this.seq = grow(this.seq, Uint32Array);
    this.docVersion = grow(this.docVersion, Int32Array);
    this.due = grow(this.due, Float64Array);
    this.enteredAt = grow(this.enteredAt, Float64Array);
    this.heapPos = grow(this.heapPos, Int32Array);
    this.nextOfCustomer = grow(this.nextOfCustomer, Int32Array);
    this.heap = grow(this.heap, Int32Array);
    this.capacity = cap;
  }

  tenantIndex(tenantId: string): number {
    let i = this.#tenantIndex.get(tenantId);
    if (i === undefined) {
      i = this.tenants.length;
      this.tenants.push(tenantId);
      this.#tenantIndex.set(tenantId, i);
    }
    return i;
  }

  /** Slots holding an instance (allocated and not released). */
  get live(): number {
    return this.size - this.#free.length;
  }

  /** Allocates a slot for a customer (linked into the customer's list); fields are zero. */
  allocate(tenantId: string, customerId: string, journey: number): number {
    let slot = this.#free.pop();
    if (slot === undefined) {
      if (this.size === this.capacity) this.#grow(this.size + 1);
      slot = this.size++;
    } else {
      // A reused slot: zero what a fresh one has as zero.
      this.step[slot] = 0;
      this.status[slot] = 0;
      this.variant[slot] = 0;
      this.exit[slot] = 0;
      this.channel[slot] = 0;
      this.run[slot] = 0;
      this.seq[slot] = 0;
      this.docVersion[slot] = 0;
      this.due[slot] = 0;
      this.enteredAt[slot] = 0;
    }
    const key = `${tenantId}\u0000${customerId}`;
    const head = this.#byCustomer.get(key);
    this.nextOfCustomer[slot] = head ?? NONE;
    this.#byCustomer.set(key, slot);
    this.journey[slot] = journey;
    this.tenant[slot] = this.tenantIndex(tenantId);
    this.heapPos[slot] = NONE;
    this.customer[slot] = customerId;
    this.triggerId[slot] = '';
    this.data[slot] = undefined;
    return slot;
  }

  /**
   * Frees a slot (its instance left memory): unlinks it from its customer's list, drops its
   * strings and captured data, and keeps it for the next {@link allocate}. Its timer must be gone.
   */
  release(slot: number): void {
    const key = `${this.tenants[this.tenant[slot] as number]}\u0000${this.customer[slot]}`;
    const next = this.nextOfCustomer[slot] as number;
    const head = this.#byCustomer.get(key);
    if (head === slot) {
      if (next === NONE) this.#byCustomer.delete(key);
      else this.#byCustomer.set(key, next);
    } else {
      for (let s = head ?? NONE; s !== NONE; s = this.nextOfCustomer[s] as number) {
        if (this.nextOfCustomer[s] === slot) {
          this.nextOfCustomer[s] = next;
          break;
        }
      }
    }
    this.nextOfCustomer[slot] = NONE;
    this.status[slot] = FREE;
    this.customer[slot] = '';
    this.triggerId[slot] = '';
    this.data[slot] = undefined;
    this.#free.push(slot);
  }

  /** First slot of the customer's instances, or -1. Follow with `nextOfCustomer`. */
  firstOf(tenantId: string, customerId: string): number {
    return this.#byCustomer.get(`${tenantId}\u0000${customerId}`) ?? NONE;
  }

  /** Sets the slot's timer (adds or moves it in the heap). */
  schedule(slot: number, at: number): void {
    this.due[slot] = at;
    const pos = this.heapPos[slot] as number;
    if (pos === NONE) {
      const i = this.heapSize++;
      this.heap[i] = slot;
      this.heapPos[slot] = i;
      this.#up(i);
    } else {
      this.#up(pos);
      this.#down(this.heapPos[slot] as number);
    }
  }

  /** Removes the slot's timer, if any. */
  unschedule(slot: number): void {
    const pos = this.heapPos[slot] as number;
    if (pos === NONE) return;
    const last = this.heap[--this.heapSize] as number;
    this.heapPos[slot] = NONE;
    if (last === slot) return;
    this.heap[pos] = last;
    this.heapPos[last] = pos;
    this.#up(pos);
    this.#down(this.heapPos[last] as number);
  }

  /** The slot with the earliest timer, or -1. */
  peek(): number {
    return this.heapSize === 0 ? NONE : (this.heap[0] as number);
  }

  #less(a: number, b: number): boolean {
    const da = this.due[a] as number;
    const db = this.due[b] as number;
    return da < db || (da === db && a < b);
  }

  #up(i: number): void {
    const heap = this.heap;
    const slot = heap[i] as number;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent] as number;
      if (!this.#less(slot, p)) break;
      heap[i] = p;
      this.heapPos[p] = i;
      i = parent;
    }
    heap[i] = slot;
    this.heapPos[slot] = i;
  }

  #down(i: number): void {
    const heap = this.heap;
    const n = this.heapSize;
    const slot = heap[i] as number;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      let c = l;
      if (r < n && this.#less(heap[r] as number, heap[l] as number)) c = r;
      const child = heap[c] as number;
      if (!this.#less(child, slot)) break;
      heap[i] = child;
      this.heapPos[child] = i;
      i = c;
    }
    heap[i] = slot;
    this.heapPos[slot] = i;
  }
}
