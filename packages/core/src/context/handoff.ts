import { z } from 'zod';
import type { Clock } from '../clock.js';
import { parseInput } from '../errors.js';
import type { IdGenerator } from '../ids.js';
import { ChannelSchema } from '../schemas/channel.js';
import {
  AttributesSchema,
  DEFAULT_TENANT,
  EpochMsSchema,
  IdSchema,
  TenantIdSchema,
} from '../schemas/common.js';
import { AuthorKindSchema } from '../schemas/message.js';
import { plainHandoffPacket, plainTranscript } from './handoffCheck.js';

/** Why a conversation changes hands. */
export const HANDOFF_REASONS = [
  'low_confidence',
  'customer_request',
  'negative_sentiment',
  'timeout',
  'escalation',
  'transfer',
  'skill_mismatch',
  'end_of_shift',
  'return_to_bot',
  'other',
] as const;

/** Zod schema for a handoff party (who hands off, who receives). */
export const HandoffPartySchema = z
  .object({
    kind: z.enum(['bot', 'agent', 'queue', 'team', 'system']),
    id: IdSchema.optional(),
    name: z.string().max(500).optional(),
  })
  .strict();

/** A party in a handoff. */
export type HandoffParty = z.infer<typeof HandoffPartySchema>;

/** Zod schema for one message in the handoff transcript window. */
export const TranscriptEntrySchema = z
  .object({
    messageId: IdSchema.optional(),
    author: z.object({ kind: AuthorKindSchema, id: IdSchema.optional() }).strict(),
    body: z.string().max(100_000),
    at: EpochMsSchema,
  })
  .strict();

/** One message in a handoff transcript window. */
export type TranscriptEntry = z.infer<typeof TranscriptEntrySchema>;

/** Zod schema for the state of one SLA clock at handoff time. */
export const SlaClockStateSchema = z
  .object({
    /** Metric name, e.g. `first_reply`, `next_reply`, `resolution`. */
    metric: z.string().min(1).max(100),
    state: z.enum(['active', 'paused', 'at_risk', 'achieved', 'breached', 'canceled']),
    dueAt: EpochMsSchema.optional(),
    /** Milliseconds left (negative once breached) at `createdAt` of the packet. */
    remainingMs: z.number().int().optional(),
    pausedMs: z.number().int().nonnegative().optional(),
  })
  .strict();

/** The state of one SLA clock at handoff time. */
export type SlaClockState = z.infer<typeof SlaClockStateSchema>;

/** Zod schema for the handoff packet: the same shape for bot→human, human→human and human→bot. */
export const HandoffPacketSchema = z
  .object({
    id: IdSchema,
    tenantId: TenantIdSchema,
    conversationId: IdSchema,
    customerId: IdSchema,
    channel: ChannelSchema.optional(),
    createdAt: EpochMsSchema,
    from: HandoffPartySchema,
    to: HandoffPartySchema,
    reason: z.object({ code: z.enum(HANDOFF_REASONS), note: z.string().max(2000).optional() }).strict(),
    /** The last messages, oldest first. */
    transcript: z.array(TranscriptEntrySchema).max(500),
    /** A short summary written by the party handing off. */
    summary: z.string().max(5000).optional(),
    intent: z
      .object({ name: z.string().min(1).max(200), confidence: z.number().min(0).max(1) })
      .strict()
      .optional(),
    sentiment: z
      .object({
        label: z.enum(['negative', 'neutral', 'positive', 'mixed']),
        /** −1 (very negative) to 1 (very positive). */
        score: z.number().min(-1).max(1),
        trend: z.enum(['improving', 'stable', 'worsening']).optional(),
      })
      .strict()
      .optional(),
    target: z
      .object({
        skills: z
          .array(
            z
              .object({
                name: z.string().min(1).max(200),
                minLevel: z.number().int().min(0).max(10).optional(),
              })
              .strict(),
          )
          .default([]),
        queueId: IdSchema.optional(),
        teamId: IdSchema.optional(),
        agentId: IdSchema.optional(),
        priority: z.number().int().optional(),
      })
      .strict()
      .default({ skills: [] }),
    sla: z.array(SlaClockStateSchema).default([]),
    identity: z
      .object({
        /** 0–1: how sure we are this contact is the customer (from identity resolution). */
        confidence: z.number().min(0).max(1),
        verified: z.boolean(),
        /** The identity keys that established it, e.g. `email:ana@x.com`. */
        evidence: z.array(z.string().min(1)).default([]),
      })
      .strict(),
    /** Anything else that should travel (language, case ids, bot slots). JSON only. */
    context: AttributesSchema.default({}),
  })
  .strict();

/** The handoff packet (see {@link HandoffPacketSchema}). */
export type HandoffPacket = z.infer<typeof HandoffPacketSchema>;

/** Input of {@link buildHandoffPacket}: the packet without `id`/`createdAt`/`tenantId` (optional). */
export type HandoffPacketInput = Omit<
  z.input<typeof HandoffPacketSchema>,
  'id' | 'createdAt' | 'tenantId' | 'transcript'
> & {
  id?: string;
  tenantId?: string;
  createdAt?: number;
  /** Messages (any order); the builder keeps the window. */
  transcript?: z.input<typeof TranscriptEntrySchema>[];
};

const HandoffOptionsSchema = z.object({
  maxMessages: z.number().int().min(0).max(500),
  maxChars: z.number().int().nonnegative(),
});
const TranscriptSchema = z.array(TranscriptEntrySchema);

/** Options for {@link buildHandoffPacket}. */
export interface HandoffBuildOptions {
  clock: Clock;
  ids: IdGenerator;
  /** Keep at most this many latest messages (default 20). */
  maxMessages?: number;
  /** Keep the latest messages whose bodies total at most this many characters (default 8000). */
  maxChars?: number;
}

/**
 * Builds and validates a handoff packet: assigns `id` and `createdAt`, orders the transcript oldest
 * first and keeps the latest window (`maxMessages`, `maxChars`), recomputes SLA `remainingMs` from
 * `dueAt` at `createdAt`, and rejects bad input with `VALIDATION` and the field path. The result
 * is plain JSON.
 *
 * @example
 * ```ts
 * const packet = buildHandoffPacket({
 *   conversationId: 'conv-1', customerId: 'cus-1',
 *   from: { kind: 'bot', id: 'faq-bot' }, to: { kind: 'queue', id: 'billing' },
 *   reason: { code: 'low_confidence' },
 *   transcript: messages.map((m) => ({ author: m.author, body: m.body, at: m.sentAt })),
 *   intent: { name: 'refund', confidence: 0.42 },
 *   target: { skills: [{ name: 'billing', minLevel: 3 }] },
 *   identity: { confidence: 0.9, verified: true, evidence: ['email:ana@x.com'] },
 * }, { clock, ids });
 * ```
 */
export function buildHandoffPacket(input: HandoffPacketInput, options: HandoffBuildOptions): HandoffPacket {
  const maxMessages = options.maxMessages ?? 20;
  const maxChars = options.maxChars ?? 8000;
  if (!(Number.isSafeInteger(maxMessages) && maxMessages >= 0 && maxMessages <= 500))
    parseInput(HandoffOptionsSchema, { maxMessages, maxChars }, 'handoff options');
  if (!(Number.isSafeInteger(maxChars) && maxChars >= 0))
    parseInput(HandoffOptionsSchema, { maxMessages, maxChars }, 'handoff options');
  // The common shapes are checked by hand (same rules, same output); zod decides the rest.
  const rawTranscript = input.transcript ?? [];
  const transcript = (plainTranscript(rawTranscript) ??
    parseInput(TranscriptSchema, rawTranscript, 'handoff transcript')) as TranscriptEntry[];
  const ordered = transcript
    .map((entry, i) => ({ entry, i }))
    .sort((a, b) => a.entry.at - b.entry.at || a.i - b.i)
    .map((x) => x.entry);
  const window: TranscriptEntry[] = [];
  let chars = 0;
  for (let i = ordered.length - 1; i >= 0 && window.length < maxMessages; i--) {
    const entry = ordered[i] as TranscriptEntry;
    if (chars + entry.body.length > maxChars && window.length > 0) break;
    chars += entry.body.length;
    window.push(entry);
  }
  window.reverse();
  const createdAt = input.createdAt ?? options.clock.now();
  // The window's entries were validated above: the packet is parsed without them (validated
  // once), then given them. The window never holds more than the schema's 500 entries.
  const packet = checkHandoffPacket({
    ...input,
    id: input.id ?? options.ids.next('handoff'),
    tenantId: input.tenantId ?? DEFAULT_TENANT,
    createdAt,
    transcript: [],
  });
  packet.transcript = window;
  packet.sla = packet.sla.map((clock) =>
    clock.dueAt === undefined ? clock : { ...clock, remainingMs: clock.dueAt - createdAt },
  );
  return packet;
}

/**
 * Validates an unknown value (e.g. received over the bus) as a handoff packet.
 *
 * @example
 * ```ts
 * const packet = parseHandoffPacket(JSON.parse(body));
 * ```
 */
export function parseHandoffPacket(input: unknown): HandoffPacket {
  return checkHandoffPacket(input);
}

function checkHandoffPacket(input: unknown): HandoffPacket {
  return (
    (plainHandoffPacket(input) as HandoffPacket | undefined) ??
    parseInput(HandoffPacketSchema, input, 'handoff packet')
  );
}
