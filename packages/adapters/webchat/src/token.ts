import { createHmac, timingSafeEqual } from 'node:crypto';
import { type Instant, parseInput, ThreadlineError, toMillis } from '@threadline/core';
import { z } from 'zod';

/** What a visitor token says: who the visitor is, which session, until when. */
export interface VisitorClaims {
  /** The host's id of the visitor (a cookie id, or the signed-in user's id). */
  visitorId: string;
  /** The chat session (default: the visitor id, one session per visitor). */
  sessionId: string;
  /** Expiry, epoch ms. */
  expiresAt: number;
  displayName?: string;
  /** An email the host knows for this visitor. */
  email?: string;
  /** Whether the host verified that email (a signed-in user). */
  emailVerified?: boolean;
}

const ClaimsSchema = z
  .object({
    visitorId: z.string().min(1).max(200),
    sessionId: z.string().min(1).max(200).optional(),
    expiresAt: z.number().int().nonnegative(),
    displayName: z.string().min(1).max(1000).optional(),
    email: z.string().email().max(1000).optional(),
    emailVerified: z.boolean().optional(),
  })
  .strict();

const WireSchema = z
  .object({
    v: z.string().min(1).max(200),
    s: z.string().min(1).max(200),
    e: z.number().int().nonnegative(),
    n: z.string().max(1000).optional(),
    m: z.string().max(1000).optional(),
    mv: z.boolean().optional(),
  })
  .strict();

function secretsOf(secret: string | readonly string[]): string[] {
  const list = typeof secret === 'string' ? [secret] : [...secret];
  if (list.length === 0 || list.some((s) => typeof s !== 'string' || s.length < 16)) {
    throw new ThreadlineError('CONFIG', 'webchat: a secret must be at least 16 characters', {
      issues: [{ path: ['secret'], message: 'at least 16 characters', code: 'too_small' }],
    });
  }
  return list;
}

function mac(secret: string, payload: string): Buffer {
  return createHmac('sha256', secret).update(payload).digest();
}

/**
 * Signs a visitor token: `base64url(claims).base64url(HMAC-SHA256)`. The host issues it (from
 * its page or API, after whatever sign-in it has) and the browser client presents it in its
 * first frame. Keep tokens short-lived; the client asks the host for a new one to reconnect
 * after expiry.
 *
 * @example
 * ```ts
 * import { createVisitorToken } from '@threadline/adapter-webchat';
 *
 * const token = createVisitorToken({
 *   secret: 'a-long-random-secret-from-your-vault',
 *   visitorId: 'visitor-42',
 *   expiresAt: Date.UTC(2026, 0, 5, 10),
 * });
 * ```
 */
export function createVisitorToken(
  options: { secret: string } & Omit<VisitorClaims, 'sessionId'> & { sessionId?: string },
): string {
  const { secret, ...rest } = options;
  const [key] = secretsOf(secret);
  const claims = parseInput(ClaimsSchema, rest, 'visitor token claims');
  const wire: z.infer<typeof WireSchema> = {
    v: claims.visitorId,
    s: claims.sessionId ?? claims.visitorId,
    e: claims.expiresAt,
  };
  if (claims.displayName !== undefined) wire.n = claims.displayName;
  if (claims.email !== undefined) wire.m = claims.email.toLowerCase();
  if (claims.emailVerified !== undefined) wire.mv = claims.emailVerified;
  const payload = Buffer.from(JSON.stringify(wire)).toString('base64url');
  return `${payload}.${mac(key as string, payload).toString('base64url')}`;
}

/** Why a token was refused. */
export type TokenFailure = 'malformed' | 'signature_mismatch' | 'expired';

/**
 * Checks a visitor token in constant time against each secret (several during a rotation) and its
 * expiry. Never throws because of the token: anything a visitor controls is `{ valid: false }`.
 */
export function verifyVisitorToken(
  token: unknown,
  options: { secret: string | readonly string[]; now: Instant },
): { valid: true; claims: VisitorClaims } | { valid: false; reason: TokenFailure } {
  const keys = secretsOf(options.secret);
  const now = toMillis(options.now, 'now');
  if (typeof token !== 'string' || token.length > 8192) return { valid: false, reason: 'malformed' };
  const dot = token.indexOf('.');
  if (dot <= 0 || dot !== token.lastIndexOf('.')) return { valid: false, reason: 'malformed' };
  const payload = token.slice(0, dot);
  const given = Buffer.from(token.slice(dot + 1), 'base64url');
  if (given.length !== 32) return { valid: false, reason: 'malformed' };
  if (!keys.some((k) => timingSafeEqual(mac(k, payload), given)))
    return { valid: false, reason: 'signature_mismatch' };
  let wire: z.infer<typeof WireSchema>;
  try {
    const parsed = WireSchema.safeParse(JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')));
    if (!parsed.success) return { valid: false, reason: 'malformed' };
    wire = parsed.data;
  } catch {
    return { valid: false, reason: 'malformed' };
  }
  if (wire.e <= now) return { valid: false, reason: 'expired' };
  const claims: VisitorClaims = { visitorId: wire.v, sessionId: wire.s, expiresAt: wire.e };
  if (wire.n !== undefined) claims.displayName = wire.n;
  if (wire.m !== undefined) claims.email = wire.m;
  if (wire.mv !== undefined) claims.emailVerified = wire.mv;
  return { valid: true, claims };
}
