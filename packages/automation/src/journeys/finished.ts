/**
 * What an engine without storage remembers of a finished journey instance once its slot is
 * released: exactly what the entry rules (`duplicate`, `reentry`), the next run's event ids and
 * idempotency keys (`run`, `seq`) and `instance()` need — no captured data, no timer, no slot.
 * With storage the stored document is that record, and nothing is kept in memory.
 */

/** A finished instance, compacted (internal). */
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
  readonly #byKey = new Map<string, FinishedRecord>();

  static key(tenantId: string, customerId: string, journeyId: string): string {
    return `${tenantId}\u0000${customerId}\u0000${journeyId}`;
  }

  get size(): number {
    return this.#byKey.size;
  }

  get(tenantId: string, customerId: string, journeyId: string): FinishedRecord | undefined {
    return this.#byKey.get(FinishedInstances.key(tenantId, customerId, journeyId));
  }

  set(tenantId: string, customerId: string, journeyId: string, record: FinishedRecord): void {
    this.#byKey.set(FinishedInstances.key(tenantId, customerId, journeyId), record);
  }

  delete(tenantId: string, customerId: string, journeyId: string): void {
    this.#byKey.delete(FinishedInstances.key(tenantId, customerId, journeyId));
  }
}
