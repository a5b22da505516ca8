import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { verifyMetaSubscription, verifyWebhook } from '../src/index.js';

// Meta publishes no test vector for X-Hub-Signature-256. The same scheme (`sha256=` + hex
// HMAC-SHA256 of the raw body) is GitHub's, whose docs publish one ("Validating webhook
// deliveries": secret "It's a Secret to Everybody", body "Hello, World!"); we use it, and compute
// the rest by hand with node:crypto.
const GITHUB_SECRET = "It's a Secret to Everybody";
const GITHUB_BODY = 'Hello, World!';
const GITHUB_SIGNATURE = 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17';

const body = JSON.stringify({ object: 'whatsapp_business_account', entry: [{ id: '1', changes: [] }] });
const sign = (secret: string, raw: string) =>
  `sha256=${createHmac('sha256', secret).update(raw).digest('hex')}`;

describe('meta', () => {
  it('accepts the published X-Hub-Signature-256 vector', async () => {
    const result = await verifyWebhook({
      provider: 'meta',
      secret: GITHUB_SECRET,
      headers: { 'X-Hub-Signature-256': GITHUB_SIGNATURE },
      rawBody: GITHUB_BODY,
    });
    expect(result).toEqual({ valid: true });
  });

  it('accepts an app-secret signature in any header case and with upper-case hex; rotation', async () => {
    const signature = sign('app-secret-2', body);
    for (const headers of [
      { 'x-hub-signature-256': signature },
      { 'X-HUB-SIGNATURE-256': `sha256=${signature.slice(7).toUpperCase()}` },
      new Headers({ 'X-Hub-Signature-256': signature }),
      { 'x-hub-signature-256': [signature] },
    ]) {
      expect(
        await verifyWebhook({
          provider: 'meta',
          secret: ['app-secret-1', 'app-secret-2'],
          headers,
          rawBody: body,
        }),
      ).toEqual({
        valid: true,
      });
    }
  });

  it('rejects a tampered body, a wrong secret, a missing or malformed header', async () => {
    const signature = sign('s', body);
    const check = (headers: Record<string, string>, raw = body, secret = 's') =>
      verifyWebhook({ provider: 'meta', secret, headers, rawBody: raw });
    expect(await check({ 'x-hub-signature-256': signature }, `${body} `)).toEqual({
      valid: false,
      reason: 'signature_mismatch',
    });
    expect(await check({ 'x-hub-signature-256': signature }, body, 't')).toEqual({
      valid: false,
      reason: 'signature_mismatch',
    });
    expect(await check({})).toEqual({ valid: false, reason: 'missing_signature' });
    expect(await check({ 'x-hub-signature': `sha1=${'0'.repeat(40)}` })).toEqual({
      valid: false,
      reason: 'missing_signature',
    });
    expect(await check({ 'x-hub-signature-256': signature.slice(7) })).toEqual({
      valid: false,
      reason: 'malformed_signature',
    });
    expect(await check({ 'x-hub-signature-256': signature.slice(0, -2) })).toEqual({
      valid: false,
      reason: 'malformed_signature',
    });
  });
});

describe('verifyMetaSubscription', () => {
  const query = { 'hub.mode': 'subscribe', 'hub.verify_token': 'tok', 'hub.challenge': '1158201444' };

  it('returns the challenge for the right token, from an object, URLSearchParams or a URL', () => {
    const url = new URL(`https://example.com/meta?${new URLSearchParams(query)}`);
    for (const q of [query, url.searchParams, url]) {
      expect(verifyMetaSubscription({ query: q, verifyToken: 'tok' })).toEqual({
        valid: true,
        challenge: '1158201444',
      });
    }
  });

  it('refuses another mode, a wrong token and a missing challenge', () => {
    expect(
      verifyMetaSubscription({ query: { ...query, 'hub.mode': 'unsubscribe' }, verifyToken: 'tok' }),
    ).toEqual({
      valid: false,
      reason: 'not_subscribe',
    });
    expect(
      verifyMetaSubscription({ query: { ...query, 'hub.verify_token': 'tak' }, verifyToken: 'tok' }),
    ).toEqual({
      valid: false,
      reason: 'token_mismatch',
    });
    expect(
      verifyMetaSubscription({ query: { ...query, 'hub.verify_token': undefined }, verifyToken: 'tok' }),
    ).toEqual({
      valid: false,
      reason: 'token_mismatch',
    });
    expect(
      verifyMetaSubscription({ query: { ...query, 'hub.challenge': undefined }, verifyToken: 'tok' }),
    ).toEqual({
      valid: false,
      reason: 'missing_challenge',
    });
  });

  it('refuses an empty configured token with CONFIG', () => {
    expect(() => verifyMetaSubscription({ query, verifyToken: '' })).toThrow(
      expect.objectContaining({ code: 'CONFIG', path: ['verifyToken'] }),
    );
  });
});
