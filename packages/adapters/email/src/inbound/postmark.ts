import { type BasicAuthCredentials, checkBasicAuth, type HeadersInput } from '@threadline/adapter-webhooks';
import { type Instant, parseInput, ThreadlineError, toMillis } from '@threadline/core';
import type { InboundMessage } from '@threadline/core/channels';
import { z } from 'zod';
import { type AttachmentSink, toAttachment } from '../attachments.js';
import { dkimPassFromHeaders } from '../authentication.js';
import { toInboundMessage } from '../normalise.js';
import { bodyBytes } from './webhook.js';

/** Options for {@link parsePostmarkInbound}. */
export interface PostmarkInboundOptions {
  /** The request headers (plain object, Fetch `Headers` or Node's `IncomingHttpHeaders`). */
  headers: HeadersInput;
  /** The body exactly as received (what `fromNodeRequest`/`fromFetchRequest` return). */
  rawBody: Uint8Array | string;
  /** The current instant: `receivedAt` of the message. */
  now: Instant;
  /**
   * The credentials you put in the webhook URL (`https://user:pass@…`); a list during a rotation.
   * Postmark signs nothing: without `basicAuth` the host must restrict the endpoint to Postmark's
   * published IP addresses itself. Omitting both leaves the endpoint open to anyone.
   */
  basicAuth?: BasicAuthCredentials | readonly BasicAuthCredentials[];
  /**
   * The authserv-id of an `Authentication-Results` header you trust (your own MTA in front of
   * Postmark, or Postmark's when you have confirmed it): a DKIM pass aligned with the sender
   * there makes the sender address verified. Without it, senders are never verified.
   */
  authservId?: string;
  /** Where attachment bytes go; without it only their metadata is kept. */
  attachmentSink?: AttachmentSink;
  /** The largest decoded attachment accepted (default 25 MiB); a larger one is `CAPACITY` (413). */
  maxAttachmentBytes?: number;
}

const Address = z.object({
  Email: z.string().max(1000),
  Name: z.string().max(1000).optional(),
  MailboxHash: z.string().max(1000).optional(),
});

/** The fields of Postmark's inbound webhook JSON that Threadline reads (others are ignored). */
const PostmarkInboundSchema = z.object({
  From: z.string().max(2000).optional(),
  FromName: z.string().max(1000).optional(),
  FromFull: Address,
  To: z.string().max(10_000).optional(),
  ToFull: z.array(Address).max(1000).optional(),
  OriginalRecipient: z.string().max(1000).optional(),
  Subject: z.string().max(10_000).optional(),
  MessageID: z.string().min(1).max(1000),
  MessageStream: z.string().max(200).optional(),
  MailboxHash: z.string().max(1000).optional(),
  Date: z.string().max(200).optional(),
  TextBody: z.string().optional(),
  HtmlBody: z.string().optional(),
  StrippedTextReply: z.string().optional(),
  Tag: z.string().max(1000).optional(),
  Headers: z
    .array(z.object({ Name: z.string().max(1000), Value: z.string().max(100_000) }))
    .max(10_000)
    .optional(),
  Attachments: z
    .array(
      z.object({
        Name: z.string().max(1000).optional(),
        Content: z.string(),
        ContentType: z.string().max(255).optional(),
        ContentLength: z.number().int().nonnegative().optional(),
        ContentID: z.string().max(1000).optional(),
      }),
    )
    .max(1000)
    .optional(),
});

const BASE64 = /^[A-Za-z0-9+/\r\n]*={0,2}\s*$/;

function unauthenticated(reason: string): ThreadlineError {
  return new ThreadlineError('UNAUTHENTICATED_WEBHOOK', `postmark: basic auth failed: ${reason}`, {
    details: { provider: 'postmark', reason, status: 401 },
  });
}

/**
 * Authenticates and normalises a Postmark inbound webhook (JSON with `FromFull`, `Subject`,
 * `TextBody`, `HtmlBody`, `StrippedTextReply`, `Headers`, `Attachments`, `MessageID`; see
 * https://postmarkapp.com/developer/webhooks/inbound-webhook). Postmark does not sign its posts:
 * give `basicAuth` (the credentials in the webhook URL, compared in constant time) and/or allow
 * only Postmark's IP addresses in front of the endpoint. Threading uses the `Message-ID`,
 * `In-Reply-To` and `References` found in `Headers`; Postmark's own `MessageID` is the fallback
 * provider id and is kept as `metadata.postmarkMessageId`. `StrippedTextReply` (Postmark's
 * reply stripping) becomes `metadata.replyText` when present. Attachments arrive base64 in the
 * JSON: each is decoded, handed to the `attachmentSink` and referenced by metadata.
 *
 * Errors: bad credentials are `UNAUTHENTICATED_WEBHOOK` (401), a body that is not Postmark's
 * JSON `VALIDATION` (400) with the field's path, an attachment above `maxAttachmentBytes`
 * `CAPACITY` (413) — `httpStatusOf` from adapter-webhooks maps them. Postmark retries any
 * non-200 answer (ten times, with growing intervals) and stops on 403.
 *
 * @example
 * ```ts
 * import { parsePostmarkInbound } from '@threadline/adapter-email';
 * import { fromNodeRequest, httpStatusOf } from '@threadline/adapter-webhooks';
 *
 * const request = await fromNodeRequest(req, { maxBytes: 40 * 1024 * 1024 });
 * try {
 *   const message = await parsePostmarkInbound({
 *     ...request,
 *     now: Date.now(),
 *     basicAuth: { username: 'postmark', password: hookPassword },
 *   });
 *   await route(message);
 *   res.writeHead(200).end();
 * } catch (error) {
 *   res.writeHead(httpStatusOf(error)).end();
 * }
 * ```
 */
export async function parsePostmarkInbound(options: PostmarkInboundOptions): Promise<InboundMessage> {
  if (options.basicAuth !== undefined) {
    const auth = checkBasicAuth(options.headers, options.basicAuth);
    if (!auth.valid) throw unauthenticated(auth.reason);
  }
  const body = bodyBytes(options.rawBody);
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch (cause) {
    throw new ThreadlineError('VALIDATION', 'postmark: the body is not JSON', {
      cause,
      issues: [{ path: ['body'], message: 'not JSON', code: 'invalid_json' }],
      details: { status: 400 },
    });
  }
  const post = parseInput(PostmarkInboundSchema, json, 'Postmark inbound webhook');
  const receivedAt = toMillis(options.now, 'now');
  const headers = new Map<string, string>();
  const authResults: string[] = [];
  for (const { Name, Value } of post.Headers ?? []) {
    const key = Name.toLowerCase();
    if (key === 'authentication-results') authResults.push(Value);
    if (!headers.has(key)) headers.set(key, Value);
  }
  const maxBytes = options.maxAttachmentBytes ?? 25 * 1024 * 1024;
  const fallback = `${post.MessageID}@inbound.postmarkapp.com`;
  const attachments = [];
  let index = 0;
  for (const file of post.Attachments ?? []) {
    index += 1;
    // Base64 is 4 characters per 3 bytes: refuse before decoding anything too large.
    if (Math.floor((file.Content.length * 3) / 4) > maxBytes + 3 || !BASE64.test(file.Content)) {
      const tooLarge = BASE64.test(file.Content);
      throw new ThreadlineError(
        tooLarge ? 'CAPACITY' : 'VALIDATION',
        tooLarge
          ? `postmark: attachment ${index} is larger than ${maxBytes} bytes`
          : 'postmark: attachment content is not base64',
        {
          issues: [
            {
              path: ['Attachments', index - 1, 'Content'],
              message: tooLarge ? 'too large' : 'not base64',
              code: 'custom',
            },
          ],
          details: { status: tooLarge ? 413 : 400 },
        },
      );
    }
    const content = Buffer.from(file.Content, 'base64');
    const cid = file.ContentID?.trim() || undefined;
    attachments.push(
      await toAttachment(
        {
          id: `${headers.get('message-id')?.replace(/^<|>$/g, '') ?? fallback}/${index}`.slice(0, 500),
          filename: file.Name,
          contentType: file.ContentType ?? 'application/octet-stream',
          contentId: cid,
          inline: cid !== undefined,
          content,
        },
        options.attachmentSink,
      ),
    );
  }
  const from = post.FromFull.Email;
  const to = post.OriginalRecipient || post.ToFull?.[0]?.Email;
  const metadata: Record<string, unknown> = { postmarkMessageId: post.MessageID };
  if (post.MessageStream) metadata.messageStream = post.MessageStream;
  if (post.Tag) metadata.tag = post.Tag;
  const stripped = post.StrippedTextReply?.trim();
  if (stripped) metadata.replyText = stripped;
  return toInboundMessage({
    provider: 'postmark',
    fromAddress: from,
    fromName: post.FromFull.Name ?? post.FromName,
    senderVerified:
      options.authservId !== undefined && dkimPassFromHeaders(authResults, options.authservId, from),
    to,
    subject: post.Subject,
    text: post.TextBody,
    html: post.HtmlBody,
    messageId: headers.get('message-id'),
    inReplyTo: headers.get('in-reply-to'),
    references: headers.get('references'),
    date: post.Date ?? headers.get('date'),
    attachments,
    headers,
    receivedAt,
    fallbackId: () => fallback,
    metadata,
  });
}
