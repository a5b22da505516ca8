import {
  type HandoffPacket as CoreHandoffPacket,
  type Presence,
  parseInput,
  ThreadlineError,
} from '@threadline/core';
import { z } from 'zod';
import { dispatchWorker } from './dispatch.js';
import { type BotTurn, BotTurnSchema, botTurnPacket, checkHandoff, handoff } from './handoff/botHandoff.js';
import type { HandoffPacket, HandoffPacketInput } from './handoff/packet.js';
import {
  parseRejectOptionsFast,
  ReasonSchema,
  RejectOptionsSchema,
  rejectReservedKeys,
  StatusArgsSchema,
  type TaskPatch,
  TaskPatchSchema,
  type WorkerInput,
  WorkerInputSchema,
} from './inputs.js';
import { openJournal } from './journal/journal.js';
import { run } from './notifications.js';
import { endPending, findReservation } from './reservations.js';
import { drainWorker, setStatus, upsertWorkerState } from './roster/workers.js';
import { notFound, type RoutingState } from './state.js';
import { cancelTask, updateTask } from './tasks/lifecycle.js';
import { type TaskInfo, taskInfo, type WorkerInfo, workerInfo } from './views.js';

// The engine's less frequent commands, each as the facade runs it: validate the input at the
// boundary, apply it inside `run` (events delivered after), then journal it. The hot commands
// (`submitTask`, `completeTask`, `acceptReservation`) stay open-coded in `engine.ts`.

/** `RoutingEngine.upsertWorker`: validates, applies, looks for work for the worker, journals. */
export function upsertWorkerCommand(s: RoutingState, input: WorkerInput): WorkerInfo {
  const j = openJournal(s);
  rejectReservedKeys(input, 'worker');
  const data = parseInput(WorkerInputSchema, input, 'worker');
  if (data.calendar !== undefined && !Object.hasOwn(s.calendars, data.calendar)) {
    throw new ThreadlineError('VALIDATION', `Invalid worker: unknown calendar "${data.calendar}"`, {
      issues: [{ path: ['calendar'], message: `unknown calendar "${data.calendar}"`, code: 'invalid_value' }],
    });
  }
  const info = run(s, () => {
    const w = upsertWorkerState(s, data, undefined);
    dispatchWorker(s, w);
    return workerInfo(s, w);
  });
  if (j !== null) j.record('upsertWorker', [input]);
  return info;
}

/** `RoutingEngine.setWorkerStatus`: validates, applies, journals. */
export function setWorkerStatusCommand(
  s: RoutingState,
  id: string,
  status: Presence,
  reason?: string,
): WorkerInfo {
  const j = openJournal(s);
  const args = parseInput(
    StatusArgsSchema,
    reason === undefined ? { id, status } : { id, status, reason },
    'worker status',
  );
  const w = s.workers.get(args.id);
  if (!w) throw notFound('worker', args.id);
  const info = run(s, () => {
    setStatus(s, w, args);
    return workerInfo(s, w);
  });
  if (j !== null) j.record('setWorkerStatus', [id, status, reason]);
  return info;
}

/** `RoutingEngine.removeWorker`: validates, drains the worker, journals. */
export function removeWorkerCommand(s: RoutingState, id: string): void {
  const j = openJournal(s);
  const key = parseInput(z.string().min(1), id, 'worker id');
  const w = s.workers.get(key);
  if (!w) throw notFound('worker', key);
  run(s, () => drainWorker(s, w));
  if (j !== null) j.record('removeWorker', [key]);
}

/** `RoutingEngine.updateTask`: validates, re-evaluates the task, journals. */
export function updateTaskCommand(s: RoutingState, id: string, patch: TaskPatch): TaskInfo {
  const j = openJournal(s);
  const t = s.tasks.get(id);
  if (!t) throw notFound('task', String(id));
  rejectReservedKeys(patch, 'task patch');
  const data = parseInput(TaskPatchSchema, patch, 'task patch');
  const info = run(s, () => {
    updateTask(s, t, data);
    return taskInfo(s, t);
  });
  if (j !== null) j.record('updateTask', [id, patch], t.attributes.customerId);
  return info;
}

/** `RoutingEngine.cancelTask`: validates, cancels, journals. */
export function cancelTaskCommand(s: RoutingState, id: string, reason: string): void {
  const j = openJournal(s);
  const t = s.tasks.get(id);
  if (!t) throw notFound('task', String(id));
  const why = parseInput(ReasonSchema, reason, 'cancel reason');
  run(s, () => cancelTask(s, t, why));
  if (j !== null) j.record('cancelTask', [id, why], t.attributes.customerId);
}

/** `RoutingEngine.rejectReservation`: validates, ends the offer, journals. */
export function rejectReservationCommand(s: RoutingState, id: string, options: { reason: string }): void {
  const j = openJournal(s);
  const r = s.reservations.get(id) ?? findReservation(s, id);
  if (!r) throw notFound('reservation', String(id));
  const opts = parseRejectOptionsFast(options) ?? parseInput(RejectOptionsSchema, options, 'reject options');
  run(s, () => endPending(s, r, 'rejected', opts.reason));
  if (j !== null) j.record('rejectReservation', [id, opts], r.task.attributes.customerId);
}

/** `RoutingEngine.requestHandoff`: validates the packet, hands off, journals. */
export function requestHandoffCommand(
  s: RoutingState,
  taskId: string,
  packet: HandoffPacketInput | CoreHandoffPacket,
): TaskInfo {
  const j = openJournal(s);
  const t = s.tasks.get(taskId);
  if (!t) throw notFound('task', String(taskId));
  const data = checkHandoff(s, t, packet);
  const info = run(s, () => {
    handoff(s, t, data);
    return taskInfo(s, t);
  });
  if (j !== null) j.record('requestHandoff', [taskId, packet], t.attributes.customerId);
  return info;
}

/** `RoutingEngine.reportBotTurn`: validates the turn, hands off when a rule matches, journals the handoff. */
export function reportBotTurnCommand(s: RoutingState, taskId: string, turn: BotTurn): HandoffPacket | null {
  const j = openJournal(s);
  const t = s.tasks.get(taskId);
  if (!t) throw notFound('task', String(taskId));
  const data = parseInput(BotTurnSchema, turn, 'bot turn');
  const packet = botTurnPacket(s, data);
  if (packet === null) return null;
  run(s, () => handoff(s, t, packet));
  // Journaled as the handoff it caused: replay needs no detector.
  if (j !== null) j.record('requestHandoff', [taskId, packet], t.attributes.customerId);
  return packet;
}
