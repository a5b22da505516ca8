import { createHmac } from 'node:crypto';
import { fromHex, safeEqual } from '../bytes.js';
import { readHeader } from '../headers.js';
import { fail, type SignatureScheme } from '../scheme.js';
import { checkWindow, parseUnixSeconds } from '../timestamp.js';

/**
 * Slack v0: `X-Slack-Signature: v0=<hex>`, the HMAC-SHA256 of `v0:{timestamp}:{body}` keyed with
 * the signing secret, where the timestamp is `X-Slack-Request-Timestamp` in Unix seconds.
 */
export const slackScheme: SignatureScheme<string> = {
  prepare: (secret) => secret,
  verify({ keys, headers, body, now, toleranceMs }) {
    const header = readHeader(headers, 'x-slack-signature');
    if (header === undefined) return fail('missing_signature');
    const stamp = readHeader(headers, 'x-slack-request-timestamp');
    if (stamp === undefined) return fail('missing_timestamp');
    const given = header.startsWith('v0=') ? fromHex(header.slice(3)) : undefined;
    if (given === undefined || given.length !== 32) return fail('malformed_signature');
    const signedAt = parseUnixSeconds(stamp);
    if (signedAt === undefined) return fail('malformed_timestamp');
    const content = Buffer.concat([Buffer.from(`v0:${stamp}:`, 'utf8'), body]);
    if (!keys.some((key) => safeEqual(createHmac('sha256', key).update(content).digest(), given))) {
      return fail('signature_mismatch');
    }
    // The window is checked after the signature: `expired` and `future` then describe authentic
    // (replayed or clock-skewed) requests only, and a forgery is always a mismatch.
    const late = checkWindow(signedAt, now, toleranceMs);
    return late ? fail(late) : { valid: true, timestamp: signedAt };
  },
};
