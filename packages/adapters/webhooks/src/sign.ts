import { type Instant, ThreadlineError, toMillis } from '@threadline/core';
import { toBytes } from './bytes.js';
import { decodeStandardSecret, standardSignature } from './providers/standard.js';
import type { RawBody } from './types.js';

/** The three Standard Webhooks headers, ready to send (a type alias, so it is also a plain header record). */
export type StandardWebhookHeaders = {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
};

/** Options of {@link signWebhook}. */
export interface SignWebhookOptions {
  /** A `whsec_…` secret, or several during a rotation: the request then carries one signature per secret. */
  secret: string | readonly string[];
  /** The delivery id, the same on every retry of one message so receivers can dedupe. */
  id: string;
  /** When the attempt is sent (epoch milliseconds or a `Date`); signed in whole seconds. */
  timestamp: Instant;
  /** The exact body you will send. */
  body: RawBody;
}

/**
 * Signs an outbound webhook the Standard Webhooks way, for receivers that use any Standard
 * Webhooks library (or `verifyWebhook({ provider: 'standard' })`).
 *
 * @example
 * ```ts
 * const body = JSON.stringify({ type: 'case.opened', caseId: 'case-1' });
 * const headers = signWebhook({ secret: 'whsec_…', id: 'evt_1', timestamp: Date.now(), body });
 * await fetch(url, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body });
 * ```
 */
export function signWebhook(options: SignWebhookOptions): StandardWebhookHeaders {
  const { id } = options;
  if (typeof id !== 'string' || id === '' || /\s/.test(id)) {
    throw new ThreadlineError('VALIDATION', 'id must be a non-empty string without spaces', {
      issues: [{ path: ['id'], message: 'must be a non-empty string without spaces', code: 'invalid_id' }],
    });
  }
  const secrets = typeof options.secret === 'string' ? [options.secret] : options.secret;
  if (!Array.isArray(secrets) || secrets.length === 0) {
    throw new ThreadlineError('CONFIG', 'secret must be a whsec_ secret or a non-empty list of them', {
      issues: [{ path: ['secret'], message: 'must not be empty', code: 'too_small' }],
    });
  }
  const seconds = String(Math.floor(toMillis(options.timestamp, 'timestamp') / 1000));
  const body = toBytes(options.body);
  const signatures = secrets.map((secret, i) => {
    const path = typeof options.secret === 'string' ? ['secret'] : ['secret', i];
    return `v1,${standardSignature(decodeStandardSecret(secret, path), id, seconds, body).toString('base64')}`;
  });
  return { 'webhook-id': id, 'webhook-timestamp': seconds, 'webhook-signature': signatures.join(' ') };
}
