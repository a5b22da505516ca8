import { createRandom } from '@threadline/core';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { createWebchatClient, type WebSocketConstructor, type WireMessage } from '../src/client/index.js';
import { startChat, until } from './harness.js';

const running: { close(): void | Promise<void> }[] = [];
afterEach(async () => {
  for (const r of running.splice(0).reverse()) await r.close();
});

/** `ws`'s WebSocket, injected (Node 20 has no global one), keeping every socket so a test can cut it. */
function trackedWebSocket() {
  const sockets: WebSocket[] = [];
  class Tracked extends WebSocket {
    constructor(url: string) {
      super(url);
      sockets.push(this);
    }
  }
  return { Ctor: Tracked as unknown as WebSocketConstructor, sockets };
}

describe('createWebchatClient', () => {
  it('receives agent messages in order, and acknowledges them (the sender side sees deliveries)', async () => {
    const c = await startChat();
    running.push(c);
    const delivered: string[] = [];
    c.chat.onDelivery((e) => delivered.push(e.messageId));
    const got: WireMessage[] = [];
    const { Ctor } = trackedWebSocket();
    const client = createWebchatClient({
      url: c.url,
      token: c.token('v1'),
      WebSocket: Ctor,
      onMessage: (m) => got.push(m),
      random: createRandom(1).next,
    });
    running.push(client);
    await until(() => client.state === 'open');
    for (let i = 1; i <= 5; i++) await c.chat.deliver('v1', { id: `a${i}`, text: `t${i}` });
    await until(() => delivered.length === 5);
    expect(got.map((m) => m.id)).toEqual(['a1', 'a2', 'a3', 'a4', 'a5']);
    expect(client.lastSeq).toBe(5);
  });

  it('disconnected mid-stream, it reconnects and resumes with nothing lost or duplicated', async () => {
    const c = await startChat();
    running.push(c);
    const got: WireMessage[] = [];
    const { Ctor, sockets } = trackedWebSocket();
    const client = createWebchatClient({
      url: c.url,
      token: c.token('v1'),
      WebSocket: Ctor,
      onMessage: (m) => got.push(m),
      reconnect: { baseDelayMs: 20, maxDelayMs: 50 },
      random: createRandom(2).next,
    });
    running.push(client);
    await until(() => client.state === 'open');
    const total = 300;
    let cuts = 0;
    for (let i = 1; i <= total; i++) {
      await c.chat.deliver('v1', { id: `a${i}`, text: `message ${i}` });
      // Cut the connection abruptly three times while messages are in flight.
      if (i % 90 === 0) {
        // Each cut hits a live connection (under load the previous reconnect may still be pending).
        await until(() => client.state === 'open' && sockets.at(-1)?.readyState === WebSocket.OPEN, 10_000);
        sockets.at(-1)?.terminate();
        cuts += 1;
      }
      if (i % 10 === 0) await new Promise((r) => setTimeout(r, 1));
    }
    await until(() => got.length >= total && client.state === 'open', 10_000);
    await new Promise((r) => setTimeout(r, 50));
    expect(cuts).toBe(3);
    expect(sockets.length).toBeGreaterThanOrEqual(4);
    expect(got.map((m) => m.seq)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    expect(new Set(got.map((m) => m.id)).size).toBe(total);
  });

  it('keeps visitor messages until acknowledged and resends them after a reconnect, processed once', async () => {
    const c = await startChat();
    running.push(c);
    const { Ctor, sockets } = trackedWebSocket();
    let n = 0;
    const client = createWebchatClient({
      url: c.url,
      token: () => c.token('v1'),
      WebSocket: Ctor,
      onMessage: () => undefined,
      reconnect: { baseDelayMs: 20, maxDelayMs: 50 },
      newId: () => `c${++n}`,
      random: createRandom(3).next,
    });
    running.push(client);
    await until(() => client.state === 'open');
    client.send('first');
    await until(() => client.pending === 0);
    sockets.at(-1)?.terminate();
    await until(() => client.state !== 'open');
    // Offline: queued.
    client.send('second');
    client.send('third');
    expect(client.pending).toBe(2);
    await until(() => client.pending === 0, 5000);
    const texts = c.items.flatMap((i) => (i.kind === 'message' ? [i.text] : []));
    expect(texts).toEqual(['first', 'second', 'third']);
  });

  it('a page reload resumes from the persisted lastSeq', async () => {
    const c = await startChat();
    running.push(c);
    const first: WireMessage[] = [];
    const one = createWebchatClient({
      url: c.url,
      token: c.token('v1'),
      WebSocket: trackedWebSocket().Ctor,
      onMessage: (m) => first.push(m),
      reconnect: false,
    });
    await until(() => one.state === 'open');
    await c.chat.deliver('v1', { id: 'a1', text: '1' });
    await c.chat.deliver('v1', { id: 'a2', text: '2' });
    await until(() => first.length === 2);
    const saved = one.lastSeq;
    one.close();
    await c.chat.deliver('v1', { id: 'a3', text: '3' });
    const second: WireMessage[] = [];
    const two = createWebchatClient({
      url: c.url,
      token: c.token('v1'),
      WebSocket: trackedWebSocket().Ctor,
      onMessage: (m) => second.push(m),
      lastSeq: saved,
      reconnect: false,
    });
    running.push(two);
    await until(() => second.length === 1);
    expect(second.map((m) => m.id)).toEqual(['a3']);
  });

  it('stays closed after a refused static token (no reconnect storm)', async () => {
    const c = await startChat();
    running.push(c);
    const { Ctor, sockets } = trackedWebSocket();
    const states: string[] = [];
    const client = createWebchatClient({
      url: c.url,
      token: 'forged.token',
      WebSocket: Ctor,
      onMessage: () => undefined,
      onStateChange: (s, detail) => states.push(detail ? `${s}:${detail.code}` : s),
      reconnect: { baseDelayMs: 5 },
    });
    running.push(client);
    await until(() => states.includes('closed:4401'));
    await new Promise((r) => setTimeout(r, 100));
    expect(sockets).toHaveLength(1);
  });
});
