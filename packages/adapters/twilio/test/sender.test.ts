import { createMemoryDocumentStore } from '@threadline/adapter-memory';
import { createManualClock, createSequentialIds } from '@threadline/core';
import { afterEach, describe, expect, it } from 'vitest';
import { createTwilioSender } from '../src/index.js';
import { type FakeTwilio, startFakeTwilio } from './fakeTwilio.js';

let fake: FakeTwilio | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function setup(extra: Partial<Parameters<typeof createTwilioSender>[0]> = {}) {
  fake = await startFakeTwilio();
  const clock = createManualClock(Date.UTC(2026, 11, 7, 9));
  const waits: number[] = [];
  const sender = createTwilioSender({
    accountSid: fake.accountSid,
    authToken: fake.authToken,
    from: '+14155238886',
    statusCallbackUrl: 'https://hooks.example.com/twilio/status',
    baseUrl: fake.baseUrl,
    store: createMemoryDocumentStore(),
    clock,
    ids: createSequentialIds(),
    sleep: async (ms) => {
      waits.push(ms);
      clock.advance(ms);
    },
    random: () => 0,
    ...extra,
  });
  return { fake, sender, waits };
}

describe('createTwilioSender', () => {
  it('posts a form with basic auth, the status callback and media URLs', async () => {
    const { fake, sender } = await setup();
    await sender.send({
      conversationId: 'c1',
      channel: 'sms',
      to: '+447700900123',
      content: {
        text: 'Label attached',
        attachments: [
          { filename: 'label.png', contentType: 'image/png', url: 'https://cdn.example.com/l.png' },
        ],
      },
      idempotencyKey: 'k1',
    });
    const sent = fake.requests[0];
    expect(sent?.authorization).toBe(
      `Basic ${Buffer.from(`${fake.accountSid}:${fake.authToken}`).toString('base64')}`,
    );
    expect(sent?.contentType).toBe('application/x-www-form-urlencoded');
    expect(Object.fromEntries(sent?.form ?? [])).toEqual({
      To: '+447700900123',
      From: '+14155238886',
      Body: 'Label attached',
      MediaUrl: 'https://cdn.example.com/l.png',
      StatusCallback: 'https://hooks.example.com/twilio/status',
    });
  });

  it('authenticates with an API key when given, and records a 401 as a permanent failure', async () => {
    const { fake, sender } = await setup({
      apiKeySid: 'SK0123456789abcdef0123456789abcdef',
      authToken: 'key-secret',
    });
    const record = await sender.send({
      conversationId: 'c',
      channel: 'sms',
      to: '+447700900123',
      content: { text: 'x' },
      idempotencyKey: 'ka',
    });
    expect(fake.requests[0]?.authorization).toBe(
      `Basic ${Buffer.from('SK0123456789abcdef0123456789abcdef:key-secret').toString('base64')}`,
    );
    // The fake only knows the account's token, so it answers Twilio's 20003.
    expect(record).toMatchObject({
      state: 'failed',
      attempts: 1,
      error: { code: 'twilio:20003', retryable: false },
    });
  });

  it('prefixes WhatsApp addresses and sends Content API templates', async () => {
    const { fake, sender } = await setup();
    await sender.send({
      conversationId: 'c1',
      channel: 'whatsapp',
      to: '+447700900123',
      content: {
        template: { name: 'HXb5b62575e6e4ff6129ad7c8efe1f983e', language: 'en', parameters: ['A-1042'] },
      },
      idempotencyKey: 'k2',
    });
    expect(Object.fromEntries(fake.requests[0]?.form ?? [])).toMatchObject({
      To: 'whatsapp:+447700900123',
      From: 'whatsapp:+14155238886',
      ContentSid: 'HXb5b62575e6e4ff6129ad7c8efe1f983e',
      ContentVariables: '{"1":"A-1042"}',
    });
  });

  it('honours Retry-After when it is longer than the backoff', async () => {
    const { fake, sender, waits } = await setup();
    fake.script(['throttle', 'unavailable']);
    const record = await sender.send({
      conversationId: 'c',
      channel: 'sms',
      to: '+447700900123',
      content: { text: 'x' },
      idempotencyKey: 'k3',
    });
    expect(record).toMatchObject({ state: 'queued', attempts: 3 });
    // The 429 carries `Retry-After: 1`; the 503 none (random() = 0: half of 500 ms).
    expect(waits).toEqual([1000, 250]);
  });

  it('stops retrying when Retry-After is longer than the policy allows', async () => {
    const { fake, sender, waits } = await setup({ retry: { maxRetryAfterMs: 500 } });
    fake.script(['throttle']);
    const record = await sender.send({
      conversationId: 'c',
      channel: 'sms',
      to: '+447700900123',
      content: { text: 'x' },
      idempotencyKey: 'k4',
    });
    expect(record).toMatchObject({
      state: 'failed',
      attempts: 1,
      error: { code: 'twilio:20429', retryable: true },
    });
    expect(waits).toEqual([]);
  });

  it('records an invalid recipient as a permanent failure with Twilio code and message', async () => {
    const { fake, sender } = await setup();
    fake.script(['reject']);
    const record = await sender.send({
      conversationId: 'c',
      channel: 'sms',
      to: '+447700900123',
      content: { text: 'x' },
      idempotencyKey: 'k5',
    });
    expect(record.error).toEqual({
      code: 'twilio:21211',
      message: "The 'To' number +447700900123 is not a valid phone number.",
      retryable: false,
    });
  });

  it('records a network failure as retryable after its attempts', async () => {
    const { sender } = await setup({ baseUrl: 'http://127.0.0.1:1', retry: { maxAttempts: 2 } });
    const record = await sender.send({
      conversationId: 'c',
      channel: 'sms',
      to: '+447700900123',
      content: { text: 'x' },
      idempotencyKey: 'k6',
    });
    expect(record).toMatchObject({
      state: 'failed',
      attempts: 2,
      error: { code: 'NETWORK', retryable: true },
    });
  });

  it('refuses bytes without a URL, other channels, and bad options', async () => {
    const { sender, fake } = await setup();
    await expect(
      sender.send({
        conversationId: 'c',
        channel: 'sms',
        to: '+447700900123',
        content: { attachments: [{ filename: 'a.png', contentType: 'image/png', content: 'iVBORw0KGgo=' }] },
        idempotencyKey: 'k7',
      }),
    ).rejects.toMatchObject({ code: 'VALIDATION', path: ['content', 'attachments', 0, 'url'] });
    await expect(
      sender.send({
        conversationId: 'c',
        channel: 'email',
        to: 'a@example.com',
        content: { text: 'x' },
        idempotencyKey: 'k8',
      }),
    ).rejects.toMatchObject({ code: 'VALIDATION', path: ['channel'] });
    expect(fake.requests).toHaveLength(0);
    expect(() =>
      createTwilioSender({
        accountSid: 'AC1',
        authToken: 't',
        store: createMemoryDocumentStore(),
        clock: createManualClock(0),
        ids: createSequentialIds(),
      }),
    ).toThrow(expect.objectContaining({ code: 'CONFIG', path: ['from'] }));
  });
});
