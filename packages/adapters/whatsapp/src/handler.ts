import {
  type DeliveryDedupe,
  type HeadersInput,
  type MetaSubscriptionResult,
  type RawBody,
  verifyMetaSubscription,
  verifyWebhook,
  type WebhookFailureReason,
} from '@threadline/adapter-webhooks';
import {
  type Clock,
  type InboundChannelItem,
  isThreadlineError,
  type ThreadlineError,
} from '@threadline/core';
import {
  normaliseWhatsAppWebhook,
  type WhatsAppWebhookBatch,
  type WhatsAppWebhookError,
} from './normalise.js';

/** Options of {@link createWhatsAppWebhookHandler}. */
export interface WhatsAppWebhookHandlerOptions {
  /** The Meta app secret that signs `X-Hub-Signature-256` (a list during a rotation). */
  appSecret: string | readonly string[];
  /** The verify token you entered in the app dashboard, for the GET subscribe handshake. */
  verifyToken: string;
  /** Passed to the verifier. */
  clock?: Clock;
  /** Remembers processed message and status ids so a redelivered webhook is not processed twice. */
  dedupe?: DeliveryDedupe;
  /** Passed to the normaliser. */
  phoneVerified?: boolean;
}

/** A request as `fromNodeRequest`/`fromFetchRequest` give it. */
export interface WhatsAppWebhookRequest {
  method: string;
  /** The URL called, query string included (the handshake reads `hub.*` from it). */
  url: string;
  headers: HeadersInput;
  rawBody: RawBody;
}

/**
 * What the handler concluded; answer `status`. A GET handshake answers `200` with `challenge` as
 * the body, or `403`. A POST answers `200` with the new items (redelivered ones counted in
 * `duplicates`), `401` for a bad signature, `400` for a payload that is not a WhatsApp webhook.
 */
export type WhatsAppWebhookResult =
  | { status: 200; challenge: string }
  | { status: 403; reason: Extract<MetaSubscriptionResult, { valid: false }>['reason'] }
  | {
      status: 200;
      items: InboundChannelItem[];
      duplicates: number;
      errors: WhatsAppWebhookError[];
      ignored: WhatsAppWebhookBatch['ignored'];
    }
  | { status: 401; reason: WebhookFailureReason }
  | { status: 400; error: ThreadlineError }
  | { status: 405 };

/** A request handler: the subscribe handshake, and verify → normalise → dedupe for deliveries. */
export interface WhatsAppWebhookHandler {
  handle(request: WhatsAppWebhookRequest): Promise<WhatsAppWebhookResult>;
}

/** The key redeliveries of one item share. */
export function whatsAppDedupeKey(item: InboundChannelItem): string {
  if (item.kind === 'status') {
    return `whatsapp:status:${item.providerMessageId}:${String(item.metadata.whatsappStatus ?? item.state)}`;
  }
  if (item.kind === 'message') return `whatsapp:message:${item.providerMessageId}`;
  return `whatsapp:${item.type}:${item.providerConversationId}`;
}

/**
 * Builds the handler for a WhatsApp Cloud API webhook endpoint: answers Meta's GET subscribe
 * handshake (through `verifyMetaSubscription`), checks `X-Hub-Signature-256` on the raw body
 * of each POST, normalises the batched entries and, with a `dedupe`, drops items already
 * processed (Meta redelivers until it gets a 200).
 *
 * @example
 * ```ts
 * const whatsapp = createWhatsAppWebhookHandler({ appSecret, verifyToken, dedupe });
 * const result = await whatsapp.handle(await fromNodeRequest(req, { publicUrl }));
 * if ('items' in result) for (const item of result.items) await route(item);
 * res.writeHead(result.status).end('challenge' in result ? result.challenge : undefined);
 * ```
 */
export function createWhatsAppWebhookHandler(options: WhatsAppWebhookHandlerOptions): WhatsAppWebhookHandler {
  return {
    async handle(request) {
      if (request.method === 'GET') {
        const answer = verifyMetaSubscription({
          query: new URL(request.url),
          verifyToken: options.verifyToken,
        });
        return answer.valid
          ? { status: 200, challenge: answer.challenge }
          : { status: 403, reason: answer.reason };
      }
      if (request.method !== 'POST') return { status: 405 };
      const verification = await verifyWebhook({
        provider: 'meta',
        secret: options.appSecret as string | string[],
        headers: request.headers,
        rawBody: request.rawBody,
        ...(options.clock ? { now: options.clock.now() } : {}),
      });
      if (!verification.valid) return { status: 401, reason: verification.reason };
      let batch: WhatsAppWebhookBatch;
      try {
        batch = normaliseWhatsAppWebhook(
          request.rawBody,
          options.phoneVerified !== undefined ? { phoneVerified: options.phoneVerified } : {},
        );
      } catch (error) {
        if (isThreadlineError(error, 'VALIDATION')) return { status: 400, error };
        throw error;
      }
      const items: InboundChannelItem[] = [];
      let duplicates = 0;
      for (const item of batch.items) {
        if (options.dedupe && (await options.dedupe.seen(whatsAppDedupeKey(item)))) duplicates++;
        else items.push(item);
      }
      return { status: 200, items, duplicates, errors: batch.errors, ignored: batch.ignored };
    },
  };
}
