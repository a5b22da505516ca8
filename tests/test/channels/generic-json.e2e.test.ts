// A channel without its own adapter, end to end through a real HTTP server on loopback: a JSON
// webhook signed the Standard Webhooks way → verifyWebhook → core's createJsonNormaliser with the
// host's zod schema → the delivery dedupe → identity resolution → a routing task. The handler is
// the one in docs/channels/README.md.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createMemoryStorage } from '@threadline/adapter-memory';
import {
  createDeliveryDedupe,
  fromNodeRequest,
  httpStatusOf,
  processOnce,
  signWebhook,
  verifyWebhook,
} from '@threadline/adapter-webhooks';
import { createIdentityService, createManualClock, createSequentialIds } from '@threadline/core';
import { createJsonNormaliser, type InboundMessage } from '@threadline/core/channels';
import { createRoutingEngine } from '@threadline/routing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

describe('a generic JSON channel, end to end', () => {
  const clock = createManualClock(Date.UTC(2026, 11, 7, 10));
  const ids = createSequentialIds();
  const storage = createMemoryStorage();
  const identity = createIdentityService({ storage, clock, ids });
  const routing = createRoutingEngine({
    clock,
    workflow: { queues: [{ id: 'forms' }], defaultFilter: { targets: [{ queue: 'forms' }] } },
  });
  const dedupe = createDeliveryDedupe({ store: storage.documents, ttlMs: 86_400_000, clock });
  const forms = createJsonNormaliser({
    schema: z.object({
      id: z.string().min(1),
      email: z.string().email(),
      phone: z.string().min(5).optional(),
      message: z.string().min(1).max(10_000),
      sentAt: z.number().int().nonnegative(),
    }),
    map: (body) => ({
      kind: 'message',
      channel: 'chat',
      provider: 'acme-forms',
      occurredAt: body.sentAt,
      providerMessageId: body.id,
      to: 'support',
      text: body.message,
      from: {
        identities: [
          { kind: 'email', value: body.email, verified: false },
          ...(body.phone ? [{ kind: 'phone' as const, value: body.phone, verified: false }] : []),
        ],
      },
    }),
  });
  const routed: { message: InboundMessage; customerId: string; taskId: string }[] = [];
  let server: Server;
  let url = '';

  beforeAll(async () => {
    routing.subscribe('reservation.created', (e) => routing.acceptReservation(e.payload.reservationId));
    routing.upsertWorker({ id: 'bo', status: 'available', capacity: { chat: 5 } });
    server = createServer(async (req, res) => {
      try {
        const request = await fromNodeRequest(req, { maxBytes: 1024 * 1024 });
        const verdict = await verifyWebhook({
          provider: 'standard',
          secret: SECRET,
          now: clock.now(),
          ...request,
        });
        if (!verdict.valid) return void res.writeHead(401).end(verdict.reason);
        const { item, dedupeKey } = forms.normalise(request.rawBody);
        const done = await processOnce(dedupe, dedupeKey, async () => {
          if (item.kind !== 'message') return;
          const { customerId } = await identity.resolve(item.from.identities);
          const task = routing.submitTask({ channel: 'chat', attributes: { customerId } });
          routed.push({ message: item, customerId, taskId: task.id });
        });
        res.writeHead(done.outcome === 'processed' ? 200 : done.outcome === 'duplicate' ? 409 : 500).end();
      } catch (error) {
        res
          .writeHead(httpStatusOf(error))
          .end(JSON.stringify((error as { issues?: unknown }).issues ?? null));
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/forms`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  function post(body: string, id: string, secret = SECRET) {
    const headers = signWebhook({ secret, id, timestamp: clock.now(), body });
    return fetch(url, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body });
  }

  it('verifies, validates with the host schema, dedupes, resolves and routes', async () => {
    const body = JSON.stringify({
      id: 'form-1',
      email: 'ada@example.com',
      phone: '+447700900123',
      message: 'Please call me back about order #1234',
      sentAt: clock.now(),
    });
    expect((await post(body, 'msg_1')).status).toBe(200);
    // The provider's retry (same body, same delivery id) is a duplicate and is not routed again.
    expect((await post(body, 'msg_1')).status).toBe(409);
    // A forged request (another secret) and a tampered body are refused before parsing.
    expect((await post(body, 'msg_2', 'whsec_dGVzdC1zZWNyZXQtb3RoZXItb3RoZXI=')).status).toBe(401);
    const headers = signWebhook({ secret: SECRET, id: 'msg_3', timestamp: clock.now(), body });
    const tampered = await fetch(url, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: body.replace('1234', '9999'),
    });
    expect(tampered.status).toBe(401);
    // A signed body that fails the host's schema is 400, with the field's path.
    const bad = await post(
      JSON.stringify({ id: 'form-2', email: 'not-an-email', message: 'x', sentAt: 0 }),
      'msg_4',
    );
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual([expect.objectContaining({ path: ['email'] })]);
    expect(routed).toHaveLength(1);

    const { message, customerId, taskId } = routed[0] as (typeof routed)[number];
    expect(message).toMatchObject({ channel: 'chat', provider: 'acme-forms', providerMessageId: 'form-1' });
    const identities = await identity.identitiesOf(customerId);
    expect(identities.map((i) => i.kind).sort()).toEqual(['email', 'phone']);
    expect(routing.getTask(taskId)).toMatchObject({ status: 'assigned', workerId: 'bo' });
  });
});
