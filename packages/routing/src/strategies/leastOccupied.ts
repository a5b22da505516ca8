import type { RoutingStrategy } from './strategy.js';

/**
 * Least occupied: the lowest used share of capacity first, then longest idle.
 *
 * @example
 * ```ts
 * createRoutingEngine({ clock, workflow, strategy: leastOccupied });
 * ```
 */
export const leastOccupied: RoutingStrategy = {
  name: 'least-occupied',
  rank: (w) => Math.round(w.occupancy * 1e6) * 1e9 + w.lastOfferSeq,
};
