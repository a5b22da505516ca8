import type { InboundChannelItem } from '@threadline/core';
import type { TwilioNormaliseOptions } from './fields.js';
import { readTwilioForm, type TwilioFormInput } from './form.js';
import { normaliseTwilioMessage } from './messaging.js';
import { normaliseTwilioStatus } from './status.js';
import { normaliseTwilioVoice } from './voice.js';

/** Which of Twilio's webhooks a form is. */
export type TwilioWebhookKind = 'message' | 'status' | 'voice';

/**
 * Tells an incoming message, a message status callback and a Voice callback apart: `CallSid`
 * means Voice; a `MessageStatus`/`SmsStatus` other than `received`/`receiving` means a status
 * callback; anything else is an incoming message.
 */
export function classifyTwilioWebhook(form: Record<string, string>): TwilioWebhookKind {
  if (form.CallSid !== undefined && form.MessageSid === undefined) return 'voice';
  const status = form.MessageStatus ?? form.SmsStatus;
  if (status !== undefined && status !== 'received' && status !== 'receiving') return 'status';
  return 'message';
}

/**
 * Normalises any Twilio messaging or Voice webhook body (raw form text or bytes, `URLSearchParams`
 * or parsed fields) into one core inbound item: a message, a delivery status or a call event.
 * Verify the signature first (`verifyWebhook` or {@link createTwilioWebhookHandler}). Throws
 * `ThreadlineError` `VALIDATION` with the bad field's path and nothing else.
 *
 * @example
 * ```ts
 * const item = normaliseTwilioWebhook(rawBody, { receivedAt: clock.now() });
 * if (item.kind === 'status') await sender.applyStatus(item);
 * ```
 */
export function normaliseTwilioWebhook(
  body: TwilioFormInput,
  options: TwilioNormaliseOptions,
): InboundChannelItem {
  const form = readTwilioForm(body);
  switch (classifyTwilioWebhook(form)) {
    case 'voice':
      return normaliseTwilioVoice(form, options);
    case 'status':
      return normaliseTwilioStatus(form, options);
    default:
      return normaliseTwilioMessage(form, options);
  }
}
