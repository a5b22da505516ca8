// core's ChannelSender conformance suite against the SMTP sender, with an in-process smtp-server
// as the provider: 429/5xx-like answers are SMTP 4xx (421, 451), a permanent refusal is 550;
// status callbacks are signed Mailgun event webhooks normalised by parseMailgunEvent.
import { channelSuite, type ScriptedReply } from '@threadline/adapter-conformance';
import { createMemoryDocumentStore } from '@threadline/adapter-memory';
import { createMemorySeenTokens } from '@threadline/adapter-webhooks';
import { createManualClock, createRandom, createSequentialIds } from '@threadline/core';
import { describe, expect, it } from 'vitest';
import { createSmtpSender, parseMailgunEvent } from '../src/index.js';
import { mailgunSignature } from './forms.js';
import { type Answer, startSmtpServer } from './smtpServer.js';

const KEY = 'key-conformance-mailgun';
const SMTP_ANSWER: Record<ScriptedReply, Answer> = {
  accept: 'ok',
  throttle: 421,
  unavailable: 451,
  reject: 550,
};
const EVENT = { sent: 'accepted', delivered: 'delivered', read: 'opened', failed: 'failed' } as const;

channelSuite({
  describe,
  it,
  expect,
  name: 'SMTP sender conformance',
  request: {
    channel: 'email',
    to: 'ada@example.com',
    content: { subject: 'Your refund', text: 'It is on its way.' },
  },
  createHarness: async ({ guard }) => {
    const answers: Answer[] = [];
    const smtp = await startSmtpServer(answers);
    const clock = createManualClock(Date.UTC(2026, 11, 7, 9));
    const rng = createRandom(11);
    const seenTokens = createMemorySeenTokens();
    let token = 0;
    const sender = createSmtpSender({
      transport: { host: '127.0.0.1', port: smtp.port, secure: false, ignoreTLS: true },
      from: 'Acme Support <support@acme.test>',
      messageIdDomain: 'acme.test',
      store: createMemoryDocumentStore(),
      clock,
      ids: createSequentialIds(),
      retry: { attempts: 4, baseDelayMs: 10 },
      sleep: async (ms) => {
        clock.advance(ms);
      },
      random: () => rng.next(),
      ...(guard ? { guard } : {}),
    });
    return {
      sender,
      script: (replies) => {
        answers.splice(
          0,
          answers.length,
          ...Array(smtp.attempts()).fill('ok'),
          ...replies.map((r) => SMTP_ANSWER[r]),
        );
      },
      requests: () => smtp.attempts(),
      statusCallback: async (messageId, state, at) => {
        const signed = mailgunSignature(KEY, Math.floor(clock.now() / 1000), `tok-${++token}`);
        const body = JSON.stringify({
          signature: { timestamp: signed.timestamp, token: signed.token, signature: signed.signature },
          'event-data': {
            event: EVENT[state],
            timestamp: at / 1000,
            recipient: 'ada@example.com',
            message: { headers: { 'message-id': messageId } },
            ...(state === 'failed'
              ? { severity: 'permanent', 'delivery-status': { code: 550, message: 'No such user' } }
              : {}),
          },
        });
        const status = await parseMailgunEvent({
          headers: { 'content-type': 'application/json' },
          rawBody: body,
          secret: KEY,
          now: clock.now(),
          seenTokens,
        });
        if (!status) throw new Error(`no status for ${state}`);
        return status;
      },
      close: () => smtp.close(),
    };
  },
});
