// End to end through real HTTP servers on loopback: Meta's subscribe handshake, a signed
// WhatsApp Cloud API webhook → verify → normalise → identity resolution (the customer who wrote
// by SMS before is the same customer) → a routing task → the agent's reply through the sender →
// Meta's signed status webhooks (out of order) → delivered, then read.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createMemoryStorage } from '@threadline/adapter-memory';
import { createDeliveryDedupe, fromNodeRequest } from '@threadline/adapter-webhooks';
import {
  createIdentityService,
  createManualClock,
  createSequentialIds,
  type InboundMessage,
} from '@threadline/core';
import { createRoutingEngine } from '@threadline/routing';
import { afterEach, describe, expect, it } from 'vitest';
import { createWhatsAppSender, createWhatsAppWebhookHandler } from '../src/index.js';
import { type FakeGraph, signMeta, startFakeGraph, statusWebhook } from './fakeGraph.js';

const APP_SECRET = 'meta-app-secret';
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function postSigned(url: string, body: unknown, secret = APP_SECRET) {
  const text = JSON.stringify(body);
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-hub-signature-256': signMeta(text, secret) },
    body: text,
  });
}

async function until(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('WhatsApp Cloud API end to end', () => {
  it('handshake, inbound message, same customer as on SMS, routed, replied, delivered and read', async () => {
    const clock = createManualClock(Date.UTC(2026, 11, 7, 9));
    const ids = createSequentialIds();
    const storage = createMemoryStorage();
    const identity = createIdentityService({ storage, clock, ids });
    const routing = createRoutingEngine({
      clock,
      workflow: { queues: [{ id: 'support' }], defaultFilter: { targets: [{ queue: 'support' }] } },
    });
    routing.subscribe('reservation.created', (e) => routing.acceptReservation(e.payload.reservationId));
    routing.upsertWorker({ id: 'ana', status: 'available', capacity: { whatsapp: 3 } });

    // The customer wrote by SMS last week (what the Twilio adapter's normaliser gives identity resolution).
    const sms = await identity.resolve([
      { kind: 'phone', value: '+447700900123', verified: true, channel: 'sms' },
    ]);

    let webhookUrl = '';
    let fake: FakeGraph | undefined;
    fake = await startFakeGraph({
      onAccepted: (id) => {
        setTimeout(async () => {
          const at = clock.now();
          // Meta's callbacks are not ordered: read first, then sent, then delivered.
          for (const [state, dt] of [
            ['read', 3000],
            ['sent', 1000],
            ['delivered', 2000],
          ] as const) {
            await postSigned(
              `${webhookUrl}/whatsapp`,
              statusWebhook(id, state, at + dt, fake?.phoneNumberId),
            );
          }
        }, 5);
      },
    });
    closers.push(() => (fake as FakeGraph).close());
    const sender = createWhatsAppSender({
      accessToken: fake.accessToken,
      phoneNumberId: fake.phoneNumberId,
      baseUrl: fake.baseUrl,
      store: storage.documents,
      clock,
      ids,
    });
    const handler = createWhatsAppWebhookHandler({
      appSecret: APP_SECRET,
      verifyToken: 'verify-me',
      clock,
      dedupe: createDeliveryDedupe({ store: storage.documents, ttlMs: 86_400_000, clock }),
    });
    const routed: { customerId: string; message: InboundMessage; taskId: string }[] = [];
    let statuses = 0;
    const server = createServer(async (req, res) => {
      const result = await handler.handle(await fromNodeRequest(req, { publicUrl: webhookUrl }));
      if ('challenge' in result) {
        res.writeHead(200, { 'content-type': 'text/plain' }).end(result.challenge);
        return;
      }
      if ('items' in result) {
        for (const item of result.items) {
          if (item.kind === 'message') {
            const { customerId } = await identity.resolve(item.from.identities);
            const taskId = `task-${routed.length + 1}`;
            routing.submitTask({ id: taskId, channel: 'whatsapp', attributes: { customerId } });
            routed.push({ customerId, message: item, taskId });
          } else if (item.kind === 'status') {
            await sender.applyStatus(item);
            statuses++;
          }
        }
        await result.complete?.(); // processed: a redelivery is now skipped
      }
      res.writeHead(result.status).end();
    });
    webhookUrl = await listen(server);

    // 1. Meta verifies the endpoint.
    const handshake = await fetch(
      `${webhookUrl}/whatsapp?hub.mode=subscribe&hub.verify_token=verify-me&hub.challenge=1158201444`,
    );
    expect(handshake.status).toBe(200);
    expect(await handshake.text()).toBe('1158201444');

    // 2. The customer writes on WhatsApp (payload shape from Meta's payload examples page).
    const inbound = {
      object: 'whatsapp_business_account',
      entry: [
        {
          id: '102290129340398',
          changes: [
            {
              field: 'messages',
              value: {
                messaging_product: 'whatsapp',
                metadata: { display_phone_number: '15550783881', phone_number_id: fake.phoneNumberId },
                contacts: [{ profile: { name: 'Ana Lima' }, wa_id: '447700900123' }],
                messages: [
                  {
                    from: '447700900123',
                    id: 'wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQUFERjg0NDEzNDdFODU3MUMxMAA=',
                    timestamp: String(Math.floor(clock.now() / 1000)),
                    type: 'text',
                    text: { body: 'Any news on my order?' },
                  },
                ],
              },
            },
          ],
        },
      ],
    };
    expect((await postSigned(`${webhookUrl}/whatsapp`, inbound)).status).toBe(200);
    expect((await postSigned(`${webhookUrl}/whatsapp`, inbound)).status).toBe(200); // redelivered: skipped
    expect((await postSigned(`${webhookUrl}/whatsapp`, inbound, 'forged')).status).toBe(401);
    expect(routed).toHaveLength(1);
    const first = routed[0] as (typeof routed)[number];
    expect(first.customerId).toBe(sms.customerId);
    expect(routing.getTask(first.taskId)?.workerId).toBe('ana');

    // 3. Ana replies; Meta accepts and posts its status webhooks.
    const record = await sender.send({
      conversationId: first.taskId,
      channel: 'whatsapp',
      to: first.message.from.identities[0]?.value as string,
      content: { text: 'It ships today.' },
      idempotencyKey: `reply-${first.message.providerMessageId}`,
    });
    expect(record.state).toBe('queued');
    await until(() => statuses === 3, 'three status webhooks');
    const final = await sender.getDelivery({ id: record.id });
    expect(final?.state).toBe('read');
    // History is in report-time order; `read` arrived first and moved the state, the late
    // `sent` and `delivered` were kept for audit without moving it back.
    expect(final?.history.filter((h) => h.state !== 'queued').map((h) => [h.state, h.applied])).toEqual([
      ['sent', false],
      ['delivered', false],
      ['read', true],
    ]);
  });
});
