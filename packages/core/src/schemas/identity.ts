import { z } from 'zod';
import { ChannelSchema } from './channel.js';
import { EpochMsSchema, entityBaseShape, IdSchema } from './common.js';

/** Kinds of identity a customer can have. */
export const IDENTITY_KINDS = ['email', 'phone', 'external_id', 'channel_handle', 'device'] as const;

/** Zod schema for an identity kind. */
export const IdentityKindSchema = z.enum(IDENTITY_KINDS);

/** An identity kind. */
export type IdentityKind = z.infer<typeof IdentityKindSchema>;

/** Zod schema for an identity attached to a customer. */
export const IdentitySchema = z
  .object({
    ...entityBaseShape,
    customerId: IdSchema,
    kind: IdentityKindSchema,
    /** The value, normalised (lower-cased email, E.164 phone, …). */
    value: z.string().min(1).max(1000),
    verified: z.boolean().default(false),
    blocked: z.boolean().default(false),
    /** The channel the identity was seen on, if any. */
    channel: ChannelSchema.optional(),
    /** For channel handles: which provider namespace (e.g. `twitter`, `whatsapp`). */
    namespace: z.string().min(1).optional(),
    lastSeenAt: EpochMsSchema.optional(),
  })
  .strict();

/** An identity of a customer: an email, phone, channel handle, external id or device. */
export type Identity = z.infer<typeof IdentitySchema>;
