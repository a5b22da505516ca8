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
  // Equal ranks fall to the engine's tie-break, longest idle (`idleSince`) then registration
  // order, in the idle heaps and the candidate sort alike.
  rank: (w) => w.occupancy,
};
