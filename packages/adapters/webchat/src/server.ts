import type { Server as HttpServer, IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import {
  type Clock,
  type DocumentStore,
  isThreadlineError,
  parseInput,
  type Unsubscribe,
} from '@threadline/core';
import type { InboundChannelItem, InboundMessage } from '@threadline/core/channels';
import { InboundChannelItemSchema } from '@threadline/core/channels';
import { type WebSocket, WebSocketServer } from 'ws';
import { z } from 'zod';
import { parseClientFrame } from './frames.js';
import { CLOSE_CODES, type ServerFrame, type WireAttachment, type WireMessage } from './protocol.js';
import { createSessionLog } from './sessionLog.js';
import { type VisitorClaims, verifyVisitorToken } from './token.js';

/** Options for {@link createWebchatServer}. */
export interface WebchatServerOptions {
  /** The host's HTTP(S) server to attach to; or omit it and call `handleUpgrade` from your own `upgrade` handler. */
  server?: HttpServer;
  /** The path sockets connect on (default `/chat`). */
  path?: string;
  /** Verifies visitor tokens; a list during a rotation (tokens signed with the first). */
  secret: string | readonly string[];
  /** Where sessions' replay buffers and dedupe windows live. */
  store: DocumentStore;
  clock: Clock;
  /** Receives every normalised item: visitors' messages, typing, reads, session starts. A message is acknowledged to the visitor only after this resolves. */
  onItem: (item: InboundChannelItem, session: VisitorClaims) => Promise<void> | void;
  /** Our address in normalised messages' `to` (default `webchat`): the widget or site id. */
  widgetId?: string;
  /** Ping interval; a peer that has not answered the previous ping is dropped (default 30 000). */
  heartbeatMs?: number;
  /** How long a new socket may take to say `hello` (default 10 000). */
  helloTimeoutMs?: number;
  /** The most bytes a socket may have waiting to be sent; past it the client is disconnected with 4429 and resumes later (default 1 MiB). */
  maxBufferedBytes?: number;
  /** The most unacknowledged messages a session keeps for replay (default 1 000); past it `deliver` is `CAPACITY`. */
  maxReplay?: number;
  /** The largest frame a client may send, in bytes (default 64 KiB). */
  maxFrameBytes?: number;
  tenantId?: string;
  /** Collection of session documents (default `webchat_sessions`). */
  collection?: string;
}

/** A server message delivered to a visitor's device (acknowledged) or read by them. */
export interface WebchatDeliveryEvent {
  sessionId: string;
  messageId: string;
  state: 'delivered' | 'read';
  at: number;
}

/** What {@link createWebchatServer} returns. */
export interface WebchatServer {
  /**
   * Sends a message to a session: numbered, stored for replay until the visitor acknowledges it,
   * and pushed at once when the visitor is connected. `NOT_FOUND` for a session that never
   * connected, `CAPACITY` when its replay buffer is full.
   */
  deliver(
    sessionId: string,
    message: { id: string; text?: string; html?: string; attachments?: WireAttachment[]; author?: string },
  ): Promise<{ seq: number; pushed: boolean }>;
  /**
   * Links a session to the customer identity resolution found for its visitor, so the session
   * document carries `customerId` and a customer's erasure finds it (web chat declares its
   * session documents through core's `declarePersonalData`). Idempotent; `NOT_FOUND` for a
   * session that never connected, `VALIDATION` for an empty id.
   *
   * @example
   * ```ts
   * const { customerId } = await identity.resolve(item.from.identities);
   * await chat.linkCustomer(session.sessionId, customerId);
   * ```
   */
  linkCustomer(sessionId: string, customerId: string): Promise<void>;
  /** Shows or hides the agent's typing indicator (dropped when the visitor is offline). */
  typing(sessionId: string, state: 'started' | 'stopped'): boolean;
  /** Tells `handler` about acknowledged and read server messages. */
  onDelivery(handler: (event: WebchatDeliveryEvent) => void): Unsubscribe;
  /** Hands an HTTP upgrade to the chat (when you route upgrades yourself). */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Whether the session has a live socket. */
  isConnected(sessionId: string): boolean;
  stats(): { connected: number; slowConsumers: number; deadPeers: number; rejected: number };
  /** Closes every socket (1001) and stops the heartbeat. */
  close(): Promise<void>;
}

const OptionsSchema = z
  .object({
    server: z.custom<HttpServer>((v) => typeof (v as HttpServer | undefined)?.on === 'function').optional(),
    path: z.string().startsWith('/').optional(),
    secret: z.union([z.string().min(16), z.array(z.string().min(16)).min(1)]),
    store: z.custom<DocumentStore>(
      (v) => typeof (v as DocumentStore | undefined)?.put === 'function',
      'expected a DocumentStore',
    ),
    clock: z.custom<Clock>((v) => typeof (v as Clock | undefined)?.now === 'function', 'expected a Clock'),
    onItem: z.custom<WebchatServerOptions['onItem']>((v) => typeof v === 'function', 'expected a function'),
    widgetId: z.string().min(1).max(1000).optional(),
    heartbeatMs: z.number().int().min(10).optional(),
    helloTimeoutMs: z.number().int().min(10).optional(),
    maxBufferedBytes: z.number().int().min(1024).optional(),
    maxReplay: z.number().int().min(1).optional(),
    maxFrameBytes: z.number().int().min(256).optional(),
    tenantId: z.string().min(1).optional(),
    collection: z.string().min(1).optional(),
  })
  .strict();

const LinkSchema = z.object({
  sessionId: z.string().min(1).max(500),
  customerId: z.string().min(1).max(500),
});

interface Connection {
  socket: WebSocket;
  claims?: VisitorClaims;
  alive: boolean;
  closing: boolean;
  /** While the replay after a `hello` runs, live deliveries wait for it (they are in the buffer). */
  replaying: boolean;
  queue: Promise<void>;
}

/**
 * Creates the web chat server on `ws`. A visitor's socket authenticates with a signed token in
 * its first frame, then exchanges JSON frames (see `protocol.ts`): visitor messages are
 * normalised (core's `InboundMessage`, channel `chat`) and acknowledged once `onItem` resolved,
 * with redeliveries deduplicated by the client's id; typing and reads become conversation events;
 * agent messages get per-session sequence numbers and stay in a replay buffer on the
 * `DocumentStore` until acknowledged, so a reconnecting client resumes without loss or
 * duplicates. A client whose unsent bytes pass `maxBufferedBytes` is disconnected (4429); a peer
 * that misses a heartbeat is dropped.
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http';
 * import { createMemoryDocumentStore } from '@threadline/adapter-memory';
 * import { createWebchatServer } from '@threadline/adapter-webchat';
 * import { createSystemClock } from '@threadline/core';
 *
 * const http = createServer();
 * const chat = createWebchatServer({
 *   server: http,
 *   path: '/chat',
 *   secret: 'a-long-random-secret-from-your-vault',
 *   store: createMemoryDocumentStore(),
 *   clock: createSystemClock(),
 *   onItem: async (item) => {
 *     if (item.kind === 'message') console.log(item.from.identities, item.text);
 *   },
 * });
 * http.listen(8080);
 * ```
 */
export function createWebchatServer(options: WebchatServerOptions): WebchatServer {
  const config = parseInput(
    OptionsSchema,
    options,
    'webchat server options',
    'CONFIG',
  ) as WebchatServerOptions;
  const heartbeatMs = config.heartbeatMs ?? 30_000;
  const helloTimeoutMs = config.helloTimeoutMs ?? 10_000;
  const maxBuffered = config.maxBufferedBytes ?? 1024 * 1024;
  const widgetId = config.widgetId ?? 'webchat';
  const clock = config.clock;
  const log = createSessionLog({
    store: config.store,
    collection: config.collection ?? 'webchat_sessions',
    tenantId: config.tenantId ?? 'default',
    maxReplay: config.maxReplay ?? 1000,
    maxInboundIds: 1000,
  });
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: config.maxFrameBytes ?? 64 * 1024,
    perMessageDeflate: false,
  });
  const path = config.path ?? '/chat';
  const live = new Map<string, Connection>();
  const all = new Set<Connection>();
  const deliveryHandlers = new Set<(event: WebchatDeliveryEvent) => void>();
  const counters = { slowConsumers: 0, deadPeers: 0, rejected: 0 };

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = req.url ?? '/';
    const pathname = url.split('?')[0];
    if (pathname !== path) return; // another handler's upgrade
    handleUpgrade(req, socket, head);
  };
  config.server?.on('upgrade', onUpgrade);

  function handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer) {
    wss.handleUpgrade(req, socket, head, (ws) => accept(ws));
  }

  const heartbeat = setInterval(() => {
    for (const c of all) {
      if (!c.alive) {
        counters.deadPeers += 1;
        c.socket.terminate();
        continue;
      }
      c.alive = false;
      try {
        c.socket.ping();
      } catch {
        c.socket.terminate();
      }
    }
  }, heartbeatMs);
  heartbeat.unref?.();

  function emitDelivery(event: WebchatDeliveryEvent) {
    for (const handler of deliveryHandlers) {
      try {
        handler(event);
      } catch {
        // A throwing listener must not break the socket loop; the ledger can be reconciled later.
      }
    }
  }

  /** Sends a frame; disconnects a client whose unsent bytes passed the bound. */
  function push(c: Connection, frame: ServerFrame): boolean {
    if (c.closing || c.socket.readyState !== c.socket.OPEN) return false;
    c.socket.send(JSON.stringify(frame));
    if (c.socket.bufferedAmount > maxBuffered) {
      counters.slowConsumers += 1;
      shut(c, CLOSE_CODES.slowConsumer, 'slow consumer');
    }
    return true;
  }

  function shut(c: Connection, code: number, reason: string) {
    if (c.closing) return;
    c.closing = true;
    // From now on the session counts as offline: deliveries wait in the replay buffer.
    if (c.claims && live.get(c.claims.sessionId) === c) live.delete(c.claims.sessionId);
    c.socket.close(code, reason);
    // A peer that does not read will not read our close frame either: cut it after a grace period.
    const timer = setTimeout(() => c.socket.terminate(), 2000);
    timer.unref?.();
    c.socket.once('close', () => clearTimeout(timer));
  }

  async function deliverItem(item: unknown, claims: VisitorClaims) {
    const parsed = parseInput(InboundChannelItemSchema, item, 'webchat item');
    await config.onItem(parsed, claims);
  }

  function identities(claims: VisitorClaims) {
    const list: InboundMessage['from']['identities'] = [
      {
        kind: 'channel_handle',
        namespace: 'webchat',
        value: claims.visitorId,
        verified: true,
        channel: 'chat',
      },
    ];
    if (claims.email)
      list.push({
        kind: 'email',
        value: claims.email,
        verified: claims.emailVerified === true,
        channel: 'chat',
      });
    return list;
  }

  function sender(claims: VisitorClaims) {
    return {
      identities: identities(claims),
      ...(claims.displayName ? { displayName: claims.displayName } : {}),
    };
  }

  function conversationEvent(claims: VisitorClaims, type: string, extra: Record<string, unknown> = {}) {
    return {
      kind: 'conversation',
      channel: 'chat',
      provider: 'webchat',
      occurredAt: clock.now(),
      threadKey: claims.sessionId,
      metadata: { sessionId: claims.sessionId, visitorId: claims.visitorId },
      type,
      providerConversationId: claims.sessionId,
      from: sender(claims),
      to: widgetId,
      ...extra,
    };
  }

  async function hello(c: Connection, token: string, ack: number) {
    const result = verifyVisitorToken(token, { secret: config.secret, now: clock.now() });
    if (!result.valid) {
      counters.rejected += 1;
      push(c, { type: 'error', code: 'UNAUTHORIZED', message: result.reason });
      shut(c, CLOSE_CODES.unauthorized, result.reason);
      return;
    }
    const claims = result.claims;
    let created: boolean;
    try {
      created = (await log.open(claims.sessionId, claims.visitorId)).created;
    } catch (error) {
      counters.rejected += 1;
      shut(c, CLOSE_CODES.unauthorized, isThreadlineError(error) ? error.code : 'error');
      return;
    }
    const previous = live.get(claims.sessionId);
    if (previous && previous !== c) shut(previous, CLOSE_CODES.replaced, 'replaced');
    c.claims = claims;
    live.set(claims.sessionId, c);
    await acknowledge(claims, ack);
    const fresh = (await log.open(claims.sessionId, claims.visitorId)).doc;
    push(c, {
      type: 'welcome',
      sessionId: claims.sessionId,
      visitorId: claims.visitorId,
      resumedAfter: Math.max(ack, fresh.acked),
      heartbeatMs,
    });
    c.replaying = true;
    void replay(c, claims.sessionId, Math.max(ack, fresh.acked));
    if (created) await deliverItem(conversationEvent(claims, 'session.started'), claims);
  }

  /**
   * Sends the buffered messages after `after`, in order, pacing itself on the socket (it waits for
   * writes to flush once half the byte bound is queued) so a long replay does not trip the
   * slow-consumer bound. Messages delivered meanwhile land in the buffer and are picked up here.
   */
  async function replay(c: Connection, sessionId: string, after: number) {
    let last = after;
    for (;;) {
      const next = log.bufferedAfter(sessionId, last);
      if (next.length === 0 || c.closing) {
        c.replaying = false;
        return;
      }
      for (const m of next) {
        if (c.closing || c.socket.readyState !== c.socket.OPEN) {
          c.replaying = false;
          return;
        }
        const flushed = new Promise<void>((resolve) => c.socket.send(JSON.stringify(m), () => resolve()));
        last = m.seq;
        if (c.socket.bufferedAmount > maxBuffered / 2) await flushed;
      }
    }
  }

  async function acknowledge(claims: VisitorClaims, seq: number) {
    const done = await log.acknowledge(claims.sessionId, claims.visitorId, seq);
    const at = clock.now();
    for (const m of done)
      emitDelivery({ sessionId: claims.sessionId, messageId: m.id, state: 'delivered', at });
  }

  async function handle(c: Connection, data: string) {
    const frame = parseClientFrame(data);
    if (!frame) {
      push(c, { type: 'error', code: 'PROTOCOL', message: 'not a protocol frame' });
      shut(c, CLOSE_CODES.protocol, 'protocol');
      return;
    }
    if (!c.claims) {
      if (frame.type !== 'hello') {
        shut(c, CLOSE_CODES.protocol, 'hello first');
        return;
      }
      await hello(c, frame.token, frame.ack);
      return;
    }
    const claims = c.claims;
    switch (frame.type) {
      case 'hello':
        shut(c, CLOSE_CODES.protocol, 'hello twice');
        return;
      case 'message': {
        const item = {
          kind: 'message',
          channel: 'chat',
          provider: 'webchat',
          occurredAt: clock.now(),
          threadKey: claims.sessionId,
          metadata: { sessionId: claims.sessionId, visitorId: claims.visitorId, clientMessageId: frame.id },
          providerMessageId: `${claims.sessionId}:${frame.id}`,
          from: sender(claims),
          to: widgetId,
          text: frame.text,
          attachments: (frame.attachments ?? []).map((a) => ({ ...a })),
        };
        try {
          await log.accept(claims.sessionId, claims.visitorId, frame.id, () => deliverItem(item, claims));
          push(c, { type: 'ack', id: frame.id });
        } catch (error) {
          // Not acknowledged: the client keeps the message and sends it again.
          const code = isThreadlineError(error) ? error.code : 'INTERNAL';
          push(c, { type: 'error', code, message: 'message not stored', id: frame.id });
        }
        return;
      }
      case 'typing':
        await deliverItem(
          conversationEvent(claims, frame.state === 'started' ? 'typing.started' : 'typing.stopped'),
          claims,
        );
        return;
      case 'ack':
        await acknowledge(claims, frame.seq);
        return;
      case 'read':
        emitDelivery({ sessionId: claims.sessionId, messageId: frame.id, state: 'read', at: clock.now() });
        await deliverItem(conversationEvent(claims, 'message.read', { providerMessageId: frame.id }), claims);
        return;
    }
  }

  function accept(socket: WebSocket) {
    const c: Connection = { socket, alive: true, closing: false, replaying: false, queue: Promise.resolve() };
    all.add(c);
    const helloTimer = setTimeout(() => {
      if (!c.claims) shut(c, CLOSE_CODES.helloTimeout, 'no hello');
    }, helloTimeoutMs);
    helloTimer.unref?.();
    socket.on('pong', () => {
      c.alive = true;
    });
    socket.on('message', (data, isBinary) => {
      c.alive = true;
      if (isBinary) {
        shut(c, CLOSE_CODES.protocol, 'text frames only');
        return;
      }
      const text = Buffer.isBuffer(data)
        ? data.toString('utf8')
        : Buffer.concat(data as Buffer[]).toString('utf8');
      // Frames of one socket are handled one after another, in order.
      c.queue = c.queue.then(() =>
        handle(c, text).catch(() => {
          push(c, { type: 'error', code: 'INTERNAL', message: 'frame failed' });
        }),
      );
    });
    socket.on('error', () => socket.terminate());
    socket.on('close', () => {
      clearTimeout(helloTimer);
      all.delete(c);
      if (c.claims && live.get(c.claims.sessionId) === c) live.delete(c.claims.sessionId);
      // Keep memory proportional to connected sessions, not to every session ever seen.
      if (c.claims && !live.has(c.claims.sessionId)) log.forget(c.claims.sessionId);
    });
  }

  return {
    async deliver(sessionId, message) {
      const wire: WireMessage = await log.append(sessionId, undefined, {
        id: message.id,
        at: clock.now(),
        ...(message.text !== undefined ? { text: message.text } : {}),
        ...(message.html !== undefined ? { html: message.html } : {}),
        ...(message.attachments && message.attachments.length > 0
          ? { attachments: message.attachments }
          : {}),
        ...(message.author !== undefined ? { author: message.author } : {}),
      });
      const c = live.get(sessionId);
      const pushed = c ? (c.replaying ? true : push(c, wire)) : false;
      return { seq: wire.seq, pushed };
    },

    async linkCustomer(sessionId, customerId) {
      const ids = parseInput(LinkSchema, { sessionId, customerId }, 'webchat linkCustomer');
      await log.linkCustomer(ids.sessionId, ids.customerId);
    },

    typing(sessionId, state) {
      const c = live.get(sessionId);
      return c ? push(c, { type: 'typing', state }) : false;
    },

    onDelivery(handler) {
      deliveryHandlers.add(handler);
      return () => {
        deliveryHandlers.delete(handler);
      };
    },

    handleUpgrade,

    isConnected(sessionId) {
      return live.has(sessionId);
    },

    stats() {
      return { connected: live.size, ...counters };
    },

    async close() {
      clearInterval(heartbeat);
      config.server?.off('upgrade', onUpgrade);
      for (const c of all) shut(c, CLOSE_CODES.goingAway, 'server closing');
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      for (const c of all) c.socket.terminate();
    },
  };
}
