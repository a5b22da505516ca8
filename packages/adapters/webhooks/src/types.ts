import type { Instant } from '@threadline/core';

/** The webhook signature schemes `verifyWebhook` knows. */
export const WEBHOOK_PROVIDERS = ['twilio', 'meta', 'slack', 'standard', 'mailgun', 'sendgrid'] as const;

/** One of {@link WEBHOOK_PROVIDERS}. */
export type WebhookProvider = (typeof WEBHOOK_PROVIDERS)[number];

/**
 * Request headers in any of the shapes hosts hold them: a plain object, a Fetch `Headers`
 * instance or Node's `IncomingHttpHeaders` (values `string | string[]`). Names match
 * case-insensitively.
 */
export type HeadersInput = Headers | Readonly<Record<string, string | readonly string[] | undefined>>;

/**
 * The request body exactly as it arrived: bytes, or a string that is the exact raw body (not
 * `JSON.stringify` of a parsed body — re-serialising changes the bytes and breaks signatures).
 */
export type RawBody = Uint8Array | string;

/** Why a request failed verification. Stable strings: match on them. */
export type WebhookFailureReason =
  /** The signature header (or Mailgun's `signature` field) is absent. */
  | 'missing_signature'
  /** The timestamp header or field is absent. */
  | 'missing_timestamp'
  /** Standard Webhooks: `webhook-id` is absent. */
  | 'missing_id'
  /** The signature is present but not in the provider's format. */
  | 'malformed_signature'
  /** The timestamp is not a whole number of seconds. */
  | 'malformed_timestamp'
  /** Mailgun: the body is neither form-encoded nor JSON with the signature fields. */
  | 'malformed_body'
  /** Twilio: the URL is not an absolute URL. */
  | 'invalid_url'
  /** The signed timestamp is older than the replay window. */
  | 'expired'
  /** The signed timestamp is further in the future than the replay window. */
  | 'future'
  /** No secret produced the signature. */
  | 'signature_mismatch'
  /** Twilio JSON variant: the body does not hash to the signed `bodySHA256`. */
  | 'body_hash_mismatch'
  /** Mailgun: the token was already used. */
  | 'replayed';

/** The outcome of {@link verifyWebhook}. */
export type WebhookVerification =
  | {
      readonly valid: true;
      /** The provider's delivery id, when it sends one (Standard Webhooks, Twilio, Mailgun). */
      readonly deliveryId?: string;
      /** The signed timestamp in epoch milliseconds, when the scheme signs one. */
      readonly timestamp?: number;
    }
  | { readonly valid: false; readonly reason: WebhookFailureReason };

/**
 * Remembers single-use tokens (Mailgun) for as long as a replay could still pass the window.
 * `claim` must be atomic: of concurrent claims of one token exactly one resolves `true`, so a
 * replayed request racing the genuine one is refused. May return a promise, so a shared store
 * (a `DocumentStore` through {@link createDocumentSeenTokens}, Redis `SET NX PX`) fits.
 */
export interface SeenTokenStore {
  /**
   * Records `token` for `ttlMs` milliseconds and resolves `true` when it was not already recorded
   * (or its record had expired); `false` when it is a replay.
   */
  claim(token: string, ttlMs: number): boolean | Promise<boolean>;
}

/** Options of {@link verifyWebhook}. */
export interface VerifyWebhookOptions {
  /** The signature scheme. */
  provider: WebhookProvider;
  /**
   * The shared secret (Twilio auth token, Meta app secret, Slack signing secret, Standard
   * Webhooks `whsec_…` secret, Mailgun HTTP webhook signing key) or, for `sendgrid`, the
   * verification public key (base64 DER or PEM). A list verifies during a rotation: any one passes.
   */
  secret: string | readonly string[];
  /** The public URL the provider called, query string included. Required for `twilio`. */
  url?: string;
  /** The request headers. */
  headers: HeadersInput;
  /** The raw request body. */
  rawBody: RawBody;
  /** The current instant (defaults to the system clock). */
  now?: Instant;
  /** How far a signed timestamp may be from `now`, either way (default 5 minutes). */
  toleranceMs?: number;
  /** The HTTP method; not signed by any scheme, accepted so a helper's result spreads in. */
  method?: string;
  /** Mailgun: where used tokens are remembered (defaults to one in-memory store per process). */
  seenTokens?: SeenTokenStore;
}
