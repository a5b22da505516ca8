import { type InboundMessage, parseInput } from '@threadline/core';
import { z } from 'zod';
import { identityOf, parseTwilioAddress } from './address.js';
import {
  AddressSchema,
  decimalString,
  finish,
  intString,
  pick,
  receivedMs,
  SidSchema,
  type TwilioNormaliseOptions,
} from './fields.js';

/** Twilio allows at most 10 media items per message. */
const MAX_MEDIA = 10;

/**
 * The fields of an incoming-message webhook this adapter reads
 * (https://www.twilio.com/docs/messaging/guides/webhook-request). Unknown fields are ignored.
 */
const IncomingMessageFormSchema = z.object({
  MessageSid: SidSchema,
  AccountSid: SidSchema.optional(),
  MessagingServiceSid: SidSchema.optional(),
  From: AddressSchema,
  To: AddressSchema,
  Body: z.string().max(1_000_000).default(''),
  NumMedia: intString(0, MAX_MEDIA).default(0),
  ProfileName: z.string().max(1000).optional(),
  WaId: z.string().max(100).optional(),
  ButtonText: z.string().max(1000).optional(),
  ButtonPayload: z.string().max(1000).optional(),
  Latitude: decimalString(-90, 90).optional(),
  Longitude: decimalString(-180, 180).optional(),
  Address: z.string().max(2000).optional(),
  Label: z.string().max(1000).optional(),
  OriginalRepliedMessageSid: SidSchema.optional(),
});

const MediaUrlSchema = z.string().max(4000).pipe(z.url());
const ContentTypeSchema = z.string().min(1).max(255);

/** Metadata fields copied as they are (no secrets in any of them). */
const METADATA = [
  'AccountSid',
  'MessagingServiceSid',
  'NumSegments',
  'FromCountry',
  'FromState',
  'FromCity',
  'FromZip',
  'ToCountry',
  'MessageType',
  'WaId',
  'Forwarded',
  'FrequentlyForwarded',
  'ReferralCtwaClid',
] as const;

/**
 * Normalises an incoming SMS, MMS or WhatsApp-via-Twilio message (already verified) into core's
 * `InboundMessage`: `whatsapp:` prefixes become the `whatsapp` channel, media become
 * attachments (`MediaUrlN`/`MediaContentTypeN`), a shared location becomes `location`, a quick
 * reply button becomes `interactive`, and the sender's number becomes a phone identity.
 * Throws `VALIDATION` with the field's path for a malformed payload.
 *
 * @example
 * ```ts
 * const message = normaliseTwilioMessage(form, { receivedAt: clock.now() });
 * const { customerId } = await identity.resolve(message.from.identities);
 * ```
 */
export function normaliseTwilioMessage(
  form: Record<string, string>,
  options: TwilioNormaliseOptions,
): InboundMessage {
  const at = receivedMs(options);
  const fields = parseInput(IncomingMessageFormSchema, form, 'Twilio message webhook');
  const from = parseTwilioAddress(fields.From, 'sms');
  const to = parseTwilioAddress(fields.To, from.channel);
  const channel = from.channel === 'whatsapp' || to.channel === 'whatsapp' ? 'whatsapp' : 'sms';

  const attachments: { url: string; contentType: string }[] = [];
  for (let i = 0; i < fields.NumMedia; i++) {
    // Each media field is checked under its own name so the error's path points at it.
    const media = parseInput(
      z.object({ [`MediaUrl${i}`]: MediaUrlSchema, [`MediaContentType${i}`]: ContentTypeSchema }),
      form,
      'Twilio media',
    );
    attachments.push({
      url: media[`MediaUrl${i}`] as string,
      contentType: media[`MediaContentType${i}`] as string,
    });
  }

  const metadata: Record<string, unknown> = pick(form, METADATA);
  const message: Record<string, unknown> = {
    kind: 'message',
    channel,
    provider: 'twilio',
    occurredAt: at,
    providerMessageId: fields.MessageSid,
    threadKey: `twilio:${channel}:${from.value}:${to.value}`,
    from: {
      identities: [identityOf({ ...from, channel }, options.phoneVerified ?? true)],
      ...(fields.ProfileName ? { displayName: fields.ProfileName } : {}),
    },
    to: to.value,
    text: fields.Body,
    attachments,
    metadata,
  };
  if (fields.Latitude !== undefined && fields.Longitude !== undefined) {
    message.location = {
      latitude: fields.Latitude,
      longitude: fields.Longitude,
      ...(fields.Label ? { name: fields.Label } : {}),
      ...(fields.Address ? { address: fields.Address } : {}),
    };
  }
  if (fields.ButtonPayload || fields.ButtonText) {
    message.interactive = {
      id: fields.ButtonPayload || fields.ButtonText,
      ...(fields.ButtonText ? { title: fields.ButtonText } : {}),
    };
  }
  if (fields.OriginalRepliedMessageSid) message.inReplyTo = fields.OriginalRepliedMessageSid;
  return finish(message) as InboundMessage;
}
