import { countAvailable, routeTask } from '../dispatch.js';
import type { StepChangeReason } from '../events.js';
import { emit, wants } from '../notifications.js';
import type { ShiftCalendar } from '../options.js';
import { meetsRequirement } from '../requirements.js';
import {
  currentTime,
  DEFAULT_FILTER,
  type FilterRuntime,
  NO_CANDIDATES,
  NO_FILTER,
  NO_SKILLS,
  type RoutingState,
  type StepRuntime,
  type TaskState,
} from '../state.js';
import type { StepConfig } from './definition.js';
import { groupFor, joinGroup } from './groups.js';

/** The value at an own-property path, or `undefined`. */
export function readSegments(obj: unknown, path: readonly (string | number)[]): unknown {
  let cur = obj;
  for (const seg of path) {
    if (cur === null || typeof cur !== 'object' || !Object.hasOwn(cur, seg)) return undefined;
    cur = (cur as Record<string | number, unknown>)[seg];
  }
  return cur;
}

/** `task.*` as rule expressions see it (cached until the task changes). */
export function taskCtx(t: TaskState): Record<string, unknown> {
  if (!t.ctx) {
    t.ctx = {
      ...t.attributes,
      id: t.id,
      channel: t.channel,
      priority: t.priority,
      requiredSkills: t.requiredSkills,
      preferredWorkerId: t.preferredWorkerId,
      deadline: t.deadline,
      createdAt: t.createdAt,
    };
  }
  return t.ctx;
}

/** The filter a task is in, or `null`. */
export function filterOf(s: RoutingState, t: TaskState): FilterRuntime | null {
  if (t.filterIdx === DEFAULT_FILTER) return s.defaultFilter;
  if (t.filterIdx < 0) return null;
  return s.filters[t.filterIdx] ?? null;
}

/** Indexed filter candidates for `t` (plus the unindexed filters), in filter order. */
export function indexedCandidates(s: RoutingState, t: TaskState): number[] {
  const found: number[] = [...s.unindexedFilters];
  for (const [attr, byValue] of s.filterIndex) {
    const value = t.attributes[attr];
    const values = Array.isArray(value) ? value : [value];
    for (const v of values) {
      const list = byValue.get(v);
      if (list) for (const i of list) found.push(i);
    }
  }
  if (found.length > 1) found.sort((a, b) => a - b);
  return found;
}

/** The index of the first filter matching `t` (`DEFAULT_FILTER` / `NO_FILTER` otherwise). */
export function matchFilter(s: RoutingState, t: TaskState): number {
  let candidates: readonly number[] = s.unindexedFilters;
  const sole = s.soleFilterIndex;
  const soleValue = sole === null ? undefined : t.attributes[sole.attr];
  if (sole !== null && !Array.isArray(soleValue)) {
    // One indexed attribute, no unindexed filters and a scalar value: its list (in filter
    // order, without duplicates) is already the candidate set, and a filter whose match is that
    // attribute alone is matched by being in it (only its `when` is left).
    candidates = sole.byValue.get(soleValue) ?? NO_CANDIDATES;
    for (let k = 0; k < candidates.length; k++) {
      const i = candidates[k] as number;
      const filter = s.filters[i] as FilterRuntime;
      if (!filter.matchByIndex) return firstMatch(s, t, candidates, k);
      if (filter.when === null || filter.when.evaluate({ task: taskCtx(t) })) return i;
    }
    return s.defaultFilter ? DEFAULT_FILTER : NO_FILTER;
  }
  if (s.filterIndex.size > 0) {
    candidates = indexedCandidates(s, t);
  }
  return firstMatch(s, t, candidates, 0);
}

/** The first of `candidates` (filter indexes, in filter order) from `from` on matching `t`, else the default. */
function firstMatch(s: RoutingState, t: TaskState, candidates: readonly number[], from: number): number {
  for (let k = from; k < candidates.length; k++) {
    const i = candidates[k] as number;
    const filter = s.filters[i] as FilterRuntime;
    const match = filter.config?.match;
    if (!match) {
      if (filter.when && !filter.when.evaluate({ task: taskCtx(t) })) continue;
      return i;
    }
    if (match.channel !== undefined) {
      const channels = Array.isArray(match.channel) ? match.channel : [match.channel];
      if (!channels.includes(t.channel)) continue;
    }
    if (match.minPriority !== undefined && t.priority < match.minPriority) continue;
    if (filter.match && !meetsRequirement(filter.match, { skills: NO_SKILLS, attributes: t.attributes }))
      continue;
    if (match.businessHours) {
      const cal = s.calendars[match.businessHours.calendar] as ShiftCalendar;
      if (cal.isBusinessTime(currentTime(s)) !== match.businessHours.open) continue;
    }
    if (filter.when && !filter.when.evaluate({ task: taskCtx(t) })) continue;
    return i;
  }
  return s.defaultFilter ? DEFAULT_FILTER : NO_FILTER;
}

/** Runs the filters for a task and enters the first step (or keeps its step when the filter is unchanged). */
export function enterWorkflow(s: RoutingState, t: TaskState, previousFilter: number | null): void {
  const idx = matchFilter(s, t);
  if (previousFilter !== null && idx === previousFilter && idx !== NO_FILTER) {
    enterStep(s, t, t.stepIdx, 'updated', true);
    return;
  }
  t.filterIdx = idx;
  t.route = null;
  if (idx === NO_FILTER) {
    t.status = 'unrouted';
    return;
  }
  t.status = 'pending';
  enterStep(s, t, 0, null, false);
}

/** Moves a pending task into step `i` (skipping steps that cannot apply) and routes it. */
export function enterStep(
  s: RoutingState,
  t: TaskState,
  i: number,
  reason: StepChangeReason | null,
  stay: boolean,
): void {
  const filter = filterOf(s, t);
  if (!filter) return;
  const now = currentTime(s);
  const from = t.stepIdx;
  let why = reason;
  let idx = i;
  const last = filter.steps.length - 1;
  for (;;) {
    const step = filter.steps[idx] as StepRuntime;
    if (idx < last && !stay) {
      const timeoutAt = step.timeout === undefined ? null : t.routedAt + step.timeout;
      if (timeoutAt !== null && timeoutAt <= now) {
        idx++;
        why = 'timeout';
        continue;
      }
      if (step.config.knownWorker && knownWorkerId(s, t, step.config) === null) {
        idx++;
        why = 'no_known_worker';
        continue;
      }
      if (step.skipIf) {
        const group = groupFor(s, t, step);
        const available = countAvailable(s, t, group, Number.POSITIVE_INFINITY);
        const members = group.pinnedWorkerId === null ? step.queue.members.size : available;
        if (step.skipIf.evaluate({ task: taskCtx(t), workers: { available, members } })) {
          idx++;
          why = 'skipped';
          continue;
        }
      }
      if (step.config.skipIfAvailableBelow !== undefined) {
        const group = groupFor(s, t, step);
        if (
          countAvailable(s, t, group, step.config.skipIfAvailableBelow) < step.config.skipIfAvailableBelow
        ) {
          idx++;
          why = 'skipped';
          continue;
        }
      }
    }
    break;
  }
  stay = false;
  t.stepIdx = idx;
  t.route = t.handoffQueue === null ? (filter.steps[idx] as StepRuntime) : null;
  const step = filter.steps[idx] as StepRuntime;
  if (t.stepDeadline !== undefined) {
    s.deadlines.cancel(t.stepDeadline);
    t.stepDeadline = undefined;
  }
  if (idx < last && step.timeout !== undefined)
    t.stepDeadline = s.deadlines.add(Math.max(t.routedAt + step.timeout, now), 'step', t.id, 0);
  if (why !== null && (from !== idx || why === 'handoff')) {
    emit(s, 'task.step_changed', 'task', t.id, ++t.version, {
      taskId: t.id,
      filter: filter.name,
      fromStep: from,
      toStep: idx,
      queue: t.handoffQueue ?? step.queueId,
      reason: why,
    });
  }
  joinGroup(s, t, groupFor(s, t, step), step);
  const version = ++t.version;
  if (wants(s, 'task.queued'))
    emit(s, 'task.queued', 'task', t.id, version, {
      taskId: t.id,
      filter: filter.name,
      step: idx,
      queue: t.handoffQueue ?? step.queueId,
      priority: basePriority(s, t),
    });
  routeTask(s, t, undefined, step);
}

/** The worker a `knownWorker` step pins the task to, or `null`. */
export function knownWorkerId(s: RoutingState, t: TaskState, step: StepConfig): string | null {
  if (step.knownWorker === 'preferred') return t.preferredWorkerId;
  if (step.knownWorker === 'last') {
    const key = t.attributes[s.workflow.stickyKey];
    if (typeof key !== 'string' && typeof key !== 'number') return null;
    return s.sticky.get(String(key)) ?? null;
  }
  return null;
}

/** The task's current step (its queue replaced by a handoff target queue). */
export function currentStep(s: RoutingState, t: TaskState): StepRuntime | undefined {
  const step = filterOf(s, t)?.steps[t.stepIdx];
  if (!step || t.handoffQueue === null) return step;
  return { ...step, queue: s.queueById.get(t.handoffQueue) ?? step.queue };
}

/** The task's priority in its step, SLA boost included (aging excluded). */
export function basePriority(s: RoutingState, t: TaskState): number {
  const step = currentStep(s, t);
  const slaBoost = t.boosted ? (step?.queue.config.slaBoost?.boost ?? 0) : 0;
  return (step?.config.priority ?? t.priority) + slaBoost;
}

/** Schedules (or applies) the SLA-risk boost of a task with a deadline. */
export function scheduleBoost(s: RoutingState, t: TaskState): void {
  if (t.deadline === null) return;
  // The boost window is per queue; schedule at the widest window, re-checked when it fires.
  let within = 0;
  for (const q of s.queues) within = Math.max(within, q.config.slaBoost?.within ?? 0);
  if (within === 0) return;
  const at = t.deadline - within;
  if (at <= currentTime(s)) t.boosted = true;
  else t.boostDeadline = s.deadlines.add(at, 'boost', t.id, 0);
}
