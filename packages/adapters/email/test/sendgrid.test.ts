import { isThreadlineError } from '@threadline/core';
import { describe, expect, it } from 'vitest';
import { parseSendGridInbound } from '../src/index.js';
import { fixture } from './fixtures.js';
import { multipart, sendgridKeys } from './forms.js';

const NOW = Date.UTC(2026, 0, 10, 12, 0, 0);
const T = NOW / 1000 - 10;
const keys = sendgridKeys();

const parsedFields = {
  headers: [
    'Received: by mx0047p1mdw1.sendgrid.net with SMTP id 6WCVv7KAWn Sat, 10 Jan 2026 11:59:58 +0000',
    'From: Grace Hopper <grace@example.org>',
    'To: support@acme.test',
    'Subject: Printer on fire',
    'Message-ID: <sg-1@example.org>',
    'In-Reply-To: <dlv-2@acme.test>',
    'References: <root-5@example.org>',
    '\t<dlv-2@acme.test>',
    'Date: Sat, 10 Jan 2026 11:59:50 +0000',
  ].join('\n'),
  dkim: '{@example.org : pass}',
  to: 'support@acme.test',
  from: 'Grace Hopper <grace@example.org>',
  subject: 'Printer on fire',
  text: 'It is still on fire.',
  html: '<p>It is still on fire.</p>',
  envelope: JSON.stringify({ to: ['support@acme.test'], from: 'grace@example.org' }),
  charsets: JSON.stringify({ to: 'UTF-8', subject: 'UTF-8', from: 'UTF-8', text: 'UTF-8' }),
  SPF: 'pass',
  attachments: '1',
  'attachment-info': JSON.stringify({
    attachment1: { filename: 'fire.jpg', name: 'fire.jpg', type: 'image/jpeg', 'content-id': 'fire1' },
  }),
};

describe('parseSendGridInbound', () => {
  it('verifies the ECDSA signature and maps parsed fields, threading and attachments', async () => {
    const { contentType, body } = multipart(parsedFields, [
      {
        field: 'attachment1',
        filename: 'fire.jpg',
        contentType: 'image/jpeg',
        content: Buffer.alloc(2048, 1),
      },
    ]);
    const m = await parseSendGridInbound({
      headers: keys.headers(T, body, contentType),
      rawBody: body,
      secret: keys.publicKey,
      now: NOW,
    });
    expect(m).toMatchObject({
      provider: 'sendgrid',
      providerMessageId: 'sg-1@example.org',
      threadKey: 'root-5@example.org',
      inReplyTo: 'dlv-2@acme.test',
      references: ['root-5@example.org', 'dlv-2@acme.test'],
      to: 'support@acme.test',
      subject: 'Printer on fire',
      text: 'It is still on fire.',
      html: '<p>It is still on fire.</p>',
      occurredAt: Date.UTC(2026, 0, 10, 11, 59, 50),
      metadata: { spf: 'pass' },
    });
    expect(m.from.identities[0]).toMatchObject({ value: 'grace@example.org', verified: true });
    expect(m.attachments).toEqual([
      {
        id: 'sg-1@example.org/1',
        contentType: 'image/jpeg',
        filename: 'fire.jpg',
        size: 2048,
        contentId: 'fire1',
        inline: true,
      },
    ]);
  });

  it('parses the raw MIME of "POST the raw, full MIME message"', async () => {
    const { contentType, body } = multipart({
      email: fixture('encoded-subject.eml').toString('utf8'),
      envelope: JSON.stringify({ to: ['ventas@acme.test'], from: 'jose@example.es' }),
    });
    const m = await parseSendGridInbound({
      headers: keys.headers(T, body, contentType),
      rawBody: body,
      secret: keys.publicKey,
      now: NOW,
    });
    expect(m).toMatchObject({
      provider: 'sendgrid',
      to: 'ventas@acme.test',
      subject: '¿Dónde está mi pedido? ¡Urgente!',
    });
    // No `dkim` field: SendGrid vouched for nothing.
    expect(m.from.identities[0]?.verified).toBe(false);
  });

  it('refuses a tampered body, another key or an old timestamp with UNAUTHENTICATED_WEBHOOK', async () => {
    const { contentType, body } = multipart(parsedFields);
    const headers = keys.headers(T, body, contentType);
    const tampered = Buffer.from(body);
    tampered[tampered.length - 10] = 0x41;
    const e1 = await parseSendGridInbound({
      headers,
      rawBody: tampered,
      secret: keys.publicKey,
      now: NOW,
    }).catch((e) => e);
    expect(isThreadlineError(e1, 'UNAUTHENTICATED_WEBHOOK')).toBe(true);
    expect(e1.details.status).toBe(401);
    const e2 = await parseSendGridInbound({
      headers,
      rawBody: body,
      secret: sendgridKeys().publicKey,
      now: NOW,
    }).catch((e) => e);
    expect(e2.details.reason).toBe('signature_mismatch');
    const e3 = await parseSendGridInbound({
      headers,
      rawBody: body,
      secret: keys.publicKey,
      now: NOW + 600_000,
    }).catch((e) => e);
    expect(e3.details.reason).toBe('expired');
  });

  it('refuses broken JSON fields with VALIDATION naming the field', async () => {
    const { contentType, body } = multipart({ ...parsedFields, envelope: '{not json' });
    await expect(
      parseSendGridInbound({
        headers: keys.headers(T, body, contentType),
        rawBody: body,
        secret: keys.publicKey,
        now: NOW,
      }),
    ).rejects.toMatchObject({ code: 'VALIDATION', path: ['envelope'] });
  });
});
