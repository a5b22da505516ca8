import { describe, expect, it } from 'vitest';
import { type VerifyWebhookOptions, verifyWebhook } from '../src/index.js';

const base = { provider: 'meta', secret: 's', headers: {}, rawBody: '' } as const;

describe('verifyWebhook configuration', () => {
  it('throws CONFIG naming the field for an unknown provider, an empty secret, a bad window or option', async () => {
    const cases: [unknown, readonly (string | number)[]][] = [
      [{ ...base, provider: 'stripe' }, ['provider']],
      [{ ...base, secret: '' }, ['secret']],
      [{ ...base, secret: [] }, ['secret']],
      [{ ...base, secret: ['ok', ''] }, ['secret', 1]],
      [{ ...base, toleranceMs: -1 }, ['toleranceMs']],
      [{ ...base, toleranceMs: Number.POSITIVE_INFINITY }, ['toleranceMs']],
      [{ ...base, tolerance: 5 }, ['tolerance']],
      [{ ...base, provider: 'twilio' }, ['url']],
      [{ ...base, provider: 'standard', secret: 'whsec_!!' }, ['secret']],
    ];
    for (const [options, path] of cases) {
      await expect(
        verifyWebhook(options as VerifyWebhookOptions),
        JSON.stringify(options),
      ).rejects.toMatchObject({
        code: 'CONFIG',
        path,
      });
    }
  });

  it('throws VALIDATION when rawBody is a parsed body rather than the raw one', async () => {
    await expect(
      verifyWebhook({ ...base, rawBody: { parsed: true } } as unknown as VerifyWebhookOptions),
    ).rejects.toMatchObject({ code: 'VALIDATION', path: ['rawBody'] });
  });

  it('accepts Node-style multi-value headers and a Headers instance alike', async () => {
    const stamp = '1700000000';
    const now = 1_700_000_000_000;
    const check = (headers: VerifyWebhookOptions['headers']) =>
      verifyWebhook({ provider: 'slack', secret: 's', headers, rawBody: '', now });
    // Both forms reach the signature check (so the headers were found): the signature is wrong.
    expect(
      await check({ 'x-slack-signature': [`v0=${'0'.repeat(64)}`], 'x-slack-request-timestamp': stamp }),
    ).toEqual({
      valid: false,
      reason: 'signature_mismatch',
    });
    expect(
      await check(
        new Headers({ 'X-Slack-Signature': `v0=${'0'.repeat(64)}`, 'X-Slack-Request-Timestamp': stamp }),
      ),
    ).toEqual({ valid: false, reason: 'signature_mismatch' });
    // Two signature headers are joined, as Fetch does, and never match by accident.
    expect(
      await check({
        'x-slack-signature': [`v0=${'0'.repeat(64)}`, `v0=${'1'.repeat(64)}`],
        'x-slack-request-timestamp': stamp,
      }),
    ).toEqual({ valid: false, reason: 'malformed_signature' });
  });
});
