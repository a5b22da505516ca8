import { ThreadlineError } from '@threadline/core';
import { safeEqual } from './bytes.js';

/** The query of Meta's subscription handshake, as an object, `URLSearchParams` or a URL. */
export type MetaSubscriptionQuery =
  | URLSearchParams
  | URL
  | Readonly<Record<string, string | readonly string[] | undefined>>;

/** The outcome of {@link verifyMetaSubscription}: answer `200` with `challenge`, or `403`. */
export type MetaSubscriptionResult =
  | { readonly valid: true; readonly challenge: string }
  | { readonly valid: false; readonly reason: 'not_subscribe' | 'missing_challenge' | 'token_mismatch' };

function param(query: MetaSubscriptionQuery, name: string): string | undefined {
  if (query instanceof URL) return query.searchParams.get(name) ?? undefined;
  if (query instanceof URLSearchParams) return query.get(name) ?? undefined;
  const value: unknown = query[name];
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && value.length === 1 && typeof value[0] === 'string') return value[0];
  return undefined;
}

/**
 * Answers Meta's webhook subscription handshake: a `GET` with `hub.mode=subscribe`,
 * `hub.verify_token` (which must equal the token you configured) and `hub.challenge` (which you
 * echo back with status 200).
 *
 * @example
 * ```ts
 * const result = verifyMetaSubscription({ query: new URL(request.url), verifyToken: 'my-token' });
 * return result.valid ? new Response(result.challenge) : new Response(null, { status: 403 });
 * ```
 */
export function verifyMetaSubscription(options: {
  query: MetaSubscriptionQuery;
  verifyToken: string;
}): MetaSubscriptionResult {
  if (typeof options.verifyToken !== 'string' || options.verifyToken === '') {
    throw new ThreadlineError('CONFIG', 'verifyToken must be a non-empty string', {
      issues: [{ path: ['verifyToken'], message: 'must be a non-empty string', code: 'too_small' }],
    });
  }
  const { query } = options;
  if (query === null || typeof query !== 'object') return { valid: false, reason: 'not_subscribe' };
  if (param(query, 'hub.mode') !== 'subscribe') return { valid: false, reason: 'not_subscribe' };
  const token = param(query, 'hub.verify_token') ?? '';
  if (!safeEqual(Buffer.from(token, 'utf8'), Buffer.from(options.verifyToken, 'utf8'))) {
    return { valid: false, reason: 'token_mismatch' };
  }
  const challenge = param(query, 'hub.challenge');
  if (challenge === undefined || challenge === '') return { valid: false, reason: 'missing_challenge' };
  return { valid: true, challenge };
}
