// core's ChannelSender conformance suite against the web chat sender. The "provider" is the web
// chat server with a connected visitor; the harness scripts its answers by wrapping `deliver`:
// throttle/unavailable are a full replay buffer (CAPACITY) and a store failure, reject is an
// unknown session (NOT_FOUND). Status reports are what the server's onDelivery turns into
// ledger updates, given here as normalised statuses.
import { channelSuite, type ScriptedReply } from '@threadline/adapter-conformance';
import { createMemoryDocumentStore } from '@threadline/adapter-memory';
import { createRandom, createSequentialIds, ThreadlineError } from '@threadline/core';
import { describe, expect, it } from 'vitest';
import { createWebchatSender, type WebchatServer } from '../src/index.js';
import { rawClient, startChat } from './harness.js';

channelSuite({
  describe,
  it,
  expect,
  name: 'web chat sender conformance',
  request: { channel: 'chat', to: 'v1', content: { text: 'Hi! How can I help?' } },
  createHarness: async ({ guard }) => {
    const c = await startChat();
    const visitor = rawClient(c.url);
    await visitor.opened;
    visitor.send({ type: 'hello', token: c.token('v1'), ack: 0 });
    await visitor.next((f) => f.type === 'welcome');
    const script: ScriptedReply[] = [];
    let requests = 0;
    const server: WebchatServer = {
      ...c.chat,
      async deliver(sessionId, message) {
        requests += 1;
        const reply = script.shift() ?? 'accept';
        if (reply === 'throttle') throw new ThreadlineError('CAPACITY', 'replay buffer full');
        if (reply === 'unavailable') throw new Error('store unavailable');
        if (reply === 'reject') throw new ThreadlineError('NOT_FOUND', `no session ${sessionId}`);
        return c.chat.deliver(sessionId, message);
      },
    };
    const rng = createRandom(13);
    const sender = createWebchatSender({
      server,
      store: createMemoryDocumentStore(),
      clock: c.clock,
      ids: createSequentialIds(),
      retry: { attempts: 4, baseDelayMs: 1 },
      random: () => rng.next(),
      sleep: async (ms) => {
        c.clock.advance(ms);
      },
      ...(guard ? { guard } : {}),
    });
    return {
      sender,
      script: (replies) => {
        script.splice(0, script.length, ...replies);
      },
      requests: () => requests,
      statusCallback: (providerMessageId, state, at) => ({
        kind: 'status' as const,
        channel: 'chat' as const,
        provider: 'webchat',
        occurredAt: at,
        providerMessageId,
        state,
        metadata: {},
        ...(state === 'failed' ? { error: { code: 'SESSION_ENDED', message: 'the visitor left' } } : {}),
      }),
      close: async () => {
        sender.dispose();
        await c.close();
      },
    };
  },
});
