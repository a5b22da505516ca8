import { createPublicKey, type KeyObject, verify } from 'node:crypto';
import { fromBase64 } from '../bytes.js';
import { readHeader } from '../headers.js';
import { configError, fail, type SignatureScheme } from '../scheme.js';
import { checkWindow, parseUnixSeconds } from '../timestamp.js';

/** Reads SendGrid's verification key: PEM, or the base64 DER (SPKI) the console shows. */
export function parseSendgridKey(secret: string, path: readonly (string | number)[]): KeyObject {
  let key: KeyObject;
  try {
    if (secret.includes('-----BEGIN')) {
      key = createPublicKey(secret);
    } else {
      const der = fromBase64(secret.replace(/\s+/g, ''));
      if (der === undefined) throw new Error('not base64');
      key = createPublicKey({ key: der, format: 'der', type: 'spki' });
    }
  } catch (cause) {
    throw configError(path, 'a SendGrid verification key is a PEM or base64 DER public key', cause);
  }
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw configError(path, 'a SendGrid verification key is an ECDSA P-256 public key');
  }
  return key;
}

/**
 * SendGrid signed Event Webhook: `X-Twilio-Email-Event-Webhook-Signature`, a base64 DER ECDSA
 * P-256 / SHA-256 signature over `timestamp + body`, where the timestamp is
 * `X-Twilio-Email-Event-Webhook-Timestamp` in Unix seconds. The secret is the public key.
 */
export const sendgridScheme: SignatureScheme<KeyObject> = {
  prepare: parseSendgridKey,
  verify({ keys, headers, body, now, toleranceMs }) {
    const header = readHeader(headers, 'x-twilio-email-event-webhook-signature');
    if (header === undefined) return fail('missing_signature');
    const stamp = readHeader(headers, 'x-twilio-email-event-webhook-timestamp');
    if (stamp === undefined) return fail('missing_timestamp');
    const given = fromBase64(header);
    if (given === undefined) return fail('malformed_signature');
    const signedAt = parseUnixSeconds(stamp);
    if (signedAt === undefined) return fail('malformed_timestamp');
    const content = Buffer.concat([Buffer.from(stamp, 'utf8'), body]);
    const matched = keys.some((key) => {
      try {
        return verify('sha256', content, { key, dsaEncoding: 'der' }, given);
      } catch {
        // OpenSSL rejects some byte strings as DER outright rather than returning false.
        return false;
      }
    });
    if (!matched) return fail('signature_mismatch');
    const late = checkWindow(signedAt, now, toleranceMs);
    return late ? fail(late) : { valid: true, timestamp: signedAt };
  },
};
