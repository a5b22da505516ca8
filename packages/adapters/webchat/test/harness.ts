import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createMemoryDocumentStore } from '@threadline/adapter-memory';
import { createManualClock, type DocumentStore } from '@threadline/core';
import type { InboundChannelItem } from '@threadline/core/channels';
import { WebSocket } from 'ws';
import {
  createVisitorToken,
  createWebchatServer,
  type ServerFrame,
  type WebchatServerOptions,
} from '../src/index.js';

export const SECRET = 'test-secret-0123456789abcdef';
export const START = Date.UTC(2026, 0, 12, 9);

/** An HTTP server on loopback with the chat attached, recording every item (test helper). */
export async function startChat(
  extra: Partial<WebchatServerOptions> = {},
  store: DocumentStore = createMemoryDocumentStore(),
) {
  const http = createServer();
  const clock = createManualClock(START);
  const items: InboundChannelItem[] = [];
  const chat = createWebchatServer({
    server: http,
    path: '/chat',
    secret: SECRET,
    store,
    clock,
    widgetId: 'acme-site',
    onItem: (item) => {
      items.push(item);
    },
    ...extra,
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const url = `ws://127.0.0.1:${(http.address() as AddressInfo).port}/chat`;
  const token = (
    visitorId: string,
    more: { sessionId?: string; email?: string; emailVerified?: boolean; expiresAt?: number } = {},
  ) =>
    createVisitorToken({ secret: SECRET, visitorId, expiresAt: more.expiresAt ?? START + 3600_000, ...more });
  return {
    http,
    chat,
    clock,
    items,
    store,
    url,
    token,
    async close() {
      await chat.close();
      http.closeAllConnections?.();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}

/** A raw protocol client on `ws` that records frames (test helper). */
export function rawClient(url: string) {
  const ws = new WebSocket(url);
  const frames: ServerFrame[] = [];
  const waiters: { test: (f: ServerFrame) => boolean; resolve: (f: ServerFrame) => void }[] = [];
  let closed: { code: number; reason: string } | undefined;
  const closeWaiters: ((c: { code: number; reason: string }) => void)[] = [];
  ws.on('message', (data) => {
    const frame = JSON.parse(data.toString()) as ServerFrame;
    frames.push(frame);
    for (const w of [...waiters]) {
      if (w.test(frame)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(frame);
      }
    }
  });
  ws.on('close', (code, reason) => {
    closed = { code, reason: reason.toString() };
    for (const w of closeWaiters.splice(0)) w(closed);
  });
  ws.on('error', () => undefined);
  const opened = new Promise<void>((resolve) => ws.once('open', () => resolve()));
  return {
    ws,
    frames,
    opened,
    send(frame: unknown) {
      ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
    },
    next(test: (f: ServerFrame) => boolean): Promise<ServerFrame> {
      const found = frames.find(test);
      if (found) return Promise.resolve(found);
      return new Promise((resolve) => waiters.push({ test, resolve }));
    },
    closed(): Promise<{ code: number; reason: string }> {
      if (closed) return Promise.resolve(closed);
      return new Promise((resolve) => closeWaiters.push(resolve));
    },
  };
}

/** Waits until `check` passes or fails after `ms` (test helper). */
export async function until(check: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}
