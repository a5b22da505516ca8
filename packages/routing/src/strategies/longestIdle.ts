import type { RoutingStrategy } from './strategy.js';

/**
 * Longest idle (the default): the worker free of tasks for the longest time first; workers
 * already holding tasks come after every fully idle worker, least recently offered first.
 *
 * @example
 * ```ts
 * createRoutingEngine({ clock, workflow, strategy: longestIdle });
 * ```
 */
export const longestIdle: RoutingStrategy = {
  name: 'longest-idle',
  rank: (w) => (w.activeTasks === 0 ? w.idleSince : 1e15 + w.lastOfferSeq),
};
