import { inRange, type RangeCondition } from '@threadline/core';

/**
 * A numeric range index: (value, id) pairs kept sorted by value, then id, in two parallel arrays.
 * Lookups are binary searches, so a range query costs O(log n + k) instead of a scan.
 */
export class RangeIndex {
  readonly #values: number[] = [];
  readonly #ids: string[] = [];

  get size(): number {
    return this.#ids.length;
  }

  /** First slot whose (value, id) is greater than or equal to (`value`, `id`). */
  #lowerBound(value: number, id: string): number {
    let lo = 0;
    let hi = this.#ids.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const v = this.#values[mid] as number;
      if (v < value || (v === value && (this.#ids[mid] as string) < id)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  insert(value: number, id: string): void {
    const at = this.#lowerBound(value, id);
    if (this.#values[at] === value && this.#ids[at] === id) return;
    this.#values.splice(at, 0, value);
    this.#ids.splice(at, 0, id);
  }

  remove(value: number, id: string): void {
    const at = this.#lowerBound(value, id);
    if (this.#values[at] !== value || this.#ids[at] !== id) return;
    this.#values.splice(at, 1);
    this.#ids.splice(at, 1);
  }

  /**
   * Ids in `range`, in (value, id) order, strictly after (`afterValue`, `afterId`) when given,
   * that pass `accept`, at most `limit`. Each result carries its value (for the next cursor).
   */
  scan(
    range: RangeCondition,
    after: { value: number; id: string } | undefined,
    accept: (id: string) => boolean,
    limit: number,
  ): { id: string; value: number }[] {
    let start = 0;
    const low = range.gte ?? range.gt;
    if (low !== undefined) start = this.#lowerBound(low, '');
    if (after !== undefined) {
      // Strictly after the cursor: skip the cursor's own (value, id) if it is still there.
      let at = this.#lowerBound(after.value, after.id);
      if (this.#values[at] === after.value && this.#ids[at] === after.id) at++;
      start = Math.max(start, at);
    }
    const out: { id: string; value: number }[] = [];
    for (let i = start; i < this.#ids.length && out.length < limit; i++) {
      const value = this.#values[i] as number;
      if (!inRange(value, range)) {
        // Past the upper bound: nothing later can match. Below the lower bound (only `gt` equal
        // values): keep going.
        if ((range.lt !== undefined && value >= range.lt) || (range.lte !== undefined && value > range.lte))
          break;
        continue;
      }
      const id = this.#ids[i] as string;
      if (accept(id)) out.push({ id, value });
    }
    return out;
  }
}
