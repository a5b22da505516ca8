import { isThreadlineError } from '@threadline/core';
import { describe, expect, it } from 'vitest';
import { type AttachmentFile, parseEmail } from '../src/index.js';
import { fixture } from './fixtures.js';

const receivedAt = Date.UTC(2026, 0, 10);

describe('parseEmail', () => {
  it('normalises multipart/alternative: identity, subject, text and html, Message-ID, threadKey', async () => {
    const m = await parseEmail(fixture('alternative.eml'), { receivedAt });
    expect(m).toMatchObject({
      kind: 'message',
      channel: 'email',
      provider: 'email',
      providerMessageId: 'CAF1234.abcd@mail.example.com',
      threadKey: 'CAF1234.abcd@mail.example.com',
      to: 'support@acme.test',
      subject: 'Refund for order #1234',
      occurredAt: Date.UTC(2026, 0, 5, 9, 12, 0),
      references: [],
    });
    expect(m.from.identities).toEqual([
      { kind: 'email', value: 'ada@example.com', verified: false, channel: 'email' },
    ]);
    expect(m.from.displayName).toBe('Ada Lovelace');
    expect(m.text).toContain('order #1234 — could you refund one of the charges?');
    expect(m.html).toContain('<div dir="ltr">Hello,');
    expect(m.metadata).toMatchObject({ cc: ['bob@example.com'], receivedAt });
    expect(m.inReplyTo).toBeUndefined();
  });

  it('keeps attachments by reference with size, content id and inline, and threads on the root reference', async () => {
    const m = await parseEmail(fixture('attachments.eml'), { receivedAt });
    expect(m.threadKey).toBe('root-1@example.org');
    expect(m.inReplyTo).toBe('reply-7@acme.test');
    expect(m.references).toEqual(['root-1@example.org', 'reply-7@acme.test']);
    const pdfSize = Number(fixture('attachments.pdf.size').toString());
    expect(m.attachments).toEqual([
      {
        id: 'att-1@example.org/1',
        contentType: 'image/png',
        filename: 'shot.png',
        size: 70,
        contentId: 'shot-1@example.org',
        inline: true,
      },
      {
        id: 'att-1@example.org/2',
        contentType: 'application/pdf',
        filename: 'invoice-1234.pdf',
        size: pdfSize,
        inline: false,
      },
    ]);
    expect(m.occurredAt).toBe(Date.UTC(2026, 0, 6, 19, 0, 0));
  });

  it('hands attachment bytes to the sink and carries the reference it returns', async () => {
    const seen: AttachmentFile[] = [];
    const m = await parseEmail(fixture('attachments.eml'), {
      receivedAt,
      attachmentSink: async (file) => {
        seen.push(file);
        return { url: `https://blobs.acme.test/${encodeURIComponent(file.id)}` };
      },
    });
    expect(seen.map((f) => [f.filename, f.content.byteLength])).toEqual([
      ['shot.png', 70],
      ['invoice-1234.pdf', Number(fixture('attachments.pdf.size').toString())],
    ]);
    expect(
      Buffer.from(seen[0]?.content ?? [])
        .subarray(1, 4)
        .toString(),
    ).toBe('PNG');
    expect(m.attachments[1]?.url).toBe('https://blobs.acme.test/att-1%40example.org%2F2');
  });

  it('decodes encoded-word subjects and display names in several charsets', async () => {
    const m = await parseEmail(fixture('encoded-subject.eml'), { receivedAt });
    expect(m.subject).toBe('¿Dónde está mi pedido? ¡Urgente!');
    expect(m.from.displayName).toBe('José García');
    expect(m.text).toBe('Hola, ¿dónde está mi pedido?\n');
  });

  it('decodes non-UTF-8 bodies: ISO-8859-1, KOI8-R and windows-1252 (including € and –)', async () => {
    const latin = await parseEmail(fixture('latin1.eml'), { receivedAt });
    expect(latin.subject).toBe('Problème de facturation');
    expect(latin.from.displayName).toBe('François Müller');
    expect(latin.text).toContain('la facture du mois de décembre est erronée');
    const koi = await parseEmail(fixture('koi8r.eml'), { receivedAt });
    expect(koi.subject).toBe('Привет');
    expect(koi.text).toContain('Здравствуйте, заказ не пришёл.');
    const cp = await parseEmail(fixture('windows1252.eml'), { receivedAt });
    expect(cp.subject).toBe('Prijs € 19,99');
    expect(cp.html).toBe('<p>De prijs was €19,99 – niet €29,99.</p>\n');
    expect(cp.text).toBe('');
    // No Date header: occurredAt is when it was received.
    expect(cp.occurredAt).toBe(receivedAt);
  });

  it('flags auto-replies as automatic so hosts do not route them as customer messages', async () => {
    const m = await parseEmail(fixture('autoreply.eml'), { receivedAt });
    expect(m.metadata.automatic).toBe(true);
    expect(m.threadKey).toBe('dlv-1@acme.test');
    const human = await parseEmail(fixture('alternative.eml'), { receivedAt });
    expect(human.metadata.automatic).toBeUndefined();
    expect(human.metadata.bounce).toBeUndefined();
  });

  it('flags bounces (delivery status notifications) as bounce and automatic, keeping the report text', async () => {
    const m = await parseEmail(fixture('bounce.eml'), { receivedAt });
    expect(m.metadata).toMatchObject({ bounce: true, automatic: true });
    expect(m.text).toContain('could not be delivered to nobody@example.com');
    expect(m.from.identities[0]?.value).toBe('mailer-daemon@mx.example.com');
  });

  it('derives a stable provider id from the bytes when the mail has no Message-ID', async () => {
    const a = await parseEmail(fixture('no-message-id.eml'), { receivedAt });
    const b = await parseEmail(fixture('no-message-id.eml'), { receivedAt: receivedAt + 1000 });
    expect(a.providerMessageId).toMatch(/^[0-9a-f]{40}@threadline\.invalid$/);
    expect(b.providerMessageId).toBe(a.providerMessageId);
    expect(a.threadKey).toBe(a.providerMessageId);
  });

  it('marks the sender verified only on a DKIM pass for the From domain from the trusted MTA', async () => {
    const mail = (results: string[]) =>
      [
        ...results.map((r) => `Authentication-Results: ${r}`),
        'From: Ada <ada@mail.example.com>',
        'To: support@acme.test',
        '',
        'hi',
      ].join('\r\n');
    const verified = async (results: string[], trusted?: string) =>
      (await parseEmail(mail(results), { receivedAt, ...(trusted ? { trustedAuthServId: trusted } : {}) }))
        .from.identities[0]?.verified;
    expect(await verified(['mx.acme.test; dkim=pass header.d=example.com; spf=pass'], 'mx.acme.test')).toBe(
      true,
    );
    expect(
      await verified(['mx.acme.test; spf=pass; dkim=pass header.i=@mail.example.com'], 'mx.acme.test'),
    ).toBe(true);
    // No trusted MTA configured, another MTA's header, a failed or unaligned signature: not verified.
    expect(await verified(['mx.acme.test; dkim=pass header.d=example.com'])).toBe(false);
    expect(await verified(['evil.test; dkim=pass header.d=example.com'], 'mx.acme.test')).toBe(false);
    expect(await verified(['mx.acme.test; dkim=fail header.d=example.com'], 'mx.acme.test')).toBe(false);
    expect(await verified(['mx.acme.test; dkim=pass header.d=other.test'], 'mx.acme.test')).toBe(false);
    expect(await verified(['mx.acme.test; dkim=pass header.d=ample.com'], 'mx.acme.test')).toBe(false);
  });

  it('takes the envelope recipient over the To header', async () => {
    const m = await parseEmail(fixture('alternative.eml'), { receivedAt, to: 'billing@acme.test' });
    expect(m.to).toBe('billing@acme.test');
    expect(m.metadata.plusTag).toBeUndefined();
    const tagged = await parseEmail(fixture('alternative.eml'), {
      receivedAt,
      to: 'support+case-42@acme.test',
    });
    expect(tagged.metadata.plusTag).toBe('case-42');
  });

  it('refuses mail without a sender or recipient with VALIDATION naming the field', async () => {
    const noFrom = 'To: support@acme.test\r\nSubject: x\r\n\r\nhello';
    await expect(parseEmail(noFrom, { receivedAt })).rejects.toMatchObject({
      code: 'VALIDATION',
      path: ['from'],
    });
    const noTo = 'From: a@example.com\r\nSubject: x\r\n\r\nhello';
    await expect(parseEmail(noTo, { receivedAt })).rejects.toMatchObject({
      code: 'VALIDATION',
      path: ['to'],
    });
  });

  it('refuses input over maxBytes with CAPACITY before parsing, and non-bytes with VALIDATION', async () => {
    const error = await parseEmail(fixture('alternative.eml'), { receivedAt, maxBytes: 100 }).catch((e) => e);
    expect(isThreadlineError(error, 'CAPACITY')).toBe(true);
    expect(error.details.status).toBe(413);
    await expect(parseEmail({} as never, { receivedAt })).rejects.toMatchObject({
      code: 'VALIDATION',
      path: ['raw'],
    });
  });
});
