import { createMemoryDocumentStore } from '@threadline/adapter-memory';
import { createDeliveryDedupe } from '@threadline/adapter-webhooks';
import { createManualClock } from '@threadline/core';
import { describe, expect, it } from 'vitest';
import { createWhatsAppWebhookHandler } from '../src/index.js';
import { signMeta, statusWebhook } from './fakeGraph.js';

const appSecret = 'meta-app-secret';
const url = 'https://hooks.example.com/whatsapp';

function post(body: string, secret = appSecret) {
  return { method: 'POST', url, headers: { 'x-hub-signature-256': signMeta(body, secret) }, rawBody: body };
}

describe('createWhatsAppWebhookHandler', () => {
  const clock = createManualClock(Date.UTC(2026, 11, 7, 9));

  it('answers the subscribe handshake', async () => {
    const handler = createWhatsAppWebhookHandler({ appSecret, verifyToken: 'vt' });
    const query = (token: string) =>
      `${url}?hub.mode=subscribe&hub.verify_token=${token}&hub.challenge=1158201444`;
    expect(await handler.handle({ method: 'GET', url: query('vt'), headers: {}, rawBody: '' })).toEqual({
      status: 200,
      challenge: '1158201444',
    });
    expect(await handler.handle({ method: 'GET', url: query('nope'), headers: {}, rawBody: '' })).toEqual({
      status: 403,
      reason: 'token_mismatch',
    });
    expect(await handler.handle({ method: 'PUT', url, headers: {}, rawBody: '' })).toEqual({ status: 405 });
  });

  it('verifies, normalises and drops redelivered items', async () => {
    const dedupe = createDeliveryDedupe({ store: createMemoryDocumentStore(), ttlMs: 86_400_000, clock });
    const handler = createWhatsAppWebhookHandler({
      appSecret: ['old', appSecret],
      verifyToken: 'vt',
      clock,
      dedupe,
    });
    const body = JSON.stringify(statusWebhook('wamid.1', 'delivered', Date.UTC(2026, 11, 7, 9)));
    const first = await handler.handle(post(body));
    expect(first).toMatchObject({ status: 200, duplicates: 0, items: [{ state: 'delivered' }] });
    // Not settled yet: a redelivery now is in flight, refused with 409 so Meta tries again later.
    expect(await handler.handle(post(body))).toMatchObject({
      status: 409,
      inFlight: [{ state: 'delivered' }],
    });
    if (!('complete' in first) || !first.complete) throw new Error('expected complete()');
    await first.complete();
    expect(await handler.handle(post(body))).toMatchObject({ status: 200, duplicates: 1, items: [] });
    // The same message's next status is new.
    const read = JSON.stringify(statusWebhook('wamid.1', 'read', Date.UTC(2026, 11, 7, 9)));
    expect(await handler.handle(post(read))).toMatchObject({
      status: 200,
      duplicates: 0,
      items: [{ state: 'read' }],
    });
  });

  it('processes a redelivery after a failed processing, and one of two concurrent deliveries', async () => {
    const dedupe = createDeliveryDedupe({ store: createMemoryDocumentStore(), ttlMs: 86_400_000, clock });
    const processed: string[] = [];
    let fail = true;
    let finish: () => void = () => {};
    let gate: Promise<void> | undefined;
    const handler = createWhatsAppWebhookHandler({
      appSecret,
      verifyToken: 'vt',
      clock,
      dedupe,
      async process(item) {
        if (fail) {
          fail = false;
          throw new Error('database down');
        }
        if (gate) await gate;
        if (item.kind === 'status') processed.push(`${item.providerMessageId}:${item.state}`);
      },
    });
    const body = JSON.stringify(statusWebhook('wamid.2', 'delivered', Date.UTC(2026, 11, 7, 9)));
    expect(await handler.handle(post(body))).toMatchObject({
      status: 500,
      error: { message: 'database down' },
    });
    expect(processed).toEqual([]);
    expect(await handler.handle(post(body))).toMatchObject({ status: 200, items: [{ state: 'delivered' }] });
    expect(processed).toEqual(['wamid.2:delivered']);
    expect(await handler.handle(post(body))).toMatchObject({ status: 200, duplicates: 1, items: [] });

    gate = new Promise<void>((resolve) => {
      finish = resolve;
    });
    const read = JSON.stringify(statusWebhook('wamid.2', 'read', Date.UTC(2026, 11, 7, 9)));
    const first = handler.handle(post(read));
    const second = await handler.handle(post(read));
    finish();
    expect(second).toMatchObject({ status: 409, inFlight: [{ state: 'read' }] });
    expect(await first).toMatchObject({ status: 200, items: [{ state: 'read' }] });
    expect(processed).toEqual(['wamid.2:delivered', 'wamid.2:read']);
  });

  it('answers 401 for a bad signature and 400 for a body that is not a WhatsApp webhook', async () => {
    const handler = createWhatsAppWebhookHandler({ appSecret, verifyToken: 'vt' });
    const body = JSON.stringify(statusWebhook('wamid.1', 'sent', 0));
    expect(await handler.handle(post(body, 'other'))).toEqual({ status: 401, reason: 'signature_mismatch' });
    const bad = await handler.handle(post('{"object":"page","entry":[]}'));
    expect(bad.status).toBe(400);
    if (bad.status === 400 && 'error' in bad) expect(bad.error.path).toEqual(['object']);
  });
});
