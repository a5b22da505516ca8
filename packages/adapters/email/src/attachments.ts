import type { InboundAttachment } from '@threadline/core/channels';

/** One attachment's bytes, handed to an {@link AttachmentSink} while a mail is normalised. */
export interface AttachmentFile {
  /** The message's provider id and the attachment's position: a stable reference. */
  id: string;
  filename: string | undefined;
  contentType: string;
  contentId: string | undefined;
  inline: boolean;
  content: Uint8Array;
}

/**
 * Where the host keeps attachment bytes (object storage, a blob table). It returns the reference
 * the normalised message carries (`id` and/or `url`). Without a sink the bytes are not kept: the
 * message carries metadata only (name, type, size, content id, inline).
 */
export type AttachmentSink = (file: AttachmentFile) => Promise<{ id?: string; url?: string } | undefined>;

/** Builds the normalised attachment for one part, storing its bytes through the sink when there is one (internal). */
export async function toAttachment(
  file: AttachmentFile,
  sink: AttachmentSink | undefined,
): Promise<InboundAttachment> {
  const stored = sink ? await sink(file) : undefined;
  const attachment: InboundAttachment = {
    id: stored?.id ?? file.id,
    contentType: (file.contentType || 'application/octet-stream').slice(0, 255),
    size: file.content.byteLength,
    inline: file.inline,
  };
  if (stored?.url) attachment.url = stored.url;
  if (file.filename) attachment.filename = file.filename.slice(0, 1000);
  const cid = file.contentId?.replace(/^<|>$/g, '').trim();
  if (cid) attachment.contentId = cid.slice(0, 1000);
  return attachment;
}
