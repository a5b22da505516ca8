import { createHash, createHmac } from 'node:crypto';
import { fromBase64, fromHex, safeEqual } from '../bytes.js';
import { readHeader } from '../headers.js';
import { fail, type SignatureScheme } from '../scheme.js';
import type { WebhookVerification } from '../types.js';

/**
 * The URL spellings Twilio may have signed. Its back end is inconsistent about default ports, so
 * (as Twilio's own SDKs do) the URL is tried without any port and with the scheme's default port
 * when none is given. Parsing with WHATWG `URL` also canonicalises percent-encoding (`'` and
 * `%27` in a query sign the same).
 */
export function twilioUrlVariants(url: string): string[] | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return undefined;
  const userinfo = parsed.username
    ? `${parsed.username}${parsed.password ? `:${parsed.password}` : ''}@`
    : parsed.password
      ? `:${parsed.password}@`
      : '';
  const tail = `${parsed.pathname}${parsed.search}${parsed.hash}`;
  const base = `${parsed.protocol}//${userinfo}${parsed.hostname}`;
  const defaultPort = parsed.protocol === 'https:' ? '443' : '80';
  const withPort = `${base}:${parsed.port || defaultPort}${tail}`;
  const withoutPort = `${base}${tail}`;
  return withPort === withoutPort ? [withoutPort] : [withoutPort, withPort];
}

/**
 * The string Twilio signs for a form POST: the URL, then every parameter sorted by name with its
 * value appended (a repeated name contributes each distinct value, sorted).
 */
export function twilioSigningString(url: string, params: URLSearchParams | undefined): string {
  if (params === undefined) return url;
  const names = [...new Set(params.keys())].sort();
  let data = url;
  for (const name of names) {
    for (const value of [...new Set(params.getAll(name))].sort()) data += name + value;
  }
  return data;
}

function formParams(headers: Parameters<typeof readHeader>[0], body: Buffer): URLSearchParams | undefined {
  if (body.length === 0) return undefined;
  const type = readHeader(headers, 'content-type');
  // A body that is not a form (JSON without `bodySHA256`, say) carries no signed parameters.
  if (type !== undefined && !type.toLowerCase().startsWith('application/x-www-form-urlencoded')) {
    return undefined;
  }
  return new URLSearchParams(body.toString('utf8'));
}

/**
 * Twilio: `X-Twilio-Signature`, the base64 HMAC-SHA1 (keyed with the auth token) of the full
 * public URL followed by the sorted POST parameters. For JSON bodies Twilio adds a `bodySHA256`
 * query parameter instead, the hex SHA-256 of the body: the URL alone is signed, and the body
 * must hash to that value. Twilio signs no timestamp; `I-Twilio-Idempotency-Token`, when sent,
 * is returned as the delivery id.
 */
export const twilioScheme: SignatureScheme<string> = {
  prepare: (secret) => secret,
  verify({ keys, url, headers, body }): WebhookVerification {
    const header = readHeader(headers, 'x-twilio-signature');
    if (header === undefined) return fail('missing_signature');
    const given = fromBase64(header);
    if (given === undefined || given.length !== 20) return fail('malformed_signature');
    const variants = url === undefined ? undefined : twilioUrlVariants(url);
    if (variants === undefined) return fail('invalid_url');
    const bodyHash = new URL(variants[0]!).searchParams.get('bodySHA256');
    const params = bodyHash === null ? formParams(headers, body) : undefined;
    const matched = keys.some((key) =>
      variants.some((variant) =>
        safeEqual(
          createHmac('sha1', key).update(twilioSigningString(variant, params), 'utf8').digest(),
          given,
        ),
      ),
    );
    if (!matched) return fail('signature_mismatch');
    if (bodyHash !== null) {
      const expected = fromHex(bodyHash);
      if (expected === undefined || !safeEqual(createHash('sha256').update(body).digest(), expected)) {
        return fail('body_hash_mismatch');
      }
    }
    const idempotency = readHeader(headers, 'i-twilio-idempotency-token');
    return idempotency ? { valid: true, deliveryId: idempotency } : { valid: true };
  },
};
