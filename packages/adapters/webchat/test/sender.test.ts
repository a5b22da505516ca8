import { createMemoryDocumentStore } from '@threadline/adapter-memory';
import { createSequentialIds, isThreadlineError } from '@threadline/core';
import { afterEach, describe, expect, it } from 'vitest';
import { createWebchatSender, type WireMessage } from '../src/index.js';
import { rawClient, startChat } from './harness.js';

const running: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.close()));
});

async function setup(
  guard?: Parameters<typeof createWebchatSender>[0]['guard'],
  maxReplay?: number,
  extra: Partial<Parameters<typeof createWebchatSender>[0]> = {},
) {
  const c = await startChat(maxReplay ? { maxReplay } : {});
  running.push(c);
  const sender = createWebchatSender({
    server: c.chat,
    store: createMemoryDocumentStore(),
    clock: c.clock,
    ids: createSequentialIds(),
    ...(guard ? { guard } : {}),
    ...extra,
  });
  const client = rawClient(c.url);
  await client.opened;
  client.send({ type: 'hello', token: c.token('v1'), ack: 0 });
  await client.next((f) => f.type === 'welcome');
  return { c, sender, client };
}

const reply = {
  conversationId: 'conv-1',
  channel: 'chat' as const,
  to: 'v1',
  content: { text: 'Hi! How can I help?' },
  idempotencyKey: 'r1',
};

describe('createWebchatSender', () => {
  it('sends to the session, then delivered on the client ack and read on its read receipt', async () => {
    const { c, sender, client } = await setup();
    const record = await sender.send(reply);
    expect(record).toMatchObject({
      state: 'sent',
      provider: 'webchat',
      channel: 'chat',
      to: 'v1',
      attempts: 1,
    });
    expect(record.providerMessageId).toBe(record.id);
    const wire = (await client.next((f) => f.type === 'message')) as WireMessage;
    expect(wire).toMatchObject({ seq: 1, id: record.id, text: 'Hi! How can I help?', at: c.clock.now() });
    client.send({ type: 'ack', seq: 1 });
    await expect.poll(async () => (await sender.getDelivery({ id: record.id }))?.state).toBe('delivered');
    client.send({ type: 'read', id: record.id });
    await expect.poll(async () => (await sender.getDelivery({ id: record.id }))?.state).toBe('read');
  });

  it('one send per idempotency key', async () => {
    const { sender, client } = await setup();
    const a = await sender.send(reply);
    const b = await sender.send(reply);
    expect(b.id).toBe(a.id);
    await new Promise((r) => setTimeout(r, 50));
    expect(client.frames.filter((f) => f.type === 'message')).toHaveLength(1);
  });

  it('checks the guard first: FORBIDDEN, nothing recorded or sent', async () => {
    const { sender, client } = await setup(() => ({ allowed: false, reason: 'no_consent' }));
    const error = await sender.send(reply).catch((e) => e);
    expect(isThreadlineError(error, 'FORBIDDEN')).toBe(true);
    expect(await sender.getDelivery({ idempotencyKey: 'r1' })).toBeUndefined();
    await new Promise((r) => setTimeout(r, 30));
    expect(client.frames.some((f) => f.type === 'message')).toBe(false);
  });

  it('an unknown session or a full replay buffer gives a failed record, never a queued one', async () => {
    const { sender } = await setup(undefined, 1, { retry: { attempts: 2, baseDelayMs: 1 } });
    const unknown = await sender.send({ ...reply, to: 'nobody', idempotencyKey: 'r-unknown' });
    expect(unknown).toMatchObject({ state: 'failed', error: { code: 'NOT_FOUND', retryable: false } });
    await sender.send(reply);
    const full = await sender.send({ ...reply, idempotencyKey: 'r2' });
    expect(full).toMatchObject({
      state: 'failed',
      attempts: 2,
      error: { code: 'CAPACITY', retryable: true },
    });
  });

  it('validates requests: other channels and bad fields are VALIDATION with the path', async () => {
    const { sender } = await setup();
    await expect(sender.send({ ...reply, channel: 'sms' })).rejects.toMatchObject({
      code: 'VALIDATION',
      path: ['channel'],
    });
    await expect(sender.send({ ...reply, idempotencyKey: '' })).rejects.toMatchObject({
      code: 'VALIDATION',
      path: ['idempotencyKey'],
    });
  });
});
