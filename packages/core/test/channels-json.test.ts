import {
  createJsonNormaliser,
  InboundChannelItemSchema,
  inboundDedupeKey,
  isThreadlineError,
} from '@threadline/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

// A host's own form backend posting JSON.
const schema = z.object({
  id: z.string().min(1),
  customer: z.object({ email: z.string().email(), name: z.string().optional() }),
  message: z.string().max(5000),
  sentAt: z.number().int().nonnegative(),
  ticket: z.string().optional(),
});

const acme = createJsonNormaliser({
  schema,
  map: (b) => ({
    kind: 'message',
    channel: 'chat',
    provider: 'acme-forms',
    occurredAt: b.sentAt,
    providerMessageId: b.id,
    to: 'support',
    text: b.message,
    from: {
      identities: [{ kind: 'email', value: b.customer.email, verified: false }],
      ...(b.customer.name ? { displayName: b.customer.name } : {}),
    },
    ...(b.ticket ? { threadKey: b.ticket } : {}),
  }),
});

const valid = {
  id: 'f-1',
  customer: { email: 'ada@example.com', name: 'Ada' },
  message: 'My order never arrived',
  sentAt: Date.UTC(2026, 0, 5),
  ticket: 'T-9',
};

describe('createJsonNormaliser', () => {
  it('validates with the host schema, maps to a normalised item and keys it by the provider id', () => {
    const { item, dedupeKey } = acme.normalise(JSON.stringify(valid));
    expect(item).toMatchObject({
      kind: 'message',
      provider: 'acme-forms',
      providerMessageId: 'f-1',
      threadKey: 'T-9',
      text: 'My order never arrived',
      metadata: {},
      from: { displayName: 'Ada', identities: [{ kind: 'email', value: 'ada@example.com' }] },
    });
    expect(dedupeKey).toBe('acme-forms:message:f-1');
    // Bytes and an already-parsed body give the same result.
    expect(acme.normalise(new TextEncoder().encode(JSON.stringify(valid))).item).toEqual(item);
    expect(acme.normalise({ json: valid }).dedupeKey).toBe(dedupeKey);
  });

  it('refuses a bad payload with VALIDATION, HTTP 400 and every bad path', () => {
    let error: unknown;
    try {
      acme.normalise(JSON.stringify({ ...valid, id: '', customer: { email: 'nope' } }));
    } catch (e) {
      error = e;
    }
    expect(isThreadlineError(error, 'VALIDATION')).toBe(true);
    if (!isThreadlineError(error)) return;
    expect(error.details.status).toBe(400);
    expect(error.issues.map((i) => i.path)).toEqual(expect.arrayContaining([['id'], ['customer', 'email']]));
    expect(() => acme.normalise('{not json')).toThrow(
      expect.objectContaining({ code: 'VALIDATION', path: ['body'], details: { status: 400 } }),
    );
  });

  it('refuses a mapping that yields an invalid item (path under item) and an oversized body (413)', () => {
    const broken = createJsonNormaliser({
      schema: z.object({ id: z.string() }),
      map: (b) => ({
        kind: 'message',
        channel: 'chat',
        provider: 'x',
        occurredAt: 0,
        providerMessageId: b.id,
        to: 'support',
        text: 'hi',
        from: { identities: [] },
      }),
      maxBytes: 100,
    });
    expect(() => broken.normalise('{"id":""}')).toThrow(
      expect.objectContaining({ code: 'VALIDATION', path: ['item', 'providerMessageId'] }),
    );
    expect(() => broken.normalise(JSON.stringify({ id: 'x'.repeat(200) }))).toThrow(
      expect.objectContaining({ code: 'CAPACITY', details: expect.objectContaining({ status: 413 }) }),
    );
  });

  it('keys statuses by state and conversation events by type and time', () => {
    const status = InboundChannelItemSchema.parse({
      kind: 'status',
      channel: 'sms',
      provider: 'p',
      occurredAt: 5,
      providerMessageId: 'm1',
      state: 'delivered',
    });
    expect(inboundDedupeKey(status)).toBe('p:status:m1:delivered');
    expect(inboundDedupeKey(status, 'tenant-a')).toBe('tenant-a:status:m1:delivered');
  });

  it('refuses bad options with CONFIG', () => {
    expect(() => createJsonNormaliser({ schema: {} as never, map: () => ({}) as never })).toThrow(
      expect.objectContaining({ code: 'CONFIG', path: ['schema'] }),
    );
  });

  it('fuzz: any bytes give an item or a VALIDATION/CAPACITY error, never another throw', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 300 }),
          fc.json().map((j) => j),
          fc.anything(),
        ),
        (body) => {
          try {
            const input = typeof body === 'string' || body instanceof Uint8Array ? body : { json: body };
            const { item } = acme.normalise(input);
            expect(InboundChannelItemSchema.safeParse(item).success).toBe(true);
          } catch (error) {
            if (!isThreadlineError(error, 'VALIDATION') && !isThreadlineError(error, 'CAPACITY')) throw error;
          }
        },
      ),
      { numRuns: 400, seed: 1404 },
    );
  });
});
