import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createMemorySeenTokens, verifyWebhook } from '../src/index.js';

// Mailgun's docs describe the scheme (hex HMAC-SHA256 of timestamp + token with the HTTP webhook
// signing key) but publish no vector with a key; these are computed by hand with node:crypto.
const KEY = 'key-mailgun-signing-test';
const NOW = 1_700_000_000_000;
const STAMP = String(NOW / 1000);

function signed(token: string, timestamp = STAMP, key = KEY) {
  return {
    timestamp,
    token,
    signature: createHmac('sha256', key)
      .update(timestamp + token)
      .digest('hex'),
  };
}

function jsonBody(fields: { timestamp: string; token: string; signature: string }) {
  return JSON.stringify({ signature: fields, 'event-data': { id: 'evt-1', event: 'delivered' } });
}

describe('mailgun', () => {
  it('accepts a JSON webhook once; the same token again is replayed', async () => {
    const seenTokens = createMemorySeenTokens();
    const rawBody = jsonBody(signed('tok-1'));
    const options = {
      provider: 'mailgun' as const,
      secret: KEY,
      headers: { 'Content-Type': 'application/json' },
      rawBody,
      now: NOW,
      seenTokens,
    };
    expect(await verifyWebhook(options)).toEqual({ valid: true, deliveryId: 'evt-1', timestamp: NOW });
    expect(await verifyWebhook(options)).toEqual({ valid: false, reason: 'replayed' });
  });

  it('catches a replay across calls with the default in-process store', async () => {
    const rawBody = jsonBody(signed('tok-default-store'));
    const options = { provider: 'mailgun' as const, secret: KEY, headers: {}, rawBody, now: NOW };
    expect((await verifyWebhook(options)).valid).toBe(true);
    expect(await verifyWebhook(options)).toEqual({ valid: false, reason: 'replayed' });
  });

  it('accepts form-encoded fields (routes), with or without a content type', async () => {
    const fields = signed('tok-form');
    const rawBody = new URLSearchParams({ ...fields, recipient: 'a@example.com' }).toString();
    const withType = await verifyWebhook({
      provider: 'mailgun',
      secret: KEY,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      rawBody,
      now: NOW,
      seenTokens: createMemorySeenTokens(),
    });
    const without = await verifyWebhook({
      provider: 'mailgun',
      secret: KEY,
      headers: {},
      rawBody,
      now: NOW,
      seenTokens: createMemorySeenTokens(),
    });
    expect(withType).toEqual({ valid: true, timestamp: NOW });
    expect(without).toEqual({ valid: true, timestamp: NOW });
  });

  it('does not burn a token on a failed signature', async () => {
    const seenTokens = createMemorySeenTokens();
    const good = signed('tok-2');
    const forged = { ...good, signature: 'ab'.repeat(32) };
    const check = (fields: typeof good) =>
      verifyWebhook({
        provider: 'mailgun',
        secret: KEY,
        headers: {},
        rawBody: jsonBody(fields),
        now: NOW,
        seenTokens,
      });
    expect(await check(forged)).toEqual({ valid: false, reason: 'signature_mismatch' });
    expect((await check(good)).valid).toBe(true);
  });

  it('rejects a wrong key, expired and future timestamps, rotation passes', async () => {
    const check = (fields: ReturnType<typeof signed>, secret: string | string[] = KEY) =>
      verifyWebhook({
        provider: 'mailgun',
        secret,
        headers: {},
        rawBody: jsonBody(fields),
        now: NOW,
        seenTokens: createMemorySeenTokens(),
      });
    expect(await check(signed('a', STAMP, 'other'))).toEqual({ valid: false, reason: 'signature_mismatch' });
    expect(await check(signed('b', String(NOW / 1000 - 301)))).toEqual({ valid: false, reason: 'expired' });
    expect(await check(signed('c', String(NOW / 1000 + 301)))).toEqual({ valid: false, reason: 'future' });
    expect((await check(signed('d', STAMP, 'new-key'), [KEY, 'new-key'])).valid).toBe(true);
  });

  it('reports missing fields and malformed bodies', async () => {
    const check = (rawBody: string, type?: string) =>
      verifyWebhook({
        provider: 'mailgun',
        secret: KEY,
        headers: type ? { 'content-type': type } : {},
        rawBody,
        now: NOW,
        seenTokens: createMemorySeenTokens(),
      });
    expect(await check('{"event-data":{}}')).toEqual({ valid: false, reason: 'missing_signature' });
    expect(await check('{not json')).toEqual({ valid: false, reason: 'malformed_body' });
    expect(await check('[]', 'application/json')).toEqual({ valid: false, reason: 'malformed_body' });
    expect(await check('token=x', 'application/x-www-form-urlencoded')).toEqual({
      valid: false,
      reason: 'missing_signature',
    });
    expect(await check('x', 'multipart/form-data; boundary=x')).toEqual({
      valid: false,
      reason: 'malformed_body',
    });
    const bad = { ...signed('t'), timestamp: 'soon' };
    expect(await check(jsonBody(bad))).toEqual({ valid: false, reason: 'malformed_timestamp' });
    expect(await check(jsonBody({ ...signed('t'), signature: 'xyz' }))).toEqual({
      valid: false,
      reason: 'malformed_signature',
    });
  });
});
