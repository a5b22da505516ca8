/** What a strategy may read about a worker. */
export interface WorkerView {
  readonly id: string;
  readonly kind: 'human' | 'bot';
  readonly attributes: Readonly<Record<string, unknown>>;
  readonly skills: Readonly<Record<string, number>>;
  /** When the worker last became free of all tasks (or available), epoch ms. */
  readonly idleSince: number;
  /** Tasks held (offered, assigned or wrapping). */
  readonly activeTasks: number;
  /** Used share of the worker's capacity, 0–1. */
  readonly occupancy: number;
  /** Global offer sequence number of the worker's last offer (-1 when never offered). */
  readonly lastOfferSeq: number;
  /** Registration order: the final deterministic tie-break. */
  readonly order: number;
}

/** What a strategy may read about a task. */
export interface TaskView {
  readonly id: string;
  readonly channel: string;
  readonly priority: number;
  readonly attributes: Readonly<Record<string, unknown>>;
  /** Skills (with minimum levels) the current step requires, task and step combined. */
  readonly requiredSkills: Readonly<Record<string, number>>;
}

/**
 * How the engine picks among eligible workers. A strategy gives either a `rank` (worker-only,
 * lower first: lets the engine keep per-queue heaps of idle workers and take the head) or a
 * `score` (task-dependent, higher first: the engine scores every eligible candidate). Ties are
 * always broken by `idleSince`, then registration order, so choices are deterministic.
 *
 * @example
 * ```ts
 * const fewestTasks: RoutingStrategy = { name: 'fewest-tasks', rank: (w) => w.activeTasks };
 * ```
 */
export interface RoutingStrategy {
  readonly name: string;
  rank?(worker: WorkerView): number;
  score?(worker: WorkerView, task: TaskView): number;
}

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

/**
 * Most skilled: the highest sum of levels in the skills the task needs first.
 *
 * @example
 * ```ts
 * createRoutingEngine({ clock, workflow, strategy: mostSkilled });
 * ```
 */
export const mostSkilled: RoutingStrategy = {
  name: 'most-skilled',
  score: (w, t) => {
    let s = 0;
    for (const skill in t.requiredSkills) s += w.skills[skill] ?? 0;
    return s;
  },
};

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

/** The built-in strategies by name. */
export const STRATEGIES = {
  'longest-idle': longestIdle,
  'least-occupied': leastOccupied,
  'round-robin': roundRobin,
  'most-skilled': mostSkilled,
} as const satisfies Record<string, RoutingStrategy>;

/** Name of a built-in strategy. */
export type StrategyName = keyof typeof STRATEGIES;
