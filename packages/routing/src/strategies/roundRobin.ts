import type { RoutingStrategy } from './strategy.js';

/**
 * Round robin: the worker offered least recently first.
 *
 * @example
 * ```ts
 * createRoutingEngine({ clock, workflow, strategy: roundRobin });
 * ```
 */
export const roundRobin: RoutingStrategy = {
  name: 'round-robin',
  rank: (w) => w.lastOfferSeq,
};
