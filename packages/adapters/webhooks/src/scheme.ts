import { ThreadlineError } from '@threadline/core';
import type { HeadersInput, SeenTokenStore, WebhookVerification } from './types.js';

/** Everything a scheme needs to check one request; built once by `verifyWebhook`. */
export interface VerifyContext<K> {
  /** The prepared secrets, in the caller's order. */
  readonly keys: readonly K[];
  readonly url: string | undefined;
  readonly headers: HeadersInput;
  readonly body: Buffer;
  readonly now: number;
  readonly toleranceMs: number;
  readonly seenTokens: SeenTokenStore;
}

/** One provider's signature scheme: how a secret is prepared and how a request is checked. */
export interface SignatureScheme<K> {
  /** Turns a configured secret into key material; throws `CONFIG` naming `path` if it is unusable. */
  prepare(secret: string, path: readonly (string | number)[]): K;
  /** Checks a request. Never throws on anything that came from the network. */
  verify(context: VerifyContext<K>): WebhookVerification | Promise<WebhookVerification>;
}

/** A `CONFIG` error for one bad secret or option. */
export function configError(
  path: readonly (string | number)[],
  message: string,
  cause?: unknown,
): ThreadlineError {
  return new ThreadlineError('CONFIG', `Invalid webhook configuration: ${path.join('.')}: ${message}`, {
    issues: [{ path, message, code: 'invalid_webhook_config' }],
    cause,
  });
}

/** A failed verification. */
export function fail(reason: Extract<WebhookVerification, { valid: false }>['reason']): WebhookVerification {
  return { valid: false, reason };
}
