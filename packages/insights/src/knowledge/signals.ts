import { type Clock, DEFAULT_TENANT, type IdGenerator, type Signal } from '@threadline/core';
import type { KnowledgeReport } from './knowledgeGaps.js';

/** Options for {@link knowledgeSignals}. */
export interface KnowledgeSignalOptions {
  readonly clock: Clock;
  readonly ids: IdGenerator;
  /** Tenant of the signals. Default `default`. */
  readonly tenantId?: string;
}

/**
 * Turns a {@link KnowledgeReport} into core `Signal`s a knowledge team can act on: one
 * `knowledge_gap` signal per gap (subject: the topic; value: volume) and one per low-deflection
 * article (subject: the article id; label `low_deflection`; value: deflection rate).
 *
 * @example
 * ```ts
 * const signals = knowledgeSignals(analyzeKnowledgeGaps(conversations), { clock, ids });
 * for (const s of signals) bus.publish(createEvent({ clock, ids }, { type: 'signal.emitted', aggregateType: 'signal', aggregateId: s.id, payload: s }));
 * ```
 */
export function knowledgeSignals(report: KnowledgeReport, options: KnowledgeSignalOptions): Signal[] {
  const now = options.clock.now();
  const tenantId = options.tenantId ?? DEFAULT_TENANT;
  const base = { tenantId, createdAt: now, updatedAt: now, version: 0, observedAt: now };
  const out: Signal[] = [];
  for (const g of report.gaps) {
    out.push({
      ...base,
      id: options.ids.next('sig'),
      kind: 'knowledge_gap',
      subject: { type: 'topic', id: g.topic.length > 0 ? g.topic : '(no content words)' },
      value: g.volume,
      label: g.topic,
      evidence: {
        terms: [...g.terms],
        conversationIds: [...g.conversationIds],
        examples: [...g.examples],
        reasons: { ...g.reasons },
        articlesShown: [...g.articlesShown],
      },
    });
  }
  for (const a of report.articles) {
    if (!a.low) continue;
    out.push({
      ...base,
      id: options.ids.next('sig'),
      kind: 'knowledge_gap',
      subject: { type: 'topic', id: `article:${a.articleId}` },
      value: a.deflectionRate,
      label: 'low_deflection',
      evidence: { articleId: a.articleId, shown: a.shown, deflected: a.deflected },
    });
  }
  return out;
}
