import { parseInput, ThreadlineError } from '@threadline/core';
import { z } from 'zod';
import { holdCapacity, updateOccupancy } from './capacity.js';
import type { Deadline } from './indexes/deadlines.js';
import {
  freezeAttributes,
  rejectReservedKeys,
  TaskInputSchema,
  type WorkerInput,
  WorkerInputSchema,
} from './inputs.js';
import { ROUTING_LIMITS } from './limits.js';
import type { ReservationInfo } from './reservations.js';
import { refreshWorker, upsertWorkerState } from './roster/workers.js';
import {
  channelIndex,
  currentTime,
  DEFAULT_FILTER,
  NO_FILTER,
  NO_PENDING,
  type ReservationState,
  type RoutingState,
  type TaskState,
  type WorkerState,
} from './state.js';
import { trackBotTask } from './timers.js';
import { reservationInfo } from './views.js';
import { currentStep } from './workflow/evaluate.js';
import { groupFor, joinGroup } from './workflow/groups.js';

/** A serialisable copy of the whole engine state. */
export interface RoutingSnapshot {
  version: 1;
  takenAt: number;
  counters: { offerSeq: number; workerOrder: number; taskSeq: number };
  /** Counters of the engine's own sequential id generator (absent when `ids` was injected). */
  idCounters?: Array<[string, number]>;
  workers: Array<
    WorkerInput & {
      /** Events emitted for the worker so far (absent in snapshots from before versions: 0). */
      version?: number;
      order: number;
      idleSince: number;
      lastOfferSeq: number;
      draining: boolean;
      statusSince: number;
    }
  >;
  tasks: Array<
    Pick<
      TaskState,
      | 'id'
      | 'seq'
      | 'channel'
      | 'priority'
      | 'attributes'
      | 'requiredSkills'
      | 'preferredWorkerId'
      | 'deadline'
      | 'createdAt'
      | 'routedAt'
      | 'humanOnly'
      | 'handoffQueue'
      | 'status'
      | 'filterIdx'
      | 'stepIdx'
      | 'boosted'
      | 'assignedAt'
    > & { excluded: Array<[string, number]>; version?: number }
  >;
  reservations: Array<ReservationInfo & { version?: number }>;
  sticky: Array<[string, string]>;
  deadlines: Array<{ at: number; kind: Deadline['kind']; ref: string }>;
}

const Int = z.number().int();
const Instant = z.number().finite();
const Key = z.string().min(1).max(ROUTING_LIMITS.keyLength);
const Id = z.string().min(1).max(ROUTING_LIMITS.idLength);
const Version = Int.nonnegative().default(0);

/** Every field a restore reads, checked before anything is built (a snapshot is input too). */
const SnapshotSchema = z.object({
  version: z.literal(1),
  takenAt: Instant,
  counters: z.object({ offerSeq: Int, workerOrder: Int, taskSeq: Int }),
  idCounters: z.array(z.tuple([z.string(), Int])).optional(),
  workers: z.array(
    WorkerInputSchema.extend({
      version: Version,
      order: Int,
      idleSince: Instant,
      lastOfferSeq: Int,
      draining: z.boolean(),
      statusSince: Instant,
    }),
  ),
  tasks: z.array(
    TaskInputSchema.pick({ channel: true, priority: true, attributes: true })
      .extend({
        id: Id,
        version: Version,
        seq: Int,
        requiredSkills: z.record(Key, z.number().int().min(0).max(10)),
        preferredWorkerId: Id.nullable(),
        deadline: Int.nullable(),
        createdAt: Instant,
        routedAt: Instant,
        humanOnly: z.boolean(),
        handoffQueue: Key.nullable(),
        status: z.enum(['unrouted', 'pending', 'reserved', 'assigned', 'wrapping']),
        filterIdx: Int,
        stepIdx: Int.nonnegative(),
        boosted: z.boolean(),
        assignedAt: Instant.nullable(),
        excluded: z.array(z.tuple([Id, Instant])),
      })
      .strict(),
  ),
  reservations: z.array(
    z.object({
      id: Id,
      version: Version,
      taskId: Id,
      workerId: Id,
      status: z.enum(['pending', 'accepted', 'wrapping']),
      channel: Key,
      weight: Int.positive(),
      createdAt: Instant,
      expiresAt: Instant,
    }),
  ),
  sticky: z.array(z.tuple([z.string(), Id])),
  deadlines: z.array(
    z.object({
      at: Instant,
      kind: z.enum(['reservation', 'step', 'boost', 'wrapup', 'exclusion']),
      ref: z.string(),
    }),
  ),
});

type ParsedSnapshot = z.output<typeof SnapshotSchema>;

/** A JSON-serialisable copy of the whole state (see `RoutingEngine.snapshot`). */
export function takeSnapshot(s: RoutingState): RoutingSnapshot {
  const workers = [...s.workers.values()]
    .sort((a, b) => a.order - b.order)
    .map((w) => ({
      ...structuredClone(w.input),
      version: w.version,
      order: w.order,
      idleSince: w.idleSince,
      lastOfferSeq: w.lastOfferSeq,
      draining: w.draining,
      statusSince: w.statusSince,
    }));
  const tasks = [...s.tasks.values()]
    .sort((a, b) => a.seq - b.seq)
    .map((t) => ({
      id: t.id,
      version: t.version,
      seq: t.seq,
      channel: t.channel,
      priority: t.priority,
      attributes: structuredClone(t.attributes),
      requiredSkills: { ...t.requiredSkills },
      preferredWorkerId: t.preferredWorkerId,
      deadline: t.deadline,
      createdAt: t.createdAt,
      routedAt: t.routedAt,
      humanOnly: t.humanOnly,
      handoffQueue: t.handoffQueue,
      status: t.status,
      filterIdx: t.filterIdx,
      stepIdx: t.stepIdx,
      boosted: t.boosted,
      assignedAt: t.assignedAt,
      excluded: t.excluded === null ? [] : [...t.excluded.entries()],
    }));
  const all = [...s.reservations.values()];
  for (const t of s.tasks.values()) if (t.assigned !== null) all.push(t.assigned);
  // Offer order (creation instant, then id) whatever map each one sits in.
  all.sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const reservations = all.map((r) => ({ ...reservationInfo(s, r), version: r.version }));
  // Bot timeouts and shift changes are derived (from assignments and calendars) and
  // re-derived on restore; the rest are state.
  const deadlines = [...s.deadlines.all()]
    .filter((d) => d.kind !== 'bot' && d.kind !== 'shift')
    .sort((a, b) => a.at - b.at || a.seq - b.seq)
    .map((d) => ({ at: d.at, kind: d.kind, ref: d.ref }));
  return {
    version: 1,
    takenAt: currentTime(s),
    counters: { offerSeq: s.offerSeq, workerOrder: s.workerOrder, taskSeq: s.taskSeq },
    ...(s.ownIds ? { idCounters: [...s.ownIds.counters.entries()] } : {}),
    workers,
    tasks,
    reservations,
    sticky: [...s.sticky.entries()],
    deadlines,
  };
}

/**
 * Validates a snapshot completely against the engine's configuration: shape, references
 * (every reservation's task and worker, every task's queue, filter and step, every worker's
 * calendar) and reserved keys. Throws `VALIDATION` naming the path; builds nothing.
 */
export function parseSnapshot(s: RoutingState, input: unknown): ParsedSnapshot {
  rejectReservedKeys(input, 'routing snapshot');
  const snap = parseInput(SnapshotSchema, input, 'routing snapshot');
  const fail = (path: (string | number)[], message: string): never => {
    throw new ThreadlineError('VALIDATION', `Invalid routing snapshot: ${path.join('.')}: ${message}`, {
      issues: [{ path, message, code: 'invalid_value' }],
    });
  };
  const workers = new Set<string>();
  snap.workers.forEach((w, i) => {
    if (workers.has(w.id)) fail(['workers', i, 'id'], `duplicate worker "${w.id}"`);
    workers.add(w.id);
    if (w.calendar !== undefined && !Object.hasOwn(s.calendars, w.calendar))
      fail(['workers', i, 'calendar'], `unknown calendar "${w.calendar}"`);
  });
  const tasks = new Map<string, ParsedSnapshot['tasks'][number]>();
  snap.tasks.forEach((t, i) => {
    if (tasks.has(t.id)) fail(['tasks', i, 'id'], `duplicate task "${t.id}"`);
    tasks.set(t.id, t);
    const filter =
      t.filterIdx === DEFAULT_FILTER ? s.defaultFilter : t.filterIdx >= 0 ? s.filters[t.filterIdx] : null;
    if (t.filterIdx !== NO_FILTER && !filter)
      fail(['tasks', i, 'filterIdx'], 'no such filter in the workflow');
    if (filter && t.stepIdx >= filter.steps.length)
      fail(['tasks', i, 'stepIdx'], 'no such step in the filter');
    if (t.handoffQueue !== null && !s.queueById.has(t.handoffQueue))
      fail(['tasks', i, 'handoffQueue'], `unknown queue "${t.handoffQueue}"`);
  });
  const reservations = new Set<string>();
  snap.reservations.forEach((r, i) => {
    if (reservations.has(r.id)) fail(['reservations', i, 'id'], `duplicate reservation "${r.id}"`);
    reservations.add(r.id);
    const t = tasks.get(r.taskId);
    if (!t) fail(['reservations', i, 'taskId'], `unknown task "${r.taskId}"`);
    if (!workers.has(r.workerId)) fail(['reservations', i, 'workerId'], `unknown worker "${r.workerId}"`);
    const expected = r.status === 'pending' ? 'reserved' : r.status === 'accepted' ? 'assigned' : 'wrapping';
    if (t && t.status !== expected)
      fail(
        ['reservations', i, 'status'],
        `a ${r.status} reservation needs a ${expected} task, not ${t.status}`,
      );
  });
  return snap;
}

/** Builds a validated snapshot into `s`, a fresh state (the caller swaps it in on success). */
export function restoreSnapshot(s: RoutingState, snap: ParsedSnapshot): void {
  for (const ws of snap.workers) {
    const { order, idleSince, lastOfferSeq, draining, statusSince, version, ...data } = ws;
    const w = upsertWorkerState(s, data, { order, idleSince, lastOfferSeq, draining, statusSince });
    w.version = version;
  }
  const byRes = new Map<string, ParsedSnapshot['reservations']>();
  for (const r of snap.reservations) byRes.set(r.taskId, [...(byRes.get(r.taskId) ?? []), r]);
  for (const ts of snap.tasks) {
    const t: TaskState = {
      ...ts,
      attributes: freezeAttributes({ ...ts.attributes }, 'routing snapshot', ['attributes']),
      requiredSkills: Object.freeze({ ...ts.requiredSkills }),
      ch: channelIndex(s, ts.channel),
      route: null,
      agedBase: 0,
      group: null,
      handle: s.taskPositions.alloc(),
      excluded: ts.excluded.length === 0 ? null : new Map(ts.excluded),
      pending: NO_PENDING,
      assigned: null,
      stepDeadline: undefined,
      boostDeadline: undefined,
      botDeadline: undefined,
      ctx: null,
    };
    s.tasks.set(t.id, t);
    for (const ri of byRes.get(t.id) ?? []) {
      // `parseSnapshot` checked every reference.
      const w = s.workers.get(ri.workerId) as WorkerState;
      const r: ReservationState = {
        version: ri.version,
        id: ri.id,
        task: t,
        worker: w,
        status: ri.status,
        createdAt: ri.createdAt,
        expiresAt: ri.expiresAt,
        ch: channelIndex(s, ri.channel),
        weight: ri.weight,
        deadline: undefined,
        cap: undefined,
        offerPrev: null,
        offerNext: null,
      };
      if (r.status === 'pending') s.reservations.add(r);
      else if (r.status === 'wrapping') s.wrapping.set(r.id, r);
      holdCapacity(w, r);
      if (r.status === 'pending') t.pending = [...t.pending, r];
      else t.assigned = r;
    }
    if (t.status === 'assigned' && t.assigned?.worker.kind === 'bot') trackBotTask(s, t);
    if (t.status === 'pending') {
      const step = currentStep(s, t);
      if (step) joinGroup(s, t, groupFor(s, t, step));
    }
  }
  for (const w of s.workers.values()) {
    updateOccupancy(w);
    refreshWorker(s, w);
  }
  for (const d of snap.deadlines) {
    const dl = s.deadlines.add(d.at, d.kind, d.ref, 0);
    if (d.kind === 'reservation' || d.kind === 'wrapup') {
      const r = d.kind === 'reservation' ? s.reservations.get(d.ref) : s.wrapping.get(d.ref);
      if (r) r.deadline = dl;
    } else if (d.kind === 'step') {
      const t = s.tasks.get(d.ref);
      if (t) t.stepDeadline = dl;
    } else if (d.kind === 'boost') {
      const t = s.tasks.get(d.ref);
      if (t) t.boostDeadline = dl;
    }
  }
  for (const [k, v] of snap.sticky) s.sticky.set(k, v);
  s.offerSeq = snap.counters.offerSeq;
  s.workerOrder = Math.max(s.workerOrder, snap.counters.workerOrder);
  s.taskSeq = snap.counters.taskSeq;
  if (s.ownIds && snap.idCounters) for (const [k, v] of snap.idCounters) s.ownIds.counters.set(k, v);
}
