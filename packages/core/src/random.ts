/** A seeded pseudo-random source: `next()` returns a float in [0, 1). */
export interface Random {
  next(): number;
  /** Integer in [0, max). */
  int(max: number): number;
}

/**
 * A small, fast, seedable generator (SplitMix32-style). Same seed, same sequence.
 *
 * @example
 * ```ts
 * const rng = createRandom(42);
 * rng.int(10);
 * ```
 */
export function createRandom(seed: number): Random {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    z = (z ^ (z >>> 16)) >>> 0;
    return z / 4294967296;
  };
  return {
    next,
    int: (max: number) => Math.floor(next() * max),
  };
}
