import { capOf, hasAnyRoom, hasRoom, holdCapacity } from './capacity.js';
import type { RoutingEventMap } from './events.js';
import { explain } from './explain.js';
import { LANE_EMPTY, LANE_FAST } from './indexes/laneTable.js';
import type { RingFamily } from './indexes/ringFamily.js';
import { emit, wants } from './notifications.js';
import { lane, laneIdleCount, offerable, purgeIfDrained, refreshWorker } from './roster/workers.js';
import {
  type ChannelCap,
  currentTime,
  type Group,
  type IdleEntry,
  type Lane,
  NO_PENDING,
  NO_WORKERS,
  type ReservationState,
  type RoutingState,
  type StepRuntime,
  type TaskState,
  type WorkerState,
} from './state.js';
import type { TaskView } from './strategies/index.js';
import type { StepConfig } from './workflow/definition.js';
import { basePriority, currentStep } from './workflow/evaluate.js';
import { groupAdmits, leaveGroup } from './workflow/groups.js';

/** The value at a dotted own-property path (`skills.billing`), or `undefined`. */
export function readPath(obj: Readonly<Record<string, unknown>>, path: string): unknown {
  let cur: unknown = obj;
  for (const part of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    if (!Object.hasOwn(cur as object, part)) return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

/** Queue order between equal priorities: created earlier, then submitted earlier. */
export function isOlder(a: TaskState, b: TaskState): boolean {
  return a.createdAt < b.createdAt || (a.createdAt === b.createdAt && a.seq < b.seq);
}

/** Orders `orderBy` values: missing first, numbers numerically, the rest as strings. */
export function compareValues(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === undefined || a === null) return -1;
  if (b === undefined || b === null) return 1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0;
}

/** Whether worker `w` may be offered task `t` of group `g` right now. */
export function eligible(s: RoutingState, w: WorkerState, t: TaskState, g: Group): boolean {
  if (!offerable(w) || !hasRoom(w, t.ch)) return false;
  if (!groupAdmits(g, w) || !taskAllowsWorker(s, t, w)) return false;
  for (const r of t.pending) if (r.worker === w) return false;
  return true;
}

/** Finds up to `k` workers for `t`, best first. */
export function findWorkers(
  s: RoutingState,
  t: TaskState,
  g: Group,
  k: number,
  step: StepConfig,
): WorkerState[] {
  if (g.pinnedWorkerId !== null) {
    const w = s.workers.get(g.pinnedWorkerId);
    return w && g.queue.members.has(w) && eligible(s, w, t, g) ? [w] : [];
  }
  // Nobody idle in the lane (the common case under load): answered from counts alone.
  const l = g.lane as Lane;
  const idleCount = laneIdleCount(s, l);
  if (idleCount === 0) return NO_WORKERS;
  const enumerate = s.strategy.score !== undefined || step.orderBy !== undefined;
  // Pick the smallest candidate source: the lane's idle workers, or a skill bucket of the
  // step's extra requirements.
  let bucketSkill: string | undefined;
  let bucketLevel = 0;
  let bucketSize = idleCount;
  const req = g.requirement;
  for (let i = 0; i < req.skillNames.length; i++) {
    const n = s.skillIndex.count(req.skillNames[i] as string, req.minLevels[i] as number);
    if (n < bucketSize) {
      bucketSize = n;
      bucketSkill = req.skillNames[i];
      bucketLevel = req.minLevels[i] as number;
    }
  }
  if (!enumerate && bucketSkill === undefined) {
    if (l.family !== null) return familyWorkers(s, t, g, l, k);
    const found: WorkerState[] = [];
    l.idle.findInOrder((e) => {
      if (eligible(s, e.worker, t, g)) found.push(e.worker);
      return found.length >= k;
    });
    return found;
  }
  const candidates: WorkerState[] = [];
  if (bucketSkill !== undefined) {
    const qIdx = g.queue.idx;
    s.skillIndex.forEach(bucketSkill, bucketLevel, (w) => {
      if (!w.queues.some((q) => q.idx === qIdx)) return;
      if (eligible(s, w, t, g)) candidates.push(w);
    });
  } else {
    const visit = (e: IdleEntry) => {
      if (eligible(s, e.worker, t, g)) candidates.push(e.worker);
    };
    if (l.family !== null) l.family.forEach(l.minLevel, visit);
    else l.idle.forEach(visit);
  }
  if (candidates.length === 0) return candidates;
  candidates.sort(workerComparator(s, t, g, step));
  return candidates.slice(0, k);
}

/** The first `k` eligible idle workers of a family lane (the best one without a closure). */
function familyWorkers(s: RoutingState, t: TaskState, g: Group, l: Lane, k: number): WorkerState[] {
  const family = l.family as RingFamily<IdleEntry>;
  if (k === 1) {
    const best = family.best(l.minLevel);
    if (best === undefined) return NO_WORKERS;
    if (eligible(s, best.worker, t, g)) {
      s.soloFound[0] = best.worker;
      return s.soloFound;
    }
  }
  const entries: IdleEntry[] = [];
  family.firstAccepted(l.minLevel, k, familyAccept(s, t, g), entries);
  return entries.map((e) => e.worker);
}

/**
 * The test a walk of a family's idle entries applies: {@link eligible}, but with a step
 * expression's stored answer read first. An expression step walks past every idle worker it
 * refuses (a language few speak), and its answer table says no in one array load, before the
 * presence, room and requirement checks; `eligible` decides every other case (it is pure, so
 * the order of the checks changes no decision).
 */
function familyAccept(s: RoutingState, t: TaskState, g: Group): (e: IdleEntry) => boolean {
  const admit = g.admit;
  if (admit === null) return (e) => eligible(s, e.worker, t, g);
  return (e) => {
    const w = e.worker;
    return admit.answer(w.order, w.attrStamp) !== 0 && eligible(s, w, t, g);
  };
}

/** Best-first order of candidate workers: `orderBy` keys, strategy, longest idle, registration. */
export function workerComparator(
  s: RoutingState,
  t: TaskState,
  g: Group,
  step: StepConfig,
): (a: WorkerState, b: WorkerState) => number {
  const strategy = s.strategy;
  const view = taskView(s, t, g);
  const rank = strategy.rank;
  const score = strategy.score;
  const orderBy = step.orderBy ?? [];
  return (a, b) => {
    for (const key of orderBy) {
      const va = readPath(a.attributes, key.attribute);
      const vb = readPath(b.attributes, key.attribute);
      const c = compareValues(va, vb);
      if (c !== 0) return key.direction === 'asc' ? c : -c;
    }
    if (score) {
      const d = score(b, view) - score(a, view);
      if (d !== 0) return d;
    }
    if (rank) {
      const d = rank(a) - rank(b);
      if (d !== 0) return d;
    }
    if (a.idleSince !== b.idleSince) return a.idleSince - b.idleSince;
    return a.order - b.order;
  };
}

/** What a strategy sees of a task in its group (requirements merged). */
export function taskView(s: RoutingState, t: TaskState, g: Group): TaskView {
  const requiredSkills: Record<string, number> = {};
  g.requirement.skillNames.forEach((s, i) => {
    requiredSkills[s] = g.requirement.minLevels[i] as number;
  });
  return {
    id: t.id,
    channel: t.channel,
    priority: basePriority(s, t),
    attributes: t.attributes,
    requiredSkills,
  };
}

/** Eligible available workers for `t`, counting up to `atLeast`. */
export function countAvailable(s: RoutingState, t: TaskState, g: Group, atLeast: number): number {
  if (g.pinnedWorkerId !== null) {
    const w = s.workers.get(g.pinnedWorkerId);
    return w && eligible(s, w, t, g) ? 1 : 0;
  }
  const l = lane(s, g.queue, t.ch);
  if (l.family !== null) return l.family.countAccepted(l.minLevel, atLeast, familyAccept(s, t, g));
  let n = 0;
  l.idle.findInOrder((e) => {
    if (eligible(s, e.worker, t, g)) n++;
    return n >= atLeast;
  });
  return n;
}

/** Offers a pending task to the best available workers, if any. */
export function routeTask(
  s: RoutingState,
  t: TaskState,
  first?: WorkerState,
  current?: StepRuntime,
): boolean {
  const g = t.group;
  if (t.status !== 'pending' || !g) return false;
  let workers: WorkerState[];
  if (first !== undefined && t.route !== null && t.route.offers === 1) {
    // A freed worker taking a single-offer task (the common case): no step lookup, no list.
    s.soloWorker[0] = first;
    workers = s.soloWorker;
  } else {
    const step = current !== undefined && t.handoffQueue === null ? current : currentStep(s, t);
    if (!step) return false;
    const k = step.config.offers;
    if (first) {
      workers = [first];
      if (k > 1)
        for (const w of findWorkers(s, t, g, k, step.config))
          if (w !== first && workers.length < k) workers.push(w);
    } else {
      workers = findWorkers(s, t, g, k, step.config);
    }
  }
  if (workers.length === 0) return false;
  const trace = s.trace ? explain(s, t) : undefined;
  leaveGroup(s, t);
  t.status = 'reserved';
  s.decisions++;
  const now = currentTime(s);
  for (const w of workers) {
    const cap = capOf(w, t.ch) as ChannelCap;
    const r: ReservationState = {
      // `reservation.created` is its first event (versions count events delivered or not).
      version: 1,
      id: s.ids.next('res'),
      task: t,
      worker: w,
      status: 'pending',
      createdAt: now,
      expiresAt: now + s.reservationTimeoutMs,
      ch: t.ch,
      weight: cap.weight,
      deadline: undefined,
      cap: undefined,
      offerPrev: null,
      offerNext: null,
    };
    r.deadline = s.deadlines.add(r.expiresAt, 'reservation', r.id, 0);
    s.reservations.add(r);
    if (t.pending === NO_PENDING) t.pending = [r];
    else t.pending.push(r);
    holdCapacity(w, r);
    w.lastOfferSeq = s.offerSeq++;
    // A worker dispatching for itself refreshes once when it is done (`#dispatchWorker`).
    if (w !== first) refreshWorker(s, w);
    if (wants(s, 'reservation.created')) {
      // A plain literal (no spread): the payload is built once per offer on the hot path.
      const payload: RoutingEventMap['reservation.created'] = {
        reservationId: r.id,
        taskId: t.id,
        workerId: w.id,
        queue: g.queueId,
        expiresAt: r.expiresAt,
      };
      if (trace !== undefined) payload.trace = trace;
      emit(s, 'reservation.created', 'reservation', r.id, 1, payload);
    }
  }
  return true;
}

/** After capacity frees on a worker: refresh its heaps, drop it if draining, look for work. */
export function afterFree(s: RoutingState, w: WorkerState): void {
  purgeIfDrained(s, w);
  if (w.removed) return;
  // Look for work before re-entering the idle heaps: a worker that takes a task at once
  // (the common case under load) never touches them. Dispatch refreshes the worker last.
  dispatchWorker(s, w);
}

/** A free worker looks at the heads of its eligible queues (and its pinned tasks). */
export function dispatchWorker(s: RoutingState, w: WorkerState): void {
  // Offers made here skip the worker's heap refresh in `#routeTask`: one refresh at the end
  // covers them all (cheap when the worker ends up full, the common case under load).
  try {
    dispatchLoop(s, w);
  } finally {
    refreshWorker(s, w);
  }
}

/** Offers the worker the best heads it may take while it has room; true when it made an offer. */
export function dispatchLoop(s: RoutingState, w: WorkerState): boolean {
  let offered = false;
  for (let guard = 0; guard < 10_000; guard++) {
    if (!offerable(w) || w.removed) return offered;
    const now = currentTime(s);
    let best: TaskState | undefined;
    let bestEff = 0;
    let room = false;
    let lastCh = -1;
    let lastRoom = false;
    // The scan reads the lane table's typed arrays (a few KB, cache-resident) and touches a
    // lane object only for lanes without a fast head.
    const table = s.laneTable;
    const states = table.state;
    const chans = table.ch;
    const bases = table.base;
    const rates = table.rate;
    const heads = table.head;
    const pool = s.lanePool;
    const start = w.laneStart;
    const count = w.laneCount;
    for (let i = 0; i < count; i++) {
      const li = pool[start + i] as number;
      const state = states[li] as number;
      if (state === LANE_EMPTY) continue;
      const ch = chans[li] as number;
      if (ch !== lastCh) {
        lastCh = ch;
        lastRoom = hasRoom(w, ch);
        if (lastRoom) room = true;
      }
      if (!lastRoom) continue;
      if (state === LANE_FAST) {
        const eff = (bases[li] as number) + (rates[li] as number) * now;
        if (best === undefined || eff > bestEff) {
          best = heads[li];
          bestEff = eff;
        } else if (eff === bestEff) {
          const fast = heads[li] as TaskState;
          if (isOlder(fast, best)) best = fast;
        }
        continue;
      }
      const list = (w.lanes[i] as Lane).list;
      for (let k = 0; k < list.length; k++) {
        const g = list[k] as Group;
        // Fast path: an open group whose head has no exclusions needs no checks at all.
        const t = g.open && g.headClean ? g.head : headFor(s, g, w);
        if (!t) continue;
        const eff = (t === g.head ? g.headBase : t.agedBase) + g.rate * now;
        if (!best || eff > bestEff || (eff === bestEff && isOlder(t, best))) {
          best = t;
          bestEff = eff;
        }
      }
    }
    const pinned = s.pinnedGroups.size === 0 ? undefined : s.pinnedGroups.get(w.id);
    if (pinned) {
      for (const g of pinned.values()) {
        if (!w.queues.includes(g.queue) || !hasRoom(w, g.ch)) continue;
        room = true;
        const t = headFor(s, g, w);
        if (!t) continue;
        const eff = (t === g.head ? g.headBase : t.agedBase) + g.queue.ratePerMs * now;
        if (!best || eff > bestEff || (eff === bestEff && isOlder(t, best))) {
          best = t;
          bestEff = eff;
        }
      }
    }
    if (!best || !room) return offered;
    if (routeTask(s, best, w)) offered = true;
    if (!hasAnyRoom(w)) return offered;
  }
  return offered;
}

/** The first task of group `g` that worker `w` may take, or undefined. */
export function headFor(s: RoutingState, g: Group, w: WorkerState): TaskState | undefined {
  const head = g.head;
  if (head === undefined || !groupAdmits(g, w)) return undefined;
  if (g.headClean || taskAllowsWorker(s, head, w)) return head;
  return g.heap.findInOrder((x) => taskAllowsWorker(s, x, w));
}

/** False while `w` is inside the task's rejection exclusion window. */
export function taskAllowsWorker(s: RoutingState, t: TaskState, w: WorkerState): boolean {
  if (t.excluded === null || t.excluded.size === 0) return true;
  const until = t.excluded.get(w.id);
  return until === undefined || until <= currentTime(s);
}
