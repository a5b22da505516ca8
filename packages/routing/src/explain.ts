import { hasRoom } from './capacity.js';
import { taskView, workerComparator } from './dispatch.js';
import { checkRequirement } from './requirements.js';
import { lane } from './roster/workers.js';
import { currentTime, type Group, type RoutingState, type TaskState, type WorkerState } from './state.js';
import { basePriority, currentStep, filterOf } from './workflow/evaluate.js';
import { groupFor } from './workflow/groups.js';

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

/** The `explainWaiting` trace of a task. */
export function explain(s: RoutingState, t: TaskState): DecisionTrace {
  const now = currentTime(s);
  const filter = filterOf(s, t);
  const step = currentStep(s, t);
  const g = step ? (t.group ?? groupFor(s, t, step)) : null;
  const excluded: Partial<Record<ExclusionReason, string[]>> = {};
  const eligible: RankedWorker[] = [];
  let members: WorkerState[] = [];
  if (g) {
    if (g.pinnedWorkerId !== null) {
      const w = s.workers.get(g.pinnedWorkerId);
      members = w ? [w] : [];
    } else {
      members = [...g.queue.members].sort((a, b) => a.order - b.order);
    }
  }
  const eligibleWorkers: WorkerState[] = [];
  if (g && step) {
    for (const w of members) {
      const reason = exclusionReason(s, w, t, g);
      if (reason) (excluded[reason] ??= []).push(w.id);
      else eligibleWorkers.push(w);
    }
    eligibleWorkers.sort(workerComparator(s, t, g, step.config));
    const view = taskView(s, t, g);
    for (const w of eligibleWorkers) {
      const ranked: RankedWorker = { workerId: w.id };
      if (s.strategy.rank) ranked.rank = s.strategy.rank(w);
      if (s.strategy.score) ranked.score = s.strategy.score(w, view);
      eligible.push(ranked);
    }
  }
  let ahead = 0;
  if (g && t.status === 'pending') {
    const eff = t.agedBase;
    const groups = g.pinnedWorkerId === null ? [...lane(s, g.queue, t.ch).list] : [g];
    for (const other of groups) {
      for (const x of other.heap.items) {
        if (x === t) continue;
        if (
          x.agedBase > eff ||
          (x.agedBase === eff &&
            (x.createdAt < t.createdAt || (x.createdAt === t.createdAt && x.seq < t.seq)))
        )
          ahead++;
      }
    }
  }
  const ordered: Partial<Record<ExclusionReason, string[]>> = {};
  for (const reason of EXCLUSION_REASONS) if (excluded[reason]) ordered[reason] = excluded[reason];
  const base: Omit<DecisionTrace, 'summary'> = {
    taskId: t.id,
    status: t.status,
    filter: filter?.name ?? null,
    step: t.stepIdx,
    queue: g?.queue.config.id ?? null,
    knownWorkerId: g?.pinnedWorkerId ?? null,
    strategy: s.strategy.name,
    effectivePriority: g ? t.agedBase + g.queue.ratePerMs * now : basePriority(s, t),
    waitingMs: Math.max(0, now - t.createdAt),
    stepTimeoutAt: t.stepDeadline?.at ?? null,
    queueMembers: members.length,
    excluded: ordered,
    eligible,
    ahead,
  };
  return { ...base, summary: summarizeTrace(base) };
}

/** The first reason worker `w` cannot take task `t` now, or `undefined` when eligible. */
export function exclusionReason(
  s: RoutingState,
  w: WorkerState,
  t: TaskState,
  g: Group,
): ExclusionReason | undefined {
  if (w.status !== 'available') return 'presence';
  if (!w.inShift) return 'shift';
  if (w.draining) return 'draining';
  if (!w.capacity.has(t.ch)) return 'channel';
  for (const r of t.pending) if (r.worker === w) return 'offered';
  if (!hasRoom(w, t.ch)) return 'capacity';
  const failure = checkRequirement(g.requirement, w);
  if (failure) return failure.reason;
  if (g.expr && !g.expr.evaluate({ worker: w.ctx, task: g.exprTask })) return 'expression';
  if (g.humanOnly && w.kind === 'bot') return 'kind';
  const until = t.excluded?.get(w.id);
  if (until !== undefined && until > currentTime(s)) return 'rejected';
  return undefined;
}
