import { z } from 'zod';
import { CaseRefSchema } from '../schemas/caseRef.js';
import { ChannelSchema } from '../schemas/channel.js';
import { AttributesSchema, EpochMsSchema, IdSchema, TenantIdSchema } from '../schemas/common.js';
import { ConversationStatusSchema } from '../schemas/conversation.js';
import { IdentityKindSchema } from '../schemas/identity.js';
import { AuthorKindSchema } from '../schemas/message.js';
import { SignalKindSchema } from '../schemas/signal.js';

/** JSON values only (what a provider may put in its section). */
export const JsonValueSchema: z.ZodType<unknown> = z.lazy(() =>
  z.union([
    z.string(),
    z.number().finite(),
    z.boolean(),
    z.null(),
    z.array(JsonValueSchema),
    z.record(z.string(), JsonValueSchema),
  ]),
);

/** Zod schema for a message in a context's messages window. */
export const ContextMessageSchema = z
  .object({
    id: IdSchema,
    direction: z.enum(['inbound', 'outbound', 'internal']),
    author: z.object({ kind: AuthorKindSchema, id: IdSchema.optional() }).strict(),
    body: z.string(),
    public: z.boolean(),
    sentAt: EpochMsSchema,
  })
  .strict();

/** A message in a context's messages window. */
export type ContextMessage = z.infer<typeof ContextMessageSchema>;

/** Zod schema for a conversation as the context shows it. */
export const ConversationSummarySchema = z
  .object({
    id: IdSchema,
    channel: ChannelSchema,
    status: ConversationStatusSchema,
    subject: z.string().optional(),
    createdAt: EpochMsSchema,
    lastMessageAt: EpochMsSchema.optional(),
    closedAt: EpochMsSchema.optional(),
    /** Agents who took part, most recent first. */
    agentIds: z.array(IdSchema),
    /** The last messages, oldest first. */
    lastMessages: z.array(ContextMessageSchema),
  })
  .strict();

/** A conversation as the context shows it. */
export type ConversationSummary = z.infer<typeof ConversationSummarySchema>;

/** Zod schema for an identity as the context shows it. */
export const ContextIdentitySchema = z
  .object({
    kind: IdentityKindSchema,
    value: z.string(),
    namespace: z.string().optional(),
    verified: z.boolean(),
    blocked: z.boolean(),
    channel: ChannelSchema.optional(),
    lastSeenAt: EpochMsSchema.optional(),
  })
  .strict();

/** An identity as the context shows it. */
export type ContextIdentity = z.infer<typeof ContextIdentitySchema>;

/** Zod schema for an agent who recently served the customer. */
export const LastAgentSchema = z
  .object({ agentId: IdSchema, conversationId: IdSchema, at: EpochMsSchema })
  .strict();

/** An agent who recently served the customer. */
export type LastAgent = z.infer<typeof LastAgentSchema>;

/** Zod schema for a signal as the context shows it. */
export const ContextSignalSchema = z
  .object({
    id: IdSchema,
    kind: SignalKindSchema,
    value: z.number().finite().optional(),
    label: z.string().optional(),
    confidence: z.number().min(0).max(1).optional(),
    observedAt: EpochMsSchema,
  })
  .strict();

/** A signal as the context shows it. */
export type ContextSignal = z.infer<typeof ContextSignalSchema>;

/** Zod schema for the signals part of the context. */
export const ContextSignalsSchema = z
  .object({
    /** Sentiment over time, oldest first. */
    sentimentTrend: z.array(ContextSignalSchema),
    /** The latest `health` or `churn_risk` signal. */
    health: ContextSignalSchema.optional(),
    /** The latest signal of each kind, newest first. */
    latest: z.array(ContextSignalSchema),
  })
  .strict();

/** Zod schema for how a provider fared. */
export const ProviderReportSchema = z
  .object({
    name: z.string().min(1),
    status: z.enum(['ok', 'failed', 'skipped']),
    error: z.object({ code: z.string().optional(), message: z.string() }).strict().optional(),
  })
  .strict();

/** How a provider fared while assembling a context. */
export type ProviderReport = z.infer<typeof ProviderReportSchema>;

/** Zod schema for the customer context ("the golden thread"): typed and plain JSON. */
export const CustomerContextSchema = z
  .object({
    customerId: IdSchema,
    tenantId: TenantIdSchema,
    assembledAt: EpochMsSchema,
    /** Set when the requested customer had been merged: the id that was asked for. */
    resolvedFrom: IdSchema.optional(),
    profile: AttributesSchema,
    attributes: AttributesSchema,
    identities: z.array(ContextIdentitySchema),
    conversations: z
      .object({ open: z.array(ConversationSummarySchema), recent: z.array(ConversationSummarySchema) })
      .strict(),
    cases: z.object({ open: z.array(CaseRefSchema), recent: z.array(CaseRefSchema) }).strict(),
    lastAgents: z.array(LastAgentSchema),
    signals: ContextSignalsSchema,
    /** Provider sections, by provider name (JSON). */
    sections: z.record(z.string(), JsonValueSchema),
    providers: z.array(ProviderReportSchema),
  })
  .strict();

/** The customer context (see {@link CustomerContextSchema}). */
export type CustomerContext = z.infer<typeof CustomerContextSchema>;

/** Zod schema for what a provider contributes; every part is optional. */
export const ContextContributionSchema = z
  .object({
    cases: z
      .object({ open: z.array(CaseRefSchema).optional(), recent: z.array(CaseRefSchema).optional() })
      .strict()
      .optional(),
    lastAgents: z.array(LastAgentSchema).optional(),
    signals: z
      .object({
        sentimentTrend: z.array(ContextSignalSchema).optional(),
        health: ContextSignalSchema.optional(),
        latest: z.array(ContextSignalSchema).optional(),
      })
      .strict()
      .optional(),
    /** Anything else, stored under `sections[provider.name]`. */
    section: JsonValueSchema.optional(),
  })
  .strict();

/** What a provider contributes to a context. */
export type ContextContribution = z.input<typeof ContextContributionSchema>;
