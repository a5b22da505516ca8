import {
  bodyTooLarge,
  concatChunks,
  DEFAULT_MAX_BODY_BYTES,
  joinPublicUrl,
  type WebhookRequest,
} from './webhookRequest.js';

/** Options of {@link fromFetchRequest}. */
export interface FetchRequestOptions {
  /** The public origin the provider calls, when `request.url` is an internal one. */
  publicUrl?: string;
  /** The most bytes read (default 1 MiB); more throws `CAPACITY`. */
  maxBytes?: number;
}

async function readBody(request: Request, maxBytes: number): Promise<Uint8Array> {
  if (request.body === null) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      throw bodyTooLarge(maxBytes);
    }
    chunks.push(value);
  }
  return concatChunks(chunks, total);
}

/**
 * Turns a Fetch API `Request` (Hono, Next.js route handlers, Cloudflare Workers, Deno, Bun) into
 * the `{ url, headers, rawBody, method }` that `verifyWebhook` takes, reading the raw body.
 *
 * @example
 * ```ts
 * const result = await verifyWebhook({ provider: 'standard', secret, ...(await fromFetchRequest(request)) });
 * ```
 */
export async function fromFetchRequest(
  request: Request,
  options: FetchRequestOptions = {},
): Promise<WebhookRequest> {
  const rawBody = await readBody(request, options.maxBytes ?? DEFAULT_MAX_BODY_BYTES);
  let url = request.url;
  if (options.publicUrl !== undefined) {
    const parsed = new URL(request.url);
    url = joinPublicUrl(options.publicUrl, `${parsed.pathname}${parsed.search}`);
  }
  return { url, headers: request.headers, rawBody, method: request.method.toUpperCase() };
}
