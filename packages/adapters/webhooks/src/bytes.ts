import { timingSafeEqual } from 'node:crypto';
import type { RawBody } from './types.js';

/** The body as bytes; a string is taken as the exact raw body in UTF-8. */
export function toBytes(body: RawBody): Buffer {
  return typeof body === 'string'
    ? Buffer.from(body, 'utf8')
    : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
}

/**
 * Constant-time equality. Lengths are compared first: they are public (every signature of a
 * scheme has the same length), and `timingSafeEqual` throws on unequal lengths.
 */
export function safeEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

const HEX = /^[0-9a-f]+$/i;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Decodes lowercase or uppercase hex; `undefined` for anything else. */
export function fromHex(text: string): Buffer | undefined {
  if (text.length === 0 || text.length % 2 !== 0 || !HEX.test(text)) return undefined;
  return Buffer.from(text, 'hex');
}

/** Decodes canonical (padded) base64; `undefined` for anything else, where Node would guess. */
export function fromBase64(text: string): Buffer | undefined {
  if (text.length === 0 || !BASE64.test(text)) return undefined;
  return Buffer.from(text, 'base64');
}
