import { createMemoryDocumentStore } from '@threadline/adapter-memory';
import { afterEach, describe, expect, it } from 'vitest';
import { CLOSE_CODES, type WebchatDeliveryEvent, type WireMessage } from '../src/index.js';
import { rawClient, START, startChat, until } from './harness.js';

const running: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.close()));
});

async function chat(extra: Parameters<typeof startChat>[0] = {}, store = createMemoryDocumentStore()) {
  const c = await startChat(extra, store);
  running.push(c);
  return c;
}

async function connect(url: string, token: string, ack = 0) {
  const client = rawClient(url);
  await client.opened;
  client.send({ type: 'hello', token, ack });
  await client.next((f) => f.type === 'welcome');
  return client;
}

describe('createWebchatServer', () => {
  it('authenticates with the token in the first frame and starts the session', async () => {
    const c = await chat();
    const client = await connect(c.url, c.token('v1', { email: 'ada@example.com', emailVerified: true }));
    expect(client.frames[0]).toEqual({
      type: 'welcome',
      sessionId: 'v1',
      visitorId: 'v1',
      resumedAfter: 0,
      heartbeatMs: 30_000,
    });
    await until(() => c.items.length === 1);
    expect(c.items[0]).toMatchObject({
      kind: 'conversation',
      type: 'session.started',
      channel: 'chat',
      provider: 'webchat',
      providerConversationId: 'v1',
      to: 'acme-site',
      from: {
        identities: [
          { kind: 'channel_handle', namespace: 'webchat', value: 'v1', verified: true, channel: 'chat' },
          { kind: 'email', value: 'ada@example.com', verified: true, channel: 'chat' },
        ],
      },
    });
    expect(c.chat.isConnected('v1')).toBe(true);
  });

  it('refuses bad and expired tokens (4401), a missing hello (4408) and non-protocol frames (4400)', async () => {
    const c = await chat({ helloTimeoutMs: 100 });
    const bad = rawClient(c.url);
    await bad.opened;
    bad.send({ type: 'hello', token: 'nope.nope', ack: 0 });
    expect((await bad.closed()).code).toBe(CLOSE_CODES.unauthorized);
    const expired = rawClient(c.url);
    await expired.opened;
    expired.send({ type: 'hello', token: c.token('v2', { expiresAt: START - 1 }), ack: 0 });
    expect(await expired.closed()).toEqual({ code: CLOSE_CODES.unauthorized, reason: 'expired' });
    const silent = rawClient(c.url);
    expect((await silent.closed()).code).toBe(CLOSE_CODES.helloTimeout);
    const junk = rawClient(c.url);
    await junk.opened;
    junk.send('{"type":"message"}');
    expect((await junk.closed()).code).toBe(CLOSE_CODES.protocol);
    expect(c.items).toEqual([]);
    expect(c.chat.stats().rejected).toBe(2);
  });

  it('normalises a visitor message, acknowledges it after onItem, and dedupes a resend by id', async () => {
    const c = await chat();
    const client = await connect(c.url, c.token('v1', { sessionId: 's1' }));
    client.send({
      type: 'message',
      id: 'm1',
      text: 'Where is my order?',
      attachments: [{ url: 'https://cdn.acme.test/a.png', contentType: 'image/png', size: 10 }],
    });
    await client.next((f) => f.type === 'ack' && f.id === 'm1');
    client.send({ type: 'message', id: 'm1', text: 'Where is my order?' });
    await until(() => client.frames.filter((f) => f.type === 'ack').length === 2);
    const messages = c.items.filter((i) => i.kind === 'message');
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({
      providerMessageId: 's1:m1',
      threadKey: 's1',
      text: 'Where is my order?',
      to: 'acme-site',
      occurredAt: START,
      attachments: [{ url: 'https://cdn.acme.test/a.png', contentType: 'image/png', size: 10 }],
      metadata: { sessionId: 's1', visitorId: 'v1', clientMessageId: 'm1' },
    });
  });

  it('does not acknowledge a message onItem failed to take, so the client sends it again', async () => {
    let fail = true;
    const c = await chat({
      onItem: (item) => {
        if (item.kind === 'message' && fail) throw new Error('database down');
      },
    });
    const client = await connect(c.url, c.token('v1'));
    client.send({ type: 'message', id: 'm1', text: 'hello' });
    expect(await client.next((f) => f.type === 'error')).toMatchObject({ id: 'm1' });
    expect(client.frames.some((f) => f.type === 'ack')).toBe(false);
    fail = false;
    client.send({ type: 'message', id: 'm1', text: 'hello' });
    await client.next((f) => f.type === 'ack' && f.id === 'm1');
  });

  it('turns typing and reads into conversation events, and reads into read deliveries', async () => {
    const c = await chat();
    const events: WebchatDeliveryEvent[] = [];
    c.chat.onDelivery((e) => events.push(e));
    const client = await connect(c.url, c.token('v1'));
    client.send({ type: 'typing', state: 'started' });
    client.send({ type: 'typing', state: 'stopped' });
    client.send({ type: 'read', id: 'dlv-9' });
    await until(() => c.items.length === 4);
    expect(c.items.map((i) => (i.kind === 'conversation' ? i.type : i.kind))).toEqual([
      'session.started',
      'typing.started',
      'typing.stopped',
      'message.read',
    ]);
    expect(c.items[3]).toMatchObject({ providerMessageId: 'dlv-9' });
    expect(events).toEqual([{ sessionId: 'v1', messageId: 'dlv-9', state: 'read', at: START }]);
    expect(c.chat.typing('v1', 'started')).toBe(true);
    await client.next((f) => f.type === 'typing');
  });

  it('numbers agent messages, replays the unacknowledged ones after a reconnect, and reports deliveries', async () => {
    const c = await chat();
    const delivered: string[] = [];
    c.chat.onDelivery((e) => delivered.push(`${e.messageId}:${e.state}`));
    await expect(c.chat.deliver('nobody', { id: 'x', text: 'hi' })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    const first = await connect(c.url, c.token('v1'));
    for (let i = 1; i <= 3; i++) await c.chat.deliver('v1', { id: `a${i}`, text: `answer ${i}` });
    await until(() => first.frames.filter((f) => f.type === 'message').length === 3);
    first.send({ type: 'ack', seq: 1 });
    await until(() => delivered.length === 1);
    first.ws.terminate();
    await first.closed();
    // Offline: buffered.
    expect(await c.chat.deliver('v1', { id: 'a4', text: 'answer 4' })).toEqual({ seq: 4, pushed: false });
    const second = await connect(c.url, c.token('v1'), 2);
    await until(() => second.frames.filter((f) => f.type === 'message').length === 2);
    expect(
      second.frames.filter((f): f is WireMessage => f.type === 'message').map((m) => [m.seq, m.id]),
    ).toEqual([
      [3, 'a3'],
      [4, 'a4'],
    ]);
    expect(second.frames[0]).toMatchObject({ type: 'welcome', resumedAfter: 2 });
    second.send({ type: 'ack', seq: 4 });
    await until(() => delivered.length === 4);
    expect(delivered).toEqual(['a1:delivered', 'a2:delivered', 'a3:delivered', 'a4:delivered']);
  });

  it('keeps the replay buffer on the store: a restarted server resumes the session', async () => {
    const store = createMemoryDocumentStore();
    const one = await chat({}, store);
    const a = await connect(one.url, one.token('v1'));
    await one.chat.deliver('v1', { id: 'a1', text: 'one' });
    await a.next((f) => f.type === 'message');
    await one.close();
    running.splice(running.indexOf(one), 1);
    const two = await chat({}, store);
    await two.chat.deliver('v1', { id: 'a2', text: 'two' });
    const b = await connect(two.url, two.token('v1'), 0);
    await until(() => b.frames.filter((f) => f.type === 'message').length === 2);
    expect(b.frames.filter((f): f is WireMessage => f.type === 'message').map((m) => m.seq)).toEqual([1, 2]);
  });

  it('bounds the replay buffer: past maxReplay, deliver is CAPACITY', async () => {
    const c = await chat({ maxReplay: 2 });
    const client = await connect(c.url, c.token('v1'));
    await c.chat.deliver('v1', { id: 'a1', text: '1' });
    await c.chat.deliver('v1', { id: 'a2', text: '2' });
    await expect(c.chat.deliver('v1', { id: 'a3', text: '3' })).rejects.toMatchObject({ code: 'CAPACITY' });
    client.send({ type: 'ack', seq: 2 });
    await until(() => c.store !== undefined);
    await new Promise((r) => setTimeout(r, 50));
    expect((await c.chat.deliver('v1', { id: 'a3', text: '3' })).seq).toBe(3);
  });

  it('a second connection for the session replaces the first (4409)', async () => {
    const c = await chat();
    const first = await connect(c.url, c.token('v1'));
    await connect(c.url, c.token('v1'));
    expect((await first.closed()).code).toBe(CLOSE_CODES.replaced);
    expect(c.chat.stats().connected).toBe(1);
  });

  it('disconnects a client that stops reading once its buffered bytes pass the bound (4429); it resumes with everything', async () => {
    const c = await chat({ maxBufferedBytes: 64 * 1024 });
    const slow = await connect(c.url, c.token('v1'));
    // Stop reading: TCP fills up, then the server's socket buffer grows.
    slow.ws.pause();
    const text = 'x'.repeat(16 * 1024);
    let sent = 0;
    while (c.chat.isConnected('v1') && sent < 2000) {
      await c.chat.deliver('v1', { id: `big-${++sent}`, text });
      if (sent % 50 === 0) await new Promise((r) => setTimeout(r, 1));
    }
    expect(c.chat.stats().slowConsumers).toBe(1);
    slow.ws.terminate();
    // Delivered while disconnected, then a resume from the start gets all of it, in order, once.
    await c.chat.deliver('v1', { id: `big-${++sent}`, text: 'last' });
    const back = await connect(c.url, c.token('v1'), 0);
    await until(() => back.frames.filter((f) => f.type === 'message').length === sent, 15_000);
    const seqs = back.frames.filter((f): f is WireMessage => f.type === 'message').map((m) => m.seq);
    expect(seqs).toEqual(Array.from({ length: sent }, (_, i) => i + 1));
  });

  it('drops a peer that does not answer pings', async () => {
    const c = await chat({ heartbeatMs: 50 });
    const client = rawClient(c.url);
    await client.opened;
    client.send({ type: 'hello', token: c.token('v1'), ack: 0 });
    await client.next((f) => f.type === 'welcome');
    // Stop answering pings (and reading).
    client.ws.pause();
    await until(() => !c.chat.isConnected('v1'), 2000);
    expect(c.chat.stats().deadPeers).toBe(1);
  });

  it('refuses bad options with CONFIG', async () => {
    const { createWebchatServer } = await import('../src/index.js');
    expect(() =>
      createWebchatServer({
        secret: 'short',
        store: createMemoryDocumentStore(),
        clock: { now: () => 0 },
        onItem: () => undefined,
      }),
    ).toThrowError(expect.objectContaining({ code: 'CONFIG', path: ['secret'] }));
  });
});
