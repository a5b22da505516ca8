import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { verifyWebhook } from '../src/index.js';

// Published vector: Slack's "Verifying requests from Slack" page
// (https://api.slack.com/authentication/verifying-requests-from-slack), the slash-command example.
const SECRET = '8f742231b10e8888abcd99yyyzzz85a5';
const TIMESTAMP = '1531420618';
const BODY =
  'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
const SIGNATURE = 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503';
const AT = Number(TIMESTAMP) * 1000;

const headers = (signature = SIGNATURE, timestamp = TIMESTAMP) => ({
  'X-Slack-Signature': signature,
  'X-Slack-Request-Timestamp': timestamp,
});

describe('slack', () => {
  it("accepts Slack's published example", async () => {
    const result = await verifyWebhook({
      provider: 'slack',
      secret: SECRET,
      headers: headers(),
      rawBody: BODY,
      now: AT,
    });
    expect(result).toEqual({ valid: true, timestamp: AT });
  });

  it('accepts bytes as well as the string, and lower-case header names', async () => {
    const result = await verifyWebhook({
      provider: 'slack',
      secret: SECRET,
      headers: { 'x-slack-signature': SIGNATURE, 'x-slack-request-timestamp': TIMESTAMP },
      rawBody: new TextEncoder().encode(BODY),
      now: new Date(AT),
    });
    expect(result.valid).toBe(true);
  });

  it('rejects a tampered body and a wrong secret', async () => {
    const tampered = await verifyWebhook({
      provider: 'slack',
      secret: SECRET,
      headers: headers(),
      rawBody: BODY.replace('foobar', 'foobaz'),
      now: AT,
    });
    const wrong = await verifyWebhook({
      provider: 'slack',
      secret: 'other',
      headers: headers(),
      rawBody: BODY,
      now: AT,
    });
    expect(tampered).toEqual({ valid: false, reason: 'signature_mismatch' });
    expect(wrong).toEqual({ valid: false, reason: 'signature_mismatch' });
  });

  it('keeps a 5-minute window both ways by default, configurable', async () => {
    const at = (now: number, toleranceMs?: number) =>
      verifyWebhook({
        provider: 'slack',
        secret: SECRET,
        headers: headers(),
        rawBody: BODY,
        now,
        toleranceMs,
      });
    expect((await at(AT + 300_000)).valid).toBe(true);
    expect(await at(AT + 300_001)).toEqual({ valid: false, reason: 'expired' });
    expect((await at(AT - 300_000)).valid).toBe(true);
    expect(await at(AT - 300_001)).toEqual({ valid: false, reason: 'future' });
    expect((await at(AT + 600_000, 600_000)).valid).toBe(true);
    expect(await at(AT + 60_001, 60_000)).toEqual({ valid: false, reason: 'expired' });
  });

  it('accepts a rotated secret and reports missing and malformed headers', async () => {
    const stamp = '1700000000';
    const signature = `v0=${createHmac('sha256', 'new').update(`v0:${stamp}:{}`).digest('hex')}`;
    const now = 1_700_000_000_000;
    expect(
      await verifyWebhook({
        provider: 'slack',
        secret: ['old', 'new'],
        headers: headers(signature, stamp),
        rawBody: '{}',
        now,
      }),
    ).toEqual({ valid: true, timestamp: now });
    const check = (h: Record<string, string>) =>
      verifyWebhook({ provider: 'slack', secret: 'new', headers: h, rawBody: '{}', now });
    expect(await check({ 'x-slack-request-timestamp': stamp })).toEqual({
      valid: false,
      reason: 'missing_signature',
    });
    expect(await check({ 'x-slack-signature': signature })).toEqual({
      valid: false,
      reason: 'missing_timestamp',
    });
    expect(await check(headers(signature.replace('v0=', 'v1='), stamp))).toEqual({
      valid: false,
      reason: 'malformed_signature',
    });
    expect(await check(headers(signature, '17e8'))).toEqual({ valid: false, reason: 'malformed_timestamp' });
  });
});
