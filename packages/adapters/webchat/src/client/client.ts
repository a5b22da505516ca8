// The browser client: no Node or library imports, only the global `WebSocket` (or one injected).
import type { ClientFrame, ServerFrame, WireAttachment, WireMessage } from '../protocol.js';
import { CLOSE_CODES } from '../protocol.js';

/** The part of the WebSocket API the client uses (the browser's, or `ws`'s in Node). */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
}

/** A WebSocket constructor (`globalThis.WebSocket` or `ws`'s `WebSocket`). */
export type WebSocketConstructor = new (url: string) => WebSocketLike;

/** The client's connection state. */
export type WebchatClientState = 'connecting' | 'open' | 'closed';

/** Options for {@link createWebchatClient}. */
export interface WebchatClientOptions {
  /** The chat endpoint, e.g. `wss://chat.acme.test/chat`. */
  url: string;
  /** The visitor token from your back end, or a function that fetches a fresh one for each connection. */
  token: string | (() => string | Promise<string>);
  /** Called once per agent message, in order, never twice. */
  onMessage: (message: WireMessage) => void;
  onTyping?: (state: 'started' | 'stopped') => void;
  onStateChange?: (state: WebchatClientState, detail?: { code: number; reason: string }) => void;
  /** The last sequence number the page processed (persist it, e.g. in `sessionStorage`, to resume after a reload). */
  lastSeq?: number;
  /** Default `globalThis.WebSocket`. */
  WebSocket?: WebSocketConstructor;
  /** Reconnect with backoff and jitter after an unexpected close (default on); `false` to stay closed. */
  reconnect?: { baseDelayMs?: number; maxDelayMs?: number } | false;
  /** Ids of outgoing messages (default `crypto.randomUUID()`). */
  newId?: () => string;
  /** A float in [0, 1) for reconnect jitter (default from `crypto.getRandomValues`). */
  random?: () => number;
}

/** What {@link createWebchatClient} returns. */
export interface WebchatClient {
  /** Queues a visitor message; it is resent after a reconnect until the server acknowledges it. Returns its id. */
  send(text: string, attachments?: WireAttachment[]): string;
  typing(state: 'started' | 'stopped'): void;
  /** Tells the agent the visitor saw message `id`. */
  markRead(id: string): void;
  /** The last agent message processed (persist it to resume after a reload). */
  readonly lastSeq: number;
  /** Visitor messages not yet acknowledged. */
  readonly pending: number;
  readonly state: WebchatClientState;
  /** Closes for good (no reconnect). */
  close(): void;
}

const OPEN = 1;
const FINAL = new Set<number>([CLOSE_CODES.replaced, CLOSE_CODES.protocol]);

function defaultRandom(): number {
  const buf = new Uint32Array(1);
  globalThis.crypto.getRandomValues(buf);
  return (buf[0] as number) / 4294967296;
}

/**
 * Creates the browser client: it connects, authenticates with the token, and keeps the
 * conversation whole across reconnects — agent messages are processed once and in order (by
 * sequence number) and acknowledged, the visitor's messages are kept until the server
 * acknowledges them and resent after a reconnect (the server deduplicates them by id).
 *
 * @example
 * ```ts
 * import { createWebchatClient } from '@threadline/adapter-webchat/client';
 *
 * const chat = createWebchatClient({
 *   url: 'wss://chat.acme.test/chat',
 *   token: async () => (await fetch('/chat-token')).text(),
 *   lastSeq: Number(sessionStorage.getItem('chat-seq') ?? 0),
 *   onMessage: (m) => {
 *     console.log(m.author, m.text);
 *     sessionStorage.setItem('chat-seq', String(m.seq));
 *   },
 * });
 * chat.send('Hello, I need help with my order');
 * declare const sessionStorage: { getItem(k: string): string | null; setItem(k: string, v: string): void };
 * ```
 */
export function createWebchatClient(options: WebchatClientOptions): WebchatClient {
  const Ctor = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  if (!Ctor) throw new Error('webchat client: no WebSocket available; pass options.WebSocket');
  const newId = options.newId ?? (() => globalThis.crypto.randomUUID());
  const random = options.random ?? defaultRandom;
  const reconnect = options.reconnect === false ? undefined : (options.reconnect ?? {});
  let lastSeq = options.lastSeq ?? 0;
  let state: WebchatClientState = 'closed';
  let socket: WebSocketLike | undefined;
  let welcomed = false;
  let stopped = false;
  let failures = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  /** Unacknowledged visitor messages, in the order they were sent. */
  const outbox = new Map<string, ClientFrame>();

  const setState = (next: WebchatClientState, detail?: { code: number; reason: string }) => {
    state = next;
    options.onStateChange?.(next, detail);
  };

  const write = (frame: ClientFrame) => {
    if (socket && socket.readyState === OPEN && welcomed) socket.send(JSON.stringify(frame));
  };

  const onFrame = (frame: ServerFrame) => {
    switch (frame.type) {
      case 'welcome':
        welcomed = true;
        failures = 0;
        setState('open');
        for (const pending of outbox.values()) write(pending);
        return;
      case 'message':
        if (frame.seq > lastSeq) {
          lastSeq = frame.seq;
          options.onMessage(frame);
        }
        // Acknowledge duplicates too: the server is waiting for it.
        write({ type: 'ack', seq: lastSeq });
        return;
      case 'ack':
        outbox.delete(frame.id);
        return;
      case 'typing':
        options.onTyping?.(frame.state);
        return;
      case 'error':
        return;
    }
  };

  const schedule = () => {
    if (stopped || !reconnect) return;
    failures += 1;
    const base = reconnect.baseDelayMs ?? 500;
    const cap = Math.min(reconnect.maxDelayMs ?? 30_000, base * 2 ** Math.min(failures - 1, 16));
    timer = setTimeout(() => void open(), Math.floor(random() * cap));
  };

  const open = async () => {
    if (stopped) return;
    setState('connecting');
    welcomed = false;
    let token: string;
    try {
      token = typeof options.token === 'function' ? await options.token() : options.token;
    } catch {
      setState('closed');
      schedule();
      return;
    }
    if (stopped) return;
    const ws = new Ctor(options.url);
    socket = ws;
    ws.onopen = () => ws.send(JSON.stringify({ type: 'hello', token, ack: lastSeq } satisfies ClientFrame));
    ws.onmessage = (event) => {
      if (typeof event.data !== 'string') return;
      let frame: ServerFrame;
      try {
        frame = JSON.parse(event.data) as ServerFrame;
      } catch {
        return;
      }
      onFrame(frame);
    };
    ws.onerror = () => undefined;
    ws.onclose = (event) => {
      if (socket !== ws) return;
      socket = undefined;
      welcomed = false;
      setState('closed', { code: event.code, reason: event.reason });
      if (FINAL.has(event.code)) return;
      // A static token the server refused will be refused again.
      if (event.code === CLOSE_CODES.unauthorized && typeof options.token === 'string') return;
      schedule();
    };
  };

  void open();

  return {
    send(text, attachments) {
      const id = newId();
      const frame: ClientFrame = { type: 'message', id, text, ...(attachments ? { attachments } : {}) };
      outbox.set(id, frame);
      write(frame);
      return id;
    },
    typing(next) {
      write({ type: 'typing', state: next });
    },
    markRead(id) {
      write({ type: 'read', id });
    },
    get lastSeq() {
      return lastSeq;
    },
    get pending() {
      return outbox.size;
    },
    get state() {
      return state;
    },
    close() {
      stopped = true;
      if (timer) clearTimeout(timer);
      const ws = socket;
      socket = undefined;
      ws?.close(CLOSE_CODES.normal, 'client closed');
      setState('closed');
    },
  };
}
