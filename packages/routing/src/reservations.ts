import { ThreadlineError } from '@threadline/core';

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
