import { createHmac } from 'node:crypto';
import { fromHex, safeEqual } from '../bytes.js';
import { readHeader } from '../headers.js';
import { readMultipartFields } from '../multipartFields.js';
import { fail, type SignatureScheme } from '../scheme.js';
import { checkWindow, parseUnixSeconds } from '../timestamp.js';
import type { HeadersInput, WebhookVerification } from '../types.js';

interface MailgunFields {
  timestamp: string;
  token: string;
  signature: string;
  deliveryId?: string;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  // Mailgun sends the timestamp as a string, but a re-encoding proxy may turn it into a number.
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return String(value);
  return undefined;
}

function fromJson(body: Buffer): MailgunFields | 'malformed' | 'missing' {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return 'malformed';
  }
  if (!isRecord(parsed)) return 'malformed';
  const signature = parsed.signature;
  if (!isRecord(signature)) return 'missing';
  const timestamp = text(signature.timestamp);
  const token = text(signature.token);
  const hex = text(signature.signature);
  if (timestamp === undefined || token === undefined || hex === undefined) return 'missing';
  const eventData = parsed['event-data'];
  const id = isRecord(eventData) && typeof eventData.id === 'string' ? eventData.id : undefined;
  return id === undefined
    ? { timestamp, token, signature: hex }
    : { timestamp, token, signature: hex, deliveryId: id };
}

function fromForm(body: Buffer): MailgunFields | 'missing' {
  const form = new URLSearchParams(body.toString('utf8'));
  const timestamp = form.get('timestamp');
  const token = form.get('token');
  const signature = form.get('signature');
  if (timestamp === null || token === null || signature === null) return 'missing';
  return { timestamp, token, signature };
}

function fromMultipart(contentType: string, body: Buffer): MailgunFields | 'malformed' | 'missing' {
  const fields = readMultipartFields(contentType, body, ['timestamp', 'token', 'signature']);
  if (fields === undefined) return 'malformed';
  const timestamp = fields.get('timestamp');
  const token = fields.get('token');
  const signature = fields.get('signature');
  if (timestamp === undefined || token === undefined || signature === undefined) return 'missing';
  return { timestamp, token, signature };
}

function readFields(headers: HeadersInput, body: Buffer): MailgunFields | 'malformed' | 'missing' {
  const contentType = readHeader(headers, 'content-type');
  const type = contentType?.toLowerCase();
  if (type?.startsWith('application/json')) return fromJson(body);
  if (type?.startsWith('application/x-www-form-urlencoded')) return fromForm(body);
  if (type?.startsWith('multipart/form-data')) return fromMultipart(contentType as string, body);
  if (type !== undefined) return 'malformed';
  // Without a content type, JSON is recognised by its first character.
  return body.toString('utf8').trimStart().startsWith('{') ? fromJson(body) : fromForm(body);
}

/**
 * Mailgun: the body carries `timestamp` (Unix seconds), `token` and `signature`, the hex
 * HMAC-SHA256 of `timestamp + token` keyed with the HTTP webhook signing key — at the top level
 * of a form post (URL-encoded, or `multipart/form-data` when a route forwards attachments), or in
 * the `signature` object of a JSON webhook. Each token is single-use: a
 * token seen before is `replayed`. Tokens are remembered for twice the replay window, long after
 * any replay would have failed the window anyway.
 */
export const mailgunScheme: SignatureScheme<string> = {
  prepare: (secret) => secret,
  async verify({ keys, headers, body, now, toleranceMs, seenTokens }): Promise<WebhookVerification> {
    const fields = readFields(headers, body);
    if (fields === 'malformed') return fail('malformed_body');
    if (fields === 'missing') return fail('missing_signature');
    const given = fromHex(fields.signature);
    if (given === undefined || given.length !== 32) return fail('malformed_signature');
    const signedAt = parseUnixSeconds(fields.timestamp);
    if (signedAt === undefined) return fail('malformed_timestamp');
    const content = Buffer.from(fields.timestamp + fields.token, 'utf8');
    if (!keys.some((key) => safeEqual(createHmac('sha256', key).update(content).digest(), given))) {
      return fail('signature_mismatch');
    }
    const late = checkWindow(signedAt, now, toleranceMs);
    if (late) return fail(late);
    // One atomic claim: of two concurrent requests carrying one token, only one passes.
    if (!(await seenTokens.claim(fields.token, 2 * toleranceMs))) return fail('replayed');
    const result = { valid: true as const, timestamp: signedAt };
    return fields.deliveryId === undefined ? result : { ...result, deliveryId: fields.deliveryId };
  },
};
