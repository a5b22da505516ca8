import { parseInput, ThreadlineError } from '@threadline/core';
import type { InboundAttachment, InboundMessage } from '@threadline/core/channels';
import { InboundMessageSchema } from '@threadline/core/channels';
import { parseMessageIds } from './messageId.js';
import { splitReply } from './quoted.js';
import { splitSignature } from './signature.js';

/** What every email source (raw MIME, Mailgun, SendGrid) knows about one message (internal). */
export interface EmailFields {
  provider: string;
  fromAddress: string | undefined;
  fromName: string | undefined;
  /** A trusted check (DKIM of the From domain) vouches for the sender address. */
  senderVerified: boolean;
  /** Our inbox it arrived at. */
  to: string | undefined;
  subject: string | undefined;
  text: string | undefined;
  html: string | undefined;
  messageId: string | undefined;
  inReplyTo: string | undefined;
  references: string | undefined;
  /** The `Date` header, as sent. */
  date: string | undefined;
  attachments: InboundAttachment[];
  /** Lower-cased header names to values, for auto-reply detection. */
  headers: Map<string, string>;
  receivedAt: number;
  /** Used for a Message-ID when the mail has none: a digest of its bytes, so a redelivery dedupes. */
  fallbackId: () => string;
  metadata: Record<string, unknown>;
}

const EMAIL = /^[^\s@<>]+@[^\s@<>]+$/;

/** Whether the headers mark the mail as automatic (RFC 3834 `Auto-Submitted`, `Precedence`, vendor flags). */
export function isAutomatic(headers: Map<string, string>): boolean {
  const auto = headers.get('auto-submitted')?.trim().toLowerCase();
  if (auto !== undefined && auto !== '' && auto !== 'no') return true;
  const precedence = headers.get('precedence')?.trim().toLowerCase();
  if (precedence === 'bulk' || precedence === 'auto_reply' || precedence === 'junk') return true;
  return headers.has('x-autoreply') || headers.has('x-autorespond');
}

function validation(path: string, message: string): ThreadlineError {
  return new ThreadlineError('VALIDATION', `email: ${message}`, {
    issues: [{ path: [path], message, code: 'custom' }],
    details: { status: 400 },
  });
}

/** Whether the mail is a bounce: a delivery status notification (RFC 3464) or from a mailer daemon. */
export function isBounce(headers: Map<string, string>, from: string): boolean {
  const type = headers.get('content-type')?.toLowerCase() ?? '';
  if (type.startsWith('multipart/report') && type.includes('delivery-status')) return true;
  const local = from.slice(0, from.indexOf('@'));
  return local === 'mailer-daemon' || local === 'postmaster';
}

/**
 * Turns the fields of one email into core's normalised message: the sender's address as an
 * `email` identity, the subject, text and HTML, attachments by reference, the Message-ID as the
 * provider id and `In-Reply-To`/`References` threading with the root id as `threadKey`.
 * Throws `VALIDATION` (with the field's path) when there is no usable sender or recipient.
 */
export function toInboundMessage(fields: EmailFields): InboundMessage {
  const from = fields.fromAddress?.trim().toLowerCase();
  if (from === undefined || from === '' || !EMAIL.test(from) || from.length > 1000) {
    throw validation('from', 'no sender address');
  }
  const to = fields.to?.trim();
  if (to === undefined || to === '' || to.length > 1000) throw validation('to', 'no recipient address');
  const providerMessageId = parseMessageIds(fields.messageId)[0] ?? fields.fallbackId();
  const references = parseMessageIds(fields.references);
  const inReplyTo = parseMessageIds(fields.inReplyTo)[0];
  // The root of the thread: the oldest reference, else what it replies to, else itself.
  const threadKey = references[0] ?? inReplyTo ?? providerMessageId;
  const dated = fields.date === undefined ? Number.NaN : Date.parse(fields.date);
  const occurredAt = Number.isFinite(dated) && dated >= 0 ? dated : fields.receivedAt;
  const name = fields.fromName?.trim();
  const metadata: Record<string, unknown> = { ...fields.metadata, receivedAt: fields.receivedAt };
  // Plus-addressing: `support+case-42@acme.test` carries `case-42`, which a host can use to
  // thread a reply to a case even when the customer's client dropped the threading headers.
  const plus = /^[^@+]+\+([^@]+)@/.exec(to)?.[1];
  if (plus) metadata.plusTag = plus;
  // `text` keeps the quoted history and the signature (core's contract); the new words go
  // alongside in `replyText`, the signature in `signature`. A provider's own stripped reply
  // (Postmark's StrippedTextReply) comes in as `replyText` and only loses its signature.
  const given = typeof metadata.replyText === 'string' ? metadata.replyText : undefined;
  if (given !== undefined || fields.text) {
    const split = given !== undefined ? splitSignature(given) : splitReply(fields.text ?? '');
    if (split.signature !== undefined) metadata.signature = split.signature.slice(0, 10_000);
    if (split.text !== (fields.text ?? '').trim()) metadata.replyText = split.text;
    else delete metadata.replyText;
  }
  // Auto-replies and bounces are kept (never dropped) but flagged, so hosts do not route them
  // as customer messages.
  if (isBounce(fields.headers, from)) {
    metadata.bounce = true;
    metadata.automatic = true;
  } else if (isAutomatic(fields.headers)) metadata.automatic = true;
  const input = {
    kind: 'message' as const,
    channel: 'email' as const,
    provider: fields.provider,
    occurredAt,
    threadKey,
    metadata,
    providerMessageId,
    from: {
      identities: [
        { kind: 'email' as const, value: from, verified: fields.senderVerified, channel: 'email' as const },
      ],
      ...(name ? { displayName: name.slice(0, 1000) } : {}),
    },
    to,
    text: fields.text ?? '',
    ...(fields.subject !== undefined ? { subject: fields.subject } : {}),
    ...(fields.html !== undefined ? { html: fields.html } : {}),
    attachments: fields.attachments,
    ...(inReplyTo !== undefined ? { inReplyTo } : {}),
    references,
  };
  return parseInput(InboundMessageSchema, input, 'email message');
}
