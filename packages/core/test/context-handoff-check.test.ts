// The hand checks of handoff packets and transcripts accept only what their zod schemas accept and
// return exactly zod's output (same values, same key order, fresh objects where zod builds them);
// every input they refuse goes to zod, so VALIDATION errors and their paths are unchanged.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { HandoffPacketSchema, TranscriptEntrySchema } from '../src/context/handoff.js';
import { plainHandoffPacket, plainTranscript } from '../src/context/handoffCheck.js';
import {
  buildHandoffPacket,
  createSequentialIds,
  isThreadlineError,
  ManualClock,
  parseHandoffPacket,
} from '../src/index.js';

const T0 = Date.UTC(2026, 0, 5, 9);

const odd = fc.constantFrom<unknown>(
  undefined,
  null,
  '',
  'x',
  ' a b ',
  'x'.repeat(201),
  'x'.repeat(501),
  0,
  -0.5,
  0.5,
  1,
  1.5,
  -2,
  11,
  T0,
  2 ** 60,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  true,
  [],
  ['ev'],
  [''],
  {},
  { a: 1 },
  Object.create(null),
  JSON.parse('{"__proto__": {"x": 1}}'),
  new Date(0),
  'bot',
  'queue',
  'customer',
  'transfer',
  'chat',
  'fax',
  'negative',
  'stable',
  'active',
);

function validPacket() {
  return {
    id: 'handoff-1',
    tenantId: 'default',
    conversationId: 'conv-1',
    customerId: 'cus-1',
    channel: 'chat',
    createdAt: T0,
    from: { kind: 'bot', id: 'bot-1' },
    to: { kind: 'queue', id: 'billing', name: 'Billing' },
    reason: { code: 'transfer', note: 'could not resolve' },
    transcript: [
      { author: { kind: 'customer' }, body: 'hi', at: T0 - 2 },
      { messageId: 'm-2', author: { kind: 'bot', id: 'bot-1' }, body: 'hello', at: T0 - 1 },
    ],
    summary: 'refund',
    intent: { name: 'refund', confidence: 0.4 },
    sentiment: { label: 'negative', score: -0.5, trend: 'worsening' },
    target: { skills: [{ name: 'billing', minLevel: 3 }], queueId: 'q', priority: 2 },
    sla: [{ metric: 'first_reply', state: 'active', dueAt: T0 + 5, remainingMs: 5, pausedMs: 0 }],
    identity: { confidence: 0.9, verified: true, evidence: ['email:a@x.com'] },
    context: { openCases: 1, lastAgents: ['a-1'] },
  } as Record<string, unknown>;
}

/** A path into the valid packet and a value to put there (or delete with `undefined` key absent). */
const mutation = fc.tuple(
  fc.constantFrom(
    'id',
    'tenantId',
    'conversationId',
    'customerId',
    'channel',
    'createdAt',
    'from',
    'from.kind',
    'from.id',
    'from.name',
    'from.extra',
    'to.kind',
    'reason',
    'reason.code',
    'reason.note',
    'transcript',
    'transcript.0',
    'transcript.0.author',
    'transcript.0.author.kind',
    'transcript.1.author.id',
    'transcript.1.messageId',
    'transcript.0.body',
    'transcript.0.at',
    'summary',
    'intent',
    'intent.name',
    'intent.confidence',
    'sentiment',
    'sentiment.label',
    'sentiment.score',
    'sentiment.trend',
    'target',
    'target.skills',
    'target.skills.0.name',
    'target.skills.0.minLevel',
    'target.queueId',
    'target.priority',
    'sla',
    'sla.0.metric',
    'sla.0.state',
    'sla.0.dueAt',
    'sla.0.pausedMs',
    'identity',
    'identity.confidence',
    'identity.verified',
    'identity.evidence',
    'context',
    'extra',
  ),
  fc.oneof(odd, fc.constant('<delete>')),
);

function mutate(packet: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let cur: Record<string, unknown> = packet;
  for (const part of parts.slice(0, -1)) {
    const next = cur[part];
    if (typeof next !== 'object' || next === null) return;
    cur = next as Record<string, unknown>;
  }
  const last = parts[parts.length - 1] as string;
  if (value === '<delete>') delete cur[last];
  else cur[last] = value;
}

function zodOrUndefined(schema: z.ZodType, v: unknown): { ok: unknown } | { refused: true } {
  const r = schema.safeParse(v);
  return r.success ? { ok: r.data } : { refused: true };
}

describe('handoff packet hand checks', () => {
  it('plainHandoffPacket returns what HandoffPacketSchema outputs, key order included, or leaves it to zod (property)', () => {
    fc.assert(
      fc.property(fc.array(mutation, { maxLength: 3 }), (mutations) => {
        const packet = validPacket();
        for (const [path, value] of mutations) mutate(packet, path, value);
        const mine = plainHandoffPacket(packet);
        const theirs = zodOrUndefined(HandoffPacketSchema, packet);
        if (mine === undefined) return; // zod decides
        expect(theirs).toEqual({ ok: mine });
        expect(JSON.stringify(mine)).toBe(JSON.stringify((theirs as { ok: unknown }).ok));
        expect(Object.keys(mine)).toEqual(Object.keys((theirs as { ok: object }).ok));
        // Fresh objects where zod builds them; the caller's packet is not the result.
        expect(mine).not.toBe(packet);
        expect(mine.from).not.toBe(packet.from);
        if (packet.context !== undefined) expect(mine.context).not.toBe(packet.context);
      }),
      { seed: 15, numRuns: 3000 },
    );
  });

  it('takes the hand path for the common packet (so the property above is not vacuous)', () => {
    expect(plainHandoffPacket(validPacket())).toBeDefined();
    const { channel, summary, intent, sentiment, target, sla, context, ...minimal } = validPacket();
    expect(plainHandoffPacket(minimal)).toEqual(HandoffPacketSchema.parse(minimal));
  });

  it('plainTranscript returns what the transcript schema outputs, or leaves it to zod (property)', () => {
    const entry = fc.record(
      {
        messageId: odd,
        author: fc.oneof(fc.record({ kind: odd, id: odd }, { requiredKeys: [] }), odd),
        body: odd,
        at: odd,
        other: odd,
      },
      { requiredKeys: [] },
    );
    const good = fc.record(
      {
        messageId: fc.oneof(fc.constant('m-1'), odd),
        author: fc.record({ kind: fc.oneof(fc.constantFrom('customer', 'agent', 'bot', 'system'), odd) }),
        body: fc.oneof(fc.string(), fc.string(), odd),
        at: fc.oneof(fc.integer(), fc.integer(), odd),
      },
      { requiredKeys: ['author', 'body', 'at'] },
    );
    fc.assert(
      fc.property(fc.array(fc.oneof(entry, good, good), { maxLength: 4 }), (entries) => {
        const mine = plainTranscript(entries);
        const theirs = zodOrUndefined(z.array(TranscriptEntrySchema), entries);
        if (mine === undefined) return;
        expect(theirs).toEqual({ ok: mine });
        expect(JSON.stringify(mine)).toBe(JSON.stringify((theirs as { ok: unknown }).ok));
        for (let i = 0; i < mine.length; i++) expect(mine[i]).not.toBe(entries[i]);
      }),
      { seed: 15, numRuns: 2000 },
    );
  });

  it('a bad packet still gets VALIDATION with the field path', () => {
    const packet = validPacket();
    (packet.sentiment as Record<string, unknown>).score = 2;
    try {
      parseHandoffPacket(packet);
      expect.unreachable();
    } catch (e) {
      expect(isThreadlineError(e, 'VALIDATION')).toBe(true);
      if (isThreadlineError(e)) expect(e.issues.map((i) => i.path.join('.'))).toEqual(['sentiment.score']);
    }
    const { id, tenantId, createdAt, transcript, ...input } = validPacket();
    expect(() =>
      buildHandoffPacket(
        {
          ...(input as Record<string, unknown>),
          transcript: [{ author: { kind: 'robot' }, body: 'x', at: T0 }],
        } as unknown as Parameters<typeof buildHandoffPacket>[0],
        { clock: new ManualClock(T0), ids: createSequentialIds() },
      ),
    ).toThrow(/transcript/);
  });
});
