import { z } from 'zod';
import type { ClientFrame } from './protocol.js';

const AttachmentSchema = z
  .object({
    url: z.string().url().max(4000),
    contentType: z.string().min(1).max(255),
    filename: z.string().min(1).max(1000).optional(),
    size: z.number().int().nonnegative().optional(),
  })
  .strict();

/** Zod schema of a client frame (internal): checked once, at the socket. */
export const ClientFrameSchema = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('hello'),
      token: z.string().min(1).max(8192),
      ack: z.number().int().nonnegative(),
    })
    .strict(),
  z
    .object({
      type: z.literal('message'),
      id: z.string().min(1).max(200),
      text: z.string().max(100_000),
      attachments: z.array(AttachmentSchema).max(20).optional(),
    })
    .strict(),
  z.object({ type: z.literal('typing'), state: z.enum(['started', 'stopped']) }).strict(),
  z.object({ type: z.literal('ack'), seq: z.number().int().nonnegative() }).strict(),
  z.object({ type: z.literal('read'), id: z.string().min(1).max(200) }).strict(),
]);

/** Parses one text frame; `undefined` when it is not JSON or not the protocol (internal). */
export function parseClientFrame(data: string): ClientFrame | undefined {
  let json: unknown;
  try {
    json = JSON.parse(data);
  } catch {
    return undefined;
  }
  const result = ClientFrameSchema.safeParse(json);
  return result.success ? (result.data as ClientFrame) : undefined;
}
