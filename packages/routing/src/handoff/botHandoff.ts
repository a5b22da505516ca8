import { z } from 'zod';
import { releaseReservation } from '../capacity.js';
import { afterFree } from '../dispatch.js';
import { emit } from '../notifications.js';
import { endPending } from '../reservations.js';
import { currentTime, NO_FILTER, type RoutingState, type TaskState } from '../state.js';
import { forgetBotTask } from '../timers.js';
import { enterStep, matchFilter } from '../workflow/evaluate.js';
import { leaveGroup } from '../workflow/groups.js';
import type { HandoffPacket } from './packet.js';

/** A bot turn reported to the engine so automatic handoff rules can fire. */
export interface BotTurn {
  /** The customer's last message (checked for "agent", "human", "person", "representative"). */
  customerText?: string;
  sentiment?: number;
  confidence?: number;
  intent?: string;
}

export const PERSON_REQUEST = /\b(agent|human|person|representative|someone real|real person|operator)\b/i;

export const BotTurnSchema = z
  .object({
    customerText: z.string().max(20_000).optional(),
    sentiment: z.number().min(-1).max(1).optional(),
    confidence: z.number().min(0).max(1).optional(),
    intent: z.string().min(1).optional(),
  })
  .strict();

export function handoff(s: RoutingState, t: TaskState, packet: HandoffPacket): void {
  const from = t.assigned?.worker.id ?? t.pending[0]?.worker.id ?? null;
  leaveGroup(s, t);
  for (const r of [...t.pending]) endPending(s, r, 'rescinded', 'handoff', false);
  const held = t.assigned;
  t.assigned = null;
  t.assignedAt = null;
  forgetBotTask(s, t);
  if (held) {
    held.status = 'completed';
    releaseReservation(s, held);
  }
  t.humanOnly = true;
  t.ctx = null;
  t.attributes = { ...t.attributes, handoff: packet };
  if (packet.targetSkills) t.requiredSkills = { ...t.requiredSkills, ...packet.targetSkills };
  t.handoffQueue = packet.targetQueue ?? null;
  t.routedAt = currentTime(s);
  emit(s, 'handoff.requested', 'task', t.id, { taskId: t.id, fromWorkerId: from, packet });
  t.status = 'pending';
  const idx = matchFilter(s, t);
  t.filterIdx = idx;
  t.route = null;
  if (idx === NO_FILTER) t.status = 'unrouted';
  else enterStep(s, t, 0, 'handoff', false);
  if (held) afterFree(s, held.worker);
}
