// Public surface of @threadline/adapter-webhooks.
export { type BasicAuthCredentials, type BasicAuthResult, checkBasicAuth } from './basicAuth.js';
export {
  createDeliveryDedupe,
  type DeliveryClaim,
  type DeliveryDedupe,
  type DeliveryDedupeOptions,
} from './deliveryDedupe.js';
export {
  createDocumentSeenTokens,
  type DocumentSeenTokens,
  type DocumentSeenTokensOptions,
} from './documentSeenTokens.js';
export type { PurgeExpiredOptions } from './expiry.js';
export {
  backoffDelay,
  type CallOptions,
  callWithRetries,
  DEFAULT_RETRY_POLICY,
  type FetchLike,
  type HttpOutcome,
  parseRetryAfter,
  type RetryPolicy,
  realSleep,
} from './httpRetry.js';
export { HTTP_STATUS_BY_CODE, httpStatusOf } from './httpStatus.js';
export {
  type MetaSubscriptionQuery,
  type MetaSubscriptionResult,
  verifyMetaSubscription,
} from './metaSubscription.js';
export { type ProcessOnceResult, processOnce } from './processOnce.js';
export { type FetchRequestOptions, fromFetchRequest } from './request/fromFetchRequest.js';
export { fromNodeRequest, type NodeRequestOptions } from './request/fromNodeRequest.js';
export type { WebhookRequest } from './request/webhookRequest.js';
export { createMemorySeenTokens, type MemorySeenTokensOptions } from './seenTokens.js';
export { type SignWebhookOptions, type StandardWebhookHeaders, signWebhook } from './sign.js';
export {
  type HeadersInput,
  type RawBody,
  type SeenTokenStore,
  type VerifyWebhookOptions,
  WEBHOOK_PROVIDERS,
  type WebhookFailureReason,
  type WebhookProvider,
  type WebhookVerification,
} from './types.js';
export { verifyWebhook } from './verify.js';
