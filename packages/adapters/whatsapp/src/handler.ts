import {
  type DeliveryDedupe,
  type HeadersInput,
  type MetaSubscriptionResult,
  processOnce,
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
  /**
   * Remembers processed message and status ids so a redelivered webhook is not processed twice,
   * while a redelivery after a failed processing is processed (claim → process → complete, or
   * release on failure).
   */
  dedupe?: DeliveryDedupe;
  /**
   * Processes one normalised item. With it, each item's dedupe claim is completed only after it
   * succeeded; when it throws, the claim is released and the handler answers 500 so Meta
   * redelivers the batch (items already processed are then skipped). Without it, a `200` result
   * carries `complete`/`release` for the host to call after its own processing.
   */
  process?: (item: InboundChannelItem) => unknown;
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
 * the body, or `403`. A POST answers `200` with the new items (redelivered ones, already
 * processed, counted in `duplicates` — Meta redelivers for days until it gets a 200), `409` when
 * an item is being processed by a concurrent request right now (Meta redelivers later), `500`
 * when `process` threw (that item's claim is released), `401` for a bad signature, `400` for a
 * payload that is not a WhatsApp webhook.
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
      /** Without `process`: mark every returned item processed (present only with a `dedupe`). */
      complete?: () => Promise<void>;
      /** Without `process`: give the claims up after a failed processing, so Meta's redelivery is processed. */
      release?: () => Promise<void>;
    }
  | { status: 409; inFlight: InboundChannelItem[] }
  | { status: 500; item: InboundChannelItem; error: unknown }
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
 * of each POST, normalises the batched entries and, with a `dedupe`, skips items already
 * processed (Meta redelivers until it gets a 200) and lets a redelivery after a failed `process`
 * through.
 *
 * @example
 * ```ts
 * const whatsapp = createWhatsAppWebhookHandler({ appSecret, verifyToken, dedupe, process: route });
 * const result = await whatsapp.handle(await fromNodeRequest(req, { publicUrl }));
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
      const { dedupe, process } = options;
      const items: InboundChannelItem[] = [];
      const inFlight: InboundChannelItem[] = [];
      let duplicates = 0;
      let failure: { item: InboundChannelItem; error: unknown } | undefined;
      for (const item of batch.items) {
        if (!dedupe) {
          if (process && failure === undefined) {
            try {
              await process(item);
            } catch (error) {
              failure = { item, error };
            }
          }
          items.push(item);
          continue;
        }
        const key = whatsAppDedupeKey(item);
        if (process) {
          // Items are independent: one failing does not stop the others being processed.
          const done = await processOnce(dedupe, key, () => process(item));
          if (done.outcome === 'processed') items.push(item);
          else if (done.outcome === 'failed') failure ??= { item, error: done.error };
          else if (done.claim === 'in_flight') inFlight.push(item);
          else duplicates++;
          continue;
        }
        const claim = await dedupe.claim(key);
        if (claim === 'claimed') items.push(item);
        else if (claim === 'in_flight') inFlight.push(item);
        else duplicates++;
      }
      if (failure !== undefined) return { status: 500, ...failure };
      if (inFlight.length > 0) {
        // Without `process` the claims taken here are given back: Meta redelivers the whole batch.
        if (dedupe && !process) for (const item of items) await dedupe.release(whatsAppDedupeKey(item));
        return { status: 409, inFlight };
      }
      if (dedupe && !process) {
        const keys = items.map(whatsAppDedupeKey);
        return {
          status: 200,
          items,
          duplicates,
          errors: batch.errors,
          ignored: batch.ignored,
          complete: async () => {
            for (const key of keys) await dedupe.complete(key);
          },
          release: async () => {
            for (const key of keys) await dedupe.release(key);
          },
        };
      }
      return { status: 200, items, duplicates, errors: batch.errors, ignored: batch.ignored };
    },
  };
}
