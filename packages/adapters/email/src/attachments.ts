import type { InboundAttachment } from '@threadline/core/channels';

/**
 * One attachment, handed to an {@link AttachmentSink} while a mail is normalised.
 *
 * Read large parts with `stream()`: a part whose encoded body is over `parseEmail`'s
 * `maxAttachmentBytes` is decoded from the raw message chunk by chunk as you iterate, and never
 * held whole. `content` is the whole decoded part; for such a large part it is decoded (whole,
 * into memory) only when you read it, so a sink written before `stream()` existed keeps working.
 */
export interface AttachmentFile {
  /** The message's provider id and the attachment's position: a stable reference. */
  id: string;
  filename: string | undefined;
  contentType: string;
  contentId: string | undefined;
  inline: boolean;
  /** The decoded size in bytes. */
  size: number;
  /** The decoded bytes, whole (for a large part: decoded on first read — prefer `stream()`). */
  readonly content: Uint8Array;
  /** The decoded bytes in chunks (at most 64 KiB each for a large part); each call starts over. */
  stream(): AsyncIterable<Uint8Array>;
}

/**
 * Where the host keeps attachment bytes (object storage, a blob table). It returns the reference
 * the normalised message carries (`id` and/or `url`). Without a sink the bytes are not kept: the
 * message carries metadata only (name, type, size, content id, inline).
 *
 * @example
 * ```ts
 * import { createWriteStream } from 'node:fs';
 * import type { AttachmentSink } from '@threadline/adapter-email';
 *
 * const sink: AttachmentSink = async (file) => {
 *   const out = createWriteStream(`/var/blobs/${encodeURIComponent(file.id)}`);
 *   for await (const chunk of file.stream()) out.write(chunk);
 *   await new Promise((done) => out.end(done));
 *   return { id: file.id };
 * };
 * ```
 */
export type AttachmentSink = (file: AttachmentFile) => Promise<{ id?: string; url?: string } | undefined>;

/** An attachment as the parsers know it: its whole bytes (small) or a decoder over the raw message (large) (internal). */
export type AttachmentSource = Omit<AttachmentFile, 'size' | 'content' | 'stream'> &
  ({ content: Uint8Array } | { size: number; chunks: () => Iterable<Uint8Array> });

function fileOf(source: AttachmentSource): AttachmentFile {
  const { id, filename, contentType, contentId, inline } = source;
  const meta = { id, filename, contentType, contentId, inline };
  if ('content' in source) {
    const content = source.content;
    return {
      ...meta,
      size: content.byteLength,
      content,
      async *stream() {
        yield content;
      },
    };
  }
  const { size, chunks } = source;
  let whole: Uint8Array | undefined;
  return {
    ...meta,
    size,
    get content() {
      if (whole === undefined) {
        whole = new Uint8Array(size);
        let at = 0;
        for (const chunk of chunks()) {
          whole.set(chunk, at);
          at += chunk.byteLength;
        }
      }
      return whole;
    },
    async *stream() {
      for (const chunk of chunks()) yield chunk;
    },
  };
}

/** Builds the normalised attachment for one part, storing its bytes through the sink when there is one (internal). */
export async function toAttachment(
  source: AttachmentSource,
  sink: AttachmentSink | undefined,
): Promise<InboundAttachment> {
  const file = fileOf(source);
  const stored = sink ? await sink(file) : undefined;
  const attachment: InboundAttachment = {
    id: stored?.id ?? file.id,
    contentType: (file.contentType || 'application/octet-stream').slice(0, 255),
    size: file.size,
    inline: file.inline,
  };
  if (stored?.url) attachment.url = stored.url;
  if (file.filename) attachment.filename = file.filename.slice(0, 1000);
  const cid = file.contentId?.replace(/^<|>$/g, '').trim();
  if (cid) attachment.contentId = cid.slice(0, 1000);
  return attachment;
}
