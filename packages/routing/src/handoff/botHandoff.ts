import { type HandoffPacket as CoreHandoffPacket, parseInput, ThreadlineError } from '@threadline/core';
import { z } from 'zod';
import { releaseReservation } from '../capacity.js';
import { afterFree } from '../dispatch.js';
import { freezeAttributes, rejectReservedKeys } from '../inputs.js';
import { emit } from '../notifications.js';
import { HandoffRulesSchema } from '../options.js';
import { endPending } from '../reservations.js';
import { currentTime, NO_FILTER, type RoutingState, type TaskState } from '../state.js';
import { forgetBotTask } from '../timers.js';
import { enterStep, matchFilter } from '../workflow/evaluate.js';
import { leaveGroup } from '../workflow/groups.js';
import {
  type HandoffPacket,
  type HandoffPacketInput,
  HandoffPacketSchema,
  normalizeHandoffPacket,
} from './packet.js';

/** A bot turn reported to the engine so automatic handoff rules can fire. */
export interface BotTurn {
  /** The customer's last message (the engine's `personRequestDetector` reads it). */
  customerText?: string;
  /** The conversation's language (BCP 47, e.g. `fr`), passed to the detector. */
  language?: string;
  sentiment?: number;
  confidence?: number;
  intent?: string;
}

/** Zod schema for {@link BotTurn}. */
export const BotTurnSchema = z
  .object({
    customerText: z.string().max(20_000).optional(),
    language: z.string().min(1).max(35).optional(),
    sentiment: z.number().min(-1).max(1).optional(),
    confidence: z.number().min(0).max(1).optional(),
    intent: z.string().min(1).optional(),
  })
  .strict();

/**
 * The handoff a bot turn calls for under the engine's `handoffRules` (customer asks for a
 * person, sentiment below, confidence below, in that order), or `null`.
 */
export function botTurnPacket(s: RoutingState, data: z.output<typeof BotTurnSchema>): HandoffPacket | null {
  const rules = s.handoffRules ?? HandoffRulesSchema.parse({});
  let reason: HandoffPacket['reason'] | null = null;
  if (rules.onCustomerRequest && data.customerText !== undefined && asksForPerson(s, data))
    reason = 'customer_request';
  else if (data.sentiment !== undefined && data.sentiment < rules.sentimentBelow)
    reason = 'negative_sentiment';
  else if (data.confidence !== undefined && data.confidence < rules.confidenceBelow)
    reason = 'low_confidence';
  if (reason === null) return null;
  return parseInput(
    HandoffPacketSchema,
    {
      reason,
      transcript: data.customerText === undefined ? [] : [{ author: 'customer', text: data.customerText }],
      ...(data.intent === undefined ? {} : { intent: data.intent }),
      ...(data.sentiment === undefined ? {} : { sentiment: data.sentiment }),
      ...(data.confidence === undefined ? {} : { confidence: data.confidence }),
    },
    'handoff packet',
  );
}

function asksForPerson(s: RoutingState, data: z.output<typeof BotTurnSchema>): boolean {
  const answer = s.personRequest(
    data.customerText as string,
    data.language === undefined ? {} : { language: data.language },
  );
  return typeof answer === 'boolean' ? answer : answer?.requested === true;
}

/**
 * Hands a task to people: the bot's reservation completes, the packet rides along in the
 * task's attributes, bots are excluded and the task re-routes (emits `task.handed_off`).
 */
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
  t.attributes = freezeAttributes({ ...t.attributes, handoff: packet }, 'handoff packet', ['attributes']);
  if (packet.targetSkills) t.requiredSkills = Object.freeze({ ...t.requiredSkills, ...packet.targetSkills });
  t.handoffQueue = packet.targetQueue ?? null;
  t.routedAt = currentTime(s);
  emit(s, 'task.handed_off', 'task', t.id, ++t.version, { taskId: t.id, fromWorkerId: from, packet });
  t.status = 'pending';
  const idx = matchFilter(s, t);
  t.filterIdx = idx;
  t.route = null;
  if (idx === NO_FILTER) t.status = 'unrouted';
  else enterStep(s, t, 0, 'handoff', false);
  if (held) afterFree(s, held.worker);
}

/**
 * Validates a `requestHandoff` call before anything changes: the packet (reserved keys, shape),
 * its target queue, and that the task is not wrapping up. Returns the normalised packet.
 */
export function checkHandoff(
  s: RoutingState,
  t: TaskState,
  packet: HandoffPacketInput | CoreHandoffPacket,
): HandoffPacket {
  rejectReservedKeys(packet, 'handoff packet');
  const data = normalizeHandoffPacket(packet);
  if (data.targetQueue !== undefined && !s.queueById.has(data.targetQueue)) {
    throw new ThreadlineError('VALIDATION', `Invalid handoff packet: unknown queue "${data.targetQueue}"`, {
      issues: [
        { path: ['targetQueue'], message: `unknown queue "${data.targetQueue}"`, code: 'invalid_value' },
      ],
    });
  }
  if (t.status === 'wrapping') {
    throw new ThreadlineError(
      'ILLEGAL_TRANSITION',
      `Task "${t.id}" is wrapping up and cannot be handed off`,
      {
        details: { taskId: t.id, status: t.status },
      },
    );
  }
  return data;
}
