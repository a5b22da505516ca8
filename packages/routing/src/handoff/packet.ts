import {
  type HandoffPacket as CoreHandoffPacket,
  HandoffPacketSchema as CoreHandoffPacketSchema,
  HANDOFF_REASONS,
  parseInput,
} from '@threadline/core';
import { z } from 'zod';
import { ROUTING_LIMITS } from '../limits.js';

/**
 * Zod schema for the handoff packet that travels with a task from a bot to people (or between
 * people): why, what was said, what the bot understood, and where it should go.
 */
export const HandoffPacketSchema = z
  .object({
    /** Core's handoff reasons (so any core packet converts), plus routing's own `bot_timeout`. */
    reason: z.enum([...HANDOFF_REASONS, 'bot_timeout']),
    /** The last turns of the conversation. */
    transcript: z
      .array(
        z
          .object({
            author: z.enum(['customer', 'agent', 'bot', 'system']),
            text: z.string().max(20_000),
            at: z.number().int().optional(),
          })
          .strict(),
      )
      .max(200)
      .default([]),
    intent: z.string().min(1).optional(),
    /** Sentiment score, -1 (negative) to 1 (positive). */
    sentiment: z.number().min(-1).max(1).optional(),
    /** Bot confidence in its last answer, 0–1. */
    confidence: z.number().min(0).max(1).optional(),
    /** Skills (minimum levels) the receiving people need. */
    targetSkills: z
      .record(z.string().min(1).max(ROUTING_LIMITS.keyLength), z.number().int().min(0).max(10))
      .optional(),
    /** Queue the task should go to; omit to let the workflow decide. */
    targetQueue: z.string().min(1).max(ROUTING_LIMITS.keyLength).optional(),
    /** Free context (customer id, conversation id, SLA state …). */
    context: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();

/** A handoff packet as given by callers. */
export type HandoffPacketInput = z.input<typeof HandoffPacketSchema>;
/** A validated handoff packet. */
export type HandoffPacket = z.output<typeof HandoffPacketSchema>;

/** True when `input` looks like core's full handoff packet (it carries `conversationId` and `from`). */
export function isCoreHandoffPacket(input: unknown): boolean {
  return typeof input === 'object' && input !== null && 'conversationId' in input && 'from' in input;
}

/**
 * Accepts either this package's compact packet or core's full `HandoffPacket` (from
 * `buildHandoffPacket`) and returns the compact form the engine routes on. A core packet is
 * validated with core's schema and kept whole under `context.packet`.
 */
export function normalizeHandoffPacket(input: unknown): HandoffPacket {
  if (!isCoreHandoffPacket(input)) return parseInput(HandoffPacketSchema, input, 'handoff packet');
  const core: CoreHandoffPacket = parseInput(CoreHandoffPacketSchema, input, 'handoff packet');
  const targetSkills: Record<string, number> = {};
  for (const skill of core.target.skills) targetSkills[skill.name] = skill.minLevel ?? 0;
  return parseInput(
    HandoffPacketSchema,
    {
      reason: core.reason.code,
      transcript: core.transcript.slice(-200).map((m) => ({ author: m.author.kind, text: m.body, at: m.at })),
      ...(core.intent ? { intent: core.intent.name, confidence: core.intent.confidence } : {}),
      ...(core.sentiment ? { sentiment: core.sentiment.score } : {}),
      ...(core.target.skills.length > 0 ? { targetSkills } : {}),
      ...(core.target.queueId === undefined ? {} : { targetQueue: core.target.queueId }),
      context: { packet: core, conversationId: core.conversationId, customerId: core.customerId },
    },
    'handoff packet',
  );
}
