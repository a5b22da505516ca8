import type { RoutingStrategy, TaskView, WorkerView } from './strategy.js';

/**
 * A custom scorer: higher scores win; ties fall back to longest idle.
 *
 * @example
 * ```ts
 * const strategy = customScorer('tenure', (w) => Number(w.attributes.tenureYears ?? 0));
 * ```
 */
export function customScorer(
  name: string,
  score: (worker: WorkerView, task: TaskView) => number,
): RoutingStrategy {
  return { name, score };
}
