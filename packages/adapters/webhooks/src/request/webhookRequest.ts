import { ThreadlineError } from '@threadline/core';
import type { HeadersInput } from '../types.js';

/** What `verifyWebhook` needs from an HTTP request, in a framework-neutral shape. */
export interface WebhookRequest {
  /** The public URL the provider called, query string included. */
  url: string;
  headers: HeadersInput;
  /** The body exactly as received. */
  rawBody: Uint8Array;
  /** The HTTP method, upper case. */
  method: string;
}

/** Default body limit of the request helpers: 1 MiB, above any provider's event payload. */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

/** The body-too-large error both helpers raise (answer 413). */
export function bodyTooLarge(maxBytes: number): ThreadlineError {
  return new ThreadlineError('CAPACITY', `The request body is larger than ${maxBytes} bytes`, {
    details: { maxBytes, status: 413 },
  });
}

/** Joins a public origin (with an optional path prefix) and a request's path and query. */
export function joinPublicUrl(publicUrl: string, pathAndQuery: string): string {
  const base = publicUrl.endsWith('/') ? publicUrl.slice(0, -1) : publicUrl;
  return `${base}${pathAndQuery.startsWith('/') ? '' : '/'}${pathAndQuery}`;
}

/** Concatenates chunks into one byte array. */
export function concatChunks(chunks: readonly Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}
