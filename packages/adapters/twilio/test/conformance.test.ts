import { channelSuite } from '@threadline/adapter-conformance';
import { createMemoryDocumentStore } from '@threadline/adapter-memory';
import { createManualClock, createRandom, createSequentialIds } from '@threadline/core';
import { describe, expect, it } from 'vitest';
import { createTwilioSender, normaliseTwilioStatus } from '../src/index.js';
import { startFakeTwilio } from './fakeTwilio.js';

const TWILIO_STATUS = { sent: 'sent', delivered: 'delivered', read: 'read', failed: 'undelivered' } as const;

for (const channel of ['sms', 'whatsapp'] as const) {
  channelSuite({
    describe,
    it,
    expect,
    name: `Twilio sender (${channel}) conformance`,
    request: { channel, to: '+447700900123', content: { text: 'Your refund is on its way.' } },
    createHarness: async ({ guard }) => {
      const fake = await startFakeTwilio();
      const clock = createManualClock(Date.UTC(2026, 11, 7, 9));
      const rng = createRandom(7);
      const sender = createTwilioSender({
        accountSid: fake.accountSid,
        authToken: fake.authToken,
        from: '+14155238886',
        statusCallbackUrl: 'https://hooks.example.com/twilio/status',
        baseUrl: fake.baseUrl,
        store: createMemoryDocumentStore(),
        clock,
        ids: createSequentialIds(),
        retry: { maxAttempts: 4 },
        sleep: async (ms) => {
          clock.advance(ms);
        },
        random: () => rng.next(),
        ...(guard ? { guard } : {}),
      });
      return {
        sender,
        script: (replies) => fake.script(replies),
        requests: () => fake.requests.length,
        statusCallback: (sid, state, at) =>
          normaliseTwilioStatus(
            {
              MessageSid: sid,
              MessageStatus: TWILIO_STATUS[state],
              AccountSid: fake.accountSid,
              To: channel === 'whatsapp' ? 'whatsapp:+447700900123' : '+447700900123',
              From: '+14155238886',
              ...(state === 'failed' ? { ErrorCode: '30003' } : {}),
            },
            { receivedAt: at },
          ),
        close: () => fake.close(),
      };
    },
  });
}
