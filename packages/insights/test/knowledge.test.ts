import { createSequentialIds, ManualClock, SignalSchema } from '@threadline/core';
import { describe, expect, it } from 'vitest';
import {
  analyzeKnowledgeGaps,
  type KnowledgeConversation,
  knowledgeConversationsFromEvents,
  knowledgeSignals,
} from '../src/index.js';

const c = (
  id: string,
  texts: string[],
  extra: Partial<KnowledgeConversation> = {},
): KnowledgeConversation => ({
  id,
  messages: texts.map((text, i) => ({ speaker: i % 2 === 0 ? 'customer' : 'bot', text })),
  ...extra,
});

const conversations: KnowledgeConversation[] = [
  c('c1', ['How do I export my invoices as PDF?'], { articlesShown: ['kb-export'], escalated: true }),
  c('c2', ['Where can I export invoices?'], { articlesShown: ['kb-export'], escalated: true }),
  c('c3', ['export invoice pdf?', 'Try this article', 'export invoice pdf please?'], {
    articlesShown: ['kb-export'],
  }),
  c('c4', ['How do I change my delivery address?', 'Here you go'], { botConfidences: [0.2] }),
  c('c5', ['Can I change the delivery address on an order?'], { botConfidences: [0.3] }),
  c('c6', ['How do I reset my password?'], { articlesShown: ['kb-password'] }),
  c('c7', ['Reset password link?'], { articlesShown: ['kb-password'] }),
  c('c8', ['password reset not arriving?'], {
    articlesShown: ['kb-password'],
    resolved: true,
    escalated: true,
  }),
  c('c9', ['What are your opening hours?'], { escalated: true }),
];

describe('analyzeKnowledgeGaps', () => {
  it('clusters unresolved questions into gaps with volume, examples and reasons', () => {
    const report = analyzeKnowledgeGaps(conversations);
    expect(report.conversations).toBe(9);
    expect(report.unresolved).toBe(6);
    expect(report.gaps.map((g) => [g.topic, g.volume])).toEqual([
      ['export invoices pdf', 3],
      ['address change delivery', 2],
    ]);
    const exportGap = report.gaps[0];
    expect(exportGap?.conversationIds).toEqual(['c1', 'c2', 'c3']);
    expect(exportGap?.examples[0]).toBe('How do I export my invoices as PDF?');
    expect(exportGap?.reasons).toEqual({ 'escalated-after-article': 2, 'repeated-question': 1 });
    expect(exportGap?.articlesShown).toEqual(['kb-export']);
    expect(report.gaps[1]?.reasons).toEqual({ 'low-confidence-bot': 2 });
  });

  it('rates article deflection', () => {
    const report = analyzeKnowledgeGaps(conversations);
    expect(report.articles).toEqual([
      { articleId: 'kb-export', shown: 3, deflected: 0, deflectionRate: 0, low: true },
      { articleId: 'kb-password', shown: 3, deflected: 3, deflectionRate: 1, low: false },
    ]);
  });

  it('honours thresholds and validates input', () => {
    expect(analyzeKnowledgeGaps(conversations, { minVolume: 4 }).gaps).toEqual([]);
    expect(analyzeKnowledgeGaps(conversations, { lowConfidence: 0.1 }).unresolved).toBe(4);
    expect(() => analyzeKnowledgeGaps([{ id: '', messages: [] }])).toThrow(
      expect.objectContaining({ path: [0, 'id'] }),
    );
    expect(() => analyzeKnowledgeGaps([], { clusterSimilarity: 2 })).toThrow(
      expect.objectContaining({ path: ['clusterSimilarity'] }),
    );
  });

  it('emits valid knowledge_gap signals', () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 5));
    const ids = createSequentialIds();
    const signals = knowledgeSignals(analyzeKnowledgeGaps(conversations), { clock, ids, tenantId: 't1' });
    expect(signals).toHaveLength(3);
    for (const s of signals) expect(SignalSchema.parse(s)).toEqual(s);
    expect(signals[0]).toMatchObject({
      kind: 'knowledge_gap',
      subject: { type: 'topic', id: 'export invoices pdf' },
      value: 3,
    });
    expect(signals[2]).toMatchObject({
      label: 'low_deflection',
      subject: { id: 'article:kb-export' },
      value: 0,
    });
  });
});

describe('knowledgeConversationsFromEvents', () => {
  let n = 0;
  const ev = (type: string, at: number, payload: Record<string, unknown>, tenantId = 't1') => ({
    id: `e${++n}`,
    type,
    occurredAt: at,
    tenantId,
    payload,
  });
  const unanswered = (conversationId: string, question: string, at: number, confidence: number) =>
    ev('bot.question_unanswered', at + 5, {
      conversationId,
      question,
      confidence,
      knowledge: { id: conversationId, messages: [{ speaker: 'customer', text: question, at }] },
    });

  it('groups bot events per conversation: questions, confidences, the handoff transcript merged', () => {
    const events = [
      unanswered('c1', 'Where is my refund?', 100, 0.1),
      ev('bot.replied', 106, { conversationId: 'c1', confidence: 0.2, text: 'Sorry?' }),
      ev('conversation.started', 107, { conversationId: 'c1' }),
      ev('bot.handed_off', 300, {
        conversationId: 'c1',
        trigger: 'low_confidence',
        packet: {
          transcript: [
            { author: { kind: 'customer' }, body: 'Where is my refund?', at: 100 },
            { author: { kind: 'bot' }, body: 'Sorry?', at: 106 },
            { author: { kind: 'customer' }, body: 'My refund, where is it?', at: 200 },
          ],
        },
      }),
      ev('bot.replied', 50, { conversationId: 'c2', confidence: 0.9 }),
      unanswered('c3', 'Refund still missing?', 400, 0.2),
      unanswered('c1', 'Where is my refund?', 100, 0.1),
      unanswered('c4', 'Other tenant refund?', 500, 0.1),
    ];
    events[events.length - 1] = { ...(events.at(-1) as (typeof events)[number]), tenantId: 't2' };
    const conversations = knowledgeConversationsFromEvents(events, { tenantId: 't1' });
    expect(conversations).toEqual([
      {
        id: 'c1',
        messages: [
          { speaker: 'customer', text: 'Where is my refund?', at: 100 },
          { speaker: 'customer', text: 'My refund, where is it?', at: 200 },
        ],
        escalated: true,
        botConfidences: [0.1, 0.2, 0.1],
      },
      {
        id: 'c3',
        messages: [{ speaker: 'customer', text: 'Refund still missing?', at: 400 }],
        escalated: false,
        botConfidences: [0.2],
      },
    ]);
    expect(knowledgeConversationsFromEvents(events).map((c) => c.id)).toEqual(['c1', 'c3', 'c4']);
    const report = analyzeKnowledgeGaps(conversations);
    expect(report.gaps.map((g) => [g.topic, g.conversationIds])).toEqual([['refund missing', ['c1', 'c3']]]);
  });

  it('validates its input with the path', () => {
    expect(() =>
      knowledgeConversationsFromEvents([{ id: '', type: 'bot.replied', occurredAt: 1, payload: {} }]),
    ).toThrow(expect.objectContaining({ code: 'VALIDATION', path: [0, 'id'] }));
    expect(() => knowledgeConversationsFromEvents([], { tenantId: '' })).toThrow(
      expect.objectContaining({ path: ['tenantId'] }),
    );
  });
});
