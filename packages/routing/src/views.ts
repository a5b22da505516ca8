import type { Presence } from '@threadline/core';
import { frozenView } from './inputs.js';
import type { RoutingJournalStats } from './journal/journal.js';
import type { ReservationInfo } from './reservations.js';
import {
  NO_IDS,
  type ReservationState,
  type RoutingState,
  type TaskState,
  type WorkerState,
} from './state.js';
import { filterOf } from './workflow/evaluate.js';

/** A worker as reported by the engine. */
export interface WorkerInfo {
  id: string;
  kind: 'human' | 'bot';
  status: Presence;
  reason?: string;
  draining: boolean;
  /** Frozen: change it with `upsertWorker`. */
  attributes: Readonly<Record<string, unknown>>;
  capacity: Record<string, { units: number; weight: number }>;
  /** Shared pool across channels, when configured. */
  totalCapacity?: number;
  used: Record<string, number>;
  activeTasks: number;
  idleSince: number;
  queues: string[];
}

/** Task lifecycle states inside the engine. */
export type TaskStatus = 'unrouted' | 'pending' | 'reserved' | 'assigned' | 'wrapping';

/** A task as reported by the engine. */
export interface TaskInfo {
  id: string;
  channel: string;
  priority: number;
  status: TaskStatus;
  /** Frozen: change it with `updateTask`. */
  attributes: Readonly<Record<string, unknown>>;
  /** Frozen: change it with `updateTask`. */
  requiredSkills: Readonly<Record<string, number>>;
  createdAt: number;
  filter: string | null;
  step: number;
  queue: string | null;
  workerId: string | null;
  reservations: string[];
}

/** Counters of what the engine has done. */
export interface RoutingStats {
  /** Routing decisions that produced at least one offer. */
  decisions: number;
  offers: number;
  waiting: number;
  workers: number;
  tasks: number;
  /** Bus publishes that threw or rejected (see the `onError` option). */
  publishFailures: number;
  /** Subscriber calls that threw or rejected. */
  handlerFailures: number;
  /** The command journal's figures (present when the engine journals to `storage`). */
  journal?: RoutingJournalStats;
}

/** The public view of a worker. */
export function workerInfo(s: RoutingState, w: WorkerState): WorkerInfo {
  const capacity: Record<string, { units: number; weight: number }> = {};
  const used: Record<string, number> = {};
  for (const [ch, cap] of w.capacity) {
    const name = s.channelNames[ch] as string;
    capacity[name] = { units: cap.units, weight: cap.weight };
    used[name] = cap.used;
  }
  return {
    id: w.id,
    kind: w.kind,
    status: w.status,
    ...(w.reason === undefined ? {} : { reason: w.reason }),
    draining: w.draining,
    // A frozen copy: the engine's own objects stay mutable only to the engine.
    attributes: frozenView(w.attributes),
    capacity,
    ...(w.totalCapacity === undefined ? {} : { totalCapacity: w.totalCapacity }),
    used,
    activeTasks: w.activeTasks,
    idleSince: w.idleSince,
    queues: w.queues.map((q) => q.config.id),
  };
}

/** The public view of a task. */
export function taskInfo(s: RoutingState, t: TaskState): TaskInfo {
  // The step `#enterStep` recorded spares loading the filter and its step list.
  const route = t.route;
  const filter = route === null ? filterOf(s, t) : null;
  const step = route ?? filter?.steps[t.stepIdx];
  return {
    id: t.id,
    channel: t.channel,
    priority: t.priority,
    status: t.status,
    attributes: t.attributes,
    requiredSkills: t.requiredSkills,
    createdAt: t.createdAt,
    filter: route === null ? (filter?.name ?? null) : route.filterName,
    step: t.stepIdx,
    queue: t.handoffQueue ?? step?.queueId ?? null,
    workerId: t.assigned?.worker.id ?? null,
    reservations: t.pending.length === 0 ? NO_IDS : t.pending.map((r) => r.id),
  };
}

/** The public view of a reservation. */
export function reservationInfo(s: RoutingState, r: ReservationState): ReservationInfo {
  return {
    id: r.id,
    taskId: r.task.id,
    workerId: r.worker.id,
    status: r.status,
    createdAt: r.createdAt,
    expiresAt: r.expiresAt,
    channel: s.channelNames[r.ch] as string,
    weight: r.weight,
  };
}

/** The engine's counters (see `RoutingEngine.stats`). */
export function routingStats(s: RoutingState): RoutingStats {
  return {
    decisions: s.decisions,
    offers: s.offerSeq,
    waiting: s.waiting,
    workers: s.workers.size,
    tasks: s.tasks.size,
    publishFailures: s.delivery.publishFailures,
    handlerFailures: s.delivery.handlerFailures,
    ...(s.journal !== null ? { journal: s.journal.stats() } : {}),
  };
}
