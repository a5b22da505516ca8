import { z } from 'zod';
import { ChannelSchema } from './channel.js';
import { AttributesSchema, EpochMsSchema, entityBaseShape, IdSchema } from './common.js';

/** Zod schema for a consent entry on a customer (channel × purpose). */
export const ConsentSchema = z
  .object({
    channel: ChannelSchema,
    purpose: z.string().min(1),
    granted: z.boolean(),
    at: EpochMsSchema,
    source: z.string().min(1).optional(),
  })
  .strict();

/** A customer's consent for one channel and purpose. */
export type Consent = z.infer<typeof ConsentSchema>;

/** Zod schema for a customer. */
export const CustomerSchema = z
  .object({
    ...entityBaseShape,
    profile: z
      .object({
        name: z.string().max(500).optional(),
        locale: z.string().max(35).optional(),
        timeZone: z.string().max(100).optional(),
        company: z.string().max(500).optional(),
      })
      .strict()
      .default({}),
    /** Account attributes (tier, plan, region, …). */
    attributes: AttributesSchema.default({}),
    consent: z.array(ConsentSchema).default([]),
    /** Set when this customer was merged into another. */
    mergedInto: IdSchema.optional(),
    /** Set when the customer was erased (right to be forgotten). */
    erasedAt: EpochMsSchema.optional(),
  })
  .strict();

/** A customer: profile, account attributes and consent. */
export type Customer = z.infer<typeof CustomerSchema>;
