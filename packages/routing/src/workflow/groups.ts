import type { CompiledExpression } from '@threadline/core';
import { setLaneGroups, syncLaneRow } from '../indexes/laneTable.js';
import { TaskHeap } from '../indexes/taskHeap.js';
import { meetsRequirement, mergeRequirements, type Requirement } from '../requirements.js';
import { lane } from '../roster/workers.js';
import {
  type Group,
  hasKeys,
  type Lane,
  type RoutingState,
  type StepRuntime,
  type TaskState,
  type WorkerState,
} from '../state.js';
import { admitTableFor } from './admitTable.js';
import { basePriority, knownWorkerId, readSegments, taskCtx } from './evaluate.js';

/** Task values an expression step keeps groups for, per channel (then it starts afresh). */
const EXPR_GROUPS_MAX = 256;

/** Refreshes a group's cached head (and its lane's fast head) after its heap changed. */
export function syncHead(g: Group): void {
  const head = g.heap.peek();
  g.head = head;
  if (head !== undefined) {
    // Read from the heap's key array: no load of the head task itself on the common path.
    g.headBase = g.heap.peekBase();
    g.headClean = g.excludedCount === 0 || head.excluded === null;
  }
  if (g.table !== null) syncLaneRow(g.table, g.laneIdx);
}

/** Whether a group's own rules (human-only, requirement, worker expression) admit `w`. */
export function groupAdmits(g: Group, w: WorkerState): boolean {
  if (g.humanOnly && w.kind === 'bot') return false;
  if (!meetsRequirement(g.requirement, w)) return false;
  const admit = g.admit;
  if (admit === null) return true;
  // An expression reads only the worker's attributes and the task values in the group's key:
  // its answer per worker is kept under that key until the worker's attributes change.
  const known = admit.answer(w.order, w.attrStamp);
  if (known !== -1) return known === 1;
  const admits = (g.expr as CompiledExpression).evaluate({ worker: w.ctx, task: g.exprTask }) === true;
  admit.set(w.order, w.attrStamp, admits);
  return admits;
}

/** The group a task joins in a step (cached per step and channel for plain tasks). */
export function groupFor(s: RoutingState, t: TaskState, step: StepRuntime): Group {
  const plain =
    t.handoffQueue === null &&
    step.expr === null &&
    step.config.knownWorker === undefined &&
    !t.humanOnly &&
    !hasKeys(t.requiredSkills);
  if (plain) {
    const cached = step.plainGroups[t.ch];
    if (cached !== undefined) return cached;
  }
  // An expression step reading one task value (`task.language IN worker.languages`): its group
  // for that value, without building the key. A cached group that emptied left its bucket; it
  // stands unless another group took its key there meanwhile (a task with skills of its own
  // that merge to the same requirement builds its key the long way).
  let byValue: Map<string | number | boolean, Group> | undefined;
  let value: unknown;
  if (
    step.exprTaskPaths.length === 1 &&
    t.handoffQueue === null &&
    step.config.knownWorker === undefined &&
    !t.humanOnly &&
    !hasKeys(t.requiredSkills)
  ) {
    value = readSegments(taskCtx(t), step.exprTaskPaths[0] as readonly (string | number)[]);
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
      byValue = step.exprGroups[t.ch];
      if (byValue === undefined) {
        byValue = new Map();
        step.exprGroups[t.ch] = byValue;
      }
      const cached = byValue.get(value);
      if (cached !== undefined) {
        if (cached.heap.size > 0) return cached;
        const held = (cached.lane as Lane).groups.get(cached.key);
        if (held === undefined || held === cached) return cached;
      }
    } else byValue = undefined;
  }
  const queue = t.handoffQueue ? (s.queueById.get(t.handoffQueue) ?? step.queue) : step.queue;
  const pinned = step.config.knownWorker ? knownWorkerId(s, t, step.config) : null;
  // Most tasks carry no skills of their own: the step's requirement, compiled once, is the merge.
  const requirement = hasKeys(t.requiredSkills)
    ? mergeRequirements([step.config.requires, { skills: t.requiredSkills } as Requirement])
    : step.requirement;
  let exprKey = '';
  if (step.expr) {
    const ctx = taskCtx(t);
    exprKey = JSON.stringify(step.exprTaskPaths.map((path) => readSegments(ctx, path) ?? null));
  }
  const key =
    requirement === step.requirement && !t.humanOnly && pinned === null && !step.expr
      ? step.plainKey
      : `${requirement.key}|${t.humanOnly ? 'h' : ''}|${pinned ?? ''}|${step.expr ? step.expr.source : ''}|${exprKey}`;
  const bucket = pinned === null ? lane(s, queue, t.ch).groups : pinnedGroupMap(s, pinned);
  const fullKey = pinned === null ? key : `${queue.idx}|${t.ch}|${key}`;
  let group = bucket.get(fullKey);
  if (!group) {
    const lifo = queue.config.lifo;
    group = {
      key: fullKey,
      queue,
      ch: t.ch,
      requirement,
      humanOnly: t.humanOnly,
      pinnedWorkerId: pinned,
      // Higher aged priority first, then age (LIFO: newest), then submission order.
      heap: new TaskHeap<TaskState>(s.taskPositions, lifo === true),
      expr: step.expr,
      exprTask: step.expr ? taskCtx(t) : null,
      admitKey: step.expr ? `${step.expr.source}|${exprKey}` : '',
      admit: step.expr ? admitTableFor(s.admitTables, `${step.expr.source}|${exprKey}`) : null,
      admitted: undefined,
      head: undefined,
      headBase: 0,
      headClean: true,
      excludedCount: 0,
      open:
        !t.humanOnly &&
        step.expr === null &&
        requirement.skillNames.length === 0 &&
        requirement.attributeNames.length === 0,
      rate: queue.ratePerMs,
      lane: pinned === null ? lane(s, queue, t.ch) : null,
      laneIdx: pinned === null ? lane(s, queue, t.ch).idx : -1,
      table: pinned === null ? s.laneTable : null,
      queueId: queue.config.id,
      plain: key === step.plainKey && pinned === null,
    };
  }
  if (plain && group.plain) step.plainGroups[t.ch] = group;
  if (byValue !== undefined) {
    if (byValue.size >= EXPR_GROUPS_MAX) byValue.clear();
    byValue.set(value as string | number | boolean, group);
  }
  return group;
}

/** The groups pinned to one worker. */
export function pinnedGroupMap(s: RoutingState, workerId: string): Map<string, Group> {
  let m = s.pinnedGroups.get(workerId);
  if (!m) {
    m = new Map();
    s.pinnedGroups.set(workerId, m);
  }
  return m;
}

/** The map a group is kept in (its lane's, or its pinned worker's). */
export function groupBucket(s: RoutingState, g: Group): Map<string, Group> {
  return g.pinnedWorkerId === null ? lane(s, g.queue, g.ch).groups : pinnedGroupMap(s, g.pinnedWorkerId);
}

/** Queues `t` in `g`. `step`, when given, is `t`'s current step (spares looking it up). */
export function joinGroup(s: RoutingState, t: TaskState, g: Group, step?: StepRuntime): void {
  const base =
    step !== undefined && t.handoffQueue === null
      ? (step.config.priority ?? t.priority) + (t.boosted ? step.boost : 0)
      : basePriority(s, t);
  t.agedBase = base - g.rate * t.createdAt;
  t.group = g;
  if (t.excluded !== null) g.excludedCount++;
  if (g.heap.size === 0) {
    if (!g.plain) groupBucket(s, g).set(g.key, g);
    // A group has a lane unless it is pinned to one worker.
    const lane = g.lane;
    if (lane !== null) {
      lane.list.push(g);
      setLaneGroups(lane);
    }
  }
  g.heap.push(t);
  // Most arrivals queue behind the current head: then the head, its key and the lane's scan
  // row are unchanged.
  if (g.heap.peek() !== g.head) syncHead(g);
  s.waiting++;
}

/** Takes a task out of its group (and the group out of its lane when empty). */
export function leaveGroup(s: RoutingState, t: TaskState): void {
  const g = t.group;
  if (!g) return;
  g.heap.remove(t);
  if (t.excluded !== null) g.excludedCount--;
  if (t === g.head) syncHead(g);
  t.group = null;
  s.waiting--;
  if (g.heap.size === 0) {
    // Plain groups stay in their bucket while empty (steps cache them): nothing to look up.
    if (!g.plain || g.pinnedWorkerId !== null) {
      const bucket = groupBucket(s, g);
      if (!g.plain) bucket.delete(g.key);
      if (g.pinnedWorkerId !== null && bucket.size === 0) s.pinnedGroups.delete(g.pinnedWorkerId);
    }
    const lane = g.lane;
    if (lane !== null) {
      const list = lane.list;
      const at = list.indexOf(g);
      if (at >= 0) {
        list[at] = list[list.length - 1] as Group;
        list.pop();
      }
      setLaneGroups(lane);
      syncLaneRow(lane.table, lane.idx);
    }
  }
}
