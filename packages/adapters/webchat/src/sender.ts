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
  type SendGuard,
  SendRequestSchema,
} from '@threadline/core/channels';
import { z } from 'zod';
import type { WebchatServer } from './server.js';

/** Options for {@link createWebchatSender}. */
export interface WebchatSenderOptions {
  /** The web chat server the visitors are connected to. */
  server: WebchatServer;
  /** Where delivery records live. */
  store: DocumentStore;
  clock: Clock;
  ids: IdGenerator;
  /** Checked before anything is recorded or sent. A refusal is `FORBIDDEN`. */
  guard?: SendGuard;
  tenantId?: string;
  /** Ledger collection (default `channel_deliveries`). */
  collection?: string;
  /**
   * Retries of a delivery the server could not take for now (replay buffer full, a concurrent
   * write, a store error): attempts in all (default 3), backoff from `baseDelayMs` (default 50)
   * doubling up to `maxDelayMs` (default 1 000).
   */
  retry?: { attempts?: number; baseDelayMs?: number; maxDelayMs?: number };
  /** A float in [0, 1) for full jitter on retry delays; without it the delays are not jittered. */
  random?: () => number;
  /** Waits between retries (default: a real timer). */
  sleep?: (ms: number) => Promise<void>;
}

const OptionsSchema = z
  .object({
    server: z.custom<WebchatServer>(
      (v) => typeof (v as WebchatServer | undefined)?.deliver === 'function',
      'expected a WebchatServer',
    ),
    store: z.custom<DocumentStore>(
      (v) => typeof (v as DocumentStore | undefined)?.put === 'function',
      'expected a DocumentStore',
    ),
    clock: z.custom<Clock>((v) => typeof (v as Clock | undefined)?.now === 'function', 'expected a Clock'),
    ids: z.custom<IdGenerator>(
      (v) => typeof (v as IdGenerator | undefined)?.next === 'function',
      'expected ids',
    ),
    guard: z.custom<SendGuard>((v) => typeof v === 'function').optional(),
    tenantId: z.string().min(1).optional(),
    collection: z.string().min(1).optional(),
    retry: z
      .object({
        attempts: z.number().int().min(1).max(20).optional(),
        baseDelayMs: z.number().nonnegative().optional(),
        maxDelayMs: z.number().nonnegative().optional(),
      })
      .strict()
      .optional(),
    random: z.custom<() => number>((v) => typeof v === 'function').optional(),
    sleep: z.custom<(ms: number) => Promise<void>>((v) => typeof v === 'function').optional(),
  })
  .strict();

/**
 * Creates the web chat `ChannelSender` for agent replies: `to` is the visitor's session id. A
 * send is validated, checked against the guard (`FORBIDDEN`, nothing recorded or sent), recorded
 * in the delivery ledger (one send per idempotency key), numbered into the session's replay
 * buffer and pushed when the visitor is online — `sent` either way, since the buffer delivers it
 * on reconnect. The visitor's acknowledgement makes it `delivered`, their read receipt `read`. A
 * session that never connected gives a `failed` record at once; a full replay buffer or a store
 * error is retried with backoff, then recorded `failed` with `retryable: true`.
 *
 * @example
 * ```ts
 * import { createMemoryDocumentStore } from '@threadline/adapter-memory';
 * import { createWebchatSender, type WebchatServer } from '@threadline/adapter-webchat';
 * import { createIdGenerator, createSystemClock } from '@threadline/core';
 *
 * declare const chat: WebchatServer; // from createWebchatServer
 * const sender = createWebchatSender({ server: chat, store: createMemoryDocumentStore(), clock: createSystemClock(), ids: createIdGenerator() });
 * const record = await sender.send({
 *   conversationId: 'conv-1', channel: 'chat', to: 'visitor-42',
 *   content: { text: 'Hi! How can I help?' }, idempotencyKey: 'greeting-visitor-42',
 * });
 * ```
 */
export function createWebchatSender(options: WebchatSenderOptions): ChannelSender & { dispose(): void } {
  const config = parseInput(
    OptionsSchema,
    options,
    'webchat sender options',
    'CONFIG',
  ) as WebchatSenderOptions;
  const ledger = createDeliveryLedger({
    store: config.store,
    clock: config.clock,
    ids: config.ids,
    provider: 'webchat',
    ...(config.tenantId === undefined ? {} : { tenantId: config.tenantId }),
    ...(config.collection === undefined ? {} : { collection: config.collection }),
  });
  // A visitor online acknowledges faster than the ledger records `sent`: reports for a send still
  // in flight wait here and are applied right after it settles.
  const inflight = new Map<string, { state: 'delivered' | 'read'; at: number }[]>();
  const apply = (messageId: string, report: { state: 'delivered' | 'read'; at: number }) =>
    ledger
      .applyStatus({ providerMessageId: messageId, state: report.state, occurredAt: report.at })
      .catch(() => undefined);
  const attempts = config.retry?.attempts ?? 3;
  const sleep = config.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const stop = config.server.onDelivery((event) => {
    const waiting = inflight.get(event.messageId);
    if (waiting) waiting.push({ state: event.state, at: event.at });
    else void apply(event.messageId, event);
  });

  return {
    name: 'webchat',
    channels: ['chat'],

    async send(input) {
      const request = parseInput(SendRequestSchema, input, 'send request');
      if (request.channel !== 'chat') {
        throw new ThreadlineError('VALIDATION', 'the web chat sender sends on the chat channel only', {
          issues: [{ path: ['channel'], message: 'expected chat', code: 'custom' }],
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
      const attachments = request.content.attachments.flatMap((a) =>
        a.url ? [{ url: a.url, contentType: a.contentType, filename: a.filename }] : [],
      );
      inflight.set(record.id, []);
      const message = {
        id: record.id,
        ...(request.content.text !== undefined ? { text: request.content.text } : {}),
        ...(request.content.html !== undefined ? { html: request.content.html } : {}),
        ...(attachments.length > 0 ? { attachments } : {}),
      };
      let attempt = 1;
      for (; ; attempt++) {
        try {
          await config.server.deliver(request.to, message);
          break;
        } catch (error) {
          // Never leave the record queued: an unknown session is permanent, anything else may pass later.
          const code = isThreadlineError(error) ? error.code : 'ADAPTER';
          const retryable = code !== 'NOT_FOUND' && code !== 'VALIDATION';
          if (!retryable || attempt >= attempts) {
            inflight.delete(record.id);
            const text = error instanceof Error ? error.message : String(error);
            return ledger.settle(record.id, {
              state: 'failed',
              error: { code, message: text, retryable },
              attempts: attempt,
            });
          }
          const cap = Math.min(
            config.retry?.maxDelayMs ?? 1000,
            (config.retry?.baseDelayMs ?? 50) * 2 ** (attempt - 1),
          );
          await sleep(Math.floor((config.random?.() ?? 1) * cap));
        }
      }
      let settled = await ledger.settle(record.id, {
        state: 'sent',
        providerMessageId: record.id,
        attempts: attempt,
      });
      const waiting = inflight.get(record.id) ?? [];
      inflight.delete(record.id);
      for (const report of waiting) settled = (await apply(record.id, report)) ?? settled;
      return settled;
    },

    applyStatus(status) {
      return ledger.applyStatus(status);
    },

    getDelivery(ref) {
      return ledger.get(ref);
    },

    dispose() {
      stop();
    },
  };
}
