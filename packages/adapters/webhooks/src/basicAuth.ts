import { createHash, timingSafeEqual } from 'node:crypto';
import { readHeader } from './headers.js';
import type { HeadersInput } from './types.js';

/** One accepted user name and password pair. */
export interface BasicAuthCredentials {
  username: string;
  password: string;
}

/** What {@link checkBasicAuth} concluded. */
export type BasicAuthResult =
  | { valid: true; username: string }
  | { valid: false; reason: 'missing_header' | 'malformed_header' | 'credentials_mismatch' };

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/**
 * Checks an `Authorization: Basic …` header against accepted credentials (a list during a
 * rotation), for providers that authenticate their webhooks with HTTP basic auth in the URL
 * instead of a signature (Postmark inbound: `https://user:pass@hooks.example.com/postmark`).
 * The comparison is constant-time: both sides are hashed with SHA-256 first, so neither the
 * content nor the length of the secret leaks through timing. Never throws.
 *
 * @example
 * ```ts
 * const auth = checkBasicAuth(request.headers, { username: 'postmark', password: process.env.PM_HOOK_PASSWORD! });
 * if (!auth.valid) return reply(401);
 * ```
 */
export function checkBasicAuth(
  headers: HeadersInput,
  accepted: BasicAuthCredentials | readonly BasicAuthCredentials[],
): BasicAuthResult {
  const value = readHeader(headers, 'authorization');
  if (value === undefined) return { valid: false, reason: 'missing_header' };
  const match = /^\s*basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(value);
  if (!match?.[1]) return { valid: false, reason: 'malformed_header' };
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return { valid: false, reason: 'malformed_header' };
  const given = digest(decoded);
  const list = Array.isArray(accepted) ? accepted : [accepted as BasicAuthCredentials];
  let found: string | undefined;
  // Every pair is compared, so the position of the matching one does not show in the timing.
  for (const pair of list) {
    if (!pair || typeof pair.username !== 'string' || typeof pair.password !== 'string') continue;
    if (pair.username === '' || pair.password === '') continue;
    if (timingSafeEqual(given, digest(`${pair.username}:${pair.password}`))) found ??= pair.username;
  }
  return found === undefined
    ? { valid: false, reason: 'credentials_mismatch' }
    : { valid: true, username: found };
}
