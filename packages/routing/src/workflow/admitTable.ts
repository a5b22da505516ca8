/**
 * Step-expression answers of one expression and task context (a group's `admitKey`) for every
 * worker asked so far, in one typed array indexed by the worker's registration order. An answer
 * is stored with the worker's attribute stamp (a new stamp on every upsert), so it is read
 * only while the attributes it was computed from are still the worker's: nothing needs clearing
 * when a worker changes. Reading one is a single typed-array load, where a per-worker map keyed
 * by the expression text cost a hash lookup per candidate on the walks of an expression step.
 *
 * @example
 * ```ts
 * const table = new AdmitTable();
 * table.answer(3, 1); // -1 (never asked)
 * table.set(3, 1, true);
 * table.answer(3, 1); // 1
 * table.answer(3, 2); // -1 (the worker changed since)
 * ```
 */
export class AdmitTable {
  /** `stamp * 2 + (admitted ? 1 : 0)` at the worker's order; 0 when never asked (stamps start at 1). */
  #answers: Float64Array = new Float64Array(64);

  /** 1 admitted, 0 refused, -1 unknown for the worker at `order` with attribute stamp `stamp`. */
  answer(order: number, stamp: number): -1 | 0 | 1 {
    const v = order < this.#answers.length ? (this.#answers[order] as number) : 0;
    if (v === 0 || Math.floor(v / 2) !== stamp) return -1;
    return v % 2 === 1 ? 1 : 0;
  }

  /** Records the answer for the worker at `order` under attribute stamp `stamp` (≥ 1). */
  set(order: number, stamp: number, admitted: boolean): void {
    if (order >= this.#answers.length) {
      let n = this.#answers.length;
      while (n <= order) n *= 2;
      const grown = new Float64Array(n);
      grown.set(this.#answers);
      this.#answers = grown;
    }
    this.#answers[order] = stamp * 2 + (admitted ? 1 : 0);
  }
}

/** Tables kept for reuse by new groups; past this, the registry starts afresh (groups keep theirs). */
const MAX_TABLES = 64;

/** The engine's tables by `admitKey`, so groups of the same expression and task values share answers. */
export function admitTableFor(tables: Map<string, AdmitTable>, key: string): AdmitTable {
  let table = tables.get(key);
  if (table === undefined) {
    if (tables.size >= MAX_TABLES) tables.clear();
    table = new AdmitTable();
    tables.set(key, table);
  }
  return table;
}
