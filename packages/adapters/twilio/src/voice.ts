import { type InboundConversationEvent, parseInput, ThreadlineError } from '@threadline/core';
import { z } from 'zod';
import { identityOf, parseTwilioAddress } from './address.js';
import {
  AddressSchema,
  finish,
  intString,
  pick,
  receivedMs,
  SidSchema,
  type TwilioNormaliseOptions,
} from './fields.js';

/** `CallStatus` values (https://www.twilio.com/docs/voice/api/call-resource#call-status-values). */
const CALL_STATUSES = [
  'queued',
  'initiated',
  'ringing',
  'in-progress',
  'completed',
  'busy',
  'failed',
  'no-answer',
  'canceled',
] as const;

const VoiceFormSchema = z.object({
  CallSid: SidSchema,
  CallStatus: z.enum(CALL_STATUSES).optional(),
  From: AddressSchema.optional(),
  To: AddressSchema.optional(),
  Direction: z.string().max(100).optional(),
  /** IVR input from `<Gather>` (https://www.twilio.com/docs/voice/twiml/gather#action). */
  Digits: z
    .string()
    .regex(/^[0-9*#wW]{1,100}$/, 'expected keypad digits')
    .optional(),
  CallDuration: intString(0, 999_999).optional(),
  /** Conference participant events (https://www.twilio.com/docs/voice/api/conference-resource#statuscallbackevent). */
  StatusCallbackEvent: z.string().max(100).optional(),
  ConferenceSid: SidSchema.optional(),
  /** SIP REFER transfers (https://www.twilio.com/docs/voice/api/sip-refer). */
  ReferTransferTarget: z.string().min(1).max(1000).optional(),
  /** RFC 2822 date Twilio puts on voice status callbacks. */
  Timestamp: z.string().max(100).optional(),
});

type VoiceType = InboundConversationEvent['type'];

function typeOf(fields: z.infer<typeof VoiceFormSchema>): VoiceType | undefined {
  if (fields.Digits !== undefined) return 'call.digits';
  if (fields.ReferTransferTarget !== undefined) return 'call.transferred';
  if (fields.StatusCallbackEvent === 'participant-hold') return 'call.held';
  if (fields.StatusCallbackEvent === 'participant-unhold') return 'call.resumed';
  switch (fields.CallStatus) {
    case 'queued':
    case 'initiated':
    case 'ringing':
      return 'call.ringing';
    case 'in-progress':
      return 'call.answered';
    case 'completed':
    case 'busy':
    case 'failed':
    case 'no-answer':
    case 'canceled':
      return 'call.ended';
    default:
      return undefined;
  }
}

/**
 * Normalises a Twilio Voice callback into a core conversation event: `CallStatus` gives
 * `call.ringing` / `call.answered` / `call.ended` (with `CallDuration` and the end reason),
 * `<Gather>`'s `Digits` gives `call.digits`, conference `participant-hold`/`-unhold` give
 * `call.held`/`call.resumed`, and a SIP REFER's `ReferTransferTarget` gives `call.transferred`.
 * Throws `VALIDATION` for a malformed payload or one that says nothing about the call.
 *
 * @example
 * ```ts
 * const event = normaliseTwilioVoice(form, { receivedAt: clock.now() });
 * if (event.type === 'call.digits') menu.choose(event.digits);
 * ```
 */
export function normaliseTwilioVoice(
  form: Record<string, string>,
  options: TwilioNormaliseOptions,
): InboundConversationEvent {
  const received = receivedMs(options);
  const fields = parseInput(VoiceFormSchema, form, 'Twilio voice webhook');
  const type = typeOf(fields);
  if (type === undefined) {
    throw parseError('CallStatus', 'expected CallStatus, Digits, a hold event or a transfer target');
  }
  const stamped = fields.Timestamp === undefined ? Number.NaN : Date.parse(fields.Timestamp);
  const occurredAt = Number.isFinite(stamped) && stamped >= 0 ? stamped : received;
  // An inbound call's caller is `From`; an outbound call's is `To`.
  const outbound = fields.Direction?.startsWith('outbound') === true;
  const customer = outbound ? fields.To : fields.From;
  const ours = outbound ? fields.From : fields.To;
  const event: Record<string, unknown> = {
    kind: 'conversation',
    channel: 'voice',
    provider: 'twilio',
    occurredAt,
    type,
    providerConversationId: fields.CallSid,
    metadata: {
      ...(fields.CallStatus ? { callStatus: fields.CallStatus } : {}),
      ...pick(form, ['AccountSid', 'Direction', 'ConferenceSid', 'StatusCallbackEvent', 'ParentCallSid']),
    },
  };
  if (customer) {
    const address = parseTwilioAddress(customer, 'voice');
    event.from = { identities: [identityOf(address, options.phoneVerified ?? true)] };
    event.threadKey = `twilio:voice:${address.value}:${ours ?? ''}`;
  }
  if (ours) event.to = ours;
  if (type === 'call.digits') event.digits = fields.Digits;
  if (type === 'call.transferred') event.transferTo = fields.ReferTransferTarget;
  if (type === 'call.ended' && fields.CallDuration !== undefined) event.durationSeconds = fields.CallDuration;
  return finish(event) as InboundConversationEvent;
}

function parseError(path: string, message: string): ThreadlineError {
  return new ThreadlineError('VALIDATION', `Invalid Twilio voice webhook: ${path}: ${message}`, {
    issues: [{ path: [path], message, code: 'invalid_value' }],
  });
}
