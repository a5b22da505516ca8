// The hand check of conversation messages gives what the zod union gives (the simple form first,
// then the core message form), and leaves every refused list to zod (VALIDATION and its path).
import { isThreadlineError } from '@threadline/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConversationMessageSchema, normalizeMessages } from '../src/text/messages.js';

/** What normalizeMessages returned before the hand check: zod's output, mapped. */
function viaZod(messages: unknown) {
  const r = z.array(ConversationMessageSchema).safeParse(messages);
  if (!r.success) return { paths: r.error.issues.map((i) => i.path.map(String).join('.')) };
  return {
    ok: r.data.map((m, index) => {
      if ('author' in m && 'body' in m)
        return { index, speaker: m.author.kind, text: m.body, at: m.sentAt, id: m.id };
      const s = m as { speaker: string; text: string; at?: number; id?: string };
      return { index, speaker: s.speaker, text: s.text, at: s.at, id: s.id };
    }),
  };
}

function mine(messages: unknown) {
  try {
    return { ok: normalizeMessages(messages) };
  } catch (e) {
    if (isThreadlineError(e, 'VALIDATION'))
      return { paths: e.issues.map((i) => i.path.map(String).join('.')) };
    throw e;
  }
}

const odd = fc.constantFrom<unknown>(
  undefined,
  null,
  '',
  'hi',
  'customer',
  'agent',
  'robot',
  0,
  1.5,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  true,
  {},
  { kind: 'bot' },
  { kind: 'bot', id: 'b-1' },
  { kind: 'alien' },
  [],
);
const simple = fc.record(
  {
    speaker: fc.oneof(fc.constantFrom('customer', 'agent', 'bot', 'system'), odd),
    text: fc.oneof(fc.string(), odd),
    at: fc.oneof(fc.integer(), odd),
    id: fc.oneof(fc.constant('m-1'), odd),
  },
  { requiredKeys: ['speaker', 'text'] },
);
const core = fc.record(
  {
    id: fc.oneof(fc.constant('m-1'), odd),
    author: fc.oneof(fc.record({ kind: fc.constantFrom('customer', 'agent', 'bot') }), odd),
    body: fc.oneof(fc.string(), odd),
    sentAt: fc.oneof(fc.integer(), odd),
    direction: fc.constant('inbound'),
    speaker: odd,
  },
  { requiredKeys: ['author', 'body'] },
);

const goodSimple = fc.record(
  { speaker: fc.constantFrom('customer', 'agent'), text: fc.string(), at: fc.integer() },
  { requiredKeys: ['speaker', 'text'] },
);
const goodCore = fc.record({
  author: fc.record({ kind: fc.constantFrom('customer', 'bot') }),
  body: fc.string(),
  sentAt: fc.integer(),
});

describe('normalizeMessages', () => {
  it('agrees with the zod union on simple and core messages (property)', () => {
    let handOk = 0;
    fc.assert(
      fc.property(
        fc.oneof(
          fc.array(fc.oneof(simple, core, odd, goodSimple, goodCore, goodCore), { maxLength: 4 }),
          odd,
        ),
        (messages) => {
          const got = mine(messages);
          expect(got).toEqual(viaZod(messages));
          if ('ok' in got && (got.ok?.length ?? 0) > 0) handOk++;
        },
      ),
      { seed: 15, numRuns: 3000 },
    );
    expect(handOk).toBeGreaterThan(100);
  });
});
