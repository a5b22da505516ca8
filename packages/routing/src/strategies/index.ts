import { leastOccupied } from './leastOccupied.js';
import { longestIdle } from './longestIdle.js';
import { mostSkilled } from './mostSkilled.js';
import { roundRobin } from './roundRobin.js';
import type { RoutingStrategy } from './strategy.js';

export { customScorer } from './customScorer.js';
export type { RoutingStrategy, TaskView, WorkerView } from './strategy.js';
export { leastOccupied, longestIdle, mostSkilled, roundRobin };

/** The built-in strategies by name. */
export const STRATEGIES = {
  'longest-idle': longestIdle,
  'least-occupied': leastOccupied,
  'round-robin': roundRobin,
  'most-skilled': mostSkilled,
} as const satisfies Record<string, RoutingStrategy>;

/** Name of a built-in strategy. */
export type StrategyName = keyof typeof STRATEGIES;
