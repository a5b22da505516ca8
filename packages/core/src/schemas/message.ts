import { z } from 'zod';
import { ChannelSchema } from './channel.js';
import { AttributesSchema, EpochMsSchema, entityBaseShape, IdSchema } from './common.js';

/** Who wrote a message. */
export const AUTHOR_KINDS = ['customer', 'agent', 'bot', 'system'] as const;

/** Zod schema for an author kind. */
export const AuthorKindSchema = z.enum(AUTHOR_KINDS);

/** An author kind. */
export type AuthorKind = z.infer<typeof AuthorKindSchema>;

/** Zod schema for a message attachment. */
export const AttachmentSchema = z
  .object({
    id: IdSchema,
    name: z.string().min(1).max(1000),
    contentType: z.string().min(1).max(255),
    size: z.number().int().nonnegative(),
    url: z.string().optional(),
  })
  .strict();

/** A message attachment (by reference). */
export type Attachment = z.infer<typeof AttachmentSchema>;

/** Zod schema for a message. */
export const MessageSchema = z
  .object({
    ...entityBaseShape,
    conversationId: IdSchema,
    channel: ChannelSchema,
    direction: z.enum(['inbound', 'outbound', 'internal']),
    author: z.object({ kind: AuthorKindSchema, id: IdSchema.optional() }).strict(),
    body: z.string().max(1_000_000),
    /** Internal notes are not shown to the customer. */
    public: z.boolean().default(true),
    attachments: z.array(AttachmentSchema).default([]),
    sentAt: EpochMsSchema,
    deliveredAt: EpochMsSchema.optional(),
    readAt: EpochMsSchema.optional(),
    /** Channel-provided id or sender key that makes redelivery a no-op. */
    idempotencyKey: z.string().min(1).max(500).optional(),
    metadata: AttributesSchema.default({}),
  })
  .strict();

/** A message in a conversation. */
export type Message = z.infer<typeof MessageSchema>;
