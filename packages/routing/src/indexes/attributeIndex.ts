/**
 * An inverted index from attribute values to the items holding them. An array attribute
 * (`languages: ['en', 'fr']`) indexes every element.
 *
 * @example
 * ```ts
 * const index = new AttributeIndex<string>();
 * index.add('ana', { team: 'billing', languages: ['en', 'fr'] });
 * index.get('languages', 'fr'); // Set { 'ana' }
 * ```
 */
export class AttributeIndex<W> {
  readonly #index = new Map<string, Map<unknown, Set<W>>>();

  /** Indexes the scalar (and array-of-scalar) attributes of `item`. */
  add(item: W, attributes: Readonly<Record<string, unknown>>): void {
    for (const [name, value] of Object.entries(attributes)) {
      for (const v of scalars(value)) {
        let byValue = this.#index.get(name);
        if (!byValue) {
          byValue = new Map();
          this.#index.set(name, byValue);
        }
        let set = byValue.get(v);
        if (!set) {
          set = new Set();
          byValue.set(v, set);
        }
        set.add(item);
      }
    }
  }

  /** Removes `item` (indexed with `attributes`) from the index. */
  remove(item: W, attributes: Readonly<Record<string, unknown>>): void {
    for (const [name, value] of Object.entries(attributes)) {
      const byValue = this.#index.get(name);
      if (!byValue) continue;
      for (const v of scalars(value)) {
        const set = byValue.get(v);
        if (!set) continue;
        set.delete(item);
        if (set.size === 0) byValue.delete(v);
      }
    }
  }

  /** Items whose attribute `name` is or contains `value` (do not mutate). */
  get(name: string, value: unknown): ReadonlySet<W> {
    return this.#index.get(name)?.get(value) ?? EMPTY;
  }

  /** Number of items matching any of `values` for `name` (an upper bound when sets overlap). */
  count(name: string, values: Iterable<unknown>): number {
    let n = 0;
    for (const v of values) n += this.get(name, v).size;
    return n;
  }
}

const EMPTY: ReadonlySet<never> = new Set();

function scalars(value: unknown): unknown[] {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return [value];
  if (Array.isArray(value)) {
    return value.filter((v) => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean');
  }
  return [];
}
