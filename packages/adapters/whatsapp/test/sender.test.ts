import { createMemoryDocumentStore } from '@threadline/adapter-memory';
import { createManualClock, createSequentialIds, isThreadlineError } from '@threadline/core';
import { afterEach, describe, expect, it } from 'vitest';
import { backoffDelay, createWhatsAppSender, DEFAULT_RETRY_POLICY, parseRetryAfter } from '../src/index.js';
import { type FakeGraph, startFakeGraph } from './fakeGraph.js';

let fake: FakeGraph | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function setup() {
  fake = await startFakeGraph();
  const clock = createManualClock(Date.UTC(2026, 11, 7, 9));
  const waits: number[] = [];
  const sender = createWhatsAppSender({
    accessToken: fake.accessToken,
    phoneNumberId: fake.phoneNumberId,
    baseUrl: fake.baseUrl,
    store: createMemoryDocumentStore(),
    clock,
    ids: createSequentialIds(),
    sleep: async (ms) => {
      waits.push(ms);
      clock.advance(ms);
    },
    random: () => 0.5,
  });
  return { fake, sender, waits };
}
const base = { conversationId: 'c1', channel: 'whatsapp' as const, to: '+44 7700 900123' };

describe('createWhatsAppSender', () => {
  it('sends text with a bearer token to the phone number id', async () => {
    const { fake, sender } = await setup();
    const record = await sender.send({ ...base, content: { text: 'Hello' }, idempotencyKey: 'k1' });
    expect(record).toMatchObject({ state: 'queued', provider: 'whatsapp', attempts: 1 });
    expect(fake.sends()[0]).toMatchObject({
      authorization: `Bearer ${fake.accessToken}`,
      contentType: 'application/json',
      json: {
        messaging_product: 'whatsapp',
        recipient_type: 'individual',
        to: '447700900123',
        type: 'text',
        text: { body: 'Hello', preview_url: false },
      },
    });
  });

  it('sends templates with body parameters, and media by link with a caption', async () => {
    const { fake, sender } = await setup();
    await sender.send({
      ...base,
      content: { template: { name: 'order_update', language: 'en_GB', parameters: ['A-1042', 'today'] } },
      idempotencyKey: 't1',
    });
    await sender.send({
      ...base,
      content: {
        text: 'Your invoice',
        attachments: [
          { filename: 'invoice.pdf', contentType: 'application/pdf', url: 'https://cdn.example.com/i.pdf' },
        ],
      },
      idempotencyKey: 'm1',
    });
    expect(fake.sends()[0]?.json).toMatchObject({
      type: 'template',
      template: {
        name: 'order_update',
        language: { code: 'en_GB' },
        components: [
          {
            type: 'body',
            parameters: [
              { type: 'text', text: 'A-1042' },
              { type: 'text', text: 'today' },
            ],
          },
        ],
      },
    });
    expect(fake.sends()[1]?.json).toMatchObject({
      type: 'document',
      document: { link: 'https://cdn.example.com/i.pdf', caption: 'Your invoice', filename: 'invoice.pdf' },
    });
  });

  it('uploads bytes first and sends the media by id', async () => {
    const { fake, sender } = await setup();
    const record = await sender.send({
      ...base,
      content: {
        attachments: [
          { filename: 'photo.jpg', contentType: 'image/jpeg', content: new Uint8Array([0xff, 0xd8, 0xff]) },
        ],
      },
      idempotencyKey: 'u1',
    });
    expect(record.state).toBe('queued');
    expect(fake.requests.map((r) => r.path)).toEqual([
      `/v21.0/${fake.phoneNumberId}/media`,
      `/v21.0/${fake.phoneNumberId}/messages`,
    ]);
    expect(fake.requests[0]?.contentType).toMatch(/^multipart\/form-data/);
    expect(fake.sends()[0]?.json).toMatchObject({ type: 'image', image: { id: '9000000000000001' } });
  });

  it('records 131047 outside the 24-hour window as a clear permanent failure', async () => {
    const { fake, sender } = await setup();
    fake.script(['reject']);
    const record = await sender.send({ ...base, content: { text: 'Still there?' }, idempotencyKey: 'r1' });
    expect(record.state).toBe('failed');
    expect(record.error).toMatchObject({ code: 'whatsapp:131047', retryable: false });
    expect(record.error?.message).toMatch(/24 hours.*template/);
  });

  it('retries Graph throttling (a 400 with code 130429) and 500s with growing jittered waits', async () => {
    const { fake, sender, waits } = await setup();
    fake.script(['throttle', 'unavailable', 'throttle']);
    const record = await sender.send({ ...base, content: { text: 'Hi' }, idempotencyKey: 'b1' });
    expect(record).toMatchObject({ state: 'queued', attempts: 4 });
    // random() = 0.5 → three quarters of 250, 500, 1000 ms.
    expect(waits).toEqual([188, 375, 750]);
  });

  it('refuses requests it cannot send, naming the field', async () => {
    const { fake, sender } = await setup();
    const path = async (request: Parameters<typeof sender.send>[0]) => {
      try {
        await sender.send(request);
      } catch (error) {
        if (isThreadlineError(error, 'VALIDATION')) return error.path;
        throw error;
      }
      return undefined;
    };
    expect(await path({ ...base, channel: 'sms', content: { text: 'x' }, idempotencyKey: 'v1' })).toEqual([
      'channel',
    ]);
    expect(
      await path({ ...base, to: 'ana@example.com', content: { text: 'x' }, idempotencyKey: 'v2' }),
    ).toEqual(['to']);
    expect(
      await path({
        ...base,
        content: {
          text: 'x',
          attachments: [{ filename: 'a.ogg', contentType: 'audio/ogg', url: 'https://x.example/a.ogg' }],
        },
        idempotencyKey: 'v3',
      }),
    ).toEqual(['content', 'text']);
    expect(fake.requests).toHaveLength(0);
  });

  it('rejects bad options as CONFIG', () => {
    expect(() =>
      createWhatsAppSender({
        accessToken: '',
        phoneNumberId: 'abc',
        store: createMemoryDocumentStore(),
        clock: createManualClock(0),
        ids: createSequentialIds(),
      }),
    ).toThrow(expect.objectContaining({ code: 'CONFIG' }));
  });
});

describe('retry helpers', () => {
  it('reads Retry-After as seconds or a date, and backs off exponentially with a cap', () => {
    expect(parseRetryAfter('3', 0)).toBe(3000);
    expect(parseRetryAfter('Mon, 07 Dec 2026 09:00:05 GMT', Date.UTC(2026, 11, 7, 9))).toBe(5000);
    expect(parseRetryAfter('soon', 0)).toBeUndefined();
    expect(parseRetryAfter(null, 0)).toBeUndefined();
    const p = { ...DEFAULT_RETRY_POLICY, baseDelayMs: 100, maxDelayMs: 1000 };
    expect([1, 2, 3, 4, 5].map((n) => backoffDelay(n, p, () => 0))).toEqual([50, 100, 200, 400, 500]);
    expect([1, 2, 3, 4, 5].map((n) => backoffDelay(n, p, () => 0.999999))).toEqual([
      100, 200, 400, 800, 1000,
    ]);
  });
});
