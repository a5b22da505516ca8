// End to end across two channels through one real HTTP server on loopback: the same person texts
// (Twilio SMS, by phone) and emails (a Mailgun route, by address). Each request is signed the way
// the provider signs it → verified → normalised → identity resolution → a routing task; the agent
// links the two contacts, and from then on the person is ONE customer holding both identities,
// whichever channel they use. The agent replies on both channels (Twilio's Messages API on a
// loopback fake, SMTP to an in-process smtp-server), and the providers' signed status callbacks
// (Twilio's out of order) take both delivery records to `delivered`.
import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSmtpSender, parseMailgunEvent, parseMailgunInbound } from '@threadline/adapter-email';
import { createMemoryStorage } from '@threadline/adapter-memory';
import { createTwilioSender, createTwilioWebhookHandler } from '@threadline/adapter-twilio';
import {
  createDeliveryDedupe,
  createDocumentSeenTokens,
  fromNodeRequest,
  httpStatusOf,
  processOnce,
} from '@threadline/adapter-webhooks';
import {
  createIdentityService,
  createManualClock,
  createRandom,
  createSequentialIds,
  type InboundMessage,
} from '@threadline/core';
import { createRoutingEngine } from '@threadline/routing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { multipart } from '../../../packages/adapters/email/test/forms.js';
import { startSmtpServer } from '../../../packages/adapters/email/test/smtpServer.js';
import {
  type FakeTwilio,
  signTwilio,
  startFakeTwilio,
} from '../../../packages/adapters/twilio/test/fakeTwilio.js';

const TWILIO_TOKEN = 'twilio-auth-token-e2e';
const MAILGUN_KEY = 'key-mailgun-e2e-cross';
const PHONE = '+447700900123';
const EMAIL = 'ada@example.com';
const SUPPORT_NUMBER = '+14155238886';

async function until(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

function mailgunFields(timestamp: string, token: string) {
  const signature = createHmac('sha256', MAILGUN_KEY)
    .update(timestamp + token)
    .digest('hex');
  return { timestamp, token, signature };
}

describe('one customer across SMS and email, end to end', () => {
  const clock = createManualClock(Date.UTC(2026, 11, 7, 9));
  const ids = createSequentialIds();
  const storage = createMemoryStorage();
  const identity = createIdentityService({ storage, clock, ids });
  const routing = createRoutingEngine({
    clock,
    workflow: { queues: [{ id: 'support' }], defaultFilter: { targets: [{ queue: 'support' }] } },
  });
  const dedupe = createDeliveryDedupe({ store: storage.documents, ttlMs: 86_400_000, clock });
  const seenTokens = createDocumentSeenTokens({ store: storage.documents, clock });
  const routed: { message: InboundMessage; customerId: string; taskId: string }[] = [];
  let base = '';
  let server: Server;
  let fake: FakeTwilio;
  let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
  let smsSender: ReturnType<typeof createTwilioSender>;
  let emailSender: ReturnType<typeof createSmtpSender>;
  let tokenCounter = 0;

  async function route(message: InboundMessage): Promise<void> {
    const { customerId } = await identity.resolve(message.from.identities);
    const task = routing.submitTask({ channel: message.channel, attributes: { customerId } });
    routed.push({ message, customerId, taskId: task.id });
  }

  function postTwilio(params: Record<string, string>) {
    const body = new URLSearchParams(params);
    return fetch(`${base}/twilio`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-twilio-signature': signTwilio(`${base}/twilio`, body, TWILIO_TOKEN),
      },
      body: body.toString(),
    });
  }

  function postMailgun(fields: Record<string, string>) {
    tokenCounter += 1;
    const form = multipart({
      ...fields,
      ...mailgunFields(String(Math.floor(clock.now() / 1000)), `tok-${tokenCounter}`),
    });
    return fetch(`${base}/mailgun/inbound`, {
      method: 'POST',
      headers: { 'content-type': form.contentType },
      body: form.body,
    });
  }

  beforeAll(async () => {
    routing.subscribe('reservation.created', (e) => routing.acceptReservation(e.payload.reservationId));
    routing.upsertWorker({ id: 'ana', status: 'available', capacity: { sms: 5, email: 5 } });
    // Twilio posts "delivered" before "sent": its callbacks are not ordered.
    fake = await startFakeTwilio({
      onAccepted: (sid, form) => {
        setTimeout(async () => {
          for (const status of ['delivered', 'sent']) {
            await postTwilio({
              AccountSid: fake.accountSid,
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
    smtp = await startSmtpServer();
    smsSender = createTwilioSender({
      accountSid: fake.accountSid,
      authToken: fake.authToken,
      from: SUPPORT_NUMBER,
      statusCallbackUrl: 'https://hooks.example.com/twilio',
      baseUrl: fake.baseUrl,
      store: storage.documents,
      clock,
      ids,
    });
    emailSender = createSmtpSender({
      transport: { host: '127.0.0.1', port: smtp.port, secure: false, ignoreTLS: true },
      from: 'Acme Support <support@acme.test>',
      messageIdDomain: 'acme.test',
      store: storage.documents,
      clock,
      ids,
      random: createRandom(7).next,
    });
    const twilio = createTwilioWebhookHandler({
      authToken: TWILIO_TOKEN,
      clock,
      dedupe,
      async process(item) {
        if (item.kind === 'message') await route(item);
        else if (item.kind === 'status') await smsSender.applyStatus(item);
      },
    });
    server = createServer(async (req, res) => {
      try {
        const request = await fromNodeRequest(req, { publicUrl: base, maxBytes: 30 * 1024 * 1024 });
        if (req.url === '/twilio') {
          const result = await twilio.handle(request);
          return void res.writeHead(result.status, { 'content-type': 'text/xml' }).end('<Response/>');
        }
        if (req.url === '/mailgun/inbound') {
          const message = await parseMailgunInbound({
            ...request,
            secret: MAILGUN_KEY,
            now: clock.now(),
            seenTokens,
          });
          const done = await processOnce(dedupe, `mailgun:${message.providerMessageId}`, () =>
            route(message),
          );
          const status = done.outcome === 'processed' ? 200 : done.outcome === 'duplicate' ? 409 : 500;
          return void res.writeHead(status).end();
        }
        if (req.url === '/mailgun/events') {
          const status = await parseMailgunEvent({
            ...request,
            secret: MAILGUN_KEY,
            now: clock.now(),
            seenTokens,
          });
          if (status) await emailSender.applyStatus(status);
          return void res.writeHead(200).end();
        }
        res.writeHead(404).end();
      } catch (error) {
        res.writeHead(httpStatusOf(error)).end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await fake.close();
    await smtp.close();
  });

  it('SMS by phone and email by address are one customer with both identities; both replies are delivered', async () => {
    // 1. The person texts from their phone.
    const sms = {
      AccountSid: 'AC0123456789abcdef0123456789abcdef',
      MessageSid: 'SM1f0e8ae6ade43cb3c0ce4525424e404f',
      From: PHONE,
      To: SUPPORT_NUMBER,
      Body: 'My order #1234 never arrived, I will email the receipt',
      NumMedia: '0',
    };
    expect((await postTwilio(sms)).status).toBe(200);
    expect((await postTwilio(sms)).status).toBe(409); // Twilio's retry is not routed twice
    expect(routed).toHaveLength(1);
    const bySms = routed[0] as (typeof routed)[number];
    expect(bySms.message).toMatchObject({
      channel: 'sms',
      from: { identities: [{ kind: 'phone', value: PHONE }] },
    });

    // 2. Then emails the receipt: a contact nobody has linked to the phone yet.
    clock.advance(60_000);
    const email = {
      recipient: 'support@acme.test',
      sender: EMAIL,
      from: `Ada Lovelace <${EMAIL}>`,
      subject: 'Receipt for order #1234',
      'body-plain': 'Receipt attached. I texted you earlier from my mobile.',
      'Message-Id': '<receipt-1@mail.example.com>',
      'X-Mailgun-Dkim-Check-Result': 'Pass',
    };
    expect((await postMailgun(email)).status).toBe(200);
    expect((await postMailgun(email)).status).toBe(409); // Mailgun's retry (fresh token): a duplicate
    expect(routed).toHaveLength(2);
    const byEmail = routed[1] as (typeof routed)[number];
    expect(byEmail.message.from.identities[0]).toMatchObject({ kind: 'email', value: EMAIL, verified: true });

    // 3. The agent on the email task sees it is the same person and links the two contacts.
    expect(byEmail.customerId).not.toBe(bySms.customerId);
    await identity.merge(bySms.customerId, byEmail.customerId, {
      reason: 'same person: the email quotes the order the SMS was about',
      actor: { id: 'ana', roles: ['agent'] },
    });
    const identities = await identity.identitiesOf(bySms.customerId);
    expect(identities.map((i) => [i.kind, i.value]).sort()).toEqual([
      ['email', EMAIL],
      ['phone', PHONE],
    ]);

    // 4. From now on either channel finds that one customer.
    clock.advance(60_000);
    expect(
      (
        await postTwilio({
          ...sms,
          MessageSid: 'SM2a7e4f4a3f0d1c2b3a4f5e6d7c8b9a01',
          Body: 'Did you get my email?',
        })
      ).status,
    ).toBe(200);
    expect(
      (
        await postMailgun({
          ...email,
          'Message-Id': '<receipt-2@mail.example.com>',
          'body-plain': 'Any news?',
        })
      ).status,
    ).toBe(200);
    expect(routed.slice(2).map((r) => [r.message.channel, r.customerId])).toEqual([
      ['sms', bySms.customerId],
      ['email', bySms.customerId],
    ]);
    for (const r of routed) expect(routing.getTask(r.taskId)?.workerId).toBe('ana');

    // 5. The agent answers on both channels.
    const smsReply = await smsSender.send({
      conversationId: bySms.taskId,
      channel: 'sms',
      to: PHONE,
      content: { text: 'Found it: a replacement ships today.' },
      idempotencyKey: `reply:${bySms.taskId}:1`,
      customerId: bySms.customerId,
    });
    const emailReply = await emailSender.send({
      conversationId: byEmail.message.threadKey ?? byEmail.message.providerMessageId,
      channel: 'email',
      to: EMAIL,
      content: { subject: 'Re: Receipt for order #1234', text: 'Thanks, a replacement ships today.' },
      idempotencyKey: `reply:${byEmail.taskId}:1`,
      customerId: bySms.customerId,
      inReplyTo: byEmail.message.providerMessageId,
    });
    expect(fake.requests[0]?.form.get('To')).toBe(PHONE);
    expect(smtp.received[0]?.to).toEqual([EMAIL]);

    // 6. The providers' signed callbacks: Twilio's two (out of order), then Mailgun's "delivered".
    await until(
      async () => (await smsSender.getDelivery({ id: smsReply.id }))?.history.length === 4,
      'both Twilio callbacks',
    );
    clock.advance(5_000);
    tokenCounter += 1;
    const event = JSON.stringify({
      signature: mailgunFields(String(Math.floor(clock.now() / 1000)), `tok-${tokenCounter}`),
      'event-data': {
        event: 'delivered',
        timestamp: clock.now() / 1000,
        id: 'ev-cross-1',
        recipient: EMAIL,
        message: { headers: { 'message-id': emailReply.providerMessageId } },
      },
    });
    const ack = await fetch(`${base}/mailgun/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: event,
    });
    expect(ack.status).toBe(200);
    // The same signed event replayed (same token) is refused.
    const replay = await fetch(`${base}/mailgun/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: event,
    });
    expect(replay.status).toBe(401);
    expect((await smsSender.getDelivery({ id: smsReply.id }))?.state).toBe('delivered');
    expect((await emailSender.getDelivery({ id: emailReply.id }))?.state).toBe('delivered');
  });
});
