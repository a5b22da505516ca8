import { createMemoryDocumentStore } from '@threadline/adapter-memory';
import { createDeliveryDedupe } from '@threadline/adapter-webhooks';
import { createManualClock } from '@threadline/core';
import { describe, expect, it } from 'vitest';
import { createTwilioWebhookHandler, twilioDedupeKey } from '../src/index.js';
import { signTwilio } from './fakeTwilio.js';

const url = 'https://hooks.example.com/twilio?tenant=acme';
const token = 'auth-token';

function request(params: Record<string, string>, headers: Record<string, string> = {}) {
  const body = new URLSearchParams(params);
  return {
    url,
    headers: { 'x-twilio-signature': signTwilio(url, body, token), ...headers },
    rawBody: body.toString(),
  };
}

describe('createTwilioWebhookHandler', () => {
  const clock = createManualClock(Date.UTC(2026, 11, 7, 9));
  const message = { MessageSid: 'SM1', From: '+447700900123', To: '+14155238886', Body: 'hi' };

  it('verifies, normalises and dedupes', async () => {
    const dedupe = createDeliveryDedupe({ store: createMemoryDocumentStore(), ttlMs: 60_000, clock });
    const handler = createTwilioWebhookHandler({ authToken: ['old-token', token], clock, dedupe });
    const first = await handler.handle(request(message));
    expect(first).toMatchObject({ status: 200, duplicate: false, item: { kind: 'message', text: 'hi' } });
    // Without `process` the host settles the claim; until it does, a retry is in flight.
    expect(await handler.handle(request(message))).toMatchObject({
      status: 409,
      duplicate: true,
      claim: 'in_flight',
    });
    if (first.status !== 200) throw new Error('expected 200');
    await first.complete?.();
    expect(await handler.handle(request(message))).toMatchObject({ status: 409, claim: 'completed' });
    // The idempotency token Twilio sends on retries is the dedupe key when present.
    const withToken = request({ ...message, MessageSid: 'SM2' }, { 'i-twilio-idempotency-token': 'tok-1' });
    expect(await handler.handle(withToken)).toMatchObject({ duplicate: false });
    expect(
      await handler.handle({ ...request({ ...message, MessageSid: 'SM3' }), headers: withToken.headers }),
    ).toMatchObject({ status: 401 });
  });

  it('processes the retry of a delivery whose processing failed, and never processes one twice', async () => {
    const dedupe = createDeliveryDedupe({ store: createMemoryDocumentStore(), ttlMs: 60_000, clock });
    const processed: string[] = [];
    let failNext = true;
    const handler = createTwilioWebhookHandler({
      authToken: token,
      clock,
      dedupe,
      process(item) {
        if (failNext) {
          failNext = false;
          throw new Error('database down');
        }
        if (item.kind === 'message') processed.push(item.providerMessageId);
      },
    });
    const failed = await handler.handle(request(message));
    expect(failed).toMatchObject({ status: 500, error: { message: 'database down' } });
    expect(processed).toEqual([]);
    // Twilio retries: the claim was released, so the message is processed now.
    expect(await handler.handle(request(message))).toMatchObject({ status: 200, duplicate: false });
    expect(processed).toEqual(['SM1']);
    expect(await handler.handle(request(message))).toMatchObject({ status: 409, claim: 'completed' });
    expect(processed).toEqual(['SM1']);
  });

  it('processes one of two concurrent deliveries and refuses the other with 409', async () => {
    const dedupe = createDeliveryDedupe({ store: createMemoryDocumentStore(), ttlMs: 60_000, clock });
    let calls = 0;
    let finish: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      finish = resolve;
    });
    const handler = createTwilioWebhookHandler({
      authToken: token,
      clock,
      dedupe,
      async process() {
        calls++;
        await gate; // the first delivery is still processing when the second arrives
      },
    });
    const first = handler.handle(request(message));
    const second = handler.handle(request(message));
    const early = await second;
    finish();
    const results = [await first, early];
    expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
    expect(early).toMatchObject({ status: 409, claim: 'in_flight' });
    expect(calls).toBe(1);
  });

  it('lets a retry through once an unsettled claim has expired', async () => {
    const local = createManualClock(0);
    const dedupe = createDeliveryDedupe({
      store: createMemoryDocumentStore(),
      ttlMs: 60_000,
      claimTtlMs: 1_000,
      clock: local,
    });
    const handler = createTwilioWebhookHandler({ authToken: token, clock: local, dedupe });
    expect(await handler.handle(request(message))).toMatchObject({ status: 200 });
    // The process that took it crashed: neither complete nor release was called.
    expect(await handler.handle(request(message))).toMatchObject({ status: 409 });
    local.advance(1_000);
    expect(await handler.handle(request(message))).toMatchObject({ status: 200, duplicate: false });
  });

  it('answers 401 for a bad signature and 400 for a payload that is not a Twilio webhook', async () => {
    const handler = createTwilioWebhookHandler({ authToken: token, clock });
    const forged = {
      ...request(message),
      headers: { 'x-twilio-signature': signTwilio(url, new URLSearchParams(message), 'other') },
    };
    expect(await handler.handle(forged)).toEqual({ status: 401, reason: 'signature_mismatch' });
    const bad = await handler.handle(request({ From: '+447700900123' }));
    expect(bad.status).toBe(400);
    if (bad.status === 400) expect(bad.error.path).toEqual(['MessageSid']);
  });

  it('keys status callbacks by message and status, calls by event', async () => {
    const handler = createTwilioWebhookHandler({ authToken: token, clock });
    const status = await handler.handle(request({ MessageSid: 'SM9', MessageStatus: 'sent' }));
    const call = await handler.handle(
      request({ CallSid: 'CA9', CallStatus: 'ringing', From: '+447700900123' }),
    );
    if (status.status !== 200 || call.status !== 200) throw new Error('expected 200');
    expect(twilioDedupeKey(status.item)).toBe('twilio:status:SM9:sent');
    expect(twilioDedupeKey(call.item)).toBe('twilio:call:CA9:call.ringing::ringing');
  });
});
