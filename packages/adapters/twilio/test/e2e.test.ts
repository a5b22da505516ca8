// End to end through real HTTP servers on loopback: a signed Twilio webhook → verify → normalise
// → identity resolution → a routing task → the agent's reply through the sender → Twilio's
// signed status callbacks (out of order) → the delivery is `delivered`.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createMemoryStorage } from '@threadline/adapter-memory';
import { createDeliveryDedupe, fromNodeRequest } from '@threadline/adapter-webhooks';
import {
  createIdentityService,
  createManualClock,
  createSequentialIds,
  type DeliveryRecord,
  type InboundMessage,
} from '@threadline/core';
import { createRoutingEngine } from '@threadline/routing';
import { afterEach, describe, expect, it } from 'vitest';
import { createTwilioSender, createTwilioWebhookHandler } from '../src/index.js';
import { type FakeTwilio, signTwilio, startFakeTwilio } from './fakeTwilio.js';

const AUTH_TOKEN = '12345';
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function postSigned(url: string, params: Record<string, string>, token = AUTH_TOKEN) {
  const body = new URLSearchParams(params);
  return fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': signTwilio(url, body, token),
    },
    body: body.toString(),
  });
}

async function until(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('Twilio end to end', () => {
  it('SMS in, one customer across SMS and WhatsApp, routed, replied, delivered', async () => {
    const clock = createManualClock(Date.UTC(2026, 11, 7, 9));
    const ids = createSequentialIds();
    const storage = createMemoryStorage();
    const identity = createIdentityService({ storage, clock, ids });
    const routing = createRoutingEngine({
      clock,
      workflow: { queues: [{ id: 'support' }], defaultFilter: { targets: [{ queue: 'support' }] } },
    });
    routing.subscribe('reservation.created', (e) => routing.acceptReservation(e.payload.reservationId));
    routing.upsertWorker({ id: 'ana', status: 'available', capacity: { sms: 3, whatsapp: 3 } });

    let webhookUrl = '';
    let fake: FakeTwilio | undefined;
    // Twilio posts "delivered" before "sent": callbacks are not ordered.
    fake = await startFakeTwilio({
      onAccepted: (sid, form) => {
        setTimeout(async () => {
          for (const status of ['delivered', 'sent']) {
            await postSigned(`${webhookUrl}/twilio`, {
              AccountSid: fake?.accountSid ?? '',
              MessageSid: sid,
              MessageStatus: status,
              To: form.get('To') ?? '',
              From: form.get('From') ?? '',
              ApiVersion: '2010-04-01',
            });
          }
        }, 5);
      },
    });
    closers.push(() => (fake as FakeTwilio).close());
    const sender = createTwilioSender({
      accountSid: fake.accountSid,
      authToken: fake.authToken,
      from: '+14155238886',
      whatsappFrom: '+14155238886',
      statusCallbackUrl: 'https://hooks.example.com/twilio',
      baseUrl: fake.baseUrl,
      store: storage.documents,
      clock,
      ids,
    });

    const routed: { customerId: string; message: InboundMessage; taskId: string }[] = [];
    const statuses: (DeliveryRecord | undefined)[] = [];
    const handler = createTwilioWebhookHandler({
      authToken: AUTH_TOKEN,
      clock,
      dedupe: createDeliveryDedupe({ store: storage.documents, ttlMs: 86_400_000, clock }),
      async process(item) {
        if (item.kind === 'message') {
          const { customerId } = await identity.resolve(item.from.identities);
          const taskId = `task-${item.providerMessageId}`;
          routing.submitTask({ id: taskId, channel: item.channel, attributes: { customerId } });
          routed.push({ customerId, message: item, taskId });
        } else if (item.kind === 'status') {
          statuses.push(await sender.applyStatus(item));
        }
      },
    });
    const server = createServer(async (req, res) => {
      const request = await fromNodeRequest(req, { publicUrl: webhookUrl });
      const result = await handler.handle(request);
      res.writeHead(result.status, { 'content-type': 'text/xml' }).end('<Response/>');
    });
    webhookUrl = await listen(server);

    // 1. The customer texts us.
    const sms = {
      AccountSid: 'AC0123456789abcdef0123456789abcdef',
      MessageSid: 'SM1f0e8ae6ade43cb3c0ce4525424e404f',
      From: '+447700900123',
      To: '+14155238886',
      Body: 'My order never arrived',
      NumMedia: '0',
      SmsStatus: 'received',
    };
    expect((await postSigned(`${webhookUrl}/twilio`, sms)).status).toBe(200);
    // A redelivery of the same webhook is refused as a duplicate (409) and not routed twice.
    expect((await postSigned(`${webhookUrl}/twilio`, sms)).status).toBe(409);
    // A forged one is refused.
    expect((await postSigned(`${webhookUrl}/twilio`, sms, 'wrong-token')).status).toBe(401);
    expect(routed).toHaveLength(1);

    // 2. The same person writes on WhatsApp: one customer.
    const whatsapp = {
      AccountSid: 'AC0123456789abcdef0123456789abcdef',
      MessageSid: 'SM2a7e4f4a3f0d1c2b3a4f5e6d7c8b9a01',
      From: 'whatsapp:+447700900123',
      To: 'whatsapp:+14155238886',
      Body: 'Any news?',
      ProfileName: 'Ana Lima',
      WaId: '447700900123',
      NumMedia: '0',
    };
    expect((await postSigned(`${webhookUrl}/twilio`, whatsapp)).status).toBe(200);
    expect(routed).toHaveLength(2);
    expect(routed[1]?.customerId).toBe(routed[0]?.customerId);
    expect(routed[1]?.message.channel).toBe('whatsapp');

    // 3. Routing offered the SMS task to Ana, who accepted.
    const first = routed[0] as (typeof routed)[number];
    expect(routing.getTask(first.taskId)?.workerId).toBe('ana');

    // 4. Ana replies; Twilio accepts, then posts its callbacks.
    const record = await sender.send({
      conversationId: first.taskId,
      channel: 'sms',
      to: first.message.from.identities[0]?.value as string,
      content: { text: 'Sorry! A replacement ships today.' },
      idempotencyKey: `reply-${first.message.providerMessageId}`,
      customerId: first.customerId,
    });
    expect(record.state).toBe('queued');
    expect(fake.requests[0]?.form.get('StatusCallback')).toBe('https://hooks.example.com/twilio');
    expect(fake.requests[0]?.form.get('To')).toBe('+447700900123');

    // 5. Both callbacks arrive (out of order); the record ends delivered.
    await until(() => statuses.length === 2, 'two status callbacks');
    const final = await sender.getDelivery({ id: record.id });
    expect(final?.state).toBe('delivered');
    expect(final?.history.map((h) => [h.state, h.applied])).toEqual(
      expect.arrayContaining([
        ['delivered', true],
        ['sent', false],
      ]),
    );
  });
});
