import {
  type HeadersInput,
  type SeenTokenStore,
  verifyWebhook,
  type WebhookProvider,
} from '@threadline/adapter-webhooks';
import { type Instant, ThreadlineError, toMillis } from '@threadline/core';

/** What every inbound-webhook parser takes: the request as received, and the secret to check it with. */
export interface InboundWebhookRequest {
  /** The request headers (plain object, Fetch `Headers` or Node's `IncomingHttpHeaders`). */
  headers: HeadersInput;
  /** The body exactly as received (what `fromNodeRequest`/`fromFetchRequest` return). */
  rawBody: Uint8Array | string;
  /** The signing secret (Mailgun) or verification public key (SendGrid); a list during a rotation. */
  secret: string | readonly string[];
  /** The current instant: checked against the signed timestamp, and `receivedAt` of the message. */
  now: Instant;
  /** The replay window either way (default 5 minutes). */
  toleranceMs?: number;
}

/** Reads one header in any case (internal). */
export function header(headers: HeadersInput, name: string): string | undefined {
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined;
  for (const [key, value] of Object.entries(headers as Record<string, unknown>)) {
    if (key.toLowerCase() !== name) continue;
    if (typeof value === 'string') return value;
    if (Array.isArray(value) && typeof value[0] === 'string') return value[0];
  }
  return undefined;
}

/** The body as a Buffer, or a `VALIDATION` error (internal). */
export function bodyBytes(rawBody: unknown): Buffer {
  if (typeof rawBody === 'string') return Buffer.from(rawBody, 'utf8');
  if (rawBody instanceof Uint8Array)
    return Buffer.from(rawBody.buffer, rawBody.byteOffset, rawBody.byteLength);
  throw new ThreadlineError('VALIDATION', 'inbound email: rawBody must be bytes or a string', {
    issues: [{ path: ['rawBody'], message: 'expected Uint8Array or string', code: 'invalid_type' }],
    details: { status: 400 },
  });
}

/**
 * Verifies a signed request with `@threadline/adapter-webhooks`; an invalid one is
 * `UNAUTHENTICATED_WEBHOOK` with `details.reason` and `details.status` 401 (internal).
 */
export async function verifyOrThrow(
  provider: WebhookProvider,
  request: { headers: HeadersInput; rawBody: Uint8Array | string },
  options: InboundWebhookRequest & { seenTokens?: SeenTokenStore },
): Promise<void> {
  const result = await verifyWebhook({
    provider,
    secret: options.secret as string | string[],
    headers: request.headers,
    rawBody: request.rawBody,
    now: toMillis(options.now, 'now'),
    ...(options.toleranceMs === undefined ? {} : { toleranceMs: options.toleranceMs }),
    ...(options.seenTokens === undefined ? {} : { seenTokens: options.seenTokens }),
  });
  if (!result.valid) {
    throw new ThreadlineError(
      'UNAUTHENTICATED_WEBHOOK',
      `${provider} signature check failed: ${result.reason}`,
      {
        details: { provider, reason: result.reason, status: 401 },
      },
    );
  }
}
