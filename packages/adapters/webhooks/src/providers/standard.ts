import { createHmac } from 'node:crypto';
import { fromBase64, safeEqual } from '../bytes.js';
import { readHeader } from '../headers.js';
import { configError, fail, type SignatureScheme } from '../scheme.js';
import { checkWindow, parseUnixSeconds } from '../timestamp.js';

const PREFIX = 'whsec_';

/** Decodes a Standard Webhooks secret (`whsec_` + base64; the prefix is optional, as in the reference libraries). */
export function decodeStandardSecret(secret: string, path: readonly (string | number)[]): Buffer {
  const encoded = secret.startsWith(PREFIX) ? secret.slice(PREFIX.length) : secret;
  const key = fromBase64(encoded);
  if (key === undefined || key.length === 0) {
    throw configError(path, 'a Standard Webhooks secret is `whsec_` followed by base64');
  }
  return key;
}

/** The base64 HMAC-SHA256 of `{id}.{timestamp}.{body}`: the `v1` signature. */
export function standardSignature(key: Buffer, id: string, seconds: string, body: Buffer): Buffer {
  return createHmac('sha256', key).update(`${id}.${seconds}.`, 'utf8').update(body).digest();
}

/**
 * Standard Webhooks (standardwebhooks.com): `webhook-id`, `webhook-timestamp` (Unix seconds) and
 * `webhook-signature`, a space-separated list of `v1,<base64>` entries; any entry made with any
 * configured secret passes, which is how both sides rotate keys.
 */
export const standardScheme: SignatureScheme<Buffer> = {
  prepare: decodeStandardSecret,
  verify({ keys, headers, body, now, toleranceMs }) {
    const id = readHeader(headers, 'webhook-id');
    if (id === undefined || id === '') return fail('missing_id');
    const stamp = readHeader(headers, 'webhook-timestamp');
    if (stamp === undefined) return fail('missing_timestamp');
    const header = readHeader(headers, 'webhook-signature');
    if (header === undefined) return fail('missing_signature');
    const signedAt = parseUnixSeconds(stamp);
    if (signedAt === undefined) return fail('malformed_timestamp');
    const given: Buffer[] = [];
    for (const entry of header.split(' ')) {
      // Other versions (`v1a` asymmetric signatures, future ones) are skipped, not failed.
      if (!entry.startsWith('v1,')) continue;
      const bytes = fromBase64(entry.slice(3));
      if (bytes !== undefined) given.push(bytes);
    }
    if (given.length === 0) return fail('malformed_signature');
    const matched = keys.some((key) => {
      const expected = standardSignature(key, id, stamp, body);
      return given.some((signature) => safeEqual(expected, signature));
    });
    if (!matched) return fail('signature_mismatch');
    const late = checkWindow(signedAt, now, toleranceMs);
    return late ? fail(late) : { valid: true, deliveryId: id, timestamp: signedAt };
  },
};
