import {
  type DeliveryDedupe,
  type HeadersInput,
  processOnce,
  type RawBody,
  verifyWebhook,
  type WebhookFailureReason,
} from '@threadline/adapter-webhooks';
import {
  type Clock,
  type InboundChannelItem,
  isThreadlineError,
  type ThreadlineError,
} from '@threadline/core';
import type { TwilioNormaliseOptions } from './fields.js';
import { normaliseTwilioWebhook } from './normalise.js';

/** Options of {@link createTwilioWebhookHandler}. */
export interface TwilioWebhookHandlerOptions {
  /** Your auth token (a list during a rotation). */
  authToken: string | readonly string[];
  /** Where `receivedAt` comes from. */
  clock: Clock;
  /**
   * Remembers what was processed so a retried webhook is refused with 409, while a retry after a
   * failed processing is processed (claim → process → complete, or release on failure).
   */
  dedupe?: DeliveryDedupe;
  /**
   * Processes the normalised item (route it, store it). With it, the handler completes the
   * dedupe claim only after it succeeded; when it throws, the claim is released and the handler
   * answers 500 so Twilio retries. Without it, a `200` result carries `complete`/`release` for
   * the host to call after its own processing (an unsettled claim expires after the dedupe's
   * `claimTtlMs`, then a retry is let through).
   */
  process?: (item: InboundChannelItem) => unknown;
  /** Passed to the normaliser (see {@link TwilioNormaliseOptions}). */
  phoneVerified?: boolean;
}

/** A request as `fromNodeRequest`/`fromFetchRequest` give it. */
export interface TwilioWebhookRequest {
  /** The public URL Twilio called, query string included. */
  url: string;
  headers: HeadersInput;
  rawBody: RawBody;
}

/**
 * What the handler concluded: answer `status` to Twilio. `200` carries the normalised item;
 * `409` a duplicate delivery (already processed, or being processed by a concurrent request);
 * `401` a failed signature; `400` a payload that is not a Twilio webhook; `500` a `process`
 * that threw (the claim is released, so Twilio's retry is processed).
 */
export type TwilioWebhookResult =
  | {
      status: 200;
      item: InboundChannelItem;
      duplicate: false;
      /** Without `process`: mark the delivery processed (present only with a `dedupe`). */
      complete?: () => Promise<void>;
      /** Without `process`: give the claim up after a failed processing, so a retry is processed. */
      release?: () => Promise<void>;
    }
  | { status: 409; item: InboundChannelItem; duplicate: true; claim: 'in_flight' | 'completed' }
  | { status: 401; reason: WebhookFailureReason }
  | { status: 400; error: ThreadlineError }
  | { status: 500; item: InboundChannelItem; error: unknown };

/** A request handler doing verify → normalise → dedupe for Twilio's webhooks. */
export interface TwilioWebhookHandler {
  handle(request: TwilioWebhookRequest): Promise<TwilioWebhookResult>;
}

/** The key a retried delivery of the same item shares. */
export function twilioDedupeKey(item: InboundChannelItem): string {
  switch (item.kind) {
    case 'message':
      return `twilio:message:${item.providerMessageId}`;
    case 'status':
      return `twilio:status:${item.providerMessageId}:${String(item.metadata.twilioStatus ?? item.state)}`;
    default:
      return `twilio:call:${item.providerConversationId}:${item.type}:${item.digits ?? ''}:${String(
        item.metadata.callStatus ?? item.metadata.StatusCallbackEvent ?? '',
      )}`;
  }
}

/**
 * Builds a handler for Twilio's messaging and Voice webhooks: checks `X-Twilio-Signature` over
 * the public URL and form (through `verifyWebhook`), normalises the body into one core item, and
 * with a `dedupe` claims the delivery (`I-Twilio-Idempotency-Token`, else the message or call SID
 * and status) so a redelivery is refused with 409, and a retry after a failed `process` is
 * processed.
 *
 * @example
 * ```ts
 * const twilio = createTwilioWebhookHandler({ authToken, clock, dedupe, process: route });
 * const result = await twilio.handle(await fromNodeRequest(req, { publicUrl }));
 * res.writeHead(result.status).end();
 * ```
 */
export function createTwilioWebhookHandler(options: TwilioWebhookHandlerOptions): TwilioWebhookHandler {
  return {
    async handle(request) {
      const verification = await verifyWebhook({
        provider: 'twilio',
        secret: options.authToken as string | string[],
        url: request.url,
        headers: request.headers,
        rawBody: request.rawBody,
        now: options.clock.now(),
      });
      if (!verification.valid) return { status: 401, reason: verification.reason };
      const normaliseOptions: TwilioNormaliseOptions = { receivedAt: options.clock.now() };
      if (options.phoneVerified !== undefined) normaliseOptions.phoneVerified = options.phoneVerified;
      let item: InboundChannelItem;
      try {
        item = normaliseTwilioWebhook(request.rawBody, normaliseOptions);
      } catch (error) {
        if (isThreadlineError(error, 'VALIDATION')) return { status: 400, error };
        throw error;
      }
      const { dedupe, process } = options;
      if (!dedupe) {
        if (process) {
          try {
            await process(item);
          } catch (error) {
            return { status: 500, item, error };
          }
        }
        return { status: 200, item, duplicate: false };
      }
      const key = verification.deliveryId ?? twilioDedupeKey(item);
      if (!process) {
        const claim = await dedupe.claim(key);
        if (claim !== 'claimed') return { status: 409, item, duplicate: true, claim };
        return {
          status: 200,
          item,
          duplicate: false,
          complete: () => dedupe.complete(key),
          release: () => dedupe.release(key),
        };
      }
      const done = await processOnce(dedupe, key, () => process(item));
      if (done.outcome === 'duplicate') return { status: 409, item, duplicate: true, claim: done.claim };
      if (done.outcome === 'failed') return { status: 500, item, error: done.error };
      return { status: 200, item, duplicate: false };
    },
  };
}
