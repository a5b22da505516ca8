import { createSign, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { verifyWebhook } from '../src/index.js';

// Published vector: sendgrid/sendgrid-nodejs, packages/eventwebhook/src/eventwebhook.spec.js.
const PUBLIC_KEY =
  'MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEEDr2LjtURuePQzplybdC+u4CwrqDqBaWjcMMsTbhdbcwHBcepxo7yAQGhHPTnlvFYPAZFceEu/1FwCM/QmGUhA==';
const OTHER_KEY =
  'MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEqTxd43gyp8IOEto2LdIfjRQrIbsd4SXZkLW6jDutdhXSJCWHw8REntlo7aNDthvj+y7GjUuFDb/R1NGe1OPzpA==';
const SIGNATURE =
  'MEUCIQCtIHJeH93Y+qpYeWrySphQgpNGNr/U+UyUlBkU6n7RAwIgJTz2C+8a8xonZGi6BpSzoQsbVRamr2nlxFDWYNH2j/0=';
const TIMESTAMP = '1588788367';
const PAYLOAD = JSON.stringify({
  category: 'example_payload',
  event: 'test_event',
  message_id: 'message_id',
});
const AT = Number(TIMESTAMP) * 1000;

const headers = (signature = SIGNATURE, timestamp = TIMESTAMP) => ({
  'X-Twilio-Email-Event-Webhook-Signature': signature,
  'X-Twilio-Email-Event-Webhook-Timestamp': timestamp,
});

const pem = (base64: string) => `-----BEGIN PUBLIC KEY-----\n${base64}\n-----END PUBLIC KEY-----\n`;

describe('sendgrid', () => {
  it('accepts the SDK vector with the key as base64 DER or PEM', async () => {
    for (const secret of [PUBLIC_KEY, pem(PUBLIC_KEY)]) {
      expect(
        await verifyWebhook({ provider: 'sendgrid', secret, headers: headers(), rawBody: PAYLOAD, now: AT }),
      ).toEqual({
        valid: true,
        timestamp: AT,
      });
    }
  });

  it('rejects the SDK cases: another key, bad payload, bad signature, bad timestamp', async () => {
    const check = (h: Record<string, string>, body = PAYLOAD, secret = PUBLIC_KEY) =>
      verifyWebhook({ provider: 'sendgrid', secret, headers: h, rawBody: body, now: AT });
    expect(await check(headers(), PAYLOAD, OTHER_KEY)).toEqual({
      valid: false,
      reason: 'signature_mismatch',
    });
    expect(await check(headers(), 'payload')).toEqual({ valid: false, reason: 'signature_mismatch' });
    const badSignature = SIGNATURE.replace('NH2j', 'NH3j');
    expect(await check(headers(badSignature))).toEqual({ valid: false, reason: 'signature_mismatch' });
    expect(await check(headers(SIGNATURE, 'timestamp'))).toEqual({
      valid: false,
      reason: 'malformed_timestamp',
    });
    expect(await check(headers(Buffer.from('not der').toString('base64')))).toEqual({
      valid: false,
      reason: 'signature_mismatch',
    });
  });

  it('applies the replay window and accepts a rotated key', async () => {
    const check = (now: number, secret: string | string[] = PUBLIC_KEY) =>
      verifyWebhook({ provider: 'sendgrid', secret, headers: headers(), rawBody: PAYLOAD, now });
    expect(await check(AT + 300_001)).toEqual({ valid: false, reason: 'expired' });
    expect(await check(AT - 300_001)).toEqual({ valid: false, reason: 'future' });
    expect((await check(AT, [OTHER_KEY, PUBLIC_KEY])).valid).toBe(true);
  });

  it('verifies a signature made independently with a fresh P-256 key', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const stamp = '1700000000';
    const body = '[{"event":"delivered"}]';
    const signature = createSign('SHA256')
      .update(stamp + body)
      .sign(privateKey, 'base64');
    const der = publicKey.export({ format: 'der', type: 'spki' }).toString('base64');
    expect(
      await verifyWebhook({
        provider: 'sendgrid',
        secret: der,
        headers: headers(signature, stamp),
        rawBody: body,
        now: 1_700_000_000_000,
      }),
    ).toEqual({ valid: true, timestamp: 1_700_000_000_000 });
  });

  it('reports missing headers; a key that is not P-256 is CONFIG', async () => {
    const check = (h: Record<string, string>) =>
      verifyWebhook({ provider: 'sendgrid', secret: PUBLIC_KEY, headers: h, rawBody: PAYLOAD, now: AT });
    expect(await check({ 'x-twilio-email-event-webhook-timestamp': TIMESTAMP })).toEqual({
      valid: false,
      reason: 'missing_signature',
    });
    expect(await check({ 'x-twilio-email-event-webhook-signature': SIGNATURE })).toEqual({
      valid: false,
      reason: 'missing_timestamp',
    });
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({
      format: 'pem',
      type: 'spki',
    });
    await expect(
      verifyWebhook({
        provider: 'sendgrid',
        secret: String(rsa),
        headers: headers(),
        rawBody: PAYLOAD,
        now: AT,
      }),
    ).rejects.toMatchObject({ code: 'CONFIG', path: ['secret'] });
    await expect(
      verifyWebhook({
        provider: 'sendgrid',
        secret: ['x', 'not a key'],
        headers: headers(),
        rawBody: PAYLOAD,
        now: AT,
      }),
    ).rejects.toMatchObject({ code: 'CONFIG', path: ['secret', 0] });
  });
});
