/** Why a worker was not offered a task. */
export type ExclusionReason =
  | 'presence'
  | 'shift'
  | 'draining'
  | 'channel'
  | 'capacity'
  | 'skill'
  | 'level'
  | 'attribute'
  | 'expression'
  | 'kind'
  | 'rejected'
  | 'offered';

/** All exclusion reasons, in the order the engine checks them. */
export const EXCLUSION_REASONS: readonly ExclusionReason[] = [
  'presence',
  'shift',
  'draining',
  'channel',
  'capacity',
  'skill',
  'level',
  'attribute',
  'expression',
  'kind',
  'rejected',
  'offered',
];

/** One eligible worker and how it ranks (lower `rank` first, higher `score` first). */
export interface RankedWorker {
  workerId: string;
  rank?: number;
  score?: number;
}

/**
 * A routing decision (or non-decision) explained: which filter and step matched, who was
 * excluded and why (grouped by reason), and how the eligible workers rank.
 */
export interface DecisionTrace {
  taskId: string;
  status: 'unrouted' | 'pending' | 'reserved' | 'assigned' | 'wrapping';
  filter: string | null;
  step: number;
  queue: string | null;
  /** Worker the step is pinned to (known/preferred/last agent steps). */
  knownWorkerId: string | null;
  strategy: string;
  effectivePriority: number;
  waitingMs: number;
  /** When the current step times out, if it does. */
  stepTimeoutAt: number | null;
  /** Number of workers that belong to the step's queue. */
  queueMembers: number;
  /** Worker ids per exclusion reason (queue members only). */
  excluded: Partial<Record<ExclusionReason, string[]>>;
  /** Eligible workers, best first. */
  eligible: RankedWorker[];
  /** Tasks in the same queue and channel that go before this one. */
  ahead: number;
  /** A one-line human explanation. */
  summary: string;
}

/** Builds the one-line summary of a trace. */
export function summarizeTrace(trace: Omit<DecisionTrace, 'summary'>): string {
  if (trace.status === 'unrouted')
    return 'No workflow filter matched the task and the workflow has no default filter.';
  if (trace.status === 'reserved')
    return `The task is offered and waits for an answer (queue ${trace.queue}).`;
  if (trace.status === 'assigned' || trace.status === 'wrapping') return `The task is ${trace.status}.`;
  const parts = Object.entries(trace.excluded)
    .filter(([, ids]) => ids && ids.length > 0)
    .map(([reason, ids]) => `${ids?.length} ${reason}`);
  const who = trace.knownWorkerId ? `known worker ${trace.knownWorkerId}` : `queue ${trace.queue}`;
  if (trace.eligible.length > 0) {
    return `${trace.eligible.length} eligible worker(s) in ${who}; the task is offered as soon as the engine runs (${trace.ahead} task(s) ahead).`;
  }
  if (trace.queueMembers === 0 && !trace.knownWorkerId) return `Queue ${trace.queue} has no member workers.`;
  return `No eligible worker in ${who}: ${parts.length > 0 ? parts.join(', ') : 'none available'}.`;
}
