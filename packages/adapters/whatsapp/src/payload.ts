import { z } from 'zod';

/**
 * Zod schemas for the WhatsApp Cloud API webhook payload
 * (https://developers.facebook.com/docs/whatsapp/cloud-api/webhooks/components and
 * https://developers.facebook.com/docs/whatsapp/cloud-api/webhooks/payload-examples). Objects
 * are not strict: Meta adds fields, and an unknown field must not turn a valid delivery into a 400.
 */

/** An error object as Meta reports it in `errors` arrays. */
export const GraphErrorSchema = z.object({
  code: z.number().int(),
  title: z.string().max(10_000).optional(),
  message: z.string().max(10_000).optional(),
  error_data: z.object({ details: z.string().max(10_000).optional() }).optional(),
  href: z.string().max(4000).optional(),
});

const MediaSchema = z.object({
  id: z.string().min(1).max(500),
  mime_type: z.string().min(1).max(255),
  sha256: z.string().max(200).optional(),
  caption: z.string().max(100_000).optional(),
  filename: z.string().min(1).max(1000).optional(),
  animated: z.boolean().optional(),
  voice: z.boolean().optional(),
});

const ReplySchema = z.object({
  id: z.string().min(1).max(1000),
  title: z.string().max(1000).optional(),
  description: z.string().max(10_000).optional(),
});

/** The media message types, each carrying a media object under its own name. */
export const MEDIA_TYPES = ['image', 'audio', 'video', 'document', 'sticker'] as const;

/** A WhatsApp id (`wa_id`): the phone number in digits. */
const WaIdSchema = z.string().regex(/^\d{5,20}$/, 'expected a WhatsApp id (digits)');
/** Unix seconds in a string. */
const SecondsSchema = z.string().regex(/^\d{1,12}$/, 'expected Unix seconds');

/** An inbound message in `value.messages[]`. */
export const WhatsAppMessageSchema = z
  .object({
    id: z.string().min(1).max(1000),
    from: WaIdSchema,
    timestamp: SecondsSchema,
    type: z.string().min(1).max(100),
    context: z
      .object({
        from: z.string().max(100).optional(),
        id: z.string().min(1).max(1000).optional(),
        forwarded: z.boolean().optional(),
        frequently_forwarded: z.boolean().optional(),
      })
      .optional(),
    text: z.object({ body: z.string().max(100_000) }).optional(),
    image: MediaSchema.optional(),
    audio: MediaSchema.optional(),
    video: MediaSchema.optional(),
    document: MediaSchema.optional(),
    sticker: MediaSchema.optional(),
    location: z
      .object({
        latitude: z.number().min(-90).max(90),
        longitude: z.number().min(-180).max(180),
        name: z.string().max(1000).optional(),
        address: z.string().max(2000).optional(),
        url: z.string().max(4000).optional(),
      })
      .optional(),
    interactive: z
      .object({
        type: z.string().min(1).max(100),
        button_reply: ReplySchema.optional(),
        list_reply: ReplySchema.optional(),
      })
      .optional(),
    button: z.object({ payload: z.string().max(1000).optional(), text: z.string().max(1000) }).optional(),
    reaction: z
      .object({ message_id: z.string().min(1).max(1000), emoji: z.string().max(100).optional() })
      .optional(),
    errors: z.array(GraphErrorSchema).max(100).optional(),
  })
  .superRefine((m, ctx) => {
    // A known type must carry its object; an unknown type is kept as it is (never dropped).
    const needs = ['text', 'location', 'interactive', 'button', 'reaction', ...MEDIA_TYPES];
    if (needs.includes(m.type) && m[m.type as keyof typeof m] === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: [m.type],
        message: `a ${m.type} message needs its ${m.type} object`,
      });
    }
    if (
      m.type === 'interactive' &&
      m.interactive &&
      !m.interactive.button_reply &&
      !m.interactive.list_reply
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['interactive'],
        message: 'an interactive reply needs button_reply or list_reply',
      });
    }
  });

/** A status update in `value.statuses[]`. */
export const WhatsAppStatusSchema = z.object({
  id: z.string().min(1).max(1000),
  status: z.string().min(1).max(100),
  timestamp: SecondsSchema,
  recipient_id: z.string().min(1).max(100).optional(),
  errors: z.array(GraphErrorSchema).max(100).optional(),
  conversation: z
    .object({
      id: z.string().max(1000).optional(),
      origin: z.object({ type: z.string().max(100).optional() }).optional(),
      expiration_timestamp: z.string().max(20).optional(),
    })
    .optional(),
  pricing: z
    .object({
      billable: z.boolean().optional(),
      category: z.string().max(100).optional(),
      pricing_model: z.string().max(100).optional(),
    })
    .optional(),
});

/** The `value` of a `messages` change. */
export const WhatsAppValueSchema = z.object({
  messaging_product: z.literal('whatsapp'),
  metadata: z.object({
    display_phone_number: z.string().min(1).max(100),
    phone_number_id: z.string().regex(/^\d{1,30}$/, 'expected a phone number id'),
  }),
  contacts: z
    .array(
      z.object({
        wa_id: WaIdSchema,
        profile: z.object({ name: z.string().max(1000).optional() }).optional(),
      }),
    )
    .max(1000)
    .optional(),
  messages: z.array(z.unknown()).max(10_000).optional(),
  statuses: z.array(z.unknown()).max(10_000).optional(),
  errors: z.array(GraphErrorSchema).max(100).optional(),
});

/** The envelope: `object` and batched `entry[].changes[]`. */
export const WhatsAppEnvelopeSchema = z.object({
  object: z.literal('whatsapp_business_account'),
  entry: z
    .array(
      z.object({
        id: z.string().min(1).max(100),
        changes: z.array(z.object({ field: z.string().min(1).max(200), value: z.unknown() })).max(10_000),
      }),
    )
    .max(10_000),
});

/** An error object Meta reported. */
export type GraphError = z.infer<typeof GraphErrorSchema>;
/** A parsed inbound message. */
export type WhatsAppMessage = z.infer<typeof WhatsAppMessageSchema>;
/** A parsed status update. */
export type WhatsAppStatus = z.infer<typeof WhatsAppStatusSchema>;
/** A parsed change value. */
export type WhatsAppValue = z.infer<typeof WhatsAppValueSchema>;
