import { createHash } from 'node:crypto';
import type { SeenTokenStore } from '@threadline/adapter-webhooks';
import { parseInput, ThreadlineError, toMillis } from '@threadline/core';
import type { InboundMessage, InboundStatus } from '@threadline/core/channels';
import { InboundStatusSchema } from '@threadline/core/channels';
import { addressParser } from 'postal-mime';
import { type AttachmentSink, toAttachment } from '../attachments.js';
import { dkimPassFromMailgun } from '../authentication.js';
import { normaliseMessageId } from '../messageId.js';
import { toInboundMessage } from '../normalise.js';
import { parseEmail } from '../parse.js';
import { type FormLimits, readForm } from './multipart.js';
import { bodyBytes, header, type InboundWebhookRequest, verifyOrThrow } from './webhook.js';

/** Options for {@link parseMailgunInbound}. */
export interface MailgunInboundOptions extends InboundWebhookRequest, FormLimits {
  /** Where used Mailgun tokens are remembered (share one across instances); see adapter-webhooks. */
  seenTokens?: SeenTokenStore;
  attachmentSink?: AttachmentSink;
}

function fromAddress(value: string | undefined): { address?: string; name?: string } {
  if (!value) return {};
  for (const a of addressParser(value, { flatten: true }))
    if (a.address) return { address: a.address, name: a.name };
  return {};
}

/**
 * Verifies and normalises a Mailgun inbound route post (`forward()` to your URL). Mailgun signs
 * `timestamp + token` with your HTTP webhook signing key; the form is `multipart/form-data`
 * (with attachments, read with `busboy`) or URL-encoded. A route ending in `mime` posts the whole
 * message as `body-mime`, parsed like raw MIME; otherwise Mailgun's parsed fields are mapped
 * (`sender`/`from`, `recipient`, `subject`, `body-plain`, `body-html`, `Message-Id`,
 * `In-Reply-To`, `References`, `attachment-N`, `content-id-map`). A bad signature is
 * `UNAUTHENTICATED_WEBHOOK` (401), a bad body `VALIDATION` (400).
 *
 * @example
 * ```ts
 * import { parseMailgunInbound } from '@threadline/adapter-email';
 * import { fromNodeRequest } from '@threadline/adapter-webhooks';
 * import type { IncomingMessage } from 'node:http';
 *
 * async function onMailgun(req: IncomingMessage) {
 *   const { headers, rawBody } = await fromNodeRequest(req, { maxBytes: 30 * 1024 * 1024 });
 *   return parseMailgunInbound({ headers, rawBody, secret: 'mailgun-signing-key', now: Date.now() });
 * }
 * ```
 */
export async function parseMailgunInbound(options: MailgunInboundOptions): Promise<InboundMessage> {
  const body = bodyBytes(options.rawBody);
  const contentType = header(options.headers, 'content-type');
  const form = await readForm(contentType, body, options);
  const signed = new URLSearchParams();
  for (const name of ['timestamp', 'token', 'signature']) {
    const value = form.fields.get(name);
    if (value !== undefined) signed.set(name, value);
  }
  // Mailgun signs only timestamp + token; the verifier reads them from a URL-encoded body.
  await verifyOrThrow(
    'mailgun',
    { headers: { 'content-type': 'application/x-www-form-urlencoded' }, rawBody: signed.toString() },
    options,
  );
  const receivedAt = toMillis(options.now, 'now');
  const recipient = form.fields.get('recipient')?.split(',')[0]?.trim();
  const mime = form.fields.get('body-mime');
  if (mime !== undefined) {
    return parseEmail(mime, {
      receivedAt,
      provider: 'mailgun',
      ...(recipient ? { to: recipient } : {}),
      ...(options.attachmentSink ? { attachmentSink: options.attachmentSink } : {}),
    });
  }
  const headers = new Map<string, string>();
  const listed = form.fields.get('message-headers');
  if (listed !== undefined) {
    try {
      const pairs: unknown = JSON.parse(listed);
      if (Array.isArray(pairs)) {
        for (const pair of pairs) {
          if (Array.isArray(pair) && typeof pair[0] === 'string' && typeof pair[1] === 'string') {
            const key = pair[0].toLowerCase();
            if (!headers.has(key)) headers.set(key, pair[1]);
          }
        }
      }
    } catch (cause) {
      throw new ThreadlineError('VALIDATION', 'mailgun: message-headers is not JSON', {
        cause,
        issues: [{ path: ['message-headers'], message: 'not JSON', code: 'custom' }],
        details: { status: 400 },
      });
    }
  }
  const field = (name: string) => form.fields.get(name) ?? headers.get(name.toLowerCase());
  const messageId = field('Message-Id');
  const key =
    normaliseMessageId(messageId) ??
    `${createHash('sha256').update(body).digest('hex').slice(0, 40)}@threadline.invalid`;
  const cids = new Map<string, string>();
  const cidMap = form.fields.get('content-id-map');
  if (cidMap) {
    try {
      const map: unknown = JSON.parse(cidMap);
      if (map && typeof map === 'object') {
        for (const [cid, name] of Object.entries(map)) if (typeof name === 'string') cids.set(name, cid);
      }
    } catch {
      // A broken map only loses the inline flags; the attachments are still kept.
    }
  }
  const attachments = [];
  let index = 0;
  for (const file of form.files.filter((f) => f.field.startsWith('attachment'))) {
    index += 1;
    const cid = cids.get(file.field);
    attachments.push(
      await toAttachment(
        {
          id: `${key}/${index}`.slice(0, 500),
          filename: file.filename,
          contentType: file.contentType,
          contentId: cid,
          inline: cid !== undefined,
          content: file.content,
        },
        options.attachmentSink,
      ),
    );
  }
  const sender = fromAddress(form.fields.get('from') ?? headers.get('from'));
  const senderAddress = sender.address ?? form.fields.get('sender');
  return toInboundMessage({
    provider: 'mailgun',
    fromAddress: senderAddress,
    fromName: sender.name,
    senderVerified: dkimPassFromMailgun(field('X-Mailgun-Dkim-Check-Result')),
    to: recipient,
    subject: form.fields.get('subject') ?? headers.get('subject'),
    text: form.fields.get('body-plain'),
    html: form.fields.get('body-html'),
    messageId,
    inReplyTo: field('In-Reply-To'),
    references: field('References'),
    date: field('Date'),
    attachments,
    headers,
    receivedAt,
    fallbackId: () => key,
    metadata: {},
  });
}

/** Options for {@link parseMailgunEvent}. */
export interface MailgunEventOptions extends InboundWebhookRequest {
  seenTokens?: SeenTokenStore;
}

// `accepted` is Mailgun taking the message for delivery: what `sent` means in a delivery record.
const EVENT_STATES: Record<string, InboundStatus['state'] | undefined> = {
  accepted: 'sent',
  delivered: 'delivered',
  opened: 'read',
};

/**
 * Verifies and normalises a Mailgun event webhook (JSON, `signature` + `event-data`) about a
 * message we sent: `accepted` → sent, `delivered` → delivered, `opened` → read, a permanent
 * `failed` → failed. Resolves `undefined` for events that say nothing about delivery (clicks,
 * temporary failures Mailgun retries itself). The provider id is the message's `Message-ID`,
 * which is what {@link createSmtpSender} records.
 */
export async function parseMailgunEvent(options: MailgunEventOptions): Promise<InboundStatus | undefined> {
  await verifyOrThrow(
    'mailgun',
    { headers: { 'content-type': 'application/json' }, rawBody: options.rawBody },
    options,
  );
  let data: Record<string, unknown>;
  try {
    const parsed = JSON.parse(bodyBytes(options.rawBody).toString('utf8')) as Record<string, unknown>;
    data = parsed['event-data'] as Record<string, unknown>;
    if (!data || typeof data !== 'object') throw new Error('no event-data');
  } catch (cause) {
    throw new ThreadlineError('VALIDATION', 'mailgun: event body has no event-data', {
      cause,
      issues: [{ path: ['event-data'], message: 'missing', code: 'custom' }],
      details: { status: 400 },
    });
  }
  const event = String(data.event ?? '');
  let state = EVENT_STATES[event];
  if (event === 'failed') state = data.severity === 'permanent' ? 'failed' : undefined;
  if (state === undefined) return undefined;
  const message = data.message as { headers?: Record<string, unknown> } | undefined;
  const id = normaliseMessageId(String(message?.headers?.['message-id'] ?? ''));
  const seconds = typeof data.timestamp === 'number' ? data.timestamp : Number.NaN;
  const status = {
    kind: 'status' as const,
    channel: 'email' as const,
    provider: 'mailgun',
    occurredAt:
      Number.isFinite(seconds) && seconds >= 0 ? Math.round(seconds * 1000) : toMillis(options.now, 'now'),
    providerMessageId: id,
    state,
    ...(typeof data.recipient === 'string' && data.recipient ? { to: data.recipient } : {}),
    ...(state === 'failed'
      ? {
          error: {
            code: String((data['delivery-status'] as { code?: unknown } | undefined)?.code ?? 'failed'),
            message: String((data['delivery-status'] as { message?: unknown } | undefined)?.message ?? ''),
          },
        }
      : {}),
    metadata: typeof data.id === 'string' ? { eventId: data.id } : {},
  };
  return parseInput(InboundStatusSchema, status, 'mailgun event');
}
