import { createHash } from 'node:crypto';
import { ThreadlineError, toMillis } from '@threadline/core';
import type { InboundMessage } from '@threadline/core/channels';
import { addressParser } from 'postal-mime';
import { type AttachmentSink, toAttachment } from '../attachments.js';
import { dkimPassFromSendGrid } from '../authentication.js';
import { normaliseMessageId } from '../messageId.js';
import { toInboundMessage } from '../normalise.js';
import { parseEmail } from '../parse.js';
import { type FormLimits, readForm } from './multipart.js';
import { bodyBytes, header, type InboundWebhookRequest, verifyOrThrow } from './webhook.js';

/** Options for {@link parseSendGridInbound}. */
export interface SendGridInboundOptions extends InboundWebhookRequest, FormLimits {
  attachmentSink?: AttachmentSink;
}

/** Unfolds a raw header block into lower-cased names → first value (internal). */
function headerBlock(text: string | undefined): Map<string, string> {
  const map = new Map<string, string>();
  if (!text) return map;
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  let current: string | undefined;
  const commit = () => {
    if (current === undefined) return;
    const colon = current.indexOf(':');
    if (colon > 0) {
      const key = current.slice(0, colon).trim().toLowerCase();
      if (!map.has(key)) map.set(key, current.slice(colon + 1).trim());
    }
  };
  for (const line of lines) {
    if (/^[ \t]/.test(line) && current !== undefined) current += ` ${line.trim()}`;
    else {
      commit();
      current = line;
    }
  }
  commit();
  return map;
}

function firstAddress(value: string | undefined): { address?: string; name?: string } {
  if (!value) return {};
  for (const a of addressParser(value, { flatten: true }))
    if (a.address) return { address: a.address, name: a.name };
  return {};
}

function json(value: string | undefined, field: string): Record<string, unknown> | undefined {
  if (value === undefined) return undefined;
  try {
    const parsed: unknown = JSON.parse(value);
    return parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : undefined;
  } catch (cause) {
    throw new ThreadlineError('VALIDATION', `sendgrid: ${field} is not JSON`, {
      cause,
      issues: [{ path: [field], message: 'not JSON', code: 'custom' }],
      details: { status: 400 },
    });
  }
}

/**
 * Verifies and normalises a SendGrid Inbound Parse post (`multipart/form-data`). The signature is
 * SendGrid's signed-webhook scheme (ECDSA P-256 over timestamp + raw body, headers
 * `X-Twilio-Email-Event-Webhook-Signature`/`-Timestamp`), checked with the verification public
 * key. With "POST the raw, full MIME message" on, the `email` field is parsed like raw MIME;
 * otherwise SendGrid's fields are mapped (`from`, `to`/`envelope`, `subject`, `text`, `html`,
 * `headers` for Message-ID and threading, `attachmentN` with `attachment-info`).
 *
 * @example
 * ```ts
 * import { parseSendGridInbound } from '@threadline/adapter-email';
 * import { fromFetchRequest } from '@threadline/adapter-webhooks';
 *
 * async function onSendGrid(request: Request) {
 *   const { headers, rawBody } = await fromFetchRequest(request, { maxBytes: 30 * 1024 * 1024 });
 *   return parseSendGridInbound({ headers, rawBody, secret: 'MFkwEwYHKoZIzj0CAQYI…', now: Date.now() });
 * }
 * ```
 */
export async function parseSendGridInbound(options: SendGridInboundOptions): Promise<InboundMessage> {
  await verifyOrThrow('sendgrid', options, options);
  const body = bodyBytes(options.rawBody);
  const form = await readForm(header(options.headers, 'content-type'), body, options);
  const receivedAt = toMillis(options.now, 'now');
  const envelope = json(form.fields.get('envelope'), 'envelope');
  const envelopeTo =
    Array.isArray(envelope?.to) && typeof envelope.to[0] === 'string' ? envelope.to[0] : undefined;
  const recipient = envelopeTo ?? firstAddress(form.fields.get('to')).address;
  const raw = form.fields.get('email');
  if (raw !== undefined) {
    const message = await parseEmail(raw, {
      receivedAt,
      provider: 'sendgrid',
      ...(recipient ? { to: recipient } : {}),
      ...(options.attachmentSink ? { attachmentSink: options.attachmentSink } : {}),
    });
    const identity = message.from.identities[0];
    if (identity && dkimPassFromSendGrid(form.fields.get('dkim'), identity.value)) identity.verified = true;
    return message;
  }
  const headers = headerBlock(form.fields.get('headers'));
  const messageId = headers.get('message-id');
  const key =
    normaliseMessageId(messageId) ??
    `${createHash('sha256').update(body).digest('hex').slice(0, 40)}@threadline.invalid`;
  const info = json(form.fields.get('attachment-info'), 'attachment-info') ?? {};
  const attachments = [];
  let index = 0;
  for (const file of form.files.filter((f) => /^attachment\d+$/.test(f.field))) {
    index += 1;
    const meta = (info[file.field] ?? {}) as Record<string, unknown>;
    const cid = typeof meta['content-id'] === 'string' ? meta['content-id'] : undefined;
    attachments.push(
      await toAttachment(
        {
          id: `${key}/${index}`.slice(0, 500),
          filename: (typeof meta.filename === 'string' ? meta.filename : undefined) ?? file.filename,
          contentType: (typeof meta.type === 'string' ? meta.type : undefined) ?? file.contentType,
          contentId: cid,
          inline: cid !== undefined,
          content: file.content,
        },
        options.attachmentSink,
      ),
    );
  }
  const sender = firstAddress(form.fields.get('from') ?? headers.get('from'));
  const spf = form.fields.get('SPF');
  return toInboundMessage({
    provider: 'sendgrid',
    fromAddress: sender.address,
    fromName: sender.name,
    senderVerified:
      sender.address !== undefined && dkimPassFromSendGrid(form.fields.get('dkim'), sender.address),
    to: recipient,
    subject: form.fields.get('subject'),
    text: form.fields.get('text'),
    html: form.fields.get('html'),
    messageId,
    inReplyTo: headers.get('in-reply-to'),
    references: headers.get('references'),
    date: headers.get('date'),
    attachments,
    headers,
    receivedAt,
    fallbackId: () => key,
    metadata: spf ? { spf } : {},
  });
}
