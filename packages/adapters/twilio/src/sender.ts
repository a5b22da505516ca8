import { randomInt } from 'node:crypto';
import {
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

/** Options of {@link createTwilioSender}. */
export interface TwilioSenderOptions {
  /** Your account SID (`AC…`): the API path and the basic-auth user unless `apiKeySid` is given. */
  accountSid: string;
  /** The auth token, or the API key secret when `apiKeySid` is given. */
  authToken: string;
  /** An API key SID (`SK…`) to authenticate with instead of the account SID. */
  apiKeySid?: string;
  /** The number SMS is sent from (E.164). One of `from` or `messagingServiceSid` is needed for SMS. */
  from?: string;
  /** A Messaging Service SID (`MG…`), which picks the sender number itself. */
  messagingServiceSid?: string;
  /** The WhatsApp sender (E.164, without the `whatsapp:` prefix); defaults to `from`. */
  whatsappFrom?: string;
  /** Where Twilio posts status callbacks for each message. */
  statusCallbackUrl?: string;
  /** The API origin (default `https://api.twilio.com`); tests point it at a local server. */
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
  /** Retries on 429/5xx/network errors. */
  retry?: Partial<RetryPolicy>;
  /** How to wait between attempts (default a real timer; tests pass a fake). */
  sleep?: (ms: number) => Promise<void>;
  /** A float in [0, 1) for backoff jitter (default `node:crypto`; pass a seeded one for replayable tests). */
  random?: () => number;
  /** Collection of the delivery records (default `channel_deliveries`). */
  collection?: string;
}

const fn = z.custom<(...args: never[]) => unknown>((v) => typeof v === 'function', 'expected a function');

const OptionsSchema = z
  .object({
    accountSid: z.string().regex(/^[A-Za-z0-9]{2,64}$/, 'expected an account SID'),
    authToken: z.string().min(1),
    apiKeySid: z.string().min(1).optional(),
    from: z.string().min(1).optional(),
    messagingServiceSid: z.string().min(1).optional(),
    whatsappFrom: z.string().min(1).optional(),
    statusCallbackUrl: z.url().optional(),
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
  .strict()
  .refine(
    (o) => o.from !== undefined || o.messagingServiceSid !== undefined || o.whatsappFrom !== undefined,
    {
      message: 'give from, messagingServiceSid or whatsappFrom',
      path: ['from'],
    },
  );

/** Twilio error codes that are throttling and worth retrying even on a 4xx answer. */
const RETRYABLE_TWILIO_CODES = new Set([20429]);

function twilioError(body: unknown): { code?: number; message?: string } {
  if (body === null || typeof body !== 'object') return {};
  const b = body as { code?: unknown; message?: unknown };
  return {
    ...(typeof b.code === 'number' ? { code: b.code } : {}),
    ...(typeof b.message === 'string' ? { message: b.message } : {}),
  };
}

function cryptoRandom(): number {
  return randomInt(0, 2 ** 32) / 2 ** 32;
}

/**
 * Creates a `ChannelSender` over Twilio's Messages API for SMS, MMS and WhatsApp: a form-encoded
 * POST with basic auth and your status callback URL; retries with exponential backoff and jitter
 * on 429, 5xx and network errors (honouring `Retry-After`); one send per idempotency key (a
 * repeated key returns the first record); the guard checked before anything is written or sent.
 *
 * @example
 * ```ts
 * const sender = createTwilioSender({
 *   accountSid: 'AC…', authToken: 'token', from: '+14155238886',
 *   statusCallbackUrl: 'https://hooks.example.com/twilio/status',
 *   store: storage.documents, clock, ids,
 * });
 * const record = await sender.send({
 *   conversationId: 'conv-1', channel: 'sms', to: '+447700900123',
 *   content: { text: 'Your refund is on its way.' }, idempotencyKey: 'reply-42',
 * });
 * ```
 */
export function createTwilioSender(options: TwilioSenderOptions): ChannelSender {
  const config = parseInput(OptionsSchema, options, 'Twilio sender options', 'CONFIG');
  const policy: RetryPolicy = { ...DEFAULT_RETRY_POLICY, ...config.retry };
  const fetchFn: FetchLike = options.fetch ?? ((url, init) => fetch(url, init));
  const sleep = options.sleep ?? realSleep;
  const random = options.random ?? cryptoRandom;
  const base = (options.baseUrl ?? 'https://api.twilio.com').replace(/\/$/, '');
  const url = `${base}/2010-04-01/Accounts/${encodeURIComponent(options.accountSid)}/Messages.json`;
  const user = options.apiKeySid ?? options.accountSid;
  const authorization = `Basic ${Buffer.from(`${user}:${options.authToken}`).toString('base64')}`;
  const ledger = createDeliveryLedger({
    store: options.store,
    clock: options.clock,
    ids: options.ids,
    provider: 'twilio',
    ...(options.tenantId !== undefined ? { tenantId: options.tenantId } : {}),
    ...(options.collection !== undefined ? { collection: options.collection } : {}),
  });

  function form(request: ParsedSendRequest): URLSearchParams {
    const whatsapp = request.channel === 'whatsapp';
    const params = new URLSearchParams();
    const to = request.to.replace(/^whatsapp:/, '');
    params.set('To', whatsapp ? `whatsapp:${to}` : to);
    const from = whatsapp ? (options.whatsappFrom ?? options.from) : options.from;
    if (from !== undefined)
      params.set('From', whatsapp ? `whatsapp:${from.replace(/^whatsapp:/, '')}` : from);
    else if (options.messagingServiceSid !== undefined)
      params.set('MessagingServiceSid', options.messagingServiceSid);
    const { content } = request;
    if (content.template) {
      // Twilio Content API templates: the name is the Content SID (`HX…`), parameters fill {{1}}, {{2}}, …
      params.set('ContentSid', content.template.name);
      const variables: Record<string, string> = {};
      content.template.parameters.forEach((p, i) => {
        variables[String(i + 1)] = p;
      });
      params.set('ContentVariables', JSON.stringify(variables));
    } else if (content.text !== undefined) {
      params.set('Body', content.text);
    }
    for (const attachment of content.attachments) {
      if (attachment.url !== undefined) params.append('MediaUrl', attachment.url);
    }
    if (options.statusCallbackUrl !== undefined) params.set('StatusCallback', options.statusCallbackUrl);
    return params;
  }

  function check(request: ParsedSendRequest): void {
    const issues: { path: (string | number)[]; message: string; code: string }[] = [];
    if (!['sms', 'whatsapp'].includes(request.channel)) {
      issues.push({ path: ['channel'], message: 'Twilio sends on sms or whatsapp', code: 'invalid_value' });
    }
    request.content.attachments.forEach((a, i) => {
      if (a.url === undefined) {
        issues.push({
          path: ['content', 'attachments', i, 'url'],
          message: 'Twilio fetches media from a public URL; upload the bytes and pass url',
          code: 'invalid_value',
        });
      }
    });
    if (
      request.content.html !== undefined &&
      request.content.text === undefined &&
      !request.content.template
    ) {
      issues.push({
        path: ['content', 'text'],
        message: 'Twilio sends text, not HTML',
        code: 'invalid_value',
      });
    }
    if (
      request.channel === 'sms' &&
      options.from === undefined &&
      options.messagingServiceSid === undefined
    ) {
      issues.push({ path: ['channel'], message: 'no SMS sender configured', code: 'invalid_value' });
    }
    if (issues.length > 0) {
      throw new ThreadlineError(
        'VALIDATION',
        `Invalid Twilio send request: ${issues.map((i) => i.message).join('; ')}`,
        {
          issues,
        },
      );
    }
  }

  function outcomeToSettle(outcome: HttpOutcome) {
    if (outcome.kind === 'network') {
      const message = outcome.error instanceof Error ? outcome.error.message : String(outcome.error);
      return {
        state: 'failed' as const,
        attempts: outcome.attempts,
        error: { code: 'NETWORK', message, retryable: true },
      };
    }
    const body = outcome.body as { sid?: unknown; status?: unknown } | undefined;
    if (outcome.status >= 200 && outcome.status < 300 && typeof body?.sid === 'string' && body.sid !== '') {
      const state =
        body.status === 'sent' || body.status === 'sending' ? ('sent' as const) : ('queued' as const);
      return { state, providerMessageId: body.sid, attempts: outcome.attempts };
    }
    const err = twilioError(outcome.body);
    return {
      state: 'failed' as const,
      attempts: outcome.attempts,
      error: {
        code: err.code !== undefined ? `twilio:${err.code}` : `HTTP_${outcome.status}`,
        message: err.message ?? `Twilio answered ${outcome.status}`,
        retryable: outcome.status < 300 ? false : outcome.retryable,
      },
    };
  }

  return {
    name: 'twilio',
    channels: ['sms', 'whatsapp'],
    async send(input: SendRequest): Promise<DeliveryRecord> {
      const request = parseInput(SendRequestSchema, input, 'send request');
      check(request);
      // A repeated key answers with the first record before anything else is checked or sent.
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
      const body = form(request).toString();
      const outcome = await callWithRetries({
        fetch: fetchFn,
        url,
        init: () => ({
          method: 'POST',
          headers: {
            authorization,
            'content-type': 'application/x-www-form-urlencoded',
            accept: 'application/json',
          },
          body,
        }),
        policy,
        sleep,
        random,
        now: () => options.clock.now(),
        retryableBody: (_status, b) => {
          const code = twilioError(b).code;
          return code !== undefined && RETRYABLE_TWILIO_CODES.has(code);
        },
      });
      return ledger.settle(begun.record.id, outcomeToSettle(outcome));
    },
    async applyStatus(status: InboundStatus) {
      return ledger.applyStatus(status);
    },
    async getDelivery(ref) {
      return ledger.get(ref);
    },
  };
}
