import { inOfferList, unlinkOffer } from './reservations.js';
import {
  type ChannelCap,
  currentTime,
  type ReservationState,
  type RoutingState,
  type WorkerState,
} from './state.js';

/** Records the worker's first channel entry and whether it has more than one. */
export function setFirstCap(w: WorkerState): void {
  w.firstCh = w.caps.findIndex((c) => c !== undefined);
  w.firstCap = w.firstCh < 0 ? undefined : w.caps[w.firstCh];
  w.multiChannel = w.caps.filter((c) => c !== undefined).length > 1;
}

/** A worker's entry for channel `ch` (most workers have one channel: no array load). */
export function capOf(w: WorkerState, ch: number): ChannelCap | undefined {
  return ch === w.firstCh ? w.firstCap : w.caps[ch];
}

/** Whether one more task on channel `ch` fits the worker (channel units and shared pool). */
export function hasRoom(w: WorkerState, ch: number): boolean {
  // Most workers have one channel: its entry sits on the worker itself.
  const cap = capOf(w, ch);
  if (cap === undefined) return false;
  if (cap.used + cap.weight > cap.units) return false;
  return w.totalCapacity === undefined || w.usedTotal + cap.weight <= w.totalCapacity;
}

/** Recomputes the used share of the worker's capacity (strategies rank by it). */
export function updateOccupancy(w: WorkerState): void {
  w.occupancy = w.capacityUnits > 0 ? Math.min(1, w.usedTotal / w.capacityUnits) : 1;
}

/** Takes the reservation's units on its worker (and links an open offer into the worker's list). */
export function holdCapacity(w: WorkerState, r: ReservationState): void {
  let cap = capOf(w, r.ch);
  if (cap === undefined) {
    // A restored reservation on a channel the worker no longer lists.
    cap = { units: 0, weight: r.weight, used: 0 };
    w.caps[r.ch] = cap;
    setFirstCap(w);
  }
  cap.used += r.weight;
  r.cap = cap;
  w.usedTotal += r.weight;
  w.activeTasks++;
  if (r.status === 'pending') {
    r.offerNext = w.offerHead;
    if (w.offerHead !== null) w.offerHead.offerPrev = r;
    w.offerHead = r;
  }
  updateOccupancy(w);
}

/** Gives a reservation's units back and drops it from the offer indexes (once). */
export function releaseReservation(s: RoutingState, r: ReservationState): void {
  const w = r.worker;
  s.deadlines.cancel(r.deadline);
  r.deadline = undefined;
  // The channel entry the offer was counted on (kept by reference: no worker array to load).
  const cap = r.cap;
  if (cap === undefined) return;
  r.cap = undefined;
  if (inOfferList(r)) unlinkOffer(r);
  cap.used -= r.weight;
  w.usedTotal -= r.weight;
  w.activeTasks--;
  if (w.activeTasks === 0) w.idleSince = currentTime(s);
  updateOccupancy(w);
  // Open offers sit in the small offers index; a held one only in the held index (if built).
  s.reservations.delete(r);
  if (s.held !== null) s.held.delete(r.id);
  if (s.wrapping.size > 0) s.wrapping.delete(r.id);
}

/** Whether the worker has room on any channel. */
export function hasAnyRoom(w: WorkerState): boolean {
  if (!w.multiChannel) return w.firstCap !== undefined && hasRoom(w, w.firstCh);
  const caps = w.caps;
  for (let ch = 0; ch < caps.length; ch++) if (caps[ch] !== undefined && hasRoom(w, ch)) return true;
  return false;
}
