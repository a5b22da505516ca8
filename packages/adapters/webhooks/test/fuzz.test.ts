import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  createMemorySeenTokens,
  verifyWebhook,
  WEBHOOK_PROVIDERS,
  type WebhookProvider,
} from '../src/index.js';

// Secrets that every provider accepts as configuration, so that only the request is random.
const SECRETS: Record<WebhookProvider, string> = {
  twilio: 'auth-token',
  meta: 'app-secret',
  slack: 'signing-secret',
  standard: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  mailgun: 'signing-key',
  sendgrid:
    'MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEEDr2LjtURuePQzplybdC+u4CwrqDqBaWjcMMsTbhdbcwHBcepxo7yAQGhHPTnlvFYPAZFceEu/1FwCM/QmGUhA==',
};

// Header names each scheme reads, so random values land where they are parsed.
const NAMES = [
  'x-twilio-signature',
  'x-hub-signature-256',
  'x-slack-signature',
  'x-slack-request-timestamp',
  'webhook-id',
  'webhook-timestamp',
  'webhook-signature',
  'x-twilio-email-event-webhook-signature',
  'x-twilio-email-event-webhook-timestamp',
  'content-type',
  'i-twilio-idempotency-token',
];

const headerName = fc.oneof(
  fc.constantFrom(...NAMES),
  fc.constantFrom(...NAMES).map((n) => n.toUpperCase()),
  fc.string(),
);
const headerValue = fc.oneof(
  fc.string(),
  fc.constantFrom(
    'v0=',
    'v1,',
    'sha256=',
    'application/json',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=b',
    'multipart/form-data; boundary="b"',
    '1700000000',
  ),
  fc.array(fc.string(), { maxLength: 3 }),
  fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b).toString('base64')),
  fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => `sha256=${Buffer.from(b).toString('hex')}`),
  fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => `v0=${Buffer.from(b).toString('hex')}`),
  fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => `v1,${Buffer.from(b).toString('base64')}`),
);
const body = fc.oneof(
  fc.uint8Array({ maxLength: 512 }),
  fc.string(),
  fc.json(),
  fc
    .record({ timestamp: fc.string(), token: fc.string(), signature: fc.string() })
    .map((signature) => JSON.stringify({ signature })),
  // Multipart bodies on boundary `b`, with random part headers and contents.
  fc
    .array(fc.tuple(fc.constantFrom('timestamp', 'token', 'signature', 'x'), fc.string(), fc.string()), {
      maxLength: 4,
    })
    .map(
      (parts) =>
        parts
          .map(
            ([name, head, value]) =>
              `--b\r\nContent-Disposition: form-data; name="${name}"${head}\r\n\r\n${value}\r\n`,
          )
          .join('') + (parts.length % 2 === 0 ? '--b--\r\n' : ''),
    ),
);
const url = fc.oneof(fc.webUrl({ withQueryParameters: true }), fc.string());

describe('fuzz: random requests', () => {
  it('only ever produce { valid: false }, never a throw', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...WEBHOOK_PROVIDERS),
        fc.dictionary(headerName, headerValue, { maxKeys: 8 }),
        body,
        url,
        fc.integer({ min: 0, max: 4_000_000_000_000 }),
        fc.boolean(),
        async (provider, headers, rawBody, requestUrl, now, asFetchHeaders) => {
          const result = await verifyWebhook({
            provider,
            secret: SECRETS[provider],
            url: requestUrl,
            headers: asFetchHeaders ? toFetchHeaders(headers) : headers,
            rawBody,
            now,
            seenTokens: createMemorySeenTokens(),
          });
          expect(result.valid).toBe(false);
        },
      ),
      { seed: 1414, numRuns: 3000, timeout: 1000 },
    );
  });

  it('random secrets (valid configuration) never make a random request valid either', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom<WebhookProvider>('twilio', 'meta', 'slack', 'mailgun'),
        fc.string({ minLength: 1 }),
        fc.dictionary(headerName, headerValue, { maxKeys: 6 }),
        body,
        async (provider, secret, headers, rawBody) => {
          const result = await verifyWebhook({
            provider,
            secret,
            url: 'https://example.com/hook',
            headers,
            rawBody,
            now: 1_700_000_000_000,
            seenTokens: createMemorySeenTokens(),
          });
          expect(result.valid).toBe(false);
        },
      ),
      { seed: 2718, numRuns: 1500, timeout: 1000 },
    );
  });

  it('any one-byte change to a signed body fails', async () => {
    // Standard Webhooks' reference vector (standard-webhooks libraries/javascript/src/webhook.test.ts).
    const payload = Buffer.from('{"test": 2432232314}');
    const headers = {
      'webhook-id': 'msg_p5jXN8AQM9LWM0D4loKWxJek',
      'webhook-timestamp': '1614265330',
      'webhook-signature': 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
    };
    const verify = (rawBody: Uint8Array) =>
      verifyWebhook({
        provider: 'standard',
        secret: SECRETS.standard,
        headers,
        rawBody,
        now: 1_614_265_330_000,
      });
    expect((await verify(payload)).valid).toBe(true);
    await fc.assert(
      fc.asyncProperty(fc.nat(payload.length - 1), fc.integer({ min: 1, max: 255 }), async (at, delta) => {
        const changed = Buffer.from(payload);
        changed[at] = (changed[at]! + delta) % 256;
        expect(await verify(changed)).toEqual({ valid: false, reason: 'signature_mismatch' });
      }),
      { seed: 3141, numRuns: 300 },
    );
  });
});

function toFetchHeaders(record: Record<string, string | string[]>): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(record)) {
    for (const v of Array.isArray(value) ? value : [value]) {
      try {
        headers.append(name, v);
      } catch {
        // Fetch refuses names and values that are not legal HTTP; such a request never reaches us.
      }
    }
  }
  return headers;
}
