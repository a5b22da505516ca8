// End to end through loopback: a visitor's socket → normalise → identity resolution → a routing
// task → the agent's reply through the web chat sender → the browser client gets it and
// acknowledges → the delivery record says delivered.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createMemoryStorage } from '@threadline/adapter-memory';
import {
  createIdentityService,
  createManualClock,
  createRandom,
  createSequentialIds,
} from '@threadline/core';
import type { InboundMessage } from '@threadline/core/channels';
import { createRoutingEngine } from '@threadline/routing';
import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { createWebchatClient, type WebSocketConstructor, type WireMessage } from '../src/client/index.js';
import { createVisitorToken, createWebchatSender, createWebchatServer } from '../src/index.js';
import { until } from './harness.js';

const SECRET = 'e2e-secret-0123456789abcdef';

describe('web chat end to end', () => {
  it('socket → identity → routing → agent reply → delivered', async () => {
    const clock = createManualClock(Date.UTC(2026, 0, 12, 9));
    const ids = createSequentialIds();
    const storage = createMemoryStorage();
    const identity = createIdentityService({ storage, clock, ids });
    const routing = createRoutingEngine({
      clock,
      workflow: { queues: [{ id: 'chat' }], defaultFilter: { targets: [{ queue: 'chat' }] } },
    });
    routing.subscribe('reservation.created', (event) =>
      routing.acceptReservation(event.payload.reservationId),
    );
    routing.upsertWorker({ id: 'agent-bo', status: 'available', capacity: { chat: 3 } });
    const routed: { message: InboundMessage; customerId: string; taskId: string }[] = [];

    const http = createServer();
    const chat = createWebchatServer({
      server: http,
      secret: SECRET,
      store: storage.documents,
      clock,
      onItem: async (item) => {
        if (item.kind !== 'message') return;
        const { customerId } = await identity.resolve(item.from.identities);
        const task = routing.submitTask({
          channel: 'chat',
          attributes: { customerId, sessionId: item.threadKey },
        });
        routed.push({ message: item, customerId, taskId: task.id });
      },
    });
    const sender = createWebchatSender({ server: chat, store: storage.documents, clock, ids });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    const url = `ws://127.0.0.1:${(http.address() as AddressInfo).port}/chat`;

    const received: WireMessage[] = [];
    const token = createVisitorToken({
      secret: SECRET,
      visitorId: 'visitor-7',
      sessionId: 'session-7',
      email: 'ada@example.com',
      emailVerified: true,
      expiresAt: clock.now() + 3600_000,
    });
    const client = createWebchatClient({
      url,
      token,
      WebSocket: WebSocket as unknown as WebSocketConstructor,
      onMessage: (m) => received.push(m),
      random: createRandom(5).next,
    });
    try {
      await until(() => client.state === 'open');
      client.send('My parcel never arrived');
      await until(() => routed.length === 1 && client.pending === 0);
      const { message, customerId, taskId } = routed[0] as (typeof routed)[number];
      expect(message).toMatchObject({
        channel: 'chat',
        provider: 'webchat',
        text: 'My parcel never arrived',
        threadKey: 'session-7',
      });
      // The same person by email on another channel is the same customer.
      const byEmail = await identity.resolve([{ kind: 'email', value: 'ada@example.com', verified: true }]);
      expect(byEmail.customerId).toBe(customerId);
      expect(routing.getTask(taskId)).toMatchObject({ status: 'assigned', workerId: 'agent-bo' });

      const record = await sender.send({
        conversationId: 'session-7',
        channel: 'chat',
        to: message.threadKey ?? '',
        content: { text: 'Sorry about that — a replacement ships today.' },
        idempotencyKey: `reply:${taskId}:1`,
        customerId,
      });
      expect(['sent', 'delivered']).toContain(record.state);
      await until(() => received.length === 1);
      expect(received[0]).toMatchObject({
        id: record.id,
        text: 'Sorry about that — a replacement ships today.',
      });
      await expect.poll(async () => (await sender.getDelivery({ id: record.id }))?.state).toBe('delivered');
    } finally {
      client.close();
      sender.dispose();
      await chat.close();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    }
  });
});
