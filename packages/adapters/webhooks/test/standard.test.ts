import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signWebhook, verifyWebhook } from '../src/index.js';

// Published vector: Standard Webhooks' reference test "sign function works"
// (standard-webhooks/standard-webhooks, libraries/javascript/src/webhook.test.ts).
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const ID = 'msg_p5jXN8AQM9LWM0D4loKWxJek';
const SECONDS = 1614265330;
const PAYLOAD = '{"test": 2432232314}';
const SIGNATURE = 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=';
const AT = SECONDS * 1000;

const headers = (signature = SIGNATURE, id = ID, timestamp = String(SECONDS)) => ({
  'webhook-id': id,
  'webhook-timestamp': timestamp,
  'webhook-signature': signature,
});

/** An independent signer for secrets of our own. */
function v1(secret: Buffer, id: string, seconds: number, body: string): string {
  return `v1,${createHmac('sha256', secret).update(`${id}.${seconds}.${body}`).digest('base64')}`;
}

describe('standard', () => {
  it('accepts the reference vector and returns the delivery id', async () => {
    const result = await verifyWebhook({
      provider: 'standard',
      secret: SECRET,
      headers: headers(),
      rawBody: PAYLOAD,
      now: AT,
    });
    expect(result).toEqual({ valid: true, deliveryId: ID, timestamp: AT });
  });

  it('accepts the secret without its whsec_ prefix, as the reference libraries do', async () => {
    const result = await verifyWebhook({
      provider: 'standard',
      secret: SECRET.slice('whsec_'.length),
      headers: headers(),
      rawBody: PAYLOAD,
      now: AT,
    });
    expect(result.valid).toBe(true);
  });

  it('passes when any entry of a multi-signature header matches (reference "multi sig payload is valid")', async () => {
    const other = 'v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=';
    const list = [other, 'v2,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=', SIGNATURE, other].join(' ');
    const result = await verifyWebhook({
      provider: 'standard',
      secret: SECRET,
      headers: headers(list),
      rawBody: PAYLOAD,
      now: AT,
    });
    expect(result.valid).toBe(true);
  });

  it('rejects tampering with the body, the id or the timestamp, and a wrong secret', async () => {
    const check = (h: Record<string, string>, body = PAYLOAD, secret = SECRET) =>
      verifyWebhook({ provider: 'standard', secret, headers: h, rawBody: body, now: AT });
    const mismatch = { valid: false, reason: 'signature_mismatch' };
    expect(await check(headers(), '{"test": 2432232315}')).toEqual(mismatch);
    expect(await check(headers(SIGNATURE, 'msg_other'))).toEqual(mismatch);
    expect(await check(headers(SIGNATURE, ID, String(SECONDS + 1)))).toEqual(mismatch);
    expect(await check(headers(), PAYLOAD, 'whsec_' + Buffer.alloc(24, 7).toString('base64'))).toEqual(
      mismatch,
    );
  });

  it('rejects old and new timestamps beyond ±5 minutes (reference "old/new timestamp fails")', async () => {
    const at = (now: number) =>
      verifyWebhook({ provider: 'standard', secret: SECRET, headers: headers(), rawBody: PAYLOAD, now });
    expect(await at(AT + 5 * 60_000 + 1000)).toEqual({ valid: false, reason: 'expired' });
    expect(await at(AT - 5 * 60_000 - 1000)).toEqual({ valid: false, reason: 'future' });
  });

  it('reports missing headers and malformed values (reference "missing id/timestamp/signature", "partial signature")', async () => {
    const check = (h: Record<string, string>) =>
      verifyWebhook({ provider: 'standard', secret: SECRET, headers: h, rawBody: PAYLOAD, now: AT });
    const { 'webhook-id': _id, ...noId } = headers();
    const { 'webhook-timestamp': _ts, ...noTimestamp } = headers();
    const { 'webhook-signature': _sig, ...noSignature } = headers();
    expect(await check(noId)).toEqual({ valid: false, reason: 'missing_id' });
    expect(await check(noTimestamp)).toEqual({ valid: false, reason: 'missing_timestamp' });
    expect(await check(noSignature)).toEqual({ valid: false, reason: 'missing_signature' });
    expect(await check(headers(SIGNATURE, ID, 'hello'))).toEqual({
      valid: false,
      reason: 'malformed_timestamp',
    });
    expect(await check(headers('v1,dawfeoifkpqwoekfpqoekf'))).toEqual({
      valid: false,
      reason: 'malformed_signature',
    });
    expect(await check(headers(SIGNATURE.slice(0, 8)))).toEqual({
      valid: false,
      reason: 'malformed_signature',
    });
    expect(await check(headers('v1,'))).toEqual({ valid: false, reason: 'malformed_signature' });
  });

  it('verifies with either secret during a rotation, and header names in any case', async () => {
    const oldKey = Buffer.alloc(32, 1);
    const newKey = Buffer.alloc(32, 2);
    const secrets = [`whsec_${oldKey.toString('base64')}`, `whsec_${newKey.toString('base64')}`];
    const result = await verifyWebhook({
      provider: 'standard',
      secret: secrets,
      headers: {
        'Webhook-Id': 'evt_1',
        'WEBHOOK-TIMESTAMP': String(SECONDS),
        'webhook-Signature': v1(newKey, 'evt_1', SECONDS, 'x'),
      },
      rawBody: 'x',
      now: AT,
    });
    expect(result).toEqual({ valid: true, deliveryId: 'evt_1', timestamp: AT });
  });
});

describe('signWebhook', () => {
  it('reproduces the reference signature', () => {
    expect(signWebhook({ secret: SECRET, id: ID, timestamp: new Date(AT + 999), body: PAYLOAD })).toEqual({
      'webhook-id': ID,
      'webhook-timestamp': String(SECONDS),
      'webhook-signature': SIGNATURE,
    });
  });

  it('signs with every secret during a rotation; verifyWebhook accepts it with either', async () => {
    const a = `whsec_${Buffer.alloc(32, 3).toString('base64')}`;
    const b = `whsec_${Buffer.alloc(32, 4).toString('base64')}`;
    const signed = signWebhook({
      secret: [a, b],
      id: 'evt_9',
      timestamp: AT,
      body: new TextEncoder().encode('{}'),
    });
    expect(signed['webhook-signature'].split(' ')).toHaveLength(2);
    for (const secret of [a, b]) {
      expect(
        await verifyWebhook({ provider: 'standard', secret, headers: signed, rawBody: '{}', now: AT }),
      ).toEqual({
        valid: true,
        deliveryId: 'evt_9',
        timestamp: AT,
      });
    }
  });

  it('refuses a bad id, secret or timestamp', () => {
    expect(() => signWebhook({ secret: SECRET, id: '', timestamp: AT, body: '' })).toThrow(
      expect.objectContaining({ code: 'VALIDATION', path: ['id'] }),
    );
    expect(() => signWebhook({ secret: 'whsec_***', id: 'a', timestamp: AT, body: '' })).toThrow(
      expect.objectContaining({ code: 'CONFIG', path: ['secret'] }),
    );
    expect(() => signWebhook({ secret: [], id: 'a', timestamp: AT, body: '' })).toThrow(
      expect.objectContaining({ code: 'CONFIG' }),
    );
    expect(() => signWebhook({ secret: SECRET, id: 'a', timestamp: Number.NaN, body: '' })).toThrow(
      expect.objectContaining({ code: 'VALIDATION', path: ['timestamp'] }),
    );
  });
});
