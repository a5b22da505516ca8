import type { Presence } from '@threadline/core';
import type { z } from 'zod';
import { hasAnyRoom, hasRoom, setFirstCap, updateOccupancy } from '../capacity.js';
import { dispatchWorker } from '../dispatch.js';
import { IdleLane } from '../indexes/idleLane.js';
import { RingFamily } from '../indexes/ringFamily.js';
import { copyAttributes, type WorkerInputSchema } from '../inputs.js';
import { emit } from '../notifications.js';
import { meetsRequirement, ownValue } from '../requirements.js';
import { endPending } from '../reservations.js';
import {
  type ChannelCap,
  channelIndex,
  currentTime,
  type IdleEntry,
  type Lane,
  NO_SKILLS,
  type QueueRuntime,
  type ReservationState,
  type RoutingState,
  type WorkerState,
} from '../state.js';
import { joinShiftGroup, leaveShiftGroup } from './shifts.js';

/** Creates or replaces a worker's state from validated input and re-indexes it. */
export function upsertWorkerState(
  s: RoutingState,
  data: z.output<typeof WorkerInputSchema>,
  restored:
    | { order: number; idleSince: number; lastOfferSeq: number; draining: boolean; statusSince: number }
    | undefined,
): WorkerState {
  // The engine's own deep copy (the indexes are built from it; a caller changing its objects
  // later must not change routing). Built first, so a refused key changes nothing.
  const attributes = copyAttributes({ ...data.attributes }, 'worker', ['attributes']);
  // The stored input (snapshots copy it) shares that copy: one per worker.
  data.attributes = attributes as typeof data.attributes;
  const now = currentTime(s);
  let w = s.workers.get(data.id);
  const previousStatus = w?.status ?? null;
  if (w) {
    unindexWorker(s, w);
  } else {
    w = {
      version: 0,
      id: data.id,
      kind: data.kind,
      attributes: {},
      skills: {},
      idleSince: now,
      activeTasks: 0,
      occupancy: 0,
      lastOfferSeq: -1,
      order: s.workerOrder++,
      input: data,
      status: data.status,
      reason: data.reason,
      statusSince: now,
      calendar: undefined,
      calendarName: undefined,
      inShift: true,
      draining: false,
      capacity: new Map(),
      caps: [],
      firstCh: -1,
      firstCap: undefined,
      multiChannel: false,
      totalCapacity: undefined,
      capacityUnits: 0,
      usedTotal: 0,
      offerHead: null,
      removed: false,
      queues: [],
      entries: [],
      lanes: [],
      laneStart: 0,
      laneCount: 0,
      inHeaps: 0,
      ctx: {},
      attrStamp: 0,
    };
    s.workers.set(w.id, w);
  }
  if (restored) {
    w.order = restored.order;
    w.idleSince = restored.idleSince;
    w.lastOfferSeq = restored.lastOfferSeq;
    w.statusSince = restored.statusSince;
    s.workerOrder = Math.max(s.workerOrder, restored.order + 1);
  }
  w.kind = data.kind;
  w.input = data;
  w.attributes = attributes;
  w.skills = (w.attributes.skills ?? NO_SKILLS) as Record<string, number>;
  w.ctx = { ...w.attributes, id: w.id, kind: w.kind };
  w.attrStamp = ++s.attrStamps;
  w.draining = restored?.draining ?? false;
  if (w.status !== data.status) {
    if (data.status === 'available' && w.activeTasks === 0) w.idleSince = now;
    w.statusSince = now;
  }
  w.status = data.status;
  w.reason = data.reason;
  const previous = w.caps;
  w.capacity = new Map();
  w.caps = [];
  w.capacityUnits = 0;
  for (const [channel, entry] of Object.entries(data.capacity)) {
    const ch = channelIndex(s, channel);
    // Channel objects are updated in place: held reservations point at them.
    const cap: ChannelCap = previous[ch] ?? { units: 0, weight: 1, used: 0 };
    cap.units = typeof entry === 'number' ? entry : entry.units;
    cap.weight = typeof entry === 'number' ? 1 : entry.weight;
    w.capacity.set(ch, cap);
    w.caps[ch] = cap;
    w.capacityUnits += cap.units;
  }
  // A channel dropped while tasks on it are still held keeps their usage (no room, no offers).
  previous.forEach((cap, ch) => {
    if (cap !== undefined && cap.used > 0 && w.caps[ch] === undefined) {
      cap.units = 0;
      w.caps[ch] = cap;
    }
  });
  setFirstCap(w);
  w.totalCapacity = data.totalCapacity;
  if (w.totalCapacity !== undefined) w.capacityUnits = Math.min(w.capacityUnits, w.totalCapacity);
  leaveShiftGroup(s, w);
  w.calendarName = data.calendar;
  w.calendar = data.calendar === undefined ? undefined : s.calendars[data.calendar];
  if (w.calendar && data.calendar !== undefined) {
    w.inShift = w.calendar.isBusinessTime(now);
    if (typeof w.calendar.periodsAfter === 'function') joinShiftGroup(s, w, data.calendar, w.calendar);
    else s.calendarWorkers.add(w);
  } else {
    w.inShift = true;
  }
  updateOccupancy(w);
  indexWorker(s, w);
  if (!restored && previousStatus !== data.status) {
    emit(s, 'worker.status_changed', 'worker', w.id, ++w.version, {
      workerId: w.id,
      from: previousStatus,
      to: data.status,
      ...(data.reason === undefined ? {} : { reason: data.reason }),
    });
  }
  if (!offerable(w)) rescindWorkerOffers(s, w, 'worker_unavailable');
  return w;
}

/** Adds a worker to the skill and attribute indexes, its queues and their lanes. */
export function indexWorker(s: RoutingState, w: WorkerState): void {
  s.skillIndex.add(w, w.skills);
  s.attributeIndex.add(w, w.attributes);
  const seen = new Set<QueueRuntime>();
  const consider = (q: QueueRuntime) => {
    if (seen.has(q)) return;
    seen.add(q);
    if (meetsRequirement(q.requirement, w) && (!q.expr || q.expr.evaluate({ worker: w.ctx }))) {
      w.queues.push(q);
      q.members.add(w);
    }
  };
  for (const skill of Object.keys(w.skills)) for (const q of s.queuesBySkill.get(skill) ?? []) consider(q);
  for (const q of s.queuesWithoutSkill) consider(q);
  w.queues.sort((a, b) => a.idx - b.idx);
  // One idle entry per own-list lane, and one per skill family (shared by the worker's
  // single-skill lanes of that skill and channel), in lane order.
  const families = new Set<RingFamily<IdleEntry>>();
  for (const q of w.queues) {
    for (const ch of w.capacity.keys()) {
      const l = lane(s, q, ch);
      w.lanes.push(l);
      const family = l.family;
      if (family !== null && families.has(family)) continue;
      if (family !== null) families.add(family);
      const level =
        family === null ? 0 : (ownValue(w.skills, q.requirement.skillNames[0] as string) as number);
      const entry: IdleEntry = {
        worker: w,
        ch,
        list: family === null ? l.idle : family.bucket(level),
        lane: family === null ? l : null,
        family,
        level,
        handle: -1,
        inHeap: false,
        rank: 0,
        idle: 0,
      };
      entry.handle = s.idlePositions.alloc(entry);
      w.entries.push(entry);
    }
  }
  placeLanes(s, w);
  refreshWorker(s, w);
}

/** Copies the worker's lane rows into the shared pool the free-worker scan reads. */
export function placeLanes(s: RoutingState, w: WorkerState): void {
  const n = w.lanes.length;
  if (s.lanePoolUsed + n > s.lanePool.length) {
    // Compact away rows of re-indexed or removed workers, then grow if still short.
    let live = 0;
    for (const x of s.workers.values()) live += x === w ? 0 : x.laneCount;
    const size = Math.max(1024, 2 ** Math.ceil(Math.log2((live + n) * 2)));
    const pool = new Int32Array(size);
    let at = 0;
    for (const x of s.workers.values()) {
      if (x === w || x.laneCount === 0) continue;
      pool.set(s.lanePool.subarray(x.laneStart, x.laneStart + x.laneCount), at);
      x.laneStart = at;
      at += x.laneCount;
    }
    s.lanePool = pool;
    s.lanePoolUsed = at;
  }
  w.laneStart = s.lanePoolUsed;
  w.laneCount = n;
  for (let i = 0; i < n; i++) s.lanePool[w.laneStart + i] = (w.lanes[i] as Lane).idx;
  s.lanePoolUsed += n;
}

/** Removes a worker from the indexes, queues and idle heaps. */
export function unindexWorker(s: RoutingState, w: WorkerState): void {
  s.skillIndex.remove(w, w.skills);
  s.attributeIndex.remove(w, w.attributes);
  for (const e of w.entries) {
    if (e.inHeap) {
      e.list.remove(e);
      e.inHeap = false;
      countIdle(s, e, -1);
    }
    s.idlePositions.release(e.handle);
  }
  w.inHeaps = 0;
  for (const q of w.queues) q.members.delete(w);
  w.entries = [];
  w.lanes = [];
  w.laneCount = 0;
  w.queues = [];
}

/** The lane of queue `q` on channel `ch`, created on first use. */
export function lane(s: RoutingState, q: QueueRuntime, ch: number): Lane {
  let lane = q.lanes[ch];
  if (!lane) {
    // A queue asking for one skill and nothing else reads that skill's family on the channel.
    const req = q.requirement;
    const single = req.skillNames.length === 1 && req.attributeNames.length === 0 && q.expr === null;
    lane = {
      idle: new IdleLane<IdleEntry>(s.idlePositions, s.idleLinks),
      family: single ? family(s, req.skillNames[0] as string, ch) : null,
      minLevel: single ? (req.minLevels[0] as number) : 0,
      ch,
      idx: s.laneTable.add(ch),
      table: s.laneTable,
      groups: new Map(),
      list: [],
    };
    q.lanes[ch] = lane;
  }
  return lane;
}

/**
 * Puts the worker's idle entries in or out of its lanes' idle structures and re-keys them. Each
 * lane keeps sorted lists per class (free of tasks / holding some) besides a heap (`IdleLane`):
 * under longest idle the new key is almost always its class's newest, so a re-key is an unlink
 * and an append in each of the worker's ~30 lanes rather than ~30 heap sifts.
 */
export function refreshWorker(s: RoutingState, w: WorkerState): void {
  const present = w.status === 'available' && !w.draining;
  // A worker out of every heap that wants none (the common case right after it takes a task
  // under load) has nothing to do: skip touching its ~30 entries.
  if (w.inHeaps === 0 && (!present || !hasAnyRoom(w))) return;
  // The worker's keys, computed once: every lane heap re-sorts on numbers it keeps itself.
  const rank = present ? rankOf(s, w) : 0;
  const idle = w.idleSince;
  const entries = w.entries;
  // A one-channel worker asks for room once: its entries are all in their lists, under the same
  // keys, or all out. All in under the keys it has now (a worker freeing one slot of several
  // while it still holds tasks keeps its rank) means nothing moves: its entries are not loaded.
  const single = !w.multiChannel;
  const room = single && present && hasRoom(w, w.firstCh);
  if (single && room && w.inHeaps === entries.length) {
    const e0 = entries[0];
    if (e0 === undefined || (e0.rank === rank && e0.idle === idle)) return;
  }
  // Lane lists by class: free of tasks, or holding some (see `IdleLane`).
  const klass = w.activeTasks === 0 ? 0 : 1;
  const counts = s.laneTable.idle;
  for (const e of entries) {
    const want = single ? room : present && hasRoom(w, e.ch);
    if (want) {
      if (!e.inHeap) {
        e.list.push(e, rank, idle, w.order, klass);
        e.inHeap = true;
        w.inHeaps++;
        if (e.family !== null) (e.family.count[e.level] as number)++;
        else (counts[(e.lane as Lane).idx] as number)++;
      } else if (e.rank !== rank || e.idle !== idle) e.list.update(e, rank, idle, w.order, klass);
      e.rank = rank;
      e.idle = idle;
    } else if (e.inHeap) {
      e.list.remove(e);
      e.inHeap = false;
      w.inHeaps--;
      if (e.family !== null) (e.family.count[e.level] as number)--;
      else (counts[(e.lane as Lane).idx] as number)--;
    }
  }
  s.admitted.sync(w.entries);
}

/** Adjusts the idle count an entry's list is known by (its family bucket's, or its lane's row). */
function countIdle(s: RoutingState, e: IdleEntry, by: 1 | -1): void {
  if (e.family !== null) (e.family.count[e.level] as number) += by;
  else (s.laneTable.idle[(e.lane as Lane).idx] as number) += by;
}

/** The idle-worker family of a skill on a channel, created on first use. */
function family(s: RoutingState, skill: string, ch: number): RingFamily<IdleEntry> {
  const key = `${ch}|${skill}`;
  let f = s.families.get(key);
  if (f === undefined) {
    f = new RingFamily<IdleEntry>(s.idlePositions, s.idleLinks);
    s.families.set(key, f);
  }
  return f;
}

/** Idle workers of a lane (a family lane's: its family's buckets at its level and above). */
export function laneIdleCount(s: RoutingState, l: Lane): number {
  return l.family === null ? (s.laneTable.idle[l.idx] as number) : l.family.size(l.minLevel);
}

/** The worker's idle-heap rank (a custom rank returning `NaN` sorts last). */
export function rankOf(s: RoutingState, w: WorkerState): number {
  const r = s.rankFn(w);
  return Number.isNaN(r) ? Number.POSITIVE_INFINITY : r;
}

/** Whether the worker may receive offers at all (available, not draining, in shift). */
export function offerable(w: WorkerState): boolean {
  return w.status === 'available' && !w.draining && w.inShift;
}

/** Removes a draining worker once its last task is done. */
export function purgeIfDrained(s: RoutingState, w: WorkerState): void {
  if (!w.draining || w.activeTasks > 0) return;
  unindexWorker(s, w);
  s.workers.delete(w.id);
  w.removed = true;
  leaveShiftGroup(s, w);
}

/** Rescinds every open offer of a worker. */
export function rescindWorkerOffers(s: RoutingState, w: WorkerState, reason: string): void {
  const offers: ReservationState[] = [];
  for (let r = w.offerHead; r !== null; r = r.offerNext) offers.push(r);
  for (const r of offers) endPending(s, r, 'rescinded', reason);
}

/**
 * Changes a worker's presence. Leaving `available` rescinds its open offers; becoming
 * available looks for work at once.
 */
export function setStatus(
  s: RoutingState,
  w: WorkerState,
  args: { status: Presence; reason?: string | undefined },
): void {
  const from = w.status;
  const now = currentTime(s);
  if (from !== args.status) {
    w.status = args.status;
    w.statusSince = now;
    if (args.status === 'available' && w.activeTasks === 0) w.idleSince = now;
  }
  w.reason = args.reason;
  w.input = {
    ...w.input,
    status: args.status,
    ...(args.reason === undefined ? {} : { reason: args.reason }),
  };
  if (args.reason === undefined) delete w.input.reason;
  emit(s, 'worker.status_changed', 'worker', w.id, ++w.version, {
    workerId: w.id,
    from,
    to: args.status,
    ...(args.reason === undefined ? {} : { reason: args.reason }),
  });
  if (!offerable(w)) rescindWorkerOffers(s, w, 'worker_unavailable');
  refreshWorker(s, w);
  dispatchWorker(s, w);
}

/** Drains a worker: no new offers, open offers rescinded; it leaves with its last task. */
export function drainWorker(s: RoutingState, w: WorkerState): void {
  w.draining = true;
  rescindWorkerOffers(s, w, 'worker_removed');
  refreshWorker(s, w);
  purgeIfDrained(s, w);
}
