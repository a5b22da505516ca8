import { z } from 'zod';
import { ChannelSchema } from './channel.js';
import { AttributesSchema, EpochMsSchema, entityBaseShape, IdSchema } from './common.js';

/** Conversation states. */
export const CONVERSATION_STATUSES = [
  'open',
  'waiting_on_customer',
  'waiting_on_agent',
  'snoozed',
  'closed',
] as const;

/** Zod schema for a conversation status. */
export const ConversationStatusSchema = z.enum(CONVERSATION_STATUSES);

/** Zod schema for how a channel continues conversations. */
export const ContinuityPolicySchema = z
  .object({
    /** Reopen the customer's last conversation on this channel if it ended within this window (ms). */
    reopenWithinMs: z.number().int().nonnegative().default(0),
    /** Keep a single thread per customer and channel. */
    singleThread: z.boolean().default(false),
    /** A reply window after the customer's last message (e.g. WhatsApp's 24 h), in ms. */
    replyWindowMs: z.number().int().positive().optional(),
  })
  .strict();

/** How a channel continues conversations. */
export type ContinuityPolicy = z.infer<typeof ContinuityPolicySchema>;

/** Zod schema for a conversation participant. */
export const ParticipantSchema = z
  .object({
    kind: z.enum(['customer', 'agent', 'bot', 'system']),
    id: IdSchema,
    joinedAt: EpochMsSchema,
    leftAt: EpochMsSchema.optional(),
  })
  .strict();

/** A conversation participant. */
export type Participant = z.infer<typeof ParticipantSchema>;

/** Zod schema for a conversation. */
export const ConversationSchema = z
  .object({
    ...entityBaseShape,
    customerId: IdSchema,
    channel: ChannelSchema,
    status: ConversationStatusSchema,
    subject: z.string().max(2000).optional(),
    participants: z.array(ParticipantSchema).default([]),
    /** Context that travels with the conversation (intent, language, case ids, …). */
    context: AttributesSchema.default({}),
    continuity: ContinuityPolicySchema.optional(),
    lastMessageAt: EpochMsSchema.optional(),
    lastCustomerMessageAt: EpochMsSchema.optional(),
    closedAt: EpochMsSchema.optional(),
  })
  .strict();

/** A conversation with a customer on one channel. */
export type Conversation = z.infer<typeof ConversationSchema>;
