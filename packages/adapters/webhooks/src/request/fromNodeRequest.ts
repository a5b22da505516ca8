import type { IncomingMessage } from 'node:http';
import { ThreadlineError } from '@threadline/core';
import { readHeader } from '../headers.js';
import {
  bodyTooLarge,
  concatChunks,
  DEFAULT_MAX_BODY_BYTES,
  joinPublicUrl,
  type WebhookRequest,
} from './webhookRequest.js';

/** Options of {@link fromNodeRequest}. */
export interface NodeRequestOptions {
  /**
   * The public origin the provider calls (e.g. `https://hooks.example.com`, optionally with a
   * path prefix a proxy strips). Providers sign the public URL, not the one your server sees.
   */
  publicUrl?: string;
  /**
   * Without `publicUrl`: take the scheme and host from `X-Forwarded-Proto` / `X-Forwarded-Host`.
   * Enable only behind a proxy that sets them, or clients choose the URL you verify.
   */
  trustProxy?: boolean;
  /** A body a framework already read (`express.raw()`, a Fastify buffer parser): used as is. */
  rawBody?: Uint8Array | string;
  /** The most bytes read from the stream (default 1 MiB); more throws `CAPACITY`. */
  maxBytes?: number;
}

function firstValue(value: string | undefined): string | undefined {
  const first = value?.split(',')[0]?.trim();
  return first === '' ? undefined : first;
}

function requestUrl(req: IncomingMessage, options: NodeRequestOptions): string {
  const path = req.url ?? '/';
  if (options.publicUrl !== undefined) return joinPublicUrl(options.publicUrl, path);
  const encrypted = (req.socket as { encrypted?: boolean } | undefined)?.encrypted === true;
  const proto =
    (options.trustProxy ? firstValue(readHeader(req.headers, 'x-forwarded-proto')) : undefined) ??
    (encrypted ? 'https' : 'http');
  const host =
    (options.trustProxy ? firstValue(readHeader(req.headers, 'x-forwarded-host')) : undefined) ??
    readHeader(req.headers, 'host') ??
    '';
  return `${proto}://${host}${path}`;
}

async function readBody(req: IncomingMessage, maxBytes: number): Promise<Uint8Array> {
  if (req.readableEnded) {
    // Reading an ended stream would wait forever; say what to do instead.
    throw new ThreadlineError(
      'VALIDATION',
      'The request body was already read (a body parser ran first): pass it as `rawBody`',
      { issues: [{ path: ['rawBody'], message: 'body already consumed', code: 'body_consumed' }] },
    );
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of req as AsyncIterable<Uint8Array | string>) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    total += bytes.byteLength;
    if (total > maxBytes) {
      req.resume(); // drain the rest so the connection can still answer 413
      throw bodyTooLarge(maxBytes);
    }
    chunks.push(bytes);
  }
  return concatChunks(chunks, total);
}

/**
 * Turns a Node `IncomingMessage` (Node `http`, Express, Fastify's `request.raw`) into the
 * `{ url, headers, rawBody, method }` that `verifyWebhook` takes, reading the raw body.
 *
 * @example
 * ```ts
 * const request = await fromNodeRequest(req, { publicUrl: 'https://hooks.example.com' });
 * const result = await verifyWebhook({ provider: 'twilio', secret, ...request });
 * ```
 */
export async function fromNodeRequest(
  req: IncomingMessage,
  options: NodeRequestOptions = {},
): Promise<WebhookRequest> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BODY_BYTES;
  const rawBody =
    options.rawBody === undefined
      ? await readBody(req, maxBytes)
      : typeof options.rawBody === 'string'
        ? Buffer.from(options.rawBody, 'utf8')
        : options.rawBody;
  return {
    url: requestUrl(req, options),
    headers: req.headers,
    rawBody,
    method: (req.method ?? 'GET').toUpperCase(),
  };
}
