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
