import { toMillis } from '@threadline/core';
import { releaseReservation } from '../capacity.js';
import { afterFree } from '../dispatch.js';
import { freezeAttributes, type ParsedTaskInput, type ParsedTaskPatch } from '../inputs.js';
import { emit, wants } from '../notifications.js';
import { assertTransition, endPending } from '../reservations.js';
import {
  channelIndex,
  currentTime,
  NO_FILTER,
  NO_PENDING,
  NO_SKILLS,
  type ReservationState,
  type RoutingState,
  type TaskState,
} from '../state.js';
import { forgetBotTask } from '../timers.js';
import { currentStep, enterWorkflow, matchFilter, scheduleBoost } from '../workflow/evaluate.js';
import { groupAdmits, groupFor, leaveGroup } from '../workflow/groups.js';

/** After an update: does another filter match now, or has an offered worker stopped qualifying? */
export function offersNoLongerFit(s: RoutingState, t: TaskState): boolean {
  if (t.handoffQueue !== null) return false;
  if (matchFilter(s, t) !== t.filterIdx) return true;
  const step = currentStep(s, t);
  if (!step) return true;
  const g = groupFor(s, t, step);
  for (const r of t.pending) {
    if (!groupAdmits(g, r.worker)) return true;
    if (g.pinnedWorkerId !== null && g.pinnedWorkerId !== r.worker.id) return true;
  }
  return false;
}

/** Completes a held reservation and its task, freeing the worker. */
export function finish(s: RoutingState, r: ReservationState): void {
  assertTransition(r.id, r.status, 'completed');
  r.status = 'completed';
  releaseReservation(s, r);
  forgetTask(s, r.task);
  afterFree(s, r.worker);
}

/** Drops a finished task and its deadlines. */
export function forgetTask(s: RoutingState, t: TaskState): void {
  s.deadlines.cancel(t.stepDeadline);
  s.deadlines.cancel(t.boostDeadline);
  t.stepDeadline = undefined;
  t.boostDeadline = undefined;
  s.tasks.delete(t.id);
  if (t.botDeadline !== undefined) forgetBotTask(s, t);
  s.taskPositions.release(t.handle);
}

/** Creates a task from validated input and routes it (the caller delivers the events). */
export function createTask(s: RoutingState, id: string, data: ParsedTaskInput): TaskState {
  const now = currentTime(s);
  const createdAt = data.createdAt === undefined ? now : toMillis(data.createdAt, 'createdAt');
  const t: TaskState = {
    version: 0,
    id,
    seq: s.taskSeq++,
    channel: data.channel,
    ch: channelIndex(s, data.channel),
    priority: data.priority,
    // Frozen (nested values copied): views hand these out, and callers must not change what
    // the engine has indexed.
    attributes: freezeAttributes(data.attributes, 'task', ['attributes']),
    requiredSkills: data.requiredSkills === undefined ? NO_SKILLS : Object.freeze(data.requiredSkills),
    preferredWorkerId: data.preferredWorkerId ?? null,
    deadline: data.deadline ?? null,
    createdAt,
    routedAt: now,
    humanOnly: false,
    handoffQueue: null,
    status: 'pending',
    filterIdx: NO_FILTER,
    stepIdx: 0,
    route: null,
    agedBase: 0,
    boosted: false,
    group: null,
    handle: s.taskPositions.alloc(),
    excluded: null,
    pending: NO_PENDING,
    assigned: null,
    assignedAt: null,
    stepDeadline: undefined,
    boostDeadline: undefined,
    botDeadline: undefined,
    ctx: null,
  };
  s.tasks.set(id, t);
  scheduleBoost(s, t);
  enterWorkflow(s, t, null);
  return t;
}

/** Applies a validated patch to a task and re-evaluates it. */
export function updateTask(s: RoutingState, t: TaskState, data: ParsedTaskPatch): void {
  // Built before anything changes: a refused key leaves the task as it was.
  const attributes =
    data.attributes === undefined
      ? undefined
      : freezeAttributes({ ...t.attributes, ...data.attributes }, 'task patch', ['attributes']);
  t.ctx = null;
  if (data.priority !== undefined) t.priority = data.priority;
  if (attributes !== undefined) t.attributes = attributes;
  if (data.requiredSkills !== undefined) t.requiredSkills = Object.freeze(data.requiredSkills);
  if (data.preferredWorkerId !== undefined) t.preferredWorkerId = data.preferredWorkerId;
  if (data.deadline !== undefined) {
    t.deadline = data.deadline;
    s.deadlines.cancel(t.boostDeadline);
    t.boostDeadline = undefined;
    t.boosted = false;
    scheduleBoost(s, t);
  }
  if (t.status === 'pending' || t.status === 'unrouted') {
    leaveGroup(s, t);
    const previousFilter = t.filterIdx;
    enterWorkflow(s, t, previousFilter);
  } else if (t.status === 'reserved' && offersNoLongerFit(s, t)) {
    // The open offers no longer fit the task: rescind them and route it afresh.
    for (const r of [...t.pending]) endPending(s, r, 'rescinded', 'task_updated', false);
    if (t.status === 'reserved' && t.pending.length === 0 && s.tasks.get(t.id) === t) {
      t.status = 'pending';
      enterWorkflow(s, t, t.filterIdx);
    }
  }
}

/** Cancels a task in any state: open offers are rescinded and held capacity is freed. */
export function cancelTask(s: RoutingState, t: TaskState, why: string): void {
  leaveGroup(s, t);
  for (const r of [...t.pending]) endPending(s, r, 'canceled', 'task_canceled', false);
  const held = t.assigned;
  if (held) {
    assertTransition(held.id, held.status, 'canceled');
    held.status = 'canceled';
    releaseReservation(s, held);
  }
  forgetTask(s, t);
  emit(s, 'task.canceled', 'task', t.id, ++t.version, { taskId: t.id, reason: why });
  if (held) afterFree(s, held.worker);
}

/** Completes an assigned task, at once or after a wrap-up (a deadline `advanceTo` fires). */
export function completeTask(s: RoutingState, t: TaskState, r: ReservationState, wrapUpMs: number): void {
  const now = currentTime(s);
  const wrap = wrapUpMs;
  // Hot-path events build their payloads only when someone listens.
  const version = ++t.version;
  if (wants(s, 'task.completed'))
    emit(s, 'task.completed', 'task', t.id, version, {
      taskId: t.id,
      workerId: r.worker.id,
      wrapUpUntil: now + wrap,
    });
  if (wrap > 0) {
    assertTransition(r.id, r.status, 'wrapping');
    r.status = 'wrapping';
    t.status = 'wrapping';
    s.wrapping.set(r.id, r);
    forgetBotTask(s, t);
    r.deadline = s.deadlines.add(now + wrap, 'wrapup', r.id, 0);
  } else {
    finish(s, r);
  }
}
