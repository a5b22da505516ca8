import { parseInput } from '@threadline/core';
import { z } from 'zod';

/** Who wrote a conversation message. */
export type Speaker = 'customer' | 'agent' | 'bot' | 'system';

const SpeakerSchema = z.enum(['customer', 'agent', 'bot', 'system']);

const SimpleMessageSchema = z
  .object({
    speaker: SpeakerSchema,
    text: z.string().max(1_000_000),
    /** Epoch milliseconds when the message was sent (needed for response times). */
    at: z.number().finite().optional(),
    id: z.string().min(1).optional(),
  })
  .strict();

const CoreMessageSchema = z.looseObject({
  id: z.string().min(1).optional(),
  author: z.looseObject({ kind: SpeakerSchema }),
  body: z.string().max(1_000_000),
  sentAt: z.number().finite().optional(),
});

/**
 * Zod schema for a conversation message: either the simple form `{ speaker, text, at? }` or a core
 * `Message`-like object `{ author: { kind }, body, sentAt }` (extra fields allowed).
 */
export const ConversationMessageSchema = z.union([SimpleMessageSchema, CoreMessageSchema]);

/** A conversation message accepted by the conversation, QA and knowledge functions. */
export type ConversationMessage = z.input<typeof ConversationMessageSchema>;

/** A message after normalisation. */
export interface NormalizedMessage {
  readonly index: number;
  readonly speaker: Speaker;
  readonly text: string;
  readonly at: number | undefined;
  readonly id: string | undefined;
}

/** Validates and normalises a list of conversation messages (internal helper). */
export function normalizeMessages(messages: unknown, what = 'messages'): NormalizedMessage[] {
  const parsed = parseInput(z.array(ConversationMessageSchema), messages, what);
  return parsed.map((m, index) => {
    if ('author' in m && 'body' in m) {
      const c = m as z.output<typeof CoreMessageSchema>;
      return { index, speaker: c.author.kind, text: c.body, at: c.sentAt, id: c.id };
    }
    const s = m as z.output<typeof SimpleMessageSchema>;
    return { index, speaker: s.speaker, text: s.text, at: s.at, id: s.id };
  });
}
