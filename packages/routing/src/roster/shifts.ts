import { dispatchWorker } from '../dispatch.js';
import type { Deadline } from '../indexes/deadlines.js';
import type { ShiftCalendar } from '../options.js';
import { currentTime, type RoutingState, type WorkerState } from '../state.js';
import { rescindWorkerOffers } from './workers.js';

/** Workers sharing one shift calendar, with the deadline of its next change. */
export interface ShiftGroup {
  calendar: ShiftCalendar;
  workers: Set<WorkerState>;
  deadline: Deadline | undefined;
}

/** The next instant after `now` at which `calendar` opens or closes, or `null` (never). */
export function nextShiftChange(calendar: ShiftCalendar, now: number): number | null {
  let seen = 0;
  for (const p of calendar.periodsAfter?.(now) ?? []) {
    const start = +p.start;
    const end = +p.end;
    if (start > now) return start;
    if (end > now) return end;
    // A period ending at `now` (or an empty one): look at the next; give up after a few.
    if (++seen >= 8) break;
  }
  return null;
}

/** Takes a worker out of shift tracking. */
export function leaveShiftGroup(s: RoutingState, w: WorkerState): void {
  s.calendarWorkers.delete(w);
  if (w.calendarName !== undefined) s.shiftGroups.get(w.calendarName)?.workers.delete(w);
}

/** Tracks a worker under its calendar (one deadline per calendar change). */
export function joinShiftGroup(s: RoutingState, w: WorkerState, name: string, calendar: ShiftCalendar): void {
  let group = s.shiftGroups.get(name);
  if (!group) {
    group = { calendar, workers: new Set(), deadline: undefined };
    s.shiftGroups.set(name, group);
  }
  group.workers.add(w);
  if (group.deadline === undefined) scheduleShift(s, name, group, currentTime(s));
}

/** Schedules the calendar's next opening or closing after `from`. */
export function scheduleShift(s: RoutingState, name: string, group: ShiftGroup, from: number): void {
  const next = nextShiftChange(group.calendar, from);
  group.deadline = next === null ? undefined : s.deadlines.add(next, 'shift', name, 0);
}

/** A shift calendar opened or closed: its workers come on or go off shift. */
export function fireShift(s: RoutingState, d: Deadline): void {
  const group = s.shiftGroups.get(d.ref);
  if (!group || group.deadline !== d) return;
  group.deadline = undefined;
  if (group.workers.size === 0) return;
  const inShift = group.calendar.isBusinessTime(d.at);
  for (const w of [...group.workers]) setInShift(s, w, inShift);
  scheduleShift(s, d.ref, group, d.at);
}

/** Puts a worker on or off shift: off rescinds its offers, on looks for work. */
export function setInShift(s: RoutingState, w: WorkerState, inShift: boolean): void {
  if (inShift === w.inShift) return;
  w.inShift = inShift;
  if (!inShift) rescindWorkerOffers(s, w, 'shift_ended');
  else dispatchWorker(s, w);
}

/** Re-checks workers on calendars without `periodsAfter` (on every `advanceTo`). */
export function checkShifts(s: RoutingState): void {
  if (s.calendarWorkers.size === 0) return;
  const now = currentTime(s);
  for (const w of [...s.calendarWorkers]) setInShift(s, w, (w.calendar as ShiftCalendar).isBusinessTime(now));
}
