import { httpStatusOf } from '@threadline/adapter-webhooks';
import { isThreadlineError } from '@threadline/core';
import { InboundMessageSchema } from '@threadline/core/channels';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type AttachmentFile, parsePostmarkInbound } from '../src/index.js';
import { fixture } from './fixtures.js';

const NOW = Date.UTC(2026, 0, 10, 12, 0, 0);
const body = fixture('postmark-inbound.json');
const basicAuth = { username: 'postmark', password: 'hook-pass-9f2' };
const authorization = (user: string, pass: string) =>
  `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
const headers = {
  'content-type': 'application/json',
  authorization: authorization('postmark', 'hook-pass-9f2'),
};

describe('parsePostmarkInbound', () => {
  it('maps the documented payload: sender, threading headers, plus tag, stripped reply, signature, attachments', async () => {
    const files: AttachmentFile[] = [];
    const m = await parsePostmarkInbound({
      headers,
      rawBody: body,
      now: NOW,
      basicAuth,
      authservId: 'mx.acme.test',
      attachmentSink: async (file) => {
        files.push(file);
        return { url: `s3://bucket/${file.id}` };
      },
    });
    expect(InboundMessageSchema.safeParse(m).success).toBe(true);
    expect(m).toMatchObject({
      provider: 'postmark',
      channel: 'email',
      providerMessageId: 'CAF=pm-1@mail.example.org',
      inReplyTo: 'dlv-7@acme.test',
      references: ['root-3@acme.test', 'dlv-7@acme.test'],
      threadKey: 'root-3@acme.test',
      to: 'support+case-42@acme.test',
      subject: 'Re: Your refund',
      occurredAt: Date.UTC(2026, 0, 10, 11, 59, 50),
      from: {
        displayName: 'Grace Hopper',
        identities: [{ kind: 'email', value: 'grace@example.org', verified: true }],
      },
    });
    expect(m.text).toContain('> Your refund is on its way.');
    expect(m.metadata).toMatchObject({
      postmarkMessageId: '73e6d360-66eb-11e1-8e72-a8904824019b',
      plusTag: 'case-42',
      replyText: 'The refund has not arrived yet.',
      signature: 'Sent from my iPhone',
      messageStream: 'inbound',
    });
    expect(m.attachments).toEqual([
      expect.objectContaining({
        filename: 'receipt.txt',
        contentType: 'text/plain',
        size: 42,
        inline: false,
      }),
      expect.objectContaining({ filename: 'logo.png', size: 64, inline: true, contentId: 'logo@01DA' }),
    ]);
    expect(Buffer.from(files[0]?.content ?? []).toString()).toBe(
      'Order 42: 19.99 EUR, paid 2 January 2026.\n',
    );
    expect(m.attachments[0]?.url).toBe('s3://bucket/CAF=pm-1@mail.example.org/1');
  });

  it('leaves the sender unverified without a trusted authserv-id, and falls back to Postmark’s MessageID', async () => {
    const post = JSON.parse(body.toString()) as { Headers: { Name: string }[] };
    post.Headers = post.Headers.filter((h) => h.Name !== 'Message-ID');
    const m = await parsePostmarkInbound({ headers: {}, rawBody: JSON.stringify(post), now: NOW });
    expect(m.from.identities[0]?.verified).toBe(false);
    expect(m.providerMessageId).toBe('73e6d360-66eb-11e1-8e72-a8904824019b@inbound.postmarkapp.com');
  });

  it('refuses wrong or missing basic auth with 401, and accepts a rotated password', async () => {
    for (const authorizationHeader of [authorization('postmark', 'wrong'), 'Bearer x', undefined]) {
      const h = authorizationHeader === undefined ? {} : { authorization: authorizationHeader };
      const error = await parsePostmarkInbound({ headers: h, rawBody: body, now: NOW, basicAuth }).catch(
        (e) => e,
      );
      expect(isThreadlineError(error, 'UNAUTHENTICATED_WEBHOOK')).toBe(true);
      expect(httpStatusOf(error)).toBe(401);
    }
    const rotated = [{ username: 'postmark', password: 'new' }, basicAuth];
    await expect(
      parsePostmarkInbound({ headers, rawBody: body, now: NOW, basicAuth: rotated }),
    ).resolves.toMatchObject({
      provider: 'postmark',
    });
  });

  it('answers 400 with the field path for a payload that is not Postmark’s, 413 for a too-large attachment', async () => {
    const notJson = await parsePostmarkInbound({ headers, rawBody: '{', now: NOW }).catch((e) => e);
    expect(notJson).toMatchObject({ code: 'VALIDATION' });
    expect(httpStatusOf(notJson)).toBe(400);
    const noFrom = await parsePostmarkInbound({
      headers,
      rawBody: JSON.stringify({ MessageID: 'x', FromFull: { Name: 'x' } }),
      now: NOW,
    }).catch((e) => e);
    expect(noFrom).toMatchObject({ code: 'VALIDATION', path: ['FromFull', 'Email'] });
    const big = await parsePostmarkInbound({
      headers,
      rawBody: body,
      now: NOW,
      maxAttachmentBytes: 10,
    }).catch((e) => e);
    expect(big).toMatchObject({ code: 'CAPACITY', path: ['Attachments', 0, 'Content'] });
    expect(httpStatusOf(big)).toBe(413);
  });

  it('fuzz: mutated payloads give a normalised message or VALIDATION/CAPACITY, never another throw', async () => {
    const base = JSON.parse(body.toString()) as Record<string, unknown>;
    const keys = Object.keys(base);
    const value = fc.oneof(
      fc.string({ maxLength: 60 }),
      fc.integer(),
      fc.constant(null),
      fc.array(fc.string({ maxLength: 10 }), { maxLength: 3 }),
      fc.dictionary(fc.constantFrom('Email', 'Name', 'Content', 'Value'), fc.string({ maxLength: 20 })),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.constantFrom(...keys), value), { maxLength: 4 }),
        fc.uint8Array({ maxLength: 200 }),
        fc.boolean(),
        async (changes, bytes, raw) => {
          const post = { ...base };
          for (const [key, v] of changes) post[key] = v;
          try {
            const m = await parsePostmarkInbound({
              headers: {},
              rawBody: raw ? bytes : JSON.stringify(post),
              now: NOW,
            });
            expect(InboundMessageSchema.safeParse(m).success).toBe(true);
          } catch (error) {
            if (!isThreadlineError(error, 'VALIDATION') && !isThreadlineError(error, 'CAPACITY')) throw error;
            expect([400, 413]).toContain(httpStatusOf(error));
          }
        },
      ),
      { numRuns: 300, seed: 1402 },
    );
  });
});
