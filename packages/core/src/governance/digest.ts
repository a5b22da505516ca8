// SHA-256 and HMAC-SHA-256 through node:crypto. Core is a Node package (it targets Node >= 20.19
// and its adapters' helpers already use Buffer), and redaction is synchronous, so the async
// WebCrypto API is not an option here; hashing is never hand-written.
import { createHash, createHmac } from 'node:crypto';

/** Bytes or a string (hashed as its UTF-8 encoding). */
export type DigestInput = string | Uint8Array;

/** SHA-256 (FIPS 180-4) of `data`, as lower-case hex. */
export function sha256Hex(data: DigestInput): string {
  return createHash('sha256').update(data).digest('hex');
}

/** HMAC-SHA-256 (RFC 2104) of `message` under `key`, as lower-case hex. An empty key is allowed. */
export function hmacSha256Hex(key: DigestInput, message: DigestInput): string {
  return createHmac('sha256', key).update(message).digest('hex');
}
