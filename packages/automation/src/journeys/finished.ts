/**
 * What an engine without storage remembers of a finished journey instance once its slot is
 * released: exactly what the entry rules (`duplicate`, `reentry`), the next run's event ids and
 * idempotency keys (`run`, `seq`) and `instance()` need — no captured data, no timer, no slot. The
 * records are a struct of typed arrays indexed through one map from tenant + customer + journey
 * id; the trigger event id is the only string kept per record. With storage the stored document is
 * that record, and nothing is kept in memory.
 */

/** A finished instance, as read back (internal). */
export interface FinishedRecord {
  /** Index of the journey version it ran. */
  journey: number;
  /** The step it left from. */
  step: number;
  /** Exit reason code. */
  exit: number;
  /** Variant index + 1 (0: no split or holdout). */
  variant: number;
  run: number;
  /** Events emitted so far: a re-entry continues the event ids after them. */
  seq: number;
  enteredAt: number;
  /** The event that entered it: the same event again is a `duplicate`. */
  triggerId: string;
}

/** Finished instances by tenant, customer and journey id (internal). */
export class FinishedInstances {
  readonly #index = new Map<string, number>();
  #free: number[] = [];
  #capacity = 0;
  #size = 0;
  #journey = new Uint16Array(0);
  #step = new Uint16Array(0);
  #exit = new Uint8Array(0);
  #variant = new Uint8Array(0);
  #run = new Uint16Array(0);
  #seq = new Uint32Array(0);
  #enteredAt = new Float64Array(0);
  #triggerId: string[] = [];

  static key(tenantId: string, customerId: string, journeyId: string): string {
    return `${tenantId}\u0000${customerId}\u0000${journeyId}`;
  }

  /** Records held. */
  get size(): number {
    return this.#index.size;
  }

  get(tenantId: string, customerId: string, journeyId: string): FinishedRecord | undefined {
    const i = this.#index.get(FinishedInstances.key(tenantId, customerId, journeyId));
    if (i === undefined) return undefined;
    return {
      journey: this.#journey[i] as number,
      step: this.#step[i] as number,
      exit: this.#exit[i] as number,
      variant: this.#variant[i] as number,
      run: this.#run[i] as number,
      seq: this.#seq[i] as number,
      enteredAt: this.#enteredAt[i] as number,
      triggerId: this.#triggerId[i] as string,
    };
  }

  set(tenantId: string, customerId: string, journeyId: string, r: FinishedRecord): void {
    const key = FinishedInstances.key(tenantId, customerId, journeyId);
    let i = this.#index.get(key);
    if (i === undefined) {
      i = this.#free.pop();
      if (i === undefined) {
        if (this.#size === this.#capacity) this.#grow();
        i = this.#size++;
      }
      this.#index.set(key, i);
    }
    this.#journey[i] = r.journey;
    this.#step[i] = r.step;
    this.#exit[i] = r.exit;
    this.#variant[i] = r.variant;
    this.#run[i] = r.run;
    this.#seq[i] = r.seq;
    this.#enteredAt[i] = r.enteredAt;
    this.#triggerId[i] = r.triggerId;
  }

  delete(tenantId: string, customerId: string, journeyId: string): void {
    const key = FinishedInstances.key(tenantId, customerId, journeyId);
    const i = this.#index.get(key);
    if (i === undefined) return;
    this.#index.delete(key);
    this.#triggerId[i] = '';
    this.#free.push(i);
  }

  #grow(): void {
    const cap = Math.max(1024, this.#capacity * 2);
    const grow = <T extends Uint8Array | Uint16Array | Uint32Array | Float64Array>(
      a: T,
      make: new (n: number) => T,
    ): T => {
      const b = new make(cap);
      b.set(a);
      return b;
    };
    this.#journey = grow(this.#journey, Uint16Array);
    this.#step = grow(this.#step, Uint16Array);
    this.#exit = grow(this.#exit, Uint8Array);
    this.#variant = grow(this.#variant, Uint8Array);
    this.#run = grow(this.#run, Uint16Array);
    this.#seq = grow(this.#seq, Uint32Array);
    this.#enteredAt = grow(this.#enteredAt, Float64Array);
    this.#capacity = cap;
  }
}
