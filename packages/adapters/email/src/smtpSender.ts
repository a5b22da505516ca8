import type { DocumentStore } from '@threadline/core';
import {
  type Clock,
  type IdGenerator,
  isThreadlineError,
  parseInput,
  ThreadlineError,
} from '@threadline/core';
import {
  type ChannelSender,
  createDeliveryLedger,
  type DeliveryRecord,
  type InboundStatus,
  type SendGuard,
  SendRequestSchema,
} from '@threadline/core/channels';
import nodemailer, { type SendMailOptions, type Transporter } from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';
import { z } from 'zod';
import { bracket } from './messageId.js';
import { backoffDelay, type RetryPolicy } from './retry.js';

/** Options for {@link createSmtpSender}. */
export interface SmtpSenderOptions {
  /** A nodemailer transporter you built, or SMTP options to build one (`host`, `port`, `auth`, …). */
  transport: Transporter | SMTPTransport.Options;
  /** The `From` of every mail, e.g. `'Acme Support <support@acme.test>'`. */
  from: string;
  /** The domain of our `Message-ID`s (`<delivery-id@domain>`), e.g. `acme.test`. */
  messageIdDomain: string;
  /** Where delivery records live (idempotency and status). */
  store: DocumentStore;
  clock: Clock;
  ids: IdGenerator;
  /** Checked before anything is recorded or sent: consent, quiet hours. A refusal is `FORBIDDEN`. */
  guard?: SendGuard;
  retry?: RetryPolicy;
  /** A float in [0, 1) for jitter (inject a seeded `createRandom(seed).next` in tests). */
  random: () => number;
  /** Waits between retries (default: a real timer). */
  sleep?: (ms: number) => Promise<void>;
  /** The tenant served (default `'default'`). */
  tenantId?: string;
  /** Ledger collection (default `channel_deliveries`). */
  collection?: string;
}

const OptionsSchema = z
  .object({
    transport: z.custom<object>(
      (v) => typeof v === 'object' && v !== null,
      'expected a transporter or SMTP options',
    ),
    from: z.string().min(3),
    messageIdDomain: z.string().regex(/^[A-Za-z0-9.-]+$/, 'a domain name'),
    store: z.custom<DocumentStore>((v) => typeof v === 'object' && v !== null),
    clock: z.custom<Clock>((v) => typeof (v as Clock | undefined)?.now === 'function', 'expected a Clock'),
    ids: z.custom<IdGenerator>(
      (v) => typeof (v as IdGenerator | undefined)?.next === 'function',
      'expected ids',
    ),
    guard: z.custom<SendGuard>((v) => typeof v === 'function').optional(),
    retry: z
      .object({
        attempts: z.number().int().min(1).max(20).optional(),
        baseDelayMs: z.number().nonnegative().optional(),
        maxDelayMs: z.number().nonnegative().optional(),
      })
      .strict()
      .optional(),
    random: z.custom<() => number>((v) => typeof v === 'function', 'expected a function'),
    sleep: z.custom<(ms: number) => Promise<void>>((v) => typeof v === 'function').optional(),
    tenantId: z.string().min(1).optional(),
    collection: z.string().min(1).optional(),
  })
  .strict();

const TRANSIENT_CODES = new Set([
  'ECONNECTION',
  'ETIMEDOUT',
  'ESOCKET',
  'EDNS',
  'ECONNRESET',
  'ECONNREFUSED',
]);

/** How an SMTP failure is classified (internal): retry it, or record it as failed. */
export function classifySmtpError(error: unknown): { retryable: boolean; code: string; message: string } {
  const e = error as { responseCode?: unknown; code?: unknown; message?: unknown };
  const message = typeof e?.message === 'string' ? e.message : String(error);
  if (typeof e?.responseCode === 'number') {
    const code = `SMTP_${e.responseCode}`;
    return { retryable: e.responseCode >= 400 && e.responseCode < 500, code, message };
  }
  const code = typeof e?.code === 'string' ? e.code : 'SMTP_ERROR';
  return { retryable: TRANSIENT_CODES.has(code), code, message };
}

function isTransporter(value: object): value is Transporter {
  return typeof (value as Transporter).sendMail === 'function';
}

/**
 * Creates the email `ChannelSender`: SMTP through `nodemailer`. Each send is validated, checked
 * against the guard (`FORBIDDEN`, nothing recorded or sent), recorded in a delivery ledger
 * (the same `idempotencyKey` twice sends once and returns the first record), and sent with our
 * own `Message-ID` (`<delivery-id@messageIdDomain>`, the record's `providerMessageId` without
 * brackets) and, for replies, `In-Reply-To`/`References`. Transient failures (SMTP 4xx, lost
 * connections) are retried with exponential backoff and full jitter; a permanent 5xx, or running
 * out of attempts, settles the record `failed` (`error.retryable` says which).
 *
 * @example
 * ```ts
 * import { createMemoryDocumentStore } from '@threadline/adapter-memory';
 * import { createSmtpSender } from '@threadline/adapter-email';
 * import { createIdGenerator, createRandom, createSystemClock } from '@threadline/core';
 *
 * const sender = createSmtpSender({
 *   transport: { host: 'smtp.acme.test', port: 587, auth: { user: 'support', pass: 'secret' } },
 *   from: 'Acme Support <support@acme.test>',
 *   messageIdDomain: 'acme.test',
 *   store: createMemoryDocumentStore(),
 *   clock: createSystemClock(),
 *   ids: createIdGenerator(),
 *   random: createRandom(7).next,
 * });
 * const record = await sender.send({
 *   conversationId: 'conv-1', channel: 'email', to: 'ada@example.com',
 *   content: { subject: 'Re: Refund', text: 'It is on its way.' },
 *   idempotencyKey: 'reply-1', inReplyTo: 'm1@example.com', references: ['m1@example.com'],
 * });
 * console.log(record.state); // 'sent'
 * ```
 */
export function createSmtpSender(options: SmtpSenderOptions): ChannelSender {
  const config = parseInput(OptionsSchema, options, 'smtp sender options', 'CONFIG') as SmtpSenderOptions;
  const transporter = isTransporter(config.transport)
    ? config.transport
    : nodemailer.createTransport(config.transport);
  const ledger = createDeliveryLedger({
    store: config.store,
    clock: config.clock,
    ids: config.ids,
    provider: 'smtp',
    ...(config.tenantId === undefined ? {} : { tenantId: config.tenantId }),
    ...(config.collection === undefined ? {} : { collection: config.collection }),
  });
  const attempts = config.retry?.attempts ?? 4;
  const sleep = config.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));

  return {
    name: 'smtp',
    channels: ['email'],

    async send(input) {
      const request = parseInput(SendRequestSchema, input, 'send request');
      if (request.channel !== 'email') {
        throw new ThreadlineError('VALIDATION', 'the SMTP sender sends on the email channel only', {
          issues: [{ path: ['channel'], message: 'expected email', code: 'custom' }],
        });
      }
      if (config.guard) {
        const decision = await config.guard(request);
        if (!decision.allowed) {
          throw new ThreadlineError('FORBIDDEN', `send refused: ${decision.reason}`, {
            details: { reason: decision.reason, idempotencyKey: request.idempotencyKey },
          });
        }
      }
      const begun = await ledger.begin(request);
      if (begun.status === 'duplicate') return begun.record;
      const record = begun.record;
      const messageId = `${record.id}@${config.messageIdDomain}`;
      const references = [...request.references];
      if (request.inReplyTo && !references.includes(request.inReplyTo)) references.push(request.inReplyTo);
      const mail: SendMailOptions = {
        from: config.from,
        to: request.to,
        messageId: bracket(messageId),
        ...(request.content.subject !== undefined ? { subject: request.content.subject } : {}),
        ...(request.content.text !== undefined ? { text: request.content.text } : {}),
        ...(request.content.html !== undefined ? { html: request.content.html } : {}),
        ...(request.inReplyTo ? { inReplyTo: bracket(request.inReplyTo) } : {}),
        ...(references.length > 0 ? { references: references.map(bracket) } : {}),
        attachments: request.content.attachments.map((a) => ({
          filename: a.filename,
          contentType: a.contentType,
          ...(a.content === undefined
            ? { path: a.url as string }
            : typeof a.content === 'string'
              ? { content: a.content, encoding: 'base64' }
              : { content: Buffer.from(a.content) }),
        })),
      };
      for (let attempt = 1; ; attempt++) {
        try {
          await transporter.sendMail(mail);
          return await ledger.settle(record.id, {
            state: 'sent',
            providerMessageId: messageId,
            attempts: attempt,
          });
        } catch (error) {
          if (isThreadlineError(error)) throw error;
          const failure = classifySmtpError(error);
          if (!failure.retryable || attempt >= attempts) {
            return ledger.settle(record.id, { state: 'failed', error: failure, attempts: attempt });
          }
          await sleep(backoffDelay(attempt, config.retry ?? {}, config.random));
        }
      }
    },

    applyStatus(status: InboundStatus): Promise<DeliveryRecord | undefined> {
      return ledger.applyStatus(status);
    },

    getDelivery(ref) {
      return ledger.get(ref);
    },
  };
}
