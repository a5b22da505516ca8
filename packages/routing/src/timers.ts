import { parseInput } from '@threadline/core';
import { routeTask } from './dispatch.js';
import { handoff } from './handoff/botHandoff.js';
import { HandoffPacketSchema } from './handoff/packet.js';
import type { Deadline } from './indexes/deadlines.js';
import { emit } from './notifications.js';
import { endPending } from './reservations.js';
import { checkShifts, fireShift } from './roster/shifts.js';
import { currentTime, type RoutingState, type StepRuntime, type TaskState } from './state.js';
import { finish } from './tasks/lifecycle.js';
import { enterStep, filterOf } from './workflow/evaluate.js';
import { joinGroup, leaveGroup } from './workflow/groups.js';

/** Fires one due deadline at its instant. */
export function fire(s: RoutingState, d: Deadline): void {
  if (d.kind === 'bot') {
    const t = s.tasks.get(d.ref);
    if (t && t.botDeadline === d && t.status === 'assigned') {
      t.botDeadline = undefined;
      handoff(s, t, parseInput(HandoffPacketSchema, { reason: 'bot_timeout' }, 'handoff packet'));
    }
    return;
  }
  if (d.kind === 'shift') {
    fireShift(s, d);
    return;
  }
  if (d.kind === 'reservation') {
    const r = s.reservations.get(d.ref);
    if (r && r.deadline === d && r.status === 'pending') endPending(s, r, 'timed_out', 'timeout');
  } else if (d.kind === 'wrapup') {
    const r = s.wrapping.get(d.ref);
    if (r && r.deadline === d && r.status === 'wrapping') finish(s, r);
  } else if (d.kind === 'step') {
    const t = s.tasks.get(d.ref);
    if (!t || t.stepDeadline !== d) return;
    t.stepDeadline = undefined;
    const filter = filterOf(s, t);
    if (!filter || t.stepIdx >= filter.steps.length - 1) return;
    if (t.status === 'pending') {
      leaveGroup(s, t);
      enterStep(s, t, t.stepIdx + 1, 'timeout', false);
    } else if (t.status === 'reserved') {
      // The offers stay open; the task continues from the next step if they all fail.
      t.stepIdx++;
      t.route = null;
      const next = filter.steps[t.stepIdx] as StepRuntime;
      emit(s, 'task.step_changed', 'task', t.id, ++t.version, {
        taskId: t.id,
        filter: filter.name,
        fromStep: t.stepIdx - 1,
        toStep: t.stepIdx,
        queue: next.queue.config.id,
        reason: 'timeout',
      });
      if (next.config.timeout !== undefined && t.stepIdx < filter.steps.length - 1) {
        t.stepDeadline = s.deadlines.add(Math.max(t.routedAt + next.config.timeout, d.at), 'step', t.id, 0);
      }
    }
  } else if (d.kind === 'boost') {
    const t = s.tasks.get(d.ref);
    if (!t || t.boostDeadline !== d) return;
    t.boostDeadline = undefined;
    t.boosted = true;
    if (t.status === 'pending' && t.group) {
      const g = t.group;
      leaveGroup(s, t);
      joinGroup(s, t, g);
    }
  } else {
    const t = s.tasks.get(d.ref);
    if (!t) return;
    const excluded = t.excluded;
    if (excluded !== null) {
      for (const [wid, until] of excluded) if (until <= d.at) excluded.delete(wid);
      if (excluded.size === 0) {
        t.excluded = null;
        if (t.group !== null) t.group.excludedCount--;
      }
    }
    if (t.status === 'pending') routeTask(s, t);
  }
}

/** A bot holds the task: with `botTimeoutMs`, its timeout is a deadline like any other. */
export function trackBotTask(s: RoutingState, t: TaskState): void {
  const limit = s.handoffRules?.botTimeoutMs;
  s.deadlines.cancel(t.botDeadline);
  t.botDeadline =
    limit === undefined
      ? undefined
      : s.deadlines.add((t.assignedAt ?? currentTime(s)) + limit, 'bot', t.id, 0);
}

/** Cancels the bot timeout of a task. */
export function forgetBotTask(s: RoutingState, t: TaskState): void {
  s.deadlines.cancel(t.botDeadline);
  t.botDeadline = undefined;
}

/** Fires every deadline due at or before `until`, in deadline order, each at its own instant. */
export function advance(s: RoutingState, until: number): void {
  // Time never runs backwards: an earlier instant would re-check shifts in the past.
  if (until < s.lastAdvance) return;
  s.lastAdvance = until;
  for (;;) {
    const d = s.deadlines.popDue(until);
    if (!d) break;
    s.timeOverride = d.at;
    try {
      fire(s, d);
    } finally {
      s.timeOverride = undefined;
    }
  }
  if (s.calendarWorkers.size > 0) {
    s.timeOverride = until;
    try {
      checkShifts(s);
    } finally {
      s.timeOverride = undefined;
    }
  }
}
