import { z } from 'zod';
import { IdentityInputSchema } from '../identity/options.js';
import { ChannelSchema } from '../schemas/channel.js';
import { AttributesSchema, EpochMsSchema } from '../schemas/common.js';
import { DeliveryStateSchema } from './delivery.js';

/**
 * Normalised inbound traffic: what every channel adapter produces from a provider's webhook,
 * socket frame or mail, and what the host hands to identity resolution and routing/cases.
 * Three kinds share one envelope — a customer's `message`, a `status` update for something we
 * sent, and a `conversation` event (voice call progress, typing, read receipts).
 */

/** Zod schema for an attachment as a channel reports it (a reference; bytes stay with the provider or the host). */
export const InboundAttachmentSchema = z
  .object({
    /** The provider's media id, when it has one (WhatsApp media id, Twilio media SID). */
    id: z.string().min(1).max(500).optional(),
    url: z.string().min(1).max(4000).optional(),
    contentType: z.string().min(1).max(255),
    filename: z.string().min(1).max(1000).optional(),
    /** Size in bytes when known. */
    size: z.number().int().nonnegative().optional(),
    /** MIME `Content-ID` for inline parts of an email. */
    contentId: z.string().min(1).max(1000).optional(),
    inline: z.boolean().optional(),
  })
  .strict();

/** An attachment of an inbound message. */
export type InboundAttachment = z.infer<typeof InboundAttachmentSchema>;

/** Zod schema for the sender of an inbound message: the identities identity resolution takes. */
export const InboundSenderSchema = z
  .object({
    /** At least one identity (phone, email, channel handle…), as `IdentityService.resolve` takes them. */
    identities: z.array(IdentityInputSchema).min(1),
    displayName: z.string().min(1).max(1000).optional(),
  })
  .strict();

const envelopeShape = {
  channel: ChannelSchema,
  /** Which provider or adapter produced it: `twilio`, `whatsapp`, `email`, `webchat`, … */
  provider: z.string().min(1).max(100),
  /** When the provider says it happened (epoch ms), else when it was received. */
  occurredAt: EpochMsSchema,
  /**
   * A key that is the same for every item of one thread on the provider's side (SMS: the pair
   * of numbers; email: the root `Message-ID`; web chat: the session), for continuity.
   */
  threadKey: z.string().min(1).max(2000).optional(),
  /** Provider-specific details worth keeping (no secrets), flat JSON. */
  metadata: AttributesSchema.default({}),
};

/** Zod schema for a customer's inbound message. */
export const InboundMessageSchema = z
  .object({
    kind: z.literal('message'),
    ...envelopeShape,
    /** The provider's id of this message: the dedupe key (the same message redelivered is a no-op). */
    providerMessageId: z.string().min(1).max(1000),
    from: InboundSenderSchema,
    /** Our address it was sent to (a phone number, an inbox, a WhatsApp phone-number id, a widget id). */
    to: z.string().min(1).max(1000),
    /** Plain text (email: the text part, or text derived from HTML; quoted history kept). */
    text: z.string().max(1_000_000).default(''),
    /** Email subject. */
    subject: z.string().max(10_000).optional(),
    /** Email HTML part, as sent (the host sanitises before rendering it). */
    html: z.string().max(10_000_000).optional(),
    attachments: z.array(InboundAttachmentSchema).default([]),
    location: z
      .object({
        latitude: z.number().min(-90).max(90),
        longitude: z.number().min(-180).max(180),
        name: z.string().max(1000).optional(),
        address: z.string().max(2000).optional(),
      })
      .strict()
      .optional(),
    /** A reply to an interactive prompt (button or list choice). */
    interactive: z
      .object({ id: z.string().min(1).max(1000), title: z.string().max(1000).optional() })
      .strict()
      .optional(),
    /** A reaction (emoji) to an earlier message. */
    reaction: z
      .object({ emoji: z.string().max(100), toProviderMessageId: z.string().min(1).max(1000) })
      .strict()
      .optional(),
    /** The provider id of the message this one replies to (email `In-Reply-To`, WhatsApp context). */
    inReplyTo: z.string().min(1).max(2000).optional(),
    /** Email `References`, oldest first. */
    references: z.array(z.string().min(1).max(2000)).default([]),
  })
  .strict();

/** A customer's inbound message, normalised. */
export type InboundMessage = z.infer<typeof InboundMessageSchema>;
/** The input form of {@link InboundMessage} (defaults optional). */
export type InboundMessageInput = z.input<typeof InboundMessageSchema>;

/** Zod schema for a provider's status callback about something we sent. */
export const InboundStatusSchema = z
  .object({
    kind: z.literal('status'),
    ...envelopeShape,
    /** The provider's id of the message we sent (what `ChannelSender.send` recorded). */
    providerMessageId: z.string().min(1).max(1000),
    state: DeliveryStateSchema,
    /** The recipient, when the provider says. */
    to: z.string().min(1).max(1000).optional(),
    error: z
      .object({ code: z.string().min(1).max(200), message: z.string().max(10_000) })
      .strict()
      .optional(),
  })
  .strict();

/** A delivery status update, normalised. */
export type InboundStatus = z.infer<typeof InboundStatusSchema>;

/** The conversation events channels report besides messages. */
export const CONVERSATION_EVENT_TYPES = [
  'call.ringing',
  'call.answered',
  'call.held',
  'call.resumed',
  'call.transferred',
  'call.ended',
  'call.digits',
  'typing.started',
  'typing.stopped',
  'message.read',
  'session.started',
  'session.ended',
] as const;

/** Zod schema for a conversation event type. */
export const ConversationEventTypeSchema = z.enum(CONVERSATION_EVENT_TYPES);

/** Zod schema for a conversation event (voice progress, typing, read receipts, chat sessions). */
export const InboundConversationEventSchema = z
  .object({
    kind: z.literal('conversation'),
    ...envelopeShape,
    type: ConversationEventTypeSchema,
    /** The provider's id of the call or session. */
    providerConversationId: z.string().min(1).max(1000),
    from: InboundSenderSchema.optional(),
    to: z.string().min(1).max(1000).optional(),
    /** `call.digits`: the keys pressed (IVR). */
    digits: z.string().max(1000).optional(),
    /** `call.transferred`: where to. */
    transferTo: z.string().max(1000).optional(),
    /** `call.ended`: duration in seconds, when known. */
    durationSeconds: z.number().nonnegative().optional(),
    /** `message.read`: the provider id of the message read. */
    providerMessageId: z.string().min(1).max(1000).optional(),
  })
  .strict();

/** A conversation event, normalised. */
export type InboundConversationEvent = z.infer<typeof InboundConversationEventSchema>;

/** Zod schema for anything a channel adapter normalises, discriminated by `kind`. */
export const InboundChannelItemSchema = z.discriminatedUnion('kind', [
  InboundMessageSchema,
  InboundStatusSchema,
  InboundConversationEventSchema,
]);

/** Anything a channel adapter normalises: a message, a status update or a conversation event. */
export type InboundChannelItem = z.infer<typeof InboundChannelItemSchema>;
