// Public surface of @threadline/adapter-twilio.

export {
  backoffDelay,
  DEFAULT_RETRY_POLICY,
  type FetchLike,
  parseRetryAfter,
  type RetryPolicy,
} from '@threadline/adapter-webhooks';
export { parseTwilioAddress, type TwilioAddress } from './address.js';
export type { TwilioNormaliseOptions } from './fields.js';
export { readTwilioForm, type TwilioFormInput } from './form.js';
export {
  createTwilioWebhookHandler,
  type TwilioWebhookHandler,
  type TwilioWebhookHandlerOptions,
  type TwilioWebhookRequest,
  type TwilioWebhookResult,
  twilioDedupeKey,
} from './handler.js';
export { normaliseTwilioMessage } from './messaging.js';
export { classifyTwilioWebhook, normaliseTwilioWebhook, type TwilioWebhookKind } from './normalise.js';
export { createTwilioSender, type TwilioSenderOptions } from './sender.js';
export { normaliseTwilioStatus, TWILIO_MESSAGE_STATUSES } from './status.js';
export { normaliseTwilioVoice } from './voice.js';
