import { createHmac } from 'node:crypto';
import { fromHex, safeEqual } from '../bytes.js';
import { readHeader } from '../headers.js';
import { fail, type SignatureScheme } from '../scheme.js';

/**
 * Meta (WhatsApp Cloud API, Messenger, Instagram): `X-Hub-Signature-256: sha256=<hex>`, the
 * HMAC-SHA256 of the raw body keyed with the app secret. The scheme signs no timestamp, so there
 * is no replay window; dedupe on the message ids inside the payload.
 */
export const metaScheme: SignatureScheme<string> = {
  prepare: (secret) => secret,
  verify({ keys, headers, body }) {
    const header = readHeader(headers, 'x-hub-signature-256');
    if (header === undefined) return fail('missing_signature');
    const given = header.startsWith('sha256=') ? fromHex(header.slice('sha256='.length)) : undefined;
    if (given === undefined || given.length !== 32) return fail('malformed_signature');
    for (const key of keys) {
      if (safeEqual(createHmac('sha256', key).update(body).digest(), given)) return { valid: true };
    }
    return fail('signature_mismatch');
  },
};
