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

/** A `multipart/form-data` body as Mailgun's routes post it, with one attachment. */
function multipartBody(fields: Record<string, string>, boundary = 'mg-b0undary-42') {
  const parts = [
    '--ignored preamble\r\n',
    ...Object.entries(fields).map(
      ([name, value]) =>
        `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`,
    ),
    `--${boundary}\r\nContent-Disposition: form-data; name="attachment-1"; filename="token.txt"\r\n` +
      'Content-Type: text/plain\r\n\r\nsignature=0000\r\n',
    `--${boundary}--\r\n`,
  ];
  return { contentType: `multipart/form-data; boundary="${boundary}"`, body: Buffer.from(parts.join('')) };
}

describe('mailgun', () => {
  it('reads the signature fields of a multipart post (a route forwarding attachments)', async () => {
    const seenTokens = createMemorySeenTokens();
    const check = (fields: Record<string, string>) => {
      const { contentType, body } = multipartBody({
        recipient: 'support@acme.test',
        'body-plain': 'hello\r\n--not-the-boundary',
        ...fields,
      });
      return verifyWebhook({
        provider: 'mailgun',
        secret: KEY,
        headers: { 'Content-Type': contentType },
        rawBody: body,
        now: NOW,
        seenTokens,
      });
    };
    expect(await check(signed('tok-mp'))).toEqual({ valid: true, timestamp: NOW });
    expect(await check(signed('tok-mp'))).toEqual({ valid: false, reason: 'replayed' });
    expect(await check({ ...signed('tok-mp2'), token: 'tok-other' })).toEqual({
      valid: false,
      reason: 'signature_mismatch',
    });
    const { signature: _dropped, ...unsigned } = signed('tok-mp3');
    // The file part named like a field is not read as one.
    expect(await check(unsigned)).toEqual({ valid: false, reason: 'missing_signature' });
  });

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
    for (const [body, type] of [
      ['x', 'multipart/form-data; boundary=x'],
      ['--x\r\nContent-Disposition: form-data; name="token"\r\n\r\nt', 'multipart/form-data; boundary=x'],
      ['--x--\r\n', 'multipart/form-data'],
    ] as const) {
      expect(await check(body, type)).toEqual({ valid: false, reason: 'malformed_body' });
    }
    expect(await check('--x--\r\n', 'multipart/form-data; boundary=x')).toEqual({
      valid: false,
      reason: 'missing_signature',
    });
    const bad = { ...signed('t'), timestamp: 'soon' };
    expect(await check(jsonBody(bad))).toEqual({ valid: false, reason: 'malformed_timestamp' });
    expect(await check(jsonBody({ ...signed('t'), signature: 'xyz' }))).toEqual({
      valid: false,
      reason: 'malformed_signature',
    });
  });
});
