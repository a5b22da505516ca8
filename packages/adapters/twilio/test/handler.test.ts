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
    expect(await handler.handle(request(message))).toMatchObject({ status: 200, duplicate: true });
    // The idempotency token Twilio sends on retries is the dedupe key when present.
    const withToken = request({ ...message, MessageSid: 'SM2' }, { 'i-twilio-idempotency-token': 'tok-1' });
    expect(await handler.handle(withToken)).toMatchObject({ duplicate: false });
    expect(
      await handler.handle({ ...request({ ...message, MessageSid: 'SM3' }), headers: withToken.headers }),
    ).toMatchObject({ status: 401 });
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
