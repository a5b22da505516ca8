import { ThreadlineError } from '@threadline/core';
import { releaseReservation } from './capacity.js';
import { afterFree, routeTask } from './dispatch.js';
import { emit, wants } from './notifications.js';
import {
  currentTime,
  NO_PENDING,
  type ReservationState,
  type RoutingState,
  type TaskState,
} from './state.js';
import { trackBotTask } from './timers.js';
import { currentStep } from './workflow/evaluate.js';
import { groupFor, joinGroup } from './workflow/groups.js';

/**
 * Reservation states: `pending` (offered) → `accepted` → `wrapping` → `completed`, or
 * `pending` → `rejected | timed_out | rescinded | canceled`; an accepted reservation whose task
 * is canceled ends `canceled`.
 */
export type ReservationStatus =
  | 'pending'
  | 'accepted'
  | 'rejected'
  | 'timed_out'
  | 'rescinded'
  | 'canceled'
  | 'wrapping'
  | 'completed';

const TRANSITIONS: Record<ReservationStatus, readonly ReservationStatus[]> = {
  pending: ['accepted', 'rejected', 'timed_out', 'rescinded', 'canceled'],
  accepted: ['wrapping', 'completed', 'canceled'],
  wrapping: ['completed', 'canceled'],
  rejected: [],
  timed_out: [],
  rescinded: [],
  canceled: [],
  completed: [],
};

/** True when a reservation may move from `from` to `to`. */
export function canTransition(from: ReservationStatus, to: ReservationStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

/** Throws `ILLEGAL_TRANSITION` unless `from → to` is allowed. */
export function assertTransition(id: string, from: ReservationStatus, to: ReservationStatus): void {
  if (!canTransition(from, to)) {
    throw new ThreadlineError('ILLEGAL_TRANSITION', `Reservation ${id} cannot go from ${from} to ${to}`, {
      details: { reservationId: id, from, to },
    });
  }
}

/** A reservation as reported by the engine. */
export interface ReservationInfo {
  id: string;
  taskId: string;
  workerId: string;
  status: ReservationStatus;
  createdAt: number;
  expiresAt: number;
  channel: string;
  /** Capacity units this reservation holds on the worker. */
  weight: number;
}

/** Removes a reservation from its worker's open-offer list. */
export function unlinkOffer(r: ReservationState): void {
  if (r.offerPrev !== null) r.offerPrev.offerNext = r.offerNext;
  else r.worker.offerHead = r.offerNext;
  if (r.offerNext !== null) r.offerNext.offerPrev = r.offerPrev;
  r.offerPrev = null;
  r.offerNext = null;
}

/** Whether `r` is in its worker's open-offer list. */
export function inOfferList(r: ReservationState): boolean {
  return r.offerPrev !== null || r.worker.offerHead === r;
}

/** Ends a pending reservation (rejected, timeout, rescinded, canceled), freeing the worker and re-routing the task. */
export function endPending(
  s: RoutingState,
  r: ReservationState,
  status: 'rejected' | 'timed_out' | 'rescinded' | 'canceled',
  reason: string,
  reroute = true,
): void {
  assertTransition(r.id, r.status, status);
  r.status = status;
  const t = r.task;
  const w = r.worker;
  releaseReservation(s, r);
  t.pending = t.pending.filter((x) => x !== r);
  if (status === 'rejected' || status === 'timed_out') {
    const until = currentTime(s) + s.workflow.exclusionWindow;
    (t.excluded ??= new Map()).set(w.id, until);
    s.deadlines.add(until, 'exclusion', t.id, 0);
  }
  const version = ++r.version;
  const payload = { reservationId: r.id, taskId: t.id, workerId: w.id };
  if (status === 'rejected')
    emit(s, 'reservation.rejected', 'reservation', r.id, version, { ...payload, reason });
  else if (status === 'timed_out') emit(s, 'reservation.timed_out', 'reservation', r.id, version, payload);
  else emit(s, 'reservation.rescinded', 'reservation', r.id, version, { ...payload, reason });
  if (reroute && t.status === 'reserved' && t.pending.length === 0 && s.tasks.get(t.id) === t) {
    t.status = 'pending';
    const step = currentStep(s, t);
    if (step) {
      joinGroup(s, t, groupFor(s, t, step));
      routeTask(s, t);
    }
  }
  afterFree(s, w);
}

/** An open or held reservation by id (builds the held index on first use). */
export function findReservation(s: RoutingState, id: string): ReservationState | undefined {
  const open = s.reservations.get(id);
  if (open !== undefined) return open;
  if (s.held === null) {
    s.held = new Map();
    for (const t of s.tasks.values()) if (t.assigned !== null) s.held.set(t.assigned.id, t.assigned);
  }
  return s.held.get(id);
}

/** Accepts an open offer: the task is assigned and the task's other offers are rescinded. */
export function acceptReservation(s: RoutingState, r: ReservationState): TaskState {
  assertTransition(r.id, r.status, 'accepted');
  const t = r.task;
  s.deadlines.cancel(r.deadline);
  r.deadline = undefined;
  r.status = 'accepted';
  if (inOfferList(r)) unlinkOffer(r);
  s.reservations.delete(r);
  if (s.held !== null) s.held.set(r.id, r);
  // Single offer (the common case): nothing else to rescind and no array to copy.
  if (t.pending.length === 1 && t.pending[0] === r) t.pending = NO_PENDING;
  else {
    t.pending = t.pending.filter((x) => x !== r);
    for (const other of [...t.pending]) endPending(s, other, 'rescinded', 'accepted_elsewhere', false);
  }
  t.status = 'assigned';
  t.assigned = r;
  t.assignedAt = currentTime(s);
  s.deadlines.cancel(t.stepDeadline);
  t.stepDeadline = undefined;
  if (s.usesSticky) {
    const key = t.attributes[s.workflow.stickyKey];
    if ((typeof key === 'string' || typeof key === 'number') && r.worker.kind === 'human')
      s.sticky.set(String(key), r.worker.id);
  }
  if (r.worker.kind === 'bot') trackBotTask(s, t);
  const resVersion = ++r.version;
  const taskVersion = ++t.version;
  if (wants(s, 'reservation.accepted'))
    emit(s, 'reservation.accepted', 'reservation', r.id, resVersion, {
      reservationId: r.id,
      taskId: t.id,
      workerId: r.worker.id,
    });
  if (wants(s, 'task.assigned'))
    emit(s, 'task.assigned', 'task', t.id, taskVersion, {
      taskId: t.id,
      workerId: r.worker.id,
      reservationId: r.id,
    });
  return t;
}
