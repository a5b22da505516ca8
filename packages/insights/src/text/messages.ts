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

const MessageListSchema = z.array(ConversationMessageSchema);
const SPEAKERS: ReadonlySet<unknown> = new Set(SpeakerSchema.options);
const SIMPLE_KEYS: ReadonlySet<string> = new Set(['speaker', 'text', 'at', 'id']);

function isPlain(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype;
}

const isText = (v: unknown): v is string => typeof v === 'string' && v.length <= 1_000_000;
const isOptionalAt = (v: unknown): v is number | undefined =>
  v === undefined || (typeof v === 'number' && Number.isFinite(v));
const isOptionalId = (v: unknown): v is string | undefined =>
  v === undefined || (typeof v === 'string' && v.length >= 1);

/**
 * One message normalised by hand when it is a plain object that one of the union's branches
 * accepts — the simple form first, as zod's union tries it — or `undefined` (zod then decides).
 */
function plainMessage(m: unknown, index: number): NormalizedMessage | undefined {
  if (!isPlain(m)) return undefined;
  let simple = true;
  for (const key in m) if (!SIMPLE_KEYS.has(key)) simple = false;
  if (simple && SPEAKERS.has(m.speaker) && isText(m.text) && isOptionalAt(m.at) && isOptionalId(m.id))
    return { index, speaker: m.speaker as Speaker, text: m.text, at: m.at, id: m.id };
  const author = m.author;
  if (
    isPlain(author) &&
    SPEAKERS.has(author.kind) &&
    isText(m.body) &&
    isOptionalAt(m.sentAt) &&
    isOptionalId(m.id)
  )
    return { index, speaker: author.kind as Speaker, text: m.body, at: m.sentAt, id: m.id };
  return undefined;
}

/** Validates and normalises a list of conversation messages (internal helper). */
export function normalizeMessages(messages: unknown, what = 'messages'): NormalizedMessage[] {
  // The common shapes are checked by hand with the schema's rules; anything else goes to zod,
  // which decides and names the field.
  if (Array.isArray(messages)) {
    const out: NormalizedMessage[] = [];
    for (let i = 0; i < messages.length; i++) {
      const m = i in messages ? plainMessage(messages[i], i) : undefined;
      if (m === undefined) break;
      out.push(m);
    }
    if (out.length === messages.length) return out;
  }
  const parsed = parseInput(MessageListSchema, messages, what);
  return parsed.map((m, index) => {
    if ('author' in m && 'body' in m) {
      const c = m as z.output<typeof CoreMessageSchema>;
      return { index, speaker: c.author.kind, text: c.body, at: c.sentAt, id: c.id };
    }
    const s = m as z.output<typeof SimpleMessageSchema>;
    return { index, speaker: s.speaker, text: s.text, at: s.at, id: s.id };
  });
}
