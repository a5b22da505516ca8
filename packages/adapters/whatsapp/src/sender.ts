import { randomInt } from 'node:crypto';
import {
  type CallOptions,
  callWithRetries,
  DEFAULT_RETRY_POLICY,
  type FetchLike,
  type HttpOutcome,
  type RetryPolicy,
  realSleep,
} from '@threadline/adapter-webhooks';
import {
  type ChannelSender,
  type Clock,
  createDeliveryLedger,
  type DeliveryRecord,
  type DocumentStore,
  type IdGenerator,
  type InboundStatus,
  type ParsedSendRequest,
  parseInput,
  type SendGuard,
  type SendRequest,
  SendRequestSchema,
  ThreadlineError,
} from '@threadline/core';
import { z } from 'zod';
import { GRAPH_ERROR_HINTS, RETRYABLE_GRAPH_CODES, readGraphError } from './graphErrors.js';

/** Options of {@link createWhatsAppSender}. */
export interface WhatsAppSenderOptions {
  /** A system-user or app access token with `whatsapp_business_messaging`. */
  accessToken: string;
  /** The business phone number's id (not the number itself). */
  phoneNumberId: string;
  /** Graph API version (default `v21.0`). */
  apiVersion?: string;
  /** The API origin (default `https://graph.facebook.com`); tests point it at a local server. */
  baseUrl?: string;
  /** The `fetch` to call (default the global one). */
  fetch?: FetchLike;
  /** Where delivery records live (idempotency and status reconciliation). */
  store: DocumentStore;
  clock: Clock;
  ids: IdGenerator;
  /** The tenant of the records (default `'default'`). */
  tenantId?: string;
  /** Checked before every send (consent, quiet hours); a refusal throws `FORBIDDEN` and sends nothing. */
  guard?: SendGuard;
  /** Retries on 429/5xx, Graph throttling codes and network errors. */
  retry?: Partial<RetryPolicy>;
  /** How to wait between attempts (default a real timer; tests pass a fake). */
  sleep?: (ms: number) => Promise<void>;
  /** A float in [0, 1) for backoff jitter (default `node:crypto`). */
  random?: () => number;
  /** Collection of the delivery records (default `channel_deliveries`). */
  collection?: string;
}

const fn = z.custom<(...args: never[]) => unknown>((v) => typeof v === 'function', 'expected a function');

const OptionsSchema = z
  .object({
    accessToken: z.string().min(1),
    phoneNumberId: z.string().regex(/^\d{1,30}$/, 'expected a phone number id'),
    apiVersion: z
      .string()
      .regex(/^v\d+\.\d+$/, 'expected a Graph API version like v21.0')
      .optional(),
    baseUrl: z.url().optional(),
    fetch: fn.optional(),
    store: z.custom<DocumentStore>((v) => typeof v === 'object' && v !== null, 'expected a DocumentStore'),
    clock: z.custom<Clock>((v) => typeof (v as Clock | undefined)?.now === 'function', 'expected a Clock'),
    ids: z.custom<IdGenerator>(
      (v) => typeof (v as IdGenerator | undefined)?.next === 'function',
      'expected an IdGenerator',
    ),
    tenantId: z.string().min(1).optional(),
    guard: fn.optional(),
    retry: z
      .object({
        maxAttempts: z.number().int().min(1).max(20),
        baseDelayMs: z.number().nonnegative(),
        maxDelayMs: z.number().nonnegative(),
        maxRetryAfterMs: z.number().nonnegative(),
      })
      .partial()
      .strict()
      .optional(),
    sleep: fn.optional(),
    random: fn.optional(),
    collection: z.string().min(1).optional(),
  })
  .strict();

type Issue = { path: (string | number)[]; message: string; code: string };

function cryptoRandom(): number {
  return randomInt(0, 2 ** 32) / 2 ** 32;
}

/** The Cloud API media type for a content type (`image/webp` is a sticker). */
export function whatsAppMediaType(contentType: string): 'image' | 'audio' | 'video' | 'document' | 'sticker' {
  const type = contentType.toLowerCase();
  if (type === 'image/webp') return 'sticker';
  if (type.startsWith('image/')) return 'image';
  if (type.startsWith('audio/')) return 'audio';
  if (type.startsWith('video/')) return 'video';
  return 'document';
}

/** The recipient as the Cloud API takes it: digits only. */
function recipient(to: string): string {
  return to.replace(/^whatsapp:/, '').replace(/[^\d]/g, '');
}

function check(request: ParsedSendRequest): void {
  const issues: Issue[] = [];
  const { content } = request;
  if (request.channel !== 'whatsapp') {
    issues.push({ path: ['channel'], message: 'this sender sends on whatsapp', code: 'invalid_value' });
  }
  if (!/^\d{5,20}$/.test(recipient(request.to))) {
    issues.push({ path: ['to'], message: 'expected a phone number or WhatsApp id', code: 'invalid_value' });
  }
  if (content.template && (content.text !== undefined || content.attachments.length > 0)) {
    issues.push({
      path: ['content', 'template'],
      message: 'a template is sent alone',
      code: 'invalid_value',
    });
  }
  if (content.attachments.length > 1) {
    issues.push({
      path: ['content', 'attachments'],
      message: 'one attachment per WhatsApp message; send several messages',
      code: 'too_big',
    });
  }
  const first = content.attachments[0];
  if (first && content.text !== undefined) {
    const type = whatsAppMediaType(first.contentType);
    if (type === 'audio' || type === 'sticker') {
      issues.push({
        path: ['content', 'text'],
        message: `${type} messages carry no caption; send the text separately`,
        code: 'invalid_value',
      });
    }
  }
  if (content.html !== undefined && content.text === undefined && !content.template) {
    issues.push({
      path: ['content', 'text'],
      message: 'WhatsApp sends text, not HTML',
      code: 'invalid_value',
    });
  }
  if (issues.length > 0) {
    throw new ThreadlineError(
      'VALIDATION',
      `Invalid WhatsApp send request: ${issues.map((i) => i.message).join('; ')}`,
      { issues },
    );
  }
}

/**
 * Creates a `ChannelSender` over the WhatsApp Cloud API: text, media by link or by uploaded id
 * (attachments with bytes are uploaded to `/{phone-number-id}/media` first), and message
 * templates; retries with exponential backoff and jitter on 429, 5xx, Graph throttling codes and
 * network errors (honouring `Retry-After`); a refusal such as `131047` (outside the 24-hour
 * window) is recorded as `failed` with the code `whatsapp:131047` and a plain explanation; one
 * send per idempotency key; the guard checked before anything is written or sent.
 *
 * @example
 * ```ts
 * const sender = createWhatsAppSender({
 *   accessToken: 'EAAG…', phoneNumberId: '106540352242922',
 *   store: storage.documents, clock, ids,
 * });
 * const record = await sender.send({
 *   conversationId: 'conv-1', channel: 'whatsapp', to: '+447700900123',
 *   content: { template: { name: 'order_update', language: 'en_GB', parameters: ['A-1042'] } },
 *   idempotencyKey: 'order-1042-shipped',
 * });
 * ```
 */
export function createWhatsAppSender(options: WhatsAppSenderOptions): ChannelSender {
  const config = parseInput(OptionsSchema, options, 'WhatsApp sender options', 'CONFIG');
  const policy: RetryPolicy = { ...DEFAULT_RETRY_POLICY, ...config.retry };
  const fetchFn: FetchLike = options.fetch ?? ((url, init) => fetch(url, init));
  const base = `${(options.baseUrl ?? 'https://graph.facebook.com').replace(/\/$/, '')}/${
    options.apiVersion ?? 'v21.0'
  }/${options.phoneNumberId}`;
  const authorization = `Bearer ${options.accessToken}`;
  const ledger = createDeliveryLedger({
    store: options.store,
    clock: options.clock,
    ids: options.ids,
    provider: 'whatsapp',
    ...(options.tenantId !== undefined ? { tenantId: options.tenantId } : {}),
    ...(options.collection !== undefined ? { collection: options.collection } : {}),
  });

  const call = (url: string, init: CallOptions['init']): Promise<HttpOutcome> =>
    callWithRetries({
      fetch: fetchFn,
      url,
      init,
      policy,
      sleep: options.sleep ?? realSleep,
      random: options.random ?? cryptoRandom,
      now: () => options.clock.now(),
      retryableBody: (_status, body) => {
        const code = readGraphError(body).code;
        return code !== undefined && RETRYABLE_GRAPH_CODES.has(code);
      },
    });

  /** Uploads bytes and answers the media id, or the failed outcome. */
  async function upload(
    attachment: ParsedSendRequest['content']['attachments'][number],
  ): Promise<{ id: string } | HttpOutcome> {
    const content = attachment.content as string | Uint8Array;
    const bytes = typeof content === 'string' ? Buffer.from(content, 'base64') : content;
    const outcome = await call(`${base}/media`, () => {
      const form = new FormData();
      form.set('messaging_product', 'whatsapp');
      form.set('type', attachment.contentType);
      form.set(
        'file',
        new Blob([new Uint8Array(bytes)], { type: attachment.contentType }),
        attachment.filename,
      );
      return { method: 'POST', headers: { authorization }, body: form };
    });
    const id = outcome.kind === 'response' ? (outcome.body as { id?: unknown } | undefined)?.id : undefined;
    return outcome.kind === 'response' && outcome.status < 300 && typeof id === 'string' ? { id } : outcome;
  }

  function payload(request: ParsedSendRequest, mediaId: string | undefined): Record<string, unknown> {
    const { content } = request;
    const message: Record<string, unknown> = {
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: recipient(request.to),
    };
    if (content.template) {
      const { name, language, parameters } = content.template;
      message.type = 'template';
      message.template = {
        name,
        language: { code: language },
        ...(parameters.length > 0
          ? { components: [{ type: 'body', parameters: parameters.map((text) => ({ type: 'text', text })) }] }
          : {}),
      };
      return message;
    }
    const attachment = content.attachments[0];
    if (attachment) {
      const type = whatsAppMediaType(attachment.contentType);
      message.type = type;
      message[type] = {
        ...(mediaId !== undefined ? { id: mediaId } : { link: attachment.url }),
        ...(content.text !== undefined ? { caption: content.text } : {}),
        ...(type === 'document' ? { filename: attachment.filename } : {}),
      };
      return message;
    }
    message.type = 'text';
    message.text = { body: content.text ?? '', preview_url: false };
    return message;
  }

  function failure(outcome: HttpOutcome, attempts: number) {
    if (outcome.kind === 'network') {
      const message = outcome.error instanceof Error ? outcome.error.message : String(outcome.error);
      return { state: 'failed' as const, attempts, error: { code: 'NETWORK', message, retryable: true } };
    }
    const graph = readGraphError(outcome.body);
    const hint = graph.code !== undefined ? GRAPH_ERROR_HINTS[graph.code] : undefined;
    const message =
      [hint, graph.details ?? graph.message].filter(Boolean).join(': ') ||
      `Graph API answered ${outcome.status}`;
    return {
      state: 'failed' as const,
      attempts,
      error: {
        code: graph.code !== undefined ? `whatsapp:${graph.code}` : `HTTP_${outcome.status}`,
        message,
        retryable: outcome.status < 300 ? false : outcome.retryable,
      },
    };
  }

  return {
    name: 'whatsapp',
    channels: ['whatsapp'],
    async send(input: SendRequest): Promise<DeliveryRecord> {
      const request = parseInput(SendRequestSchema, input, 'send request');
      check(request);
      const earlier = await ledger.get({ idempotencyKey: request.idempotencyKey });
      if (earlier) return earlier;
      if (options.guard) {
        const decision = await options.guard(request);
        if (!decision.allowed) {
          throw new ThreadlineError('FORBIDDEN', `Send refused: ${decision.reason}`, {
            details: { reason: decision.reason, idempotencyKey: request.idempotencyKey },
          });
        }
      }
      const begun = await ledger.begin(request);
      if (begun.status === 'duplicate') return begun.record;
      let attempts = 0;
      let mediaId: string | undefined;
      const attachment = request.content.attachments[0];
      if (attachment && attachment.url === undefined && !request.content.template) {
        const uploaded = await upload(attachment);
        if (!('id' in uploaded)) return ledger.settle(begun.record.id, failure(uploaded, uploaded.attempts));
        mediaId = uploaded.id;
      }
      const body = JSON.stringify(payload(request, mediaId));
      const outcome = await call(`${base}/messages`, () => ({
        method: 'POST',
        headers: { authorization, 'content-type': 'application/json', accept: 'application/json' },
        body,
      }));
      attempts = outcome.attempts;
      if (outcome.kind === 'response' && outcome.status < 300) {
        const messages = (outcome.body as { messages?: { id?: unknown }[] } | undefined)?.messages;
        const id = messages?.[0]?.id;
        if (typeof id === 'string' && id !== '') {
          return ledger.settle(begun.record.id, { state: 'queued', providerMessageId: id, attempts });
        }
      }
      return ledger.settle(begun.record.id, failure(outcome, attempts));
    },
    async applyStatus(status: InboundStatus) {
      return ledger.applyStatus(status);
    },
    async getDelivery(ref) {
      return ledger.get(ref);
    },
  };
}
