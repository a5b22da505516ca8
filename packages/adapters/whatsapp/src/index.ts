// Public surface of @threadline/adapter-whatsapp.

export {
  backoffDelay,
  DEFAULT_RETRY_POLICY,
  type FetchLike,
  parseRetryAfter,
  type RetryPolicy,
} from '@threadline/adapter-webhooks';
export { GRAPH_ERROR_HINTS, RETRYABLE_GRAPH_CODES } from './graphErrors.js';
export {
  createWhatsAppWebhookHandler,
  type WhatsAppWebhookHandler,
  type WhatsAppWebhookHandlerOptions,
  type WhatsAppWebhookRequest,
  type WhatsAppWebhookResult,
  whatsAppDedupeKey,
} from './handler.js';
export {
  normaliseWhatsAppWebhook,
  WHATSAPP_STATUSES,
  type WhatsAppNormaliseOptions,
  type WhatsAppWebhookBatch,
  type WhatsAppWebhookError,
} from './normalise.js';
export { createWhatsAppSender, type WhatsAppSenderOptions, whatsAppMediaType } from './sender.js';
