/** What the index reads of an offer. */
export interface IndexedOffer {
  readonly id: string;
}

/** Below this many open offers the index is a plain list; above it, a `Map`. */
const LIST_MAX = 16;
/** Back to a list when a map shrinks below this (hysteresis). */
const LIST_AGAIN = 4;

/**
 * The engine's open offers by id. Offers are usually answered within moments, so only a handful
 * are open at once: then they sit in a short list scanned newest first (an id string is compared,
 * never hashed). Past {@link LIST_MAX} open offers the index switches to a `Map`, and back below
 * {@link LIST_AGAIN}.
 *
 * @example
 * ```ts
 * const index = new OfferIndex<{ id: string }>();
 * const offer = { id: 'res-1' };
 * index.add(offer);
 * index.get('res-1') === offer; // true
 * ```
 */
export class OfferIndex<R extends IndexedOffer> {
  #list: R[] = [];
  #map: Map<string, R> | null = null;

  get size(): number {
    return this.#map === null ? this.#list.length : this.#map.size;
  }

  add(offer: R): void {
    if (this.#map !== null) {
      this.#map.set(offer.id, offer);
      return;
    }
    this.#list.push(offer);
    if (this.#list.length > LIST_MAX) {
      this.#map = new Map(this.#list.map((o) => [o.id, o]));
      this.#list = [];
    }
  }

  get(id: string): R | undefined {
    if (this.#map !== null) return this.#map.get(id);
    const list = this.#list;
    for (let i = list.length - 1; i >= 0; i--) {
      const o = list[i] as R;
      if (o.id === id) return o;
    }
    return undefined;
  }

  /** Removes `offer` (by identity); no-op when absent. */
  delete(offer: R): void {
    if (this.#map !== null) {
      if (this.#map.get(offer.id) === offer) this.#map.delete(offer.id);
      if (this.#map.size < LIST_AGAIN) {
        this.#list = [...this.#map.values()];
        this.#map = null;
      }
      return;
    }
    const list = this.#list;
    for (let i = list.length - 1; i >= 0; i--) {
      if (list[i] === offer) {
        list[i] = list[list.length - 1] as R;
        list.pop();
        return;
      }
    }
  }

  values(): R[] {
    return this.#map === null ? [...this.#list] : [...this.#map.values()];
  }
}
