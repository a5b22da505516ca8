import { createMemorySeenTokens } from '@threadline/adapter-webhooks';
import { isThreadlineError } from '@threadline/core';
import { describe, expect, it } from 'vitest';
import { parseMailgunEvent, parseMailgunInbound } from '../src/index.js';
import { fixture } from './fixtures.js';
import { mailgunSignature, multipart } from './forms.js';

const KEY = 'key-mailgun-signing-0123456789';
const NOW = Date.UTC(2026, 0, 10, 12, 0, 0);
const T = NOW / 1000 - 30;

const png = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);

function routeFields(token: string) {
  return {
    recipient: 'support@acme.test',
    sender: 'ada@example.com',
    from: 'Ada Lovelace <ada@example.com>',
    subject: 'Refund for order #1234',
    'body-plain': 'I was charged twice.\n\n> earlier quoted text',
    'body-html': '<p>I was charged twice.</p><img src="cid:shot@example.com">',
    'stripped-text': 'I was charged twice.',
    'Message-Id': '<mg-1@mail.example.com>',
    'In-Reply-To': '<dlv-9@acme.test>',
    References: '<root-3@mail.example.com> <dlv-9@acme.test>',
    Date: 'Sat, 10 Jan 2026 11:59:00 +0000',
    'message-headers': JSON.stringify([
      ['Received', 'by mx'],
      ['Auto-Submitted', 'no'],
      ['X-Mailgun-Dkim-Check-Result', 'Pass'],
    ]),
    'attachment-count': '2',
    'content-id-map': JSON.stringify({ '<shot@example.com>': 'attachment-1' }),
    ...mailgunSignature(KEY, T, token),
  };
}

const files = [
  { field: 'attachment-1', filename: 'shot.png', contentType: 'image/png', content: png },
  {
    field: 'attachment-2',
    filename: 'invoice.pdf',
    contentType: 'application/pdf',
    content: Buffer.alloc(5000, 7),
  },
];

describe('parseMailgunInbound', () => {
  it('verifies a signed multipart route post and maps its fields, attachments and threading', async () => {
    const { contentType, body } = multipart(routeFields('tok-1'), files);
    const m = await parseMailgunInbound({
      headers: { 'Content-Type': contentType },
      rawBody: body,
      secret: KEY,
      now: NOW,
      seenTokens: createMemorySeenTokens(),
    });
    expect(m).toMatchObject({
      provider: 'mailgun',
      providerMessageId: 'mg-1@mail.example.com',
      threadKey: 'root-3@mail.example.com',
      inReplyTo: 'dlv-9@acme.test',
      references: ['root-3@mail.example.com', 'dlv-9@acme.test'],
      to: 'support@acme.test',
      subject: 'Refund for order #1234',
      text: 'I was charged twice.\n\n> earlier quoted text',
      occurredAt: Date.UTC(2026, 0, 10, 11, 59),
    });
    expect(m.from).toEqual({
      identities: [{ kind: 'email', value: 'ada@example.com', verified: true, channel: 'email' }],
      displayName: 'Ada Lovelace',
    });
    expect(m.attachments).toEqual([
      {
        id: 'mg-1@mail.example.com/1',
        contentType: 'image/png',
        filename: 'shot.png',
        size: png.length,
        contentId: 'shot@example.com',
        inline: true,
      },
      {
        id: 'mg-1@mail.example.com/2',
        contentType: 'application/pdf',
        filename: 'invoice.pdf',
        size: 5000,
        inline: false,
      },
    ]);
    expect(m.metadata.automatic).toBeUndefined();
  });

  it('parses a route to a URL ending in mime (body-mime) like raw MIME', async () => {
    const { contentType, body } = multipart({
      recipient: 'billing@acme.test',
      'body-mime': fixture('latin1.eml').toString('latin1'),
      ...mailgunSignature(KEY, T, 'tok-2'),
    });
    const m = await parseMailgunInbound({
      headers: { 'content-type': contentType },
      rawBody: body,
      secret: KEY,
      now: NOW,
      seenTokens: createMemorySeenTokens(),
    });
    expect(m.provider).toBe('mailgun');
    expect(m.to).toBe('billing@acme.test');
    expect(m.providerMessageId).toBe('latin-1@example.fr');
  });

  it('accepts a URL-encoded post too', async () => {
    const form = new URLSearchParams({ ...routeFields('tok-3'), 'attachment-count': '0' }).toString();
    const m = await parseMailgunInbound({
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      rawBody: form,
      secret: ['old-key', KEY],
      now: NOW,
      seenTokens: createMemorySeenTokens(),
    });
    expect(m.providerMessageId).toBe('mg-1@mail.example.com');
    expect(m.attachments).toEqual([]);
  });

  it('refuses a bad signature, a replayed token and an expired timestamp with UNAUTHENTICATED_WEBHOOK (401)', async () => {
    const seenTokens = createMemorySeenTokens();
    const { contentType, body } = multipart(routeFields('tok-4'), files);
    const request = { headers: { 'content-type': contentType }, rawBody: body, now: NOW, seenTokens };
    const wrong = await parseMailgunInbound({ ...request, secret: 'other-key' }).catch((e) => e);
    expect(isThreadlineError(wrong, 'UNAUTHENTICATED_WEBHOOK')).toBe(true);
    expect(wrong.details).toMatchObject({ reason: 'signature_mismatch', status: 401 });
    await parseMailgunInbound({ ...request, secret: KEY });
    const replay = await parseMailgunInbound({ ...request, secret: KEY }).catch((e) => e);
    expect(replay.details.reason).toBe('replayed');
    const late = await parseMailgunInbound({
      ...request,
      secret: KEY,
      now: NOW + 3600_000,
      seenTokens: createMemorySeenTokens(),
    }).catch((e) => e);
    expect(late.details.reason).toBe('expired');
    const unsigned = multipart({ recipient: 'support@acme.test', from: 'a@example.com' });
    const missing = await parseMailgunInbound({
      headers: { 'content-type': unsigned.contentType },
      rawBody: unsigned.body,
      secret: KEY,
      now: NOW,
    }).catch((e) => e);
    expect(missing.details.reason).toBe('missing_signature');
  });

  it('refuses a broken body with VALIDATION (400) and a missing sender with the path', async () => {
    const broken = await parseMailgunInbound({
      headers: { 'content-type': 'multipart/form-data; boundary=x' },
      rawBody: '--x\r\nContent-Disposition: form-data; name="a"\r\n\r\nno end',
      secret: KEY,
      now: NOW,
    }).catch((e) => e);
    expect(isThreadlineError(broken, 'VALIDATION')).toBe(true);
    expect(broken.details.status).toBe(400);
    const json = await parseMailgunInbound({
      headers: { 'content-type': 'application/json' },
      rawBody: '{}',
      secret: KEY,
      now: NOW,
    }).catch((e) => e);
    expect(json.code).toBe('VALIDATION');
    const { sender: _s, from: _f, ...rest } = routeFields('tok-5');
    const noSender = multipart(rest);
    await expect(
      parseMailgunInbound({
        headers: { 'content-type': noSender.contentType },
        rawBody: noSender.body,
        secret: KEY,
        now: NOW,
        seenTokens: createMemorySeenTokens(),
      }),
    ).rejects.toMatchObject({ code: 'VALIDATION', path: ['from'] });
  });

  it('an attachment over the limit is CAPACITY (413), not a silently truncated file', async () => {
    const { contentType, body } = multipart(routeFields('tok-6'), files);
    const error = await parseMailgunInbound({
      headers: { 'content-type': contentType },
      rawBody: body,
      secret: KEY,
      now: NOW,
      maxFileBytes: 1000,
    }).catch((e) => e);
    expect(isThreadlineError(error, 'CAPACITY')).toBe(true);
    expect(error.details.status).toBe(413);
  });
});

describe('parseMailgunEvent', () => {
  function event(data: Record<string, unknown>, token: string) {
    const { timestamp, signature } = mailgunSignature(KEY, T, token);
    return JSON.stringify({ signature: { timestamp, token, signature }, 'event-data': data });
  }

  it('maps delivered, opened and permanent failures to statuses keyed by Message-ID', async () => {
    const seenTokens = createMemorySeenTokens();
    const base = {
      message: { headers: { 'message-id': 'dlv-1@acme.test' } },
      recipient: 'ada@example.com',
      timestamp: T + 5.25,
    };
    const delivered = await parseMailgunEvent({
      headers: {},
      rawBody: event({ ...base, event: 'delivered', id: 'ev1' }, 'e1'),
      secret: KEY,
      now: NOW,
      seenTokens,
    });
    expect(delivered).toMatchObject({
      kind: 'status',
      state: 'delivered',
      providerMessageId: 'dlv-1@acme.test',
      occurredAt: (T + 5.25) * 1000,
      to: 'ada@example.com',
      metadata: { eventId: 'ev1' },
    });
    const opened = await parseMailgunEvent({
      headers: {},
      rawBody: event({ ...base, event: 'opened' }, 'e2'),
      secret: KEY,
      now: NOW,
      seenTokens,
    });
    expect(opened?.state).toBe('read');
    const failed = await parseMailgunEvent({
      headers: {},
      rawBody: event(
        {
          ...base,
          event: 'failed',
          severity: 'permanent',
          'delivery-status': { code: 550, message: 'No such user' },
        },
        'e3',
      ),
      secret: KEY,
      now: NOW,
      seenTokens,
    });
    expect(failed).toMatchObject({ state: 'failed', error: { code: '550', message: 'No such user' } });
    const temporary = await parseMailgunEvent({
      headers: {},
      rawBody: event({ ...base, event: 'failed', severity: 'temporary' }, 'e4'),
      secret: KEY,
      now: NOW,
      seenTokens,
    });
    expect(temporary).toBeUndefined();
    const clicked = await parseMailgunEvent({
      headers: {},
      rawBody: event({ ...base, event: 'clicked' }, 'e5'),
      secret: KEY,
      now: NOW,
      seenTokens,
    });
    expect(clicked).toBeUndefined();
  });

  it('refuses an unsigned event', async () => {
    await expect(
      parseMailgunEvent({
        headers: {},
        rawBody: JSON.stringify({ 'event-data': { event: 'delivered' } }),
        secret: KEY,
        now: NOW,
      }),
    ).rejects.toMatchObject({ code: 'UNAUTHENTICATED_WEBHOOK' });
  });
});
