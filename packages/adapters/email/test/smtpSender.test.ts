import { createMemoryDocumentStore } from '@threadline/adapter-memory';
import { createManualClock, createRandom, createSequentialIds, isThreadlineError } from '@threadline/core';
import { afterEach, describe, expect, it } from 'vitest';
import { createSmtpSender, parseEmail, type SmtpSenderOptions } from '../src/index.js';
import { type Answer, startSmtpServer } from './smtpServer.js';

const servers: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function setup(answers: Answer[] = [], extra: Partial<SmtpSenderOptions> = {}) {
  const smtp = await startSmtpServer(answers);
  servers.push(smtp);
  const delays: number[] = [];
  const clock = createManualClock(Date.UTC(2026, 0, 10));
  const sender = createSmtpSender({
    transport: { host: '127.0.0.1', port: smtp.port, secure: false, ignoreTLS: true },
    from: 'Acme Support <support@acme.test>',
    messageIdDomain: 'acme.test',
    store: createMemoryDocumentStore(),
    clock,
    ids: createSequentialIds(),
    random: createRandom(14).next,
    retry: { attempts: 4, baseDelayMs: 100, maxDelayMs: 1000 },
    sleep: async (ms) => {
      delays.push(ms);
    },
    ...extra,
  });
  return { smtp, sender, delays, clock };
}

const reply = {
  conversationId: 'conv-1',
  channel: 'email' as const,
  to: 'ada@example.com',
  content: {
    subject: 'Re: Refund for order #1234',
    text: 'Your refund is on its way.',
    html: '<p>Your refund is on its way.</p>',
  },
  idempotencyKey: 'reply-1',
  inReplyTo: 'CAF1234.abcd@mail.example.com',
  references: ['root-0@example.com'],
};

describe('createSmtpSender', () => {
  it('sends over SMTP with our Message-ID and reply threading headers, and records sent', async () => {
    const { smtp, sender } = await setup();
    const record = await sender.send(reply);
    expect(record).toMatchObject({
      state: 'sent',
      attempts: 1,
      provider: 'smtp',
      to: 'ada@example.com',
      channel: 'email',
    });
    expect(record.providerMessageId).toBe(`${record.id}@acme.test`);
    expect(smtp.received).toHaveLength(1);
    const mail = smtp.received[0];
    expect(mail?.to).toEqual(['ada@example.com']);
    const parsed = await parseEmail(mail?.raw ?? '', { receivedAt: 0 });
    expect(parsed.providerMessageId).toBe(record.providerMessageId);
    expect(parsed.inReplyTo).toBe('CAF1234.abcd@mail.example.com');
    expect(parsed.references).toEqual(['root-0@example.com', 'CAF1234.abcd@mail.example.com']);
    expect(parsed.threadKey).toBe('root-0@example.com');
    expect(parsed.subject).toBe('Re: Refund for order #1234');
    expect(parsed.text.trim()).toBe('Your refund is on its way.');
    expect(parsed.html).toContain('<p>Your refund is on its way.</p>');
    expect(await sender.getDelivery({ idempotencyKey: 'reply-1' })).toEqual(record);
  });

  it('the same idempotency key sends once and returns the first record', async () => {
    const { smtp, sender } = await setup();
    const first = await sender.send(reply);
    const second = await sender.send({ ...reply, content: { text: 'different' } });
    expect(second).toEqual(first);
    expect(smtp.received).toHaveLength(1);
  });

  it('retries transient 4xx with backoff and full jitter, then succeeds', async () => {
    const { smtp, sender, delays } = await setup([451, 421]);
    const record = await sender.send(reply);
    expect(record.state).toBe('sent');
    expect(record.attempts).toBe(3);
    expect(smtp.received).toHaveLength(1);
    expect(delays).toHaveLength(2);
    expect(delays[0]).toBeGreaterThanOrEqual(0);
    expect(delays[0]).toBeLessThan(100);
    expect(delays[1]).toBeLessThan(200);
  });

  it('records failed (retryable) when 4xx outlasts the attempts', async () => {
    const { smtp, sender, delays } = await setup([450, 450, 450, 450, 450]);
    const record = await sender.send(reply);
    expect(record).toMatchObject({
      state: 'failed',
      attempts: 4,
      error: { code: 'SMTP_450', retryable: true },
    });
    expect(delays).toHaveLength(3);
    expect(smtp.received).toHaveLength(0);
  });

  it('a permanent 5xx fails at once with a non-retryable error', async () => {
    const { smtp, sender, delays } = await setup([550]);
    const record = await sender.send(reply);
    expect(record).toMatchObject({
      state: 'failed',
      attempts: 1,
      error: { code: 'SMTP_550', retryable: false },
    });
    expect(record.error?.message).toContain('mailbox unavailable');
    expect(delays).toEqual([]);
    expect(smtp.received).toHaveLength(0);
  });

  it('retries a refused connection (nothing listening) and records failed', async () => {
    const smtp = await startSmtpServer();
    const port = smtp.port;
    await smtp.close();
    const { sender, delays } = await setup([], {
      transport: { host: '127.0.0.1', port, secure: false, ignoreTLS: true, connectionTimeout: 2000 },
    });
    const record = await sender.send(reply);
    expect(record).toMatchObject({ state: 'failed', attempts: 4, error: { retryable: true } });
    expect(delays).toHaveLength(3);
  });

  it('checks the guard first: FORBIDDEN, nothing recorded, nothing sent', async () => {
    const { smtp, sender } = await setup([], { guard: () => ({ allowed: false, reason: 'quiet_hours' }) });
    const error = await sender.send(reply).catch((e) => e);
    expect(isThreadlineError(error, 'FORBIDDEN')).toBe(true);
    expect(error.details.reason).toBe('quiet_hours');
    expect(smtp.attempts()).toBe(0);
    expect(await sender.getDelivery({ idempotencyKey: 'reply-1' })).toBeUndefined();
  });

  it('validates the request: bad input is VALIDATION with the path, other channels are refused', async () => {
    const { sender } = await setup();
    await expect(sender.send({ ...reply, to: '' })).rejects.toMatchObject({
      code: 'VALIDATION',
      path: ['to'],
    });
    await expect(sender.send({ ...reply, channel: 'sms' })).rejects.toMatchObject({
      code: 'VALIDATION',
      path: ['channel'],
    });
  });

  it('reconciles status callbacks in any order: delivered then a late sent stays delivered', async () => {
    const { sender, clock } = await setup();
    const record = await sender.send(reply);
    const base = { kind: 'status' as const, channel: 'email' as const, provider: 'mailgun', metadata: {} };
    const id = record.providerMessageId as string;
    const delivered = await sender.applyStatus({
      ...base,
      providerMessageId: id,
      state: 'delivered',
      occurredAt: clock.now() + 2000,
    });
    expect(delivered?.state).toBe('delivered');
    const late = await sender.applyStatus({
      ...base,
      providerMessageId: id,
      state: 'sent',
      occurredAt: clock.now() + 1000,
    });
    expect(late?.state).toBe('delivered');
    expect(late?.history.map((h) => [h.state, h.applied])).toEqual([
      ['queued', true],
      ['sent', true],
      ['sent', false],
      ['delivered', true],
    ]);
    expect(
      await sender.applyStatus({ ...base, providerMessageId: 'nope@x', state: 'delivered', occurredAt: 1 }),
    ).toBeUndefined();
  });

  it('sends attachments from bytes and base64', async () => {
    const { smtp, sender } = await setup();
    await sender.send({
      ...reply,
      idempotencyKey: 'reply-att',
      content: {
        text: 'Invoice attached.',
        attachments: [
          { filename: 'a.txt', contentType: 'text/plain', content: new TextEncoder().encode('hello bytes') },
          {
            filename: 'b.txt',
            contentType: 'text/plain',
            content: Buffer.from('hello base64').toString('base64'),
          },
        ],
      },
    });
    const parsed = await parseEmail(smtp.received[0]?.raw ?? '', { receivedAt: 0 });
    expect(parsed.attachments.map((a) => [a.filename, a.size])).toEqual([
      ['a.txt', 11],
      ['b.txt', 12],
    ]);
  });

  it('refuses bad options with CONFIG naming the field', () => {
    expect(() =>
      createSmtpSender({
        transport: { host: '127.0.0.1' },
        from: 'support@acme.test',
        messageIdDomain: 'not a domain',
        store: createMemoryDocumentStore(),
        clock: createManualClock(0),
        ids: createSequentialIds(),
        random: createRandom(1).next,
      }),
    ).toThrowError(expect.objectContaining({ code: 'CONFIG', path: ['messageIdDomain'] }));
  });
});
