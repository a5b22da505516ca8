import { createHash } from 'node:crypto';
import { type Instant, ThreadlineError, toMillis } from '@threadline/core';
import type { InboundMessage } from '@threadline/core/channels';
import PostalMime, { type Address } from 'postal-mime';
import { type AttachmentSink, type AttachmentSource, toAttachment } from './attachments.js';
import { dkimPassFromHeaders } from './authentication.js';
import { repairWindows1252 } from './c1.js';
import { type LargePart, type Skeleton, skeletonOf } from './largeParts.js';
import { toInboundMessage } from './normalise.js';
import { decodedChunks, decodedSize } from './transferDecode.js';

/** Options for {@link parseEmail}. */
export interface ParseEmailOptions {
  /** When the mail reached us (epoch ms or `Date`); `occurredAt` when the mail has no usable `Date`. */
  receivedAt: Instant;
  /** Our inbox it was delivered to (the SMTP envelope recipient); defaults to the first `To`/`Delivered-To`. */
  to?: string;
  /** Which provider or source to record (default `email`). */
  provider?: string;
  /** Where attachment bytes go; without it only their metadata is kept. */
  attachmentSink?: AttachmentSink;
  /**
   * The authserv-id of your own MTA (e.g. `mx.acme.test`): its `Authentication-Results` header
   * reporting a DKIM pass for the `From` domain marks the sender address verified. Without it no
   * raw mail's sender counts as verified.
   */
  trustedAuthServId?: string;
  /** Larger input is refused with `CAPACITY` before parsing (default 40 MiB). */
  maxBytes?: number;
  /**
   * A part whose encoded body is larger than this many bytes (default 5 MiB; a positive
   * integer) is not decoded whole: it becomes an attachment from its headers, its size is counted
   * from the encoded body, and an `attachmentSink` reads its bytes decoded chunk by chunk from
   * `file.stream()`. Text and HTML bodies are always decoded.
   */
  maxAttachmentBytes?: number;
}

const DEFAULT_MAX_BYTES = 40 * 1024 * 1024;
const DEFAULT_MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024;

type Parsed = Awaited<ReturnType<typeof PostalMime.parse>>;

function invalidOption(path: string, message: string): ThreadlineError {
  return new ThreadlineError('VALIDATION', `email: ${message}`, {
    issues: [{ path: [path], message, code: 'custom' }],
    details: { status: 400 },
  });
}

async function postal(input: Uint8Array | ReadableStream<Uint8Array>): Promise<Parsed> {
  try {
    return await PostalMime.parse(input, { attachmentEncoding: 'arraybuffer' });
  } catch (cause) {
    throw new ThreadlineError('VALIDATION', 'email: not a parseable MIME message', {
      cause,
      issues: [{ path: ['raw'], message: 'not a parseable MIME message', code: 'custom' }],
      details: { status: 400 },
    });
  }
}

function streamOf(chunks: Uint8Array[]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(chunk);
      controller.close();
    },
  });
}

function asBytes(content: unknown): Uint8Array {
  return content instanceof Uint8Array ? content : new Uint8Array(content as ArrayBuffer);
}

/**
 * Which attachment of the skeleton's parse stands for which large part; `undefined` unless every
 * marker came back as exactly one attachment and none leaked into the text.
 */
function placeholders(parsed: Parsed, skeleton: Skeleton): Map<number, LargePart> | undefined {
  if (parsed.text?.includes(skeleton.nonce) || parsed.html?.includes(skeleton.nonce)) return undefined;
  const byMarker = new Map(skeleton.parts.map((p) => [Buffer.from(p.expected).toString('latin1'), p]));
  const found = new Map<number, LargePart>();
  const used = new Set<LargePart>();
  for (const [i, a] of parsed.attachments.entries()) {
    const content = asBytes(a.content);
    if (content.byteLength > 64) continue;
    const part = byMarker.get(Buffer.from(content).toString('latin1'));
    if (part === undefined) continue;
    if (used.has(part)) return undefined;
    used.add(part);
    found.set(i, part);
  }
  return used.size === skeleton.parts.length ? found : undefined;
}

function firstMailbox(addresses: Address | Address[] | undefined): { address?: string; name?: string } {
  const list = addresses === undefined ? [] : Array.isArray(addresses) ? addresses : [addresses];
  for (const a of list) {
    if (a.address) return { address: a.address, name: repairWindows1252(a.name) };
    for (const member of a.group ?? [])
      if (member.address) return { address: member.address, name: member.name };
  }
  return {};
}

function bytesOf(raw: Uint8Array | string): Uint8Array {
  return typeof raw === 'string' ? Buffer.from(raw, 'utf8') : raw;
}

/**
 * Parses one raw RFC 822 / MIME message (from an SMTP server or IMAP the host runs, or a
 * provider's "raw" mode) into core's normalised inbound message. Decoding — multipart,
 * transfer encodings, encoded-word subjects, charsets — is `postal-mime`'s; threading, identities
 * and attachment references are ours. Anything that is not a usable mail (no sender, no
 * recipient, bytes that are not MIME at all) is a `VALIDATION` error; nothing else is thrown.
 *
 * @example
 * ```ts
 * import { parseEmail } from '@threadline/adapter-email';
 *
 * const raw = [
 *   'From: Ada <ada@example.com>',
 *   'To: support@acme.test',
 *   'Subject: Refund',
 *   'Message-ID: <m1@example.com>',
 *   '',
 *   'Where is my refund?',
 * ].join('\r\n');
 * const message = await parseEmail(raw, { receivedAt: Date.UTC(2026, 0, 5) });
 * console.log(message.threadKey); // 'm1@example.com'
 * ```
 */
export async function parseEmail(
  raw: Uint8Array | string,
  options: ParseEmailOptions,
): Promise<InboundMessage> {
  const receivedAt = toMillis(options.receivedAt, 'receivedAt');
  if (typeof raw !== 'string' && !(raw instanceof Uint8Array)) {
    throw new ThreadlineError('VALIDATION', 'email: raw must be bytes or a string', {
      issues: [{ path: ['raw'], message: 'expected Uint8Array or string', code: 'invalid_type' }],
      details: { status: 400 },
    });
  }
  const bytes = bytesOf(raw);
  const max = options.maxBytes ?? DEFAULT_MAX_BYTES;
  if (bytes.byteLength > max) {
    throw new ThreadlineError('CAPACITY', `email: ${bytes.byteLength} bytes is over the ${max}-byte limit`, {
      details: { status: 413, size: bytes.byteLength, maxBytes: max },
    });
  }
  const limit = options.maxAttachmentBytes ?? DEFAULT_MAX_ATTACHMENT_BYTES;
  if (!Number.isSafeInteger(limit) || limit < 1) {
    throw invalidOption('maxAttachmentBytes', 'maxAttachmentBytes must be a positive integer');
  }
  // Large bodies are left out of postal-mime's input (see largeParts.ts); when the skeleton does
  // not parse back to one attachment per left-out body, the whole message is parsed instead.
  const skeleton = skeletonOf(bytes, limit);
  let parsed: Parsed | undefined;
  let large: Map<number, LargePart> | undefined;
  if (skeleton !== undefined) {
    try {
      parsed = await postal(streamOf(skeleton.chunks));
      large = placeholders(parsed, skeleton);
    } catch {
      large = undefined;
    }
    if (large === undefined) parsed = undefined;
  }
  parsed ??= await postal(bytes);
  const headers = new Map<string, string>();
  for (const h of parsed.headers) if (!headers.has(h.key)) headers.set(h.key, h.value);
  const sender = firstMailbox(parsed.from ?? parsed.sender);
  const recipient = options.to ?? firstMailbox(parsed.to).address ?? parsed.deliveredTo;
  const fallbackId = () =>
    `${createHash('sha256').update(bytes).digest('hex').slice(0, 40)}@threadline.invalid`;
  const messageKey = parsed.messageId?.replace(/^<|>$/g, '') || fallbackId();
  const attachments = [];
  let index = 0;
  for (const [i, a] of parsed.attachments.entries()) {
    index += 1;
    const part = large?.get(i);
    const meta = {
      id: `${messageKey}/${index}`.slice(0, 500),
      filename: repairWindows1252(a.filename ?? undefined),
      contentType: a.mimeType,
      contentId: a.contentId,
      inline: a.disposition === 'inline' || a.related === true,
    };
    const source: AttachmentSource =
      part === undefined
        ? { ...meta, content: asBytes(a.content) }
        : {
            ...meta,
            size: decodedSize(bytes, part.range, part.encoding),
            chunks: () => decodedChunks(bytes, part.range, part.encoding),
          };
    attachments.push(await toAttachment(source, options.attachmentSink));
  }
  const metadata: Record<string, unknown> = {};
  const cc = (parsed.cc ?? []).flatMap((a) =>
    a.address ? [a.address] : (a.group ?? []).map((m) => m.address),
  );
  if (cc.length > 0) metadata.cc = cc;
  return toInboundMessage({
    provider: options.provider ?? 'email',
    fromAddress: sender.address,
    fromName: sender.name,
    senderVerified:
      options.trustedAuthServId !== undefined &&
      sender.address !== undefined &&
      dkimPassFromHeaders(
        parsed.headers.filter((h) => h.key === 'authentication-results').map((h) => h.value),
        options.trustedAuthServId,
        sender.address,
      ),
    to: recipient,
    subject: repairWindows1252(parsed.subject),
    text: repairWindows1252(parsed.text),
    html: repairWindows1252(parsed.html),
    messageId: parsed.messageId,
    inReplyTo: parsed.inReplyTo,
    references: parsed.references,
    date: headers.get('date'),
    attachments,
    headers,
    receivedAt,
    fallbackId,
    metadata,
  });
}
