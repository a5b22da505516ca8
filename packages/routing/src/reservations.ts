import { ThreadlineError } from '@threadline/core';
import { releaseReservation } from './capacity.js';
import { afterFree, routeTask } from './dispatch.js';
import { emit } from './notifications.js';
import { currentTime, type ReservationState, type RoutingState } from './state.js';
import { currentStep } from './workflow/evaluate.js';
import { groupFor, joinGroup } from './workflow/groups.js';

/**
 * Reservation states: `pending` (offered) → `accepted` → `wrapping` → `completed`, or
 * `pending` → `rejected | timeout | rescinded | canceled`; an accepted reservation whose task
 * is canceled ends `canceled`.
 */
export type ReservationStatus =
  | 'pending'
  | 'accepted'
  | 'rejected'
  | 'timeout'
  | 'rescinded'
  | 'canceled'
  | 'wrapping'
  | 'completed';

const TRANSITIONS: Record<ReservationStatus, readonly ReservationStatus[]> = {
  pending: ['accepted', 'rejected', 'timeout', 'rescinded', 'canceled'],
  accepted: ['wrapping', 'completed', 'canceled'],
  wrapping: ['completed', 'canceled'],
  rejected: [],
  timeout: [],
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
  status: 'rejected' | 'timeout' | 'rescinded' | 'canceled',
  reason: string,
  reroute = true,
): void {
  assertTransition(r.id, r.status, status);
  r.status = status;
  const t = r.task;
  const w = r.worker;
  releaseReservation(s, r);
  t.pending = t.pending.filter((x) => x !== r);
  if (status === 'rejected' || status === 'timeout') {
    const until = currentTime(s) + s.workflow.exclusionWindow;
    (t.excluded ??= new Map()).set(w.id, until);
    s.deadlines.add(until, 'exclusion', t.id, 0);
  }
  const payload = { reservationId: r.id, taskId: t.id, workerId: w.id };
  if (status === 'rejected') emit(s, 'reservation.rejected', 'reservation', r.id, { ...payload, reason });
  else if (status === 'timeout') emit(s, 'reservation.timeout', 'reservation', r.id, payload);
  else emit(s, 'reservation.rescinded', 'reservation', r.id, { ...payload, reason });
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
