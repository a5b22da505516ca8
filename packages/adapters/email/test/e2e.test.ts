// End to end through loopback: a signed Mailgun inbound post → verify → normalise → identity
// resolution → a routing task → the agent's reply over SMTP (an in-process smtp-server) → a signed
// Mailgun "delivered" event → the delivery record says delivered.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createMemoryStorage } from '@threadline/adapter-memory';
import {
  createDeliveryDedupe,
  createMemorySeenTokens,
  fromNodeRequest,
  httpStatusOf,
  processOnce,
} from '@threadline/adapter-webhooks';
import {
  createIdentityService,
  createManualClock,
  createRandom,
  createSequentialIds,
  isThreadlineError,
} from '@threadline/core';
import type { InboundMessage } from '@threadline/core/channels';
import { createRoutingEngine } from '@threadline/routing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSmtpSender, parseEmail, parseMailgunEvent, parseMailgunInbound } from '../src/index.js';
import { mailgunSignature, multipart } from './forms.js';
import { startSmtpServer } from './smtpServer.js';

const KEY = 'key-e2e-mailgun';
const START = Date.UTC(2026, 0, 12, 9, 0, 0);

describe('email end to end', () => {
  const clock = createManualClock(START);
  const ids = createSequentialIds();
  const storage = createMemoryStorage();
  const identity = createIdentityService({ storage, clock, ids });
  const routing = createRoutingEngine({
    clock,
    workflow: { queues: [{ id: 'email' }], defaultFilter: { targets: [{ queue: 'email' }] } },
  });
  const dedupe = createDeliveryDedupe({ store: storage.documents, ttlMs: 86_400_000, clock });
  const seenTokens = createMemorySeenTokens();
  const inbox: { message: InboundMessage; customerId: string; taskId: string }[] = [];
  let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
  let sender: ReturnType<typeof createSmtpSender>;
  let server: Server;
  let base: string;

  beforeAll(async () => {
    smtp = await startSmtpServer();
    sender = createSmtpSender({
      transport: { host: '127.0.0.1', port: smtp.port, secure: false, ignoreTLS: true },
      from: 'Acme Support <support@acme.test>',
      messageIdDomain: 'acme.test',
      store: storage.documents,
      clock,
      ids,
      random: createRandom(3).next,
    });
    routing.subscribe('reservation.created', (event) =>
      routing.acceptReservation(event.payload.reservationId),
    );
    routing.upsertWorker({ id: 'agent-ana', status: 'available', capacity: { email: 5 } });
    server = createServer(async (req, res) => {
      try {
        const request = await fromNodeRequest(req, { maxBytes: 30 * 1024 * 1024 });
        if (req.url === '/mailgun/inbound') {
          const message = await parseMailgunInbound({
            ...request,
            secret: KEY,
            now: clock.now(),
            seenTokens,
          });
          // Claimed, processed, then completed: a failed processing would release the claim.
          const done = await processOnce(dedupe, `mailgun:${message.providerMessageId}`, async () => {
            const { customerId } = await identity.resolve(message.from.identities);
            const task = routing.submitTask({
              channel: 'email',
              attributes: { customerId, threadKey: message.threadKey },
            });
            inbox.push({ message, customerId, taskId: task.id });
          });
          if (done.outcome === 'duplicate') return void res.writeHead(409).end('duplicate');
          if (done.outcome === 'failed') return void res.writeHead(500).end();
          return void res.writeHead(200).end('ok');
        }
        if (req.url === '/mailgun/events') {
          const status = await parseMailgunEvent({ ...request, secret: KEY, now: clock.now(), seenTokens });
          if (status) await sender.applyStatus(status);
          return void res.writeHead(200).end();
        }
        res.writeHead(404).end();
      } catch (error) {
        res.writeHead(httpStatusOf(error)).end(isThreadlineError(error) ? error.code : 'error');
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await smtp.close();
  });

  function inboundPost(token: string) {
    return multipart({
      recipient: 'support@acme.test',
      sender: 'ada@example.com',
      from: 'Ada Lovelace <ada@example.com>',
      subject: 'Refund for order #1234',
      'body-plain': 'I was charged twice for order #1234.',
      'Message-Id': '<e2e-1@mail.example.com>',
      'X-Mailgun-Dkim-Check-Result': 'Pass',
      ...mailgunSignature(KEY, Math.floor(clock.now() / 1000), token),
    });
  }

  it('inbound → identity → routing → reply over SMTP → delivered', async () => {
    const post = inboundPost('tok-e2e-1');
    const first = await fetch(`${base}/mailgun/inbound`, {
      method: 'POST',
      headers: { 'content-type': post.contentType },
      body: post.body,
    });
    expect(first.status).toBe(200);
    expect(inbox).toHaveLength(1);
    const { message, customerId, taskId } = inbox[0] as (typeof inbox)[number];
    expect(message.from.identities[0]?.value).toBe('ada@example.com');
    // The customer exists with the email identity.
    const again = await identity.resolve([{ kind: 'email', value: 'ada@example.com', verified: true }]);
    expect(again).toMatchObject({ customerId, status: 'matched' });
    // Routing offered the task to the agent, who accepted it.
    expect(routing.getTask(taskId)).toMatchObject({ status: 'assigned', workerId: 'agent-ana' });
    // Mailgun retries the same message with a fresh token: refused as a duplicate, not routed twice.
    clock.advance(1000);
    const retry = inboundPost('tok-e2e-2');
    const dup = await fetch(`${base}/mailgun/inbound`, {
      method: 'POST',
      headers: { 'content-type': retry.contentType },
      body: retry.body,
    });
    expect(dup.status).toBe(409);
    expect(await dup.text()).toBe('duplicate');
    expect(inbox).toHaveLength(1);
    // A forged post is refused with 401.
    const forged = multipart({
      recipient: 'support@acme.test',
      from: 'x@example.com',
      ...mailgunSignature('wrong', Math.floor(clock.now() / 1000), 'tok-f'),
    });
    const refused = await fetch(`${base}/mailgun/inbound`, {
      method: 'POST',
      headers: { 'content-type': forged.contentType },
      body: forged.body,
    });
    expect(refused.status).toBe(401);

    // The agent replies in the thread.
    const record = await sender.send({
      conversationId: message.threadKey ?? message.providerMessageId,
      channel: 'email',
      to: message.from.identities[0]?.value ?? '',
      content: { subject: `Re: ${message.subject}`, text: 'Refunded: you will see it in 3 days.' },
      idempotencyKey: `reply:${taskId}:1`,
      customerId,
      inReplyTo: message.providerMessageId,
      references: message.references,
    });
    expect(record.state).toBe('sent');
    expect(smtp.received).toHaveLength(1);
    const sent = await parseEmail(smtp.received[0]?.raw ?? '', { receivedAt: clock.now() });
    expect(sent.inReplyTo).toBe('e2e-1@mail.example.com');
    expect(sent.threadKey).toBe(message.threadKey);

    // Mailgun reports delivery.
    clock.advance(2000);
    const { timestamp, token, signature } = mailgunSignature(KEY, Math.floor(clock.now() / 1000), 'tok-ev-1');
    const event = JSON.stringify({
      signature: { timestamp, token, signature },
      'event-data': {
        event: 'delivered',
        timestamp: clock.now() / 1000,
        id: 'ev-1',
        recipient: 'ada@example.com',
        message: { headers: { 'message-id': record.providerMessageId } },
      },
    });
    const ack = await fetch(`${base}/mailgun/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: event,
    });
    expect(ack.status).toBe(200);
    const final = await sender.getDelivery({ id: record.id });
    expect(final?.state).toBe('delivered');
    expect(final?.history.map((h) => h.state)).toEqual(['queued', 'sent', 'delivered']);
  });
});
