import { InboundChannelItemSchema, isThreadlineError } from '@threadline/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normaliseWhatsAppWebhook } from '../src/index.js';

const METADATA = { display_phone_number: '15550783881', phone_number_id: '106540352242922' };
const MESSAGES = [
  { from: '447700900123', id: 'wamid.1', timestamp: '1765099800', type: 'text', text: { body: 'hi' } },
  {
    from: '447700900123',
    id: 'wamid.2',
    timestamp: '1765099800',
    type: 'image',
    image: { id: 'm', mime_type: 'image/jpeg' },
  },
  {
    from: '447700900123',
    id: 'wamid.3',
    timestamp: '1765099800',
    type: 'location',
    location: { latitude: 1, longitude: 2 },
  },
  {
    from: '447700900123',
    id: 'wamid.4',
    timestamp: '1765099800',
    type: 'reaction',
    reaction: { message_id: 'w', emoji: '❤' },
  },
  {
    from: '447700900123',
    id: 'wamid.5',
    timestamp: '1765099800',
    type: 'interactive',
    interactive: { type: 'button_reply', button_reply: { id: 'a', title: 'A' } },
  },
];
const STATUS = { id: 'wamid.9', status: 'delivered', timestamp: '1765099800', recipient_id: '447700900123' };

// Replaces a random key of a random nested object with a random JSON value, or deletes it.
function mutate(value: unknown, path: number[], replacement: unknown, remove: boolean): unknown {
  if (value === null || typeof value !== 'object') return replacement;
  const copy: Record<string, unknown> | unknown[] = Array.isArray(value)
    ? [...value]
    : { ...(value as Record<string, unknown>) };
  const keys = Object.keys(copy);
  if (keys.length === 0) return replacement;
  const key = keys[(path[0] ?? 0) % keys.length] as string;
  if (path.length <= 1) {
    if (remove) delete (copy as Record<string, unknown>)[key];
    else (copy as Record<string, unknown>)[key] = replacement;
  } else {
    (copy as Record<string, unknown>)[key] = mutate(
      (copy as Record<string, unknown>)[key],
      path.slice(1),
      replacement,
      remove,
    );
  }
  return copy;
}

const valid = fc.tuple(fc.subarray(MESSAGES), fc.boolean()).map(([messages, withStatus]) => ({
  object: 'whatsapp_business_account',
  entry: [
    {
      id: 'waba',
      changes: [
        {
          field: 'messages',
          value: {
            messaging_product: 'whatsapp',
            metadata: METADATA,
            messages,
            ...(withStatus ? { statuses: [STATUS] } : {}),
          },
        },
      ],
    },
  ],
}));
const mutated = fc
  .tuple(valid, fc.array(fc.nat(20), { minLength: 1, maxLength: 8 }), fc.jsonValue(), fc.boolean())
  .map(([body, path, replacement, remove]) => mutate(body, path, replacement, remove));
const input = fc.oneof(
  mutated,
  mutated.map((b) => JSON.stringify(b)),
  fc.jsonValue(),
  fc.string(),
  fc.uint8Array({ maxLength: 200 }),
  valid,
);

describe('normaliseWhatsAppWebhook fuzz', () => {
  it('returns valid items or throws VALIDATION with a path, never anything else', () => {
    let batches = 0;
    fc.assert(
      fc.property(input, (body) => {
        try {
          const batch = normaliseWhatsAppWebhook(body);
          for (const item of batch.items) expect(InboundChannelItemSchema.safeParse(item).success).toBe(true);
          batches++;
        } catch (error) {
          if (!isThreadlineError(error, 'VALIDATION')) throw error;
          expect(Array.isArray(error.path)).toBe(true);
        }
      }),
      { numRuns: 3000, seed: 14 },
    );
    expect(batches).toBeGreaterThan(100);
  });
});
