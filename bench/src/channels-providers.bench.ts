// Channels: webhook verifications per second for every provider of @threadline/adapter-webhooks,
// and normalisations per second for the Twilio and WhatsApp adapters (issue 14).
// Each figure is the median of RUNS runs of ~1 s each; the spread is min–max over those runs.
// `pnpm bench channels` (RUNS from argv[2], default 7).
import { createHash, createHmac, generateKeyPairSync, sign } from 'node:crypto';
import { loadavg } from 'node:os';
import { createMemoryDocumentStore } from '@threadline/adapter-memory';
import { normaliseTwilioWebhook } from '@threadline/adapter-twilio';
import {
  createDocumentSeenTokens,
  createMemorySeenTokens,
  type SeenTokenStore,
  signWebhook,
  type VerifyWebhookOptions,
  verifyWebhook,
} from '@threadline/adapter-webhooks';
import { normaliseWhatsAppWebhook } from '@threadline/adapter-whatsapp';
import { fmt, opsPerSecond, opsPerSecondAsync, table } from './util.js';

const RUNS = Math.max(5, Number(process.argv[2] ?? 7));
const NOW = Date.UTC(2026, 11, 7, 9);
const seconds = String(Math.floor(NOW / 1000));

// ---- signed requests, one per provider, built the way each provider signs ----
const twilioUrl = 'https://hooks.example.com/twilio';
const twilioForm = new URLSearchParams({
  MessageSid: 'SM1f0e8ae6ade43cb3c0ce4525424e404f',
  AccountSid: 'AC0123456789abcdef0123456789abcdef',
  From: '+447700900123',
  To: '+14155238886',
  Body: 'Where is my refund? I ordered two weeks ago and the tracking has not moved.',
  NumMedia: '0',
  NumSegments: '1',
  SmsStatus: 'received',
  ApiVersion: '2010-04-01',
});
let twilioData = twilioUrl;
for (const k of [...twilioForm.keys()].sort()) twilioData += k + (twilioForm.get(k) ?? '');

const waBody = JSON.stringify({
  object: 'whatsapp_business_account',
  entry: [
    {
      id: '102290129340398',
      changes: [
        {
          field: 'messages',
          value: {
            messaging_product: 'whatsapp',
            metadata: { display_phone_number: '15550783881', phone_number_id: '106540352242922' },
            contacts: [{ profile: { name: 'Ana Lima' }, wa_id: '447700900123' }],
            messages: [
              {
                from: '447700900123',
                id: 'wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQUFERjg0NDEzNDdFODU3MUMxMAA=',
                timestamp: seconds,
                type: 'text',
                text: { body: 'Where is my refund? I ordered two weeks ago.' },
              },
            ],
          },
        },
      ],
    },
  ],
});
const slackBody = 'token=xyz&team_id=T1&command=%2Fhelp&text=refund';
const standardBody = JSON.stringify({ type: 'case.opened', caseId: 'case-1' });
const mailgunKey = 'mailgun-signing-key';
const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const sendgridBody = JSON.stringify([
  { email: 'ana@example.com', event: 'delivered', timestamp: Number(seconds) },
]);
const noTokens = { claim: () => true };

const requests: Record<string, (i: number) => VerifyWebhookOptions> = {
  twilio: () => ({
    provider: 'twilio',
    secret: 'twilio-auth-token',
    url: twilioUrl,
    headers: {
      'x-twilio-signature': createHmac('sha1', 'twilio-auth-token').update(twilioData).digest('base64'),
    },
    rawBody: twilioForm.toString(),
    now: NOW,
  }),
  meta: () => ({
    provider: 'meta',
    secret: 'meta-app-secret',
    headers: {
      'x-hub-signature-256': `sha256=${createHmac('sha256', 'meta-app-secret').update(waBody).digest('hex')}`,
    },
    rawBody: waBody,
    now: NOW,
  }),
  slack: () => ({
    provider: 'slack',
    secret: 'slack-signing-secret',
    headers: {
      'x-slack-signature': `v0=${createHmac('sha256', 'slack-signing-secret').update(`v0:${seconds}:${slackBody}`).digest('hex')}`,
      'x-slack-request-timestamp': seconds,
    },
    rawBody: slackBody,
    now: NOW,
  }),
  standard: () => ({
    provider: 'standard',
    secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    headers: signWebhook({
      secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
      id: 'msg_1',
      timestamp: NOW,
      body: standardBody,
    }),
    rawBody: standardBody,
    now: NOW,
  }),
  // A fresh token per request (each is single-use); the token store is a no-op so the figure is
  // the signature check, not a growing in-memory set.
  mailgun: (i) => {
    const token = createHash('sha256').update(String(i)).digest('hex').slice(0, 50);
    const body = new URLSearchParams({
      timestamp: seconds,
      token,
      signature: createHmac('sha256', mailgunKey)
        .update(seconds + token)
        .digest('hex'),
      event: 'delivered',
    }).toString();
    return {
      provider: 'mailgun',
      secret: mailgunKey,
      headers: {},
      rawBody: body,
      now: NOW,
      seenTokens: noTokens,
    };
  },
  sendgrid: () => ({
    provider: 'sendgrid',
    secret: publicKey.export({ format: 'der', type: 'spki' }).toString('base64'),
    headers: {
      'x-twilio-email-event-webhook-signature': sign(
        'sha256',
        Buffer.from(seconds + sendgridBody),
        privateKey,
      ).toString('base64'),
      'x-twilio-email-event-webhook-timestamp': seconds,
    },
    rawBody: sendgridBody,
    now: NOW,
  }),
};

function summary(samples: number[]): { median: number; min: number; max: number } {
  const s = [...samples].sort((a, b) => a - b);
  return {
    median: s[Math.floor(s.length / 2)] as number,
    min: s[0] as number,
    max: s[s.length - 1] as number,
  };
}

console.log(
  `load before: ${loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')}; ${RUNS} runs of ~1 s per figure`,
);
const rows: (string | number)[][] = [];

// Requests are prebuilt (a pool of 1 000 for mailgun's single-use tokens, reused per run with
// fresh tokens per run) so only verification is timed.
for (const [provider, make] of Object.entries(requests)) {
  const first = await verifyWebhook(make(0));
  if (!first.valid) throw new Error(`${provider}: the bench request does not verify (${first.reason})`);
  const samples: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const pool = Array.from({ length: 1000 }, (_, i) => make(run * 1_000_000 + i));
    samples.push(
      await opsPerSecondAsync((i) => verifyWebhook(pool[i % pool.length] as VerifyWebhookOptions), 1000),
    );
  }
  const { median, min, max } = summary(samples);
  rows.push([`verify ${provider}`, fmt(median), `${fmt(min)}–${fmt(max)}`]);
}

// Mailgun with a real token store: every request carries a fresh token, so each verification
// makes one claim that succeeds (a pool of 150 000 prebuilt requests per run, more than a run
// uses; the run fails if any request does not verify). The multipart case is a route post with the three signature fields, a 2 KB text part and
// an 8 KB file part, on the no-op store.
function mailgunSigned(token: string) {
  return {
    timestamp: seconds,
    token,
    signature: createHmac('sha256', mailgunKey)
      .update(seconds + token)
      .digest('hex'),
  };
}
function multipartPost(token: string): { contentType: string; body: Buffer } {
  const boundary = 'bench-b0undary';
  const fields = { recipient: 'support@acme.test', 'body-plain': 'x'.repeat(2048), ...mailgunSigned(token) };
  const parts = Object.entries(fields).map(
    ([name, value]) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`,
  );
  parts.push(
    `--${boundary}\r\nContent-Disposition: form-data; name="attachment-1"; filename="a.bin"\r\nContent-Type: application/octet-stream\r\n\r\n${'y'.repeat(8192)}\r\n--${boundary}--\r\n`,
  );
  return { contentType: `multipart/form-data; boundary=${boundary}`, body: Buffer.from(parts.join('')) };
}
const tokenCases: [string, () => SeenTokenStore, 'form' | 'multipart'][] = [
  ['verify mailgun, multipart route post (10 KB)', () => noTokens, 'multipart'],
  ['verify mailgun + in-memory token claim', () => createMemorySeenTokens(), 'form'],
  [
    'verify mailgun + DocumentStore token claim (memory store)',
    () => createDocumentSeenTokens({ store: createMemoryDocumentStore(), clock: { now: () => NOW } }),
    'form',
  ],
];
for (const [name, makeStore, shape] of tokenCases) {
  const samples: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const seenTokens = makeStore();
    // Multipart bodies are large and the no-op store never refuses, so 1 000 are cycled.
    const size = shape === 'multipart' ? 1000 : 150_000;
    const pool = Array.from({ length: size }, (_, i): VerifyWebhookOptions => {
      const token = createHash('sha256').update(`${run}:${i}`).digest('hex').slice(0, 50);
      if (shape === 'multipart') {
        const post = multipartPost(token);
        const headers = { 'content-type': post.contentType };
        return { provider: 'mailgun', secret: mailgunKey, headers, rawBody: post.body, now: NOW, seenTokens };
      }
      const rawBody = new URLSearchParams(mailgunSigned(token)).toString();
      const headers = { 'content-type': 'application/x-www-form-urlencoded' };
      return { provider: 'mailgun', secret: mailgunKey, headers, rawBody, now: NOW, seenTokens };
    });
    let calls = 0;
    let valid = 0;
    const rate = await opsPerSecondAsync(async (i) => {
      calls += 1;
      if ((await verifyWebhook(pool[i % size] as VerifyWebhookOptions)).valid) valid += 1;
    }, 1000);
    // With a real store every token must be fresh: a run that wrapped round the pool would be
    // timing replays, so it is refused rather than reported.
    if (valid !== calls) throw new Error(`${name}: ${calls - valid} of ${calls} requests did not verify`);
    samples.push(rate);
  }
  const { median, min, max } = summary(samples);
  rows.push([name, fmt(median), `${fmt(min)}–${fmt(max)}`]);
}

const twilioStatus = new URLSearchParams({
  MessageSid: 'SM1342fe1b2c904d1ab04f0fc7a58abca9',
  MessageStatus: 'delivered',
  To: '+447700900123',
  From: '+14155238886',
  AccountSid: 'AC0123456789abcdef0123456789abcdef',
}).toString();
const twilioVoice = new URLSearchParams({
  CallSid: 'CA5f7c9d3a1b2e4f6a8c0d2e4f6a8b0c1d',
  CallStatus: 'completed',
  CallDuration: '184',
  From: '+447700900123',
  To: '+14155238886',
  Direction: 'inbound',
  Timestamp: 'Mon, 07 Dec 2026 09:31:02 +0000',
}).toString();
const normalisers: [string, () => unknown][] = [
  [
    'normalise twilio SMS (raw form)',
    () => normaliseTwilioWebhook(twilioForm.toString(), { receivedAt: NOW }),
  ],
  ['normalise twilio status (raw form)', () => normaliseTwilioWebhook(twilioStatus, { receivedAt: NOW })],
  ['normalise twilio voice (raw form)', () => normaliseTwilioWebhook(twilioVoice, { receivedAt: NOW })],
  ['normalise whatsapp text (raw JSON)', () => normaliseWhatsAppWebhook(waBody)],
];
for (const [name, fn] of normalisers) {
  const samples: number[] = [];
  for (let run = 0; run < RUNS; run++) samples.push(opsPerSecond(fn, 1000, 200));
  const { median, min, max } = summary(samples);
  rows.push([name, fmt(median), `${fmt(min)}–${fmt(max)}`]);
}

table(['operation', 'median ops/s', 'spread (min–max)'], rows);
console.log(
  `load after: ${loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')}`,
);
