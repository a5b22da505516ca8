import { releaseReservation } from '../capacity.js';
import { afterFree } from '../dispatch.js';
import { assertTransition } from '../reservations.js';
import type { ReservationState, RoutingState, TaskState } from '../state.js';
import { forgetBotTask } from '../timers.js';
import { currentStep, matchFilter } from '../workflow/evaluate.js';
import { groupAdmits, groupFor } from '../workflow/groups.js';

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

export function finish(s: RoutingState, r: ReservationState): void {
  assertTransition(r.id, r.status, 'completed');
  r.status = 'completed';
  releaseReservation(s, r);
  forgetTask(s, r.task);
  afterFree(s, r.worker);
}

export function forgetTask(s: RoutingState, t: TaskState): void {
  s.deadlines.cancel(t.stepDeadline);
  s.deadlines.cancel(t.boostDeadline);
  t.stepDeadline = undefined;
  t.boostDeadline = undefined;
  s.tasks.delete(t.id);
  if (t.botDeadline !== undefined) forgetBotTask(s, t);
  s.taskPositions.release(t.handle);
}
