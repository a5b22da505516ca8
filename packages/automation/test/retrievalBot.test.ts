import {
  createInProcessEventBus,
  createManualClock,
  createSequentialIds,
  type EventEnvelope,
  isThreadlineError,
} from '@threadline/core';
import { analyzeKnowledgeGaps, knowledgeConversationsFromEvents } from '@threadline/insights';
import { describe, expect, it } from 'vitest';
import { createBotFlow, createRetrievalBot, type QuestionUnansweredPayload } from '../src/index.js';
import { manualTimers } from './helpers.js';

const articles = [
  {
    id: 'kb-password',
    title: 'Reset your password',
    body: 'Open Settings, choose Security and press Reset password. A link arrives by email.',
    phrases: ['forgot my password', 'locked out'],
  },
  {
    id: 'kb-invoice',
    title: 'Download invoices',
    body: 'Invoices are under Billing. Each invoice can be downloaded as a PDF.\n\nOlder invoices are archived.',
  },
  {
    id: 'kb-shipping',
    title: 'Shipping times',
    body: 'Orders ship within two business days. Tracking numbers are emailed when the parcel leaves.',
    intent: 'shipping_eta',
  },
];

describe('createRetrievalBot', () => {
  it('answers with the best article, its first paragraph, citations and a confidence', () => {
    const bot = createRetrievalBot({ articles });
    const reply = bot.answer('How do I download my invoices as PDF?');
    expect(reply.intent).toBe('kb-invoice');
    expect(reply.text).toBe('Invoices are under Billing. Each invoice can be downloaded as a PDF.');
    expect(reply.citations?.[0]?.id).toBe('kb-invoice');
    expect(reply.confidence).toBeGreaterThan(0.5);
  });

  it('a phrase match boosts an article above one that only shares words', () => {
    const bot = createRetrievalBot({ articles });
    const reply = bot.answer('I am locked out');
    expect(reply.citations?.[0]?.id).toBe('kb-password');
    expect(reply.intent).toBe('kb-password');
    const plain = createRetrievalBot({ articles: articles.map((a) => ({ ...a, phrases: [] })) }).answer(
      'I am locked out',
    );
    expect(plain.confidence).toBeLessThan(reply.confidence);
  });

  it('uses the article intent when given', () => {
    expect(createRetrievalBot({ articles }).answer('when will my order ship?').intent).toBe('shipping_eta');
  });

  it('a question the corpus does not cover gets the fallback and a low confidence', () => {
    const bot = createRetrievalBot({ articles, fallbackText: 'No idea.' });
    const reply = bot.answer('Can I bring my dog to the concert?');
    expect(reply.text).toBe('No idea.');
    expect(reply.intent).toBeUndefined();
    expect(reply.confidence).toBeLessThan(0.35);
    expect(bot.answer('   ').confidence).toBe(0);
  });

  it('emits bot.question_unanswered that insights knowledge gaps consume', async () => {
    const clock = createManualClock(1_000);
    const ids = createSequentialIds();
    const bus = createInProcessEventBus();
    const seen: EventEnvelope[] = [];
    bus.subscribe('bot.question_unanswered', (e) => {
      seen.push(e);
    });
    const bot = createRetrievalBot({ articles, bus, clock, ids });
    const questions = [
      'How do I change my delivery address?',
      'Can I change the delivery address on my order?',
    ];
    for (const [i, q] of questions.entries()) {
      await bot.reply(
        {
          id: `c${i}`,
          tenantId: 't1',
          customerId: `cus${i}`,
          messages: [{ speaker: 'customer', text: q, at: 1_000 }],
        },
        { now: 1_000, signal: new AbortController().signal, attributes: {} },
      );
    }
    // An answered question emits nothing.
    await bot.reply(
      {
        id: 'c9',
        tenantId: 't1',
        customerId: 'x',
        messages: [{ speaker: 'customer', text: 'download invoices', at: 1 }],
      },
      { now: 1, signal: new AbortController().signal, attributes: {} },
    );
    expect(seen.map((e) => [e.tenantId, e.aggregateType, e.aggregateId, e.version])).toEqual([
      ['t1', 'bot', 'retrieval-bot', 1],
      ['t1', 'bot', 'retrieval-bot', 2],
    ]);
    const payloads = seen.map((e) => e.payload as QuestionUnansweredPayload);
    expect(payloads[0]?.question).toBe(questions[0]);
    const report = analyzeKnowledgeGaps(payloads.map((p) => p.knowledge));
    expect(report.gaps.length).toBe(1);
    expect(report.gaps[0]?.topic).toContain('address');
  });

  it("insights' knowledge-gap detector reads the bot events alone: one conversation each, escalations marked", async () => {
    const clock = createManualClock(1_000);
    const ids = createSequentialIds();
    const bus = createInProcessEventBus();
    const events: EventEnvelope[] = [];
    bus.subscribe('bot.*', (e) => {
      events.push(e);
    });
    const bot = createRetrievalBot({ articles, bus, clock, ids });
    // The flow sends whatever the bot says (no confidence floor): conv-1 asks twice, gets the same
    // fallback twice, and the flow hands off (the bot repeats itself) with both questions.
    const flow = createBotFlow({ bot, clock, ids, bus, setTimer: manualTimers().setTimer, minConfidence: 0 });
    flow.start({ conversationId: 'conv-1', customerId: 'cus-1' });
    flow.start({ conversationId: 'conv-2', customerId: 'cus-2' });
    flow.start({ conversationId: 'conv-3', customerId: 'cus-3' });
    await flow.customerMessage('conv-1', { text: 'How do I change my delivery address?' });
    clock.advance(1_000);
    await flow.customerMessage('conv-1', { text: 'Change the delivery address, how?' });
    clock.advance(1_000);
    await flow.customerMessage('conv-2', { text: 'Can I change the delivery address on my order?' });
    await flow.customerMessage('conv-3', { text: 'download invoices' });
    const unanswered = events.filter((e) => e.type === 'bot.question_unanswered');
    expect(unanswered).toHaveLength(3);
    const conversations = knowledgeConversationsFromEvents(events);
    // conv-3 was answered with no question left open: it is not a candidate gap, but it is read.
    expect(conversations.map((c) => [c.id, c.messages.length, c.escalated])).toEqual([
      ['conv-1', 2, true],
      ['conv-2', 1, false],
    ]);
    const report = analyzeKnowledgeGaps(conversations);
    expect(report.gaps).toHaveLength(1);
    // One conversation counts once, however many times its customer asked.
    expect(report.gaps[0]?.conversationIds).toEqual(['conv-1', 'conv-2']);
    expect(report.gaps[0]?.reasons).toEqual({
      escalated: 1,
      'repeated-question': 1,
      'low-confidence-bot': 2,
    });
    // The payloads' own knowledge entries, fed one per question, would count conv-1 twice.
    const perQuestion = analyzeKnowledgeGaps(
      unanswered.map((e) => (e.payload as QuestionUnansweredPayload).knowledge),
    );
    expect(perQuestion.gaps[0]?.conversationIds).toEqual(['conv-1', 'conv-1', 'conv-2']);
  });

  it('rejects bad configuration with CONFIG and the path', () => {
    try {
      createRetrievalBot({ articles: [{ id: '', title: 't', body: 'b' }] });
      expect.unreachable();
    } catch (e) {
      expect(isThreadlineError(e, 'CONFIG')).toBe(true);
      expect((e as { path: unknown }).path).toEqual(['articles', 0, 'id']);
    }
    expect(() => createRetrievalBot({ articles, bus: createInProcessEventBus() })).toThrow(/clock/);
  });
});
