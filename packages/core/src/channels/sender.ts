import { z } from 'zod';
import { type Channel, ChannelSchema } from '../schemas/channel.js';
import type { DeliveryRecord } from './delivery.js';
import type { InboundStatus } from './inbound.js';

/** Zod schema for an outbound attachment: bytes (base64 or `Uint8Array`) or a public URL. */
export const OutboundAttachmentSchema = z
  .object({
    filename: z.string().min(1).max(1000),
    contentType: z.string().min(1).max(255),
    /** Base64 text or raw bytes. */
    content: z.union([z.string(), z.instanceof(Uint8Array)]).optional(),
    /** A URL the provider fetches (MMS, WhatsApp media by link). */
    url: z.string().url().optional(),
  })
  .strict()
  .refine((a) => a.content !== undefined || a.url !== undefined, {
    message: 'an attachment needs content or url',
    path: ['content'],
  });

/** Zod schema for what to send. At least one of text, html, template or attachments. */
export const OutboundContentSchema = z
  .object({
    text: z.string().max(1_000_000).optional(),
    /** Email only. */
    html: z.string().max(10_000_000).optional(),
    /** Email only. */
    subject: z.string().max(10_000).optional(),
    attachments: z.array(OutboundAttachmentSchema).default([]),
    /** A provider template (WhatsApp message templates outside the 24-hour window). */
    template: z
      .object({
        name: z.string().min(1).max(512),
        language: z.string().min(2).max(20),
        parameters: z.array(z.string().max(10_000)).default([]),
      })
      .strict()
      .optional(),
  })
  .strict()
  .refine(
    (c) =>
      c.text !== undefined || c.html !== undefined || c.template !== undefined || c.attachments.length > 0,
    { message: 'content needs text, html, template or attachments', path: ['text'] },
  );

/** Zod schema for a {@link SendRequest}. */
export const SendRequestSchema = z
  .object({
    conversationId: z.string().min(1).max(500),
    channel: ChannelSchema,
    /** The recipient's address on the channel: E.164 phone, email address, WhatsApp id, session id. */
    to: z.string().min(1).max(1000),
    content: OutboundContentSchema,
    /** The same key twice sends once: the second call returns the first delivery record. */
    idempotencyKey: z.string().min(1).max(500),
    tenantId: z.string().min(1).optional(),
    /** Whose consent and quiet hours are checked before sending (when the sender has a guard). */
    customerId: z.string().min(1).optional(),
    /** The consent purpose checked (default `service`: replies to the customer's own contact). */
    purpose: z.string().min(1).max(100).optional(),
    /** Email threading: the `Message-ID` this replies to and the thread's `References`. */
    inReplyTo: z.string().min(1).max(2000).optional(),
    references: z.array(z.string().min(1).max(2000)).default([]),
  })
  .strict();

/** What to send, to whom, on which conversation. */
export type SendRequest = z.input<typeof SendRequestSchema>;
/** A validated {@link SendRequest}. */
export type ParsedSendRequest = z.output<typeof SendRequestSchema>;

/**
 * The outbound port every channel adapter implements. `send` validates the request (a
 * `VALIDATION` error naming the field), refuses with `FORBIDDEN` when the sender's guard says
 * the customer has not consented or it is their quiet hours (nothing sent), and otherwise
 * resolves with the delivery record: `sent`/`queued` when the provider accepted it, `failed`
 * (with `error.retryable`) when the provider refused it after retries. Status callbacks reach
 * the record through `applyStatus`, in any order.
 *
 * @example
 * ```ts
 * const record = await sender.send({
 *   conversationId: 'conv-1', channel: 'sms', to: '+447700900123',
 *   content: { text: 'Your refund is on its way.' }, idempotencyKey: 'reply-msg-42',
 * });
 * ```
 */
export interface ChannelSender {
  /** The adapter's name, e.g. `twilio`. */
  readonly name: string;
  /** The channels it sends on. */
  readonly channels: readonly Channel[];
  send(request: SendRequest): Promise<DeliveryRecord>;
  /** Applies a normalised status callback; resolves `undefined` when no delivery matches. */
  applyStatus(status: InboundStatus): Promise<DeliveryRecord | undefined>;
  /** A delivery record by its id or idempotency key. */
  getDelivery(ref: { id: string } | { idempotencyKey: string }): Promise<DeliveryRecord | undefined>;
}

/** The decision a send guard returns: allowed, or refused with a reason. */
export type SendDecision =
  | { allowed: true }
  | { allowed: false; reason: 'no_consent' | 'quiet_hours' | string };

/**
 * Checked before every send: consent and quiet hours (core governance's consent service and a
 * business calendar plug in here). Senders call it with the validated request.
 */
export type SendGuard = (request: ParsedSendRequest) => SendDecision | Promise<SendDecision>;
