import { parseInput } from '@threadline/core';
import { z } from 'zod';
import { ConversationMessageSchema, type NormalizedMessage, normalizeMessages } from '../text/messages.js';
import { tokenize } from '../text/tokenizer.js';

/** Zod schema for one conversation given to {@link analyzeKnowledgeGaps}. */
export const KnowledgeConversationSchema = z
  .object({
    id: z.string().min(1),
    messages: z.array(ConversationMessageSchema),
    /** Articles shown to the customer (by the bot, search or an agent), in order. */
    articlesShown: z.array(z.string().min(1)).default([]),
    /** Handed to a human / escalated to a higher tier. */
    escalated: z.boolean().default(false),
    /** Explicitly marked resolved (e.g. the customer said the answer helped). */
    resolved: z.boolean().optional(),
    /** Confidence of each bot answer (0–1). */
    botConfidences: z.array(z.number().min(0).max(1)).default([]),
  })
  .strict();

/** One conversation given to {@link analyzeKnowledgeGaps}. */
export type KnowledgeConversation = z.input<typeof KnowledgeConversationSchema>;

/** Zod schema for {@link KnowledgeGapOptions}. */
export const KnowledgeGapOptionsSchema = z
  .object({
    /** Bot answers below this confidence count as unresolved. Default 0.5. */
    lowConfidence: z.number().min(0).max(1).default(0.5),
    /** Two customer messages at least this similar (Jaccard of content words) are a repeated question. Default 0.5. */
    repeatSimilarity: z.number().min(0).max(1).default(0.5),
    /** Cosine similarity needed to join a question cluster. Default 0.35. */
    clusterSimilarity: z.number().min(0).max(1).default(0.35),
    /** Smallest cluster reported as a gap. Default 2. */
    minVolume: z.number().int().min(1).default(2),
    /** Example messages kept per gap. Default 3. */
    examples: z.number().int().min(0).max(50).default(3),
    /** Articles shown at least this often are rated for deflection. Default 3. */
    minShown: z.number().int().min(1).default(3),
    /** Articles whose deflection rate is below this are reported. Default 0.5. */
    lowDeflection: z.number().min(0).max(1).default(0.5),
  })
  .strict();

/** Options for {@link analyzeKnowledgeGaps}. */
export type KnowledgeGapOptions = z.input<typeof KnowledgeGapOptionsSchema>;

/** Why a conversation counts as not resolved by self-service. */
export type UnresolvedReason =
  | 'escalated-after-article'
  | 'repeated-question'
  | 'low-confidence-bot'
  | 'escalated';

/** A cluster of questions self-service did not answer. */
export interface KnowledgeGap {
  /** The cluster's most characteristic words, joined ("refund status"). */
  readonly topic: string;
  readonly terms: readonly string[];
  /** Number of conversations in the cluster. */
  readonly volume: number;
  readonly conversationIds: readonly string[];
  readonly examples: readonly string[];
  /** How many conversations in the cluster had each reason. */
  readonly reasons: Readonly<Partial<Record<UnresolvedReason, number>>>;
  /** Articles shown in these conversations, most frequent first. */
  readonly articlesShown: readonly string[];
}

/** How well an article deflects contacts. */
export interface ArticleDeflection {
  readonly articleId: string;
  readonly shown: number;
  /** Conversations where the article was shown and no escalation or repeat followed. */
  readonly deflected: number;
  readonly deflectionRate: number;
  /** True when shown at least `minShown` times with a rate below `lowDeflection`. */
  readonly low: boolean;
}

/** The result of {@link analyzeKnowledgeGaps}. */
export interface KnowledgeReport {
  /** Gaps sorted by volume (largest first). */
  readonly gaps: readonly KnowledgeGap[];
  /** Every article shown, lowest deflection rate first. */
  readonly articles: readonly ArticleDeflection[];
  readonly conversations: number;
  readonly unresolved: number;
}

// Common English function words and support filler, dropped before comparing questions.
const STOPWORDS = new Set(
  `a an the and or but if then so to of in on at by for with from about as is are was were be been being
   am do does did doing have has had having i me my mine we us our you your yours he she it its they them
   their this that these those there here what which who whom whose when where why how can could would
   should will shall may might must not no yes please thanks thank hi hello hey just still again also very
   really get got any some all need want know tell help ok okay im i'm i've ive it's dont don't cant can't
   one up out into over now today yet`
    .split(/\s+/)
    .filter((w) => w.length > 0),
);

// Crude suffix stripping so "refunds"/"refunded"/"refunding" group together.
function stem(w: string): string {
  if (w.length > 5 && w.endsWith('ing')) return w.slice(0, -3);
  if (w.length > 4 && w.endsWith('ed')) return w.slice(0, -2);
  if (w.length > 4 && w.endsWith('es')) return w.slice(0, -2);
  if (w.length > 3 && w.endsWith('s') && !w.endsWith('ss')) return w.slice(0, -1);
  return w;
}

interface Term {
  readonly stem: string;
  readonly surface: string;
}

function contentTerms(text: string): Term[] {
  const out: Term[] = [];
  for (const t of tokenize(text)) {
    if (t.kind !== 'word' || t.text.length < 3 || STOPWORDS.has(t.text)) continue;
    out.push({ stem: stem(t.text), surface: t.text });
  }
  return out;
}

function jaccard(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  if (a.size === 0 || b.size === 0) return 0;
  let inter = 0;
  for (const x of a) if (b.has(x)) inter++;
  return inter / (a.size + b.size - inter);
}

interface Unresolved {
  readonly id: string;
  readonly question: NormalizedMessage;
  readonly terms: readonly Term[];
  readonly reasons: readonly UnresolvedReason[];
  readonly articles: readonly string[];
}

/**
 * Knowledge signals from conversations self-service did not resolve — escalated after an article
 * was shown, repeated questions, low-confidence bot answers: clusters the customers' questions
 * into knowledge gaps (topic, volume, example messages, reasons) and rates every article's
 * deflection. Deterministic: same input, same clusters.
 *
 * @example
 * ```ts
 * const report = analyzeKnowledgeGaps([
 *   { id: 'c1', messages: [{ speaker: 'customer', text: 'How do I export my invoices?' }], articlesShown: ['kb-12'], escalated: true },
 *   { id: 'c2', messages: [{ speaker: 'customer', text: 'Where can I export invoices as PDF?' }], articlesShown: ['kb-12'], escalated: true },
 * ]);
 * report.gaps[0]?.topic; // 'export invoice'
 * ```
 */
export function analyzeKnowledgeGaps(
  conversations: readonly KnowledgeConversation[],
  options: KnowledgeGapOptions = {},
): KnowledgeReport {
  const convs = parseInput(z.array(KnowledgeConversationSchema), conversations, 'conversations');
  const opts = parseInput(KnowledgeGapOptionsSchema, options, 'knowledge options');
  const unresolved: Unresolved[] = [];
  const articleStats = new Map<string, { shown: number; deflected: number }>();

  convs.forEach((c, ci) => {
    const msgs = normalizeMessages(c.messages, `conversations[${ci}].messages`);
    const customer = msgs.filter((m) => m.speaker === 'customer' && m.text.trim().length > 0);
    const reasons: UnresolvedReason[] = [];
    if (c.escalated) reasons.push(c.articlesShown.length > 0 ? 'escalated-after-article' : 'escalated');
    // Repeated question: a later customer message that restates an earlier one.
    const sets = customer.map((m) => new Set(contentTerms(m.text).map((t) => t.stem)));
    let repeated = false;
    for (let i = 0; i < sets.length && !repeated; i++) {
      for (let j = i + 1; j < sets.length; j++) {
        if (jaccard(sets[i] as Set<string>, sets[j] as Set<string>) >= opts.repeatSimilarity) {
          repeated = true;
          break;
        }
      }
    }
    if (repeated) reasons.push('repeated-question');
    if (c.botConfidences.some((x) => x < opts.lowConfidence)) reasons.push('low-confidence-bot');
    const failed = c.resolved === true ? false : reasons.length > 0;

    for (const a of new Set(c.articlesShown)) {
      let s = articleStats.get(a);
      if (!s) articleStats.set(a, (s = { shown: 0, deflected: 0 }));
      s.shown++;
      if (!failed) s.deflected++;
    }
    if (!failed) return;
    // The question: the first customer message asking something, else the first customer message.
    const question = customer.find((m) => m.text.includes('?')) ?? customer[0];
    if (!question) return;
    unresolved.push({
      id: c.id,
      question,
      terms: contentTerms(question.text),
      reasons,
      articles: c.articlesShown,
    });
  });

  // Leader clustering on TF vectors with a running centroid (input order keeps it deterministic).
  interface Cluster {
    centroid: Map<string, number>;
    norm2: number;
    members: Unresolved[];
    // stem → surface form → count, to name topics with real words.
    surfaces: Map<string, Map<string, number>>;
  }
  const clusters: Cluster[] = [];
  for (const u of unresolved) {
    const vec = new Map<string, number>();
    for (const t of u.terms) vec.set(t.stem, (vec.get(t.stem) ?? 0) + 1);
    let n2 = 0;
    for (const v of vec.values()) n2 += v * v;
    let best: Cluster | undefined;
    let bestSim = opts.clusterSimilarity;
    if (n2 > 0) {
      for (const c of clusters) {
        let dot = 0;
        for (const [t, v] of vec) dot += v * (c.centroid.get(t) ?? 0);
        const sim = c.norm2 === 0 ? 0 : dot / Math.sqrt(n2 * c.norm2);
        if (sim >= bestSim) {
          bestSim = sim;
          best = c;
        }
      }
    }
    if (!best) {
      best = { centroid: new Map(), norm2: 0, members: [], surfaces: new Map() };
      clusters.push(best);
    }
    best.members.push(u);
    for (const t of u.terms) {
      let forms = best.surfaces.get(t.stem);
      if (!forms) best.surfaces.set(t.stem, (forms = new Map()));
      forms.set(t.surface, (forms.get(t.surface) ?? 0) + 1);
    }
    for (const [t, v] of vec) best.centroid.set(t, (best.centroid.get(t) ?? 0) + v);
    let c2 = 0;
    for (const v of best.centroid.values()) c2 += v * v;
    best.norm2 = c2;
  }

  const gaps: KnowledgeGap[] = clusters
    .filter((c) => c.members.length >= opts.minVolume)
    .map((c) => {
      const terms = [...c.centroid.entries()]
        .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
        .slice(0, 3)
        .map(([t]) => {
          const forms = [...(c.surfaces.get(t) ?? new Map<string, number>()).entries()];
          forms.sort((a, b) => b[1] - a[1] || a[0].length - b[0].length || a[0].localeCompare(b[0]));
          return forms[0]?.[0] ?? t;
        });
      const reasons: Partial<Record<UnresolvedReason, number>> = {};
      const articleCounts = new Map<string, number>();
      for (const m of c.members) {
        for (const r of m.reasons) reasons[r] = (reasons[r] ?? 0) + 1;
        for (const a of m.articles) articleCounts.set(a, (articleCounts.get(a) ?? 0) + 1);
      }
      return {
        topic: terms.join(' '),
        terms,
        volume: c.members.length,
        conversationIds: c.members.map((m) => m.id),
        examples: c.members.slice(0, opts.examples).map((m) => m.question.text),
        reasons,
        articlesShown: [...articleCounts.entries()]
          .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
          .map(([a]) => a),
      };
    })
    .sort((a, b) => b.volume - a.volume || a.topic.localeCompare(b.topic));

  const articles: ArticleDeflection[] = [...articleStats.entries()]
    .map(([articleId, s]) => {
      const deflectionRate = s.deflected / s.shown;
      return {
        articleId,
        shown: s.shown,
        deflected: s.deflected,
        deflectionRate,
        low: s.shown >= opts.minShown && deflectionRate < opts.lowDeflection,
      };
    })
    .sort(
      (a, b) =>
        a.deflectionRate - b.deflectionRate || b.shown - a.shown || a.articleId.localeCompare(b.articleId),
    );

  return { gaps, articles, conversations: convs.length, unresolved: unresolved.length };
}
