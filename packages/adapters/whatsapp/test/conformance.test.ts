import { channelSuite } from '@threadline/adapter-conformance';
import { createMemoryDocumentStore } from '@threadline/adapter-memory';
import { createManualClock, createRandom, createSequentialIds, type InboundStatus } from '@threadline/core';
import { describe, expect, it } from 'vitest';
import { createWhatsAppSender, normaliseWhatsAppWebhook } from '../src/index.js';
import { startFakeGraph, statusWebhook } from './fakeGraph.js';

channelSuite({
  describe,
  it,
  expect,
  name: 'WhatsApp Cloud API sender conformance',
  request: { channel: 'whatsapp', to: '+447700900123', content: { text: 'Your refund is on its way.' } },
  createHarness: async ({ guard }) => {
    const fake = await startFakeGraph();
    const clock = createManualClock(Date.UTC(2026, 11, 7, 9));
    const rng = createRandom(11);
    const sender = createWhatsAppSender({
      accessToken: fake.accessToken,
      phoneNumberId: fake.phoneNumberId,
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
      requests: () => fake.sends().length,
      statusCallback: (id, state, at) =>
        normaliseWhatsAppWebhook(statusWebhook(id, state, at)).items[0] as InboundStatus,
      close: () => fake.close(),
    };
  },
});
