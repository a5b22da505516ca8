import { type DeliveryState, type InboundStatus, parseInput } from '@threadline/core';
import { z } from 'zod';
import { parseTwilioAddress } from './address.js';
import { AddressSchema, finish, pick, receivedMs, SidSchema, type TwilioNormaliseOptions } from './fields.js';

/**
 * Twilio's message statuses (https://www.twilio.com/docs/messaging/api/message-resource#message-status-values)
 * mapped to core's delivery states. `received`/`receiving` are inbound messages, not callbacks.
 */
export const TWILIO_MESSAGE_STATUSES: Readonly<Record<string, DeliveryState>> = {
  accepted: 'queued',
  scheduled: 'queued',
  queued: 'queued',
  sending: 'sent',
  sent: 'sent',
  delivered: 'delivered',
  partially_delivered: 'delivered',
  read: 'read',
  undelivered: 'failed',
  failed: 'failed',
  canceled: 'failed',
};

const StatusFormSchema = z.object({
  MessageSid: SidSchema,
  MessageStatus: z.enum(Object.keys(TWILIO_MESSAGE_STATUSES) as [string, ...string[]]),
  ErrorCode: z
    .string()
    .regex(/^\d{0,6}$/, 'expected a Twilio error code')
    .optional(),
  ErrorMessage: z.string().max(10_000).optional(),
  To: AddressSchema.optional(),
  From: AddressSchema.optional(),
});

/**
 * Normalises a Programmable Messaging status callback (`MessageStatus`, `ErrorCode`) into core's
 * `InboundStatus`, which `sender.applyStatus` reconciles in any order. Throws `VALIDATION`
 * (path `MessageStatus`, …) for a malformed callback.
 *
 * @example
 * ```ts
 * await sender.applyStatus(normaliseTwilioStatus(form, { receivedAt: clock.now() }));
 * ```
 */
export function normaliseTwilioStatus(
  form: Record<string, string>,
  options: TwilioNormaliseOptions,
): InboundStatus {
  const at = receivedMs(options);
  // Older callbacks name the field `SmsStatus` only.
  const source =
    form.MessageStatus === undefined && form.SmsStatus ? { ...form, MessageStatus: form.SmsStatus } : form;
  const fields = parseInput(StatusFormSchema, source, 'Twilio status callback');
  const state = TWILIO_MESSAGE_STATUSES[fields.MessageStatus] as DeliveryState;
  const to = fields.To ? parseTwilioAddress(fields.To, 'sms') : undefined;
  const status: Record<string, unknown> = {
    kind: 'status',
    channel: to?.channel ?? 'sms',
    provider: 'twilio',
    occurredAt: at,
    providerMessageId: fields.MessageSid,
    state,
    metadata: { twilioStatus: fields.MessageStatus, ...pick(form, ['AccountSid', 'RawDlrDoneDate']) },
  };
  if (to) status.to = to.value;
  if (state === 'failed' || fields.ErrorCode) {
    status.error = {
      code: `twilio:${fields.ErrorCode ?? fields.MessageStatus}`,
      message:
        fields.ErrorMessage ?? (fields.ErrorCode ? `Twilio error ${fields.ErrorCode}` : fields.MessageStatus),
    };
  }
  return finish(status) as InboundStatus;
}
