import { z } from 'zod';
import { type Instant, toMillis } from '../clock.js';
import { parseInput } from '../errors.js';
import { type Channel, ChannelSchema } from '../schemas/channel.js';
import { EpochMsSchema, IdSchema } from '../schemas/common.js';
import {
  type ContinuityPolicy,
  ContinuityPolicySchema,
  ConversationStatusSchema,
} from '../schemas/conversation.js';

/** Continuity policies per channel. Channels without an entry use `{ reopenWithinMs: 0 }`. */
export type ContinuityPolicies = Partial<Record<Channel, ContinuityPolicy>>;

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/**
 * Sensible defaults: WhatsApp keeps one thread with Meta's 24 h customer-service window; SMS keeps
 * one thread; email reopens within 7 days; chat within 30 minutes; social within 24 h; voice and
 * API always start new conversations.
 */
export const DEFAULT_CONTINUITY_POLICIES: Readonly<ContinuityPolicies> = {
  whatsapp: { reopenWithinMs: 0, singleThread: true, replyWindowMs: DAY },
  sms: { reopenWithinMs: 0, singleThread: true },
  email: { reopenWithinMs: 7 * DAY, singleThread: false },
  chat: { reopenWithinMs: 30 * 60_000, singleThread: false },
  social: { reopenWithinMs: DAY, singleThread: false },
  voice: { reopenWithinMs: 0, singleThread: false },
  api: { reopenWithinMs: 0, singleThread: false },
};

/** What the policy needs to know about one of the customer's conversations on the channel. */
export const ContinuityCandidateSchema = z
  .object({
    id: IdSchema,
    channel: ChannelSchema,
    status: ConversationStatusSchema,
    createdAt: EpochMsSchema,
    lastMessageAt: EpochMsSchema.optional(),
    lastCustomerMessageAt: EpochMsSchema.optional(),
    closedAt: EpochMsSchema.optional(),
  })
  .loose();

const CandidateListSchema = z.array(ContinuityCandidateSchema);

/** A conversation considered by {@link decideContinuity} (a `Conversation` fits). */
export type ContinuityCandidate = z.infer<typeof ContinuityCandidateSchema>;

/** The continuity decision for an inbound message. */
export type ContinuityDecision =
  | { action: 'continue'; conversationId: string; reason: 'open_conversation' | 'single_thread' }
  | { action: 'reopen'; conversationId: string; reason: 'within_reopen_window' | 'single_thread' }
  | { action: 'new'; reason: 'no_conversation' | 'reopen_window_expired' | 'reopen_disabled' };

/** Input of {@link decideContinuity}. */
export interface ContinuityInput {
  channel: Channel;
  /** The customer's conversations (any channel, any order); only this channel's are considered. */
  conversations: readonly ContinuityCandidate[];
  now: Instant;
  /** Policy for the channel; defaults to `policies[channel]`, then `{ reopenWithinMs: 0 }`. */
  policy?: ContinuityPolicy;
  policies?: ContinuityPolicies;
}

function policyFor(input: { channel: Channel; policy?: ContinuityPolicy; policies?: ContinuityPolicies }) {
  const raw =
    input.policy ?? input.policies?.[input.channel] ?? DEFAULT_CONTINUITY_POLICIES[input.channel] ?? {};
  return parseInput(ContinuityPolicySchema, raw, 'continuity policy');
}

function lastActivity(c: ContinuityCandidate): number {
  return Math.max(c.createdAt, c.lastMessageAt ?? c.createdAt, c.closedAt ?? c.createdAt);
}

/**
 * Decides whether an inbound message continues an open conversation, reopens a closed one or
 * starts a new one:
 * - `singleThread`: the channel keeps one thread per customer: the latest conversation is
 *   continued (or reopened when closed), whatever its age.
 * - otherwise an open (not closed) conversation on the channel is continued (the most recently
 *   active one);
 * - otherwise the latest closed one is reopened when it closed less than `reopenWithinMs` ago
 *   (the window is half-open: exactly at the limit starts a new one);
 * - otherwise a new conversation starts.
 *
 * @example
 * ```ts
 * const d = decideContinuity({ channel: 'email', conversations, now: clock.now() });
 * if (d.action === 'new') createConversation();
 * ```
 */
export function decideContinuity(input: ContinuityInput): ContinuityDecision {
  const channel = parseInput(ChannelSchema, input.channel, 'channel');
  const now = toMillis(input.now, 'now');
  const policy = policyFor({ ...input, channel });
  const conversations = parseInput(CandidateListSchema, input.conversations, 'conversations');
  const mine = conversations
    .filter((c) => c.channel === channel)
    .sort((a, b) => lastActivity(b) - lastActivity(a) || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
  const latest = mine[0];
  if (!latest) return { action: 'new', reason: 'no_conversation' };
  if (policy.singleThread) {
    return latest.status === 'closed'
      ? { action: 'reopen', conversationId: latest.id, reason: 'single_thread' }
      : { action: 'continue', conversationId: latest.id, reason: 'single_thread' };
  }
  const open = mine.find((c) => c.status !== 'closed');
  if (open) return { action: 'continue', conversationId: open.id, reason: 'open_conversation' };
  if (policy.reopenWithinMs <= 0) return { action: 'new', reason: 'reopen_disabled' };
  const closedAt = latest.closedAt ?? lastActivity(latest);
  if (now - closedAt < policy.reopenWithinMs) {
    return { action: 'reopen', conversationId: latest.id, reason: 'within_reopen_window' };
  }
  return { action: 'new', reason: 'reopen_window_expired' };
}

/** Whether the business may still reply freely on a conversation (e.g. WhatsApp's 24 h window). */
export interface ReplyWindowState {
  open: boolean;
  /** When the window closes (absent when the channel has no reply window). */
  closesAt?: number;
  /** Milliseconds left (0 when closed). Absent without a window. */
  remainingMs?: number;
  reason: 'no_window' | 'within_window' | 'window_expired' | 'no_customer_message';
}

/**
 * Evaluates the reply window: with `replyWindowMs`, free-form replies are allowed until
 * `lastCustomerMessageAt + replyWindowMs` (half-open); without a customer message the window is
 * closed (a template or opt-in message is needed). Channels without a window are always open.
 *
 * @example
 * ```ts
 * replyWindow({ channel: 'whatsapp', lastCustomerMessageAt: t }, t + 23 * 3600_000).open; // true
 * ```
 */
export function replyWindow(
  conversation: {
    channel: Channel;
    lastCustomerMessageAt?: number | undefined;
    continuity?: ContinuityPolicy | undefined;
  },
  now: Instant,
  policies?: ContinuityPolicies,
): ReplyWindowState {
  const channel = parseInput(ChannelSchema, conversation.channel, 'channel');
  const at = toMillis(now, 'now');
  const policy = policyFor({
    channel,
    ...(conversation.continuity ? { policy: conversation.continuity } : {}),
    ...(policies ? { policies } : {}),
  });
  if (policy.replyWindowMs === undefined) return { open: true, reason: 'no_window' };
  const last = conversation.lastCustomerMessageAt;
  if (last === undefined) return { open: false, remainingMs: 0, reason: 'no_customer_message' };
  const closesAt = toMillis(last, 'lastCustomerMessageAt') + policy.replyWindowMs;
  return at < closesAt
    ? { open: true, closesAt, remainingMs: closesAt - at, reason: 'within_window' }
    : { open: false, closesAt, remainingMs: 0, reason: 'window_expired' };
}
