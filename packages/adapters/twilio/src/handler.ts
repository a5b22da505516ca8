import {
  type DeliveryDedupe,
  type HeadersInput,
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
  /** Remembers what was processed so a retried webhook is acknowledged and skipped. */
  dedupe?: DeliveryDedupe;
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
 * What the handler concluded: answer `status` to Twilio. `200` carries the normalised item (or
 * `duplicate: true` for a retried delivery, already processed); `401` a failed signature; `400`
 * a payload that is not a Twilio webhook.
 */
export type TwilioWebhookResult =
  | { status: 200; item: InboundChannelItem; duplicate: boolean }
  | { status: 401; reason: WebhookFailureReason }
  | { status: 400; error: ThreadlineError };

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
 * with a `dedupe` marks a redelivery (`I-Twilio-Idempotency-Token`, else the message or call SID
 * and status) as a duplicate so it is processed once.
 *
 * @example
 * ```ts
 * const twilio = createTwilioWebhookHandler({ authToken, clock, dedupe });
 * const result = await twilio.handle(await fromNodeRequest(req, { publicUrl }));
 * if (result.status === 200 && !result.duplicate) await route(result.item);
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
      let duplicate = false;
      if (options.dedupe) {
        duplicate = await options.dedupe.seen(verification.deliveryId ?? twilioDedupeKey(item));
      }
      return { status: 200, item, duplicate };
    },
  };
}
