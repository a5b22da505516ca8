import {
  type Clock,
  createEvent,
  type EventBus,
  type EventEnvelope,
  type IdGenerator,
  parseInput,
  resolveBusOption,
  ThreadlineError,
} from '@threadline/core';
import { z } from 'zod';
import { type Bm25Index, buildIndex, containsPhrase, idf, score, terms, words } from './bm25.js';
import type { Bot, BotCitation, BotConversation, BotReply } from './bot.js';

/** Zod schema for one knowledge-base article. */
export const ArticleSchema = z
  .object({
    id: z.string().min(1).max(200),
    title: z.string().min(1).max(500),
    body: z.string().max(200_000),
    /** The answer the bot sends (default: the body's first paragraph). */
    answer: z.string().max(20_000).optional(),
    /** Phrases that, found in the question, boost this article ("reset my password"). */
    phrases: z.array(z.string().min(1).max(200)).max(100).default([]),
    /** The intent this article answers (default: the article id). */
    intent: z.string().min(1).max(200).optional(),
  })
  .strict();

/** One knowledge-base article (see {@link ArticleSchema}). */
export type Article = z.input<typeof ArticleSchema>;

/** Zod schema for {@link RetrievalBotOptions} (without the injected ports). */
export const RetrievalBotConfigSchema = z
  .object({
    id: z.string().min(1).max(200).default('retrieval-bot'),
    articles: z.array(ArticleSchema).max(100_000),
    /** Below this confidence the bot says it does not know and reports the question. Default 0.35. */
    minConfidence: z.number().min(0).max(1).default(0.35),
    /** Citations returned with an answer. Default 3. */
    maxCitations: z.number().int().min(0).max(20).default(3),
    /** Weight of the title relative to the body. Default 3. */
    titleWeight: z.number().int().min(1).max(10).default(3),
    /** Score multiplier when one of the article's phrases (or its title) appears in the question. Default 1.5. */
    phraseBoost: z.number().min(1).max(10).default(1.5),
    k1: z.number().min(0).max(10).default(1.2),
    b: z.number().min(0).max(1).default(0.75),
    /** Text sent when nothing answers the question. */
    fallbackText: z
      .string()
      .min(1)
      .max(2000)
      .default("I'm not sure I can answer that. Could you rephrase it?"),
  })
  .strict();

/** Options for {@link createRetrievalBot}. */
export type RetrievalBotOptions = z.input<typeof RetrievalBotConfigSchema> & {
  /** Where `bot.question_unanswered` events go (optional). */
  bus?: EventBus;
  clock?: Clock;
  ids?: IdGenerator;
};

/**
 * Payload of `bot.question_unanswered`. `knowledge` is one conversation in the input shape of
 * insights' `analyzeKnowledgeGaps` (`{ id, messages, articlesShown, escalated, botConfidences }`),
 * so a host feeds collected payloads straight into the knowledge-gap detector.
 */
export interface QuestionUnansweredPayload {
  botId: string;
  conversationId: string;
  customerId: string;
  question: string;
  confidence: number;
  /** Best candidates, if any matched at all. */
  citations: BotCitation[];
  knowledge: {
    id: string;
    messages: { speaker: 'customer'; text: string; at: number }[];
    articlesShown: string[];
    escalated: boolean;
    botConfidences: number[];
  };
}

/** The event a retrieval bot emits for each question it could not answer. */
export type QuestionUnansweredEvent = EventEnvelope<'bot.question_unanswered', QuestionUnansweredPayload>;

/** A retrieval bot, with a synchronous `answer` for tests and search boxes. */
export interface RetrievalBot extends Bot {
  /** Ranks articles for a question (no event). */
  answer(question: string): BotReply;
}

interface PreparedArticle {
  id: string;
  title: string;
  answer: string;
  intent: string;
  phrases: string[][];
}

/**
 * A bot that answers from a knowledge base: BM25 over title and body, a score boost when one of
 * an article's phrases occurs in the question, a confidence (the share of the question's
 * information — IDF-weighted terms — that the best article covers, raised by a phrase match and
 * lowered when the runner-up is as good), and citations. A question it cannot answer gets the
 * fallback text and a `bot.question_unanswered` event on the bus.
 *
 * @example
 * ```ts
 * const bot = createRetrievalBot({
 *   articles: [{ id: 'kb-1', title: 'Reset your password', body: 'Open Settings, then Security.', phrases: ['forgot my password'] }],
 *   bus, clock, ids,
 * });
 * const reply = bot.answer('I forgot my password');
 * reply.citations?.[0]?.id; // 'kb-1'
 * ```
 */
export function createRetrievalBot(options: RetrievalBotOptions): RetrievalBot {
  const { bus: given, clock, ids, ...raw } = options;
  const config = parseInput(RetrievalBotConfigSchema, raw, 'retrieval bot options', 'CONFIG');
  // Core's bus check; the bot only publishes (no storage: it publishes itself).
  const bus = resolveBusOption<EventBus>('retrieval bot', given, { port: 'EventPublisher' }).publishTo;
  if (bus !== undefined && (clock === undefined || ids === undefined)) {
    throw new ThreadlineError('CONFIG', 'Invalid retrieval bot options: a bus needs clock and ids', {
      issues: [
        { path: [clock === undefined ? 'clock' : 'ids'], message: 'required with bus', code: 'required' },
      ],
    });
  }
  const articles: PreparedArticle[] = config.articles.map((a) => ({
    id: a.id,
    title: a.title,
    answer: a.answer ?? (a.body.split(/\n\s*\n/)[0] ?? a.body).trim(),
    intent: a.intent ?? a.id,
    phrases: [...a.phrases, a.title].map(words).filter((w) => w.length > 1),
  }));
  const index: Bm25Index = buildIndex(
    config.articles.map((a) => [
      { text: a.title, weight: config.titleWeight },
      { text: a.body, weight: 1 },
      { text: a.phrases.join(' '), weight: config.titleWeight },
    ]),
  );
  let version = 0;

  function answer(question: string): BotReply {
    const query = [...new Set(terms(question))];
    const questionWords = words(question);
    if (query.length === 0 || articles.length === 0) return { text: config.fallbackText, confidence: 0 };
    const maxIdf = Math.log(1 + (index.docs.length + 0.5) / 0.5);
    const ranked: { i: number; s: number; phrase: boolean }[] = [];
    for (let i = 0; i < articles.length; i++) {
      const doc = index.docs[i];
      const article = articles[i];
      if (doc === undefined || article === undefined) continue;
      let s = score(index, doc, query, config.k1, config.b);
      const phrase = article.phrases.some((p) => containsPhrase(questionWords, p));
      if (phrase) s = s * config.phraseBoost + 1;
      if (s > 0) ranked.push({ i, s, phrase });
    }
    // Ties keep the articles' order, so the ranking is deterministic.
    ranked.sort((x, y) => y.s - x.s || x.i - y.i);
    const best = ranked[0];
    if (best === undefined) return { text: config.fallbackText, confidence: 0 };
    const doc = index.docs[best.i];
    const article = articles[best.i];
    if (doc === undefined || article === undefined) return { text: config.fallbackText, confidence: 0 };
    // Unknown terms carry the most information: a question about something the corpus never
    // mentions is not covered by any article.
    let covered = 0;
    let total = 0;
    for (const term of query) {
      const w = index.df.has(term) ? idf(index, term) : maxIdf;
      total += w;
      if (doc.tf.has(term)) covered += w;
    }
    let confidence = total === 0 ? 0 : covered / total;
    if (best.phrase) confidence = Math.min(1, confidence + 0.3);
    const second = ranked[1];
    if (second !== undefined) confidence *= 1 - 0.3 * (second.s / best.s);
    confidence = Math.round(confidence * 1000) / 1000;
    const citations = ranked.slice(0, config.maxCitations).map((r) => ({
      id: articles[r.i]?.id ?? '',
      title: articles[r.i]?.title ?? '',
      score: Math.round(r.s * 1000) / 1000,
    }));
    if (confidence < config.minConfidence) return { text: config.fallbackText, confidence, citations };
    return { text: article.answer, confidence, intent: article.intent, citations };
  }

  return {
    id: config.id,
    answer,
    async reply(conversation: BotConversation): Promise<BotReply> {
      const last = [...conversation.messages].reverse().find((m) => m.speaker === 'customer');
      const question = last?.text ?? '';
      const result = answer(question);
      if (result.intent === undefined && bus !== undefined && clock !== undefined && ids !== undefined) {
        version += 1;
        const payload: QuestionUnansweredPayload = {
          botId: config.id,
          conversationId: conversation.id,
          customerId: conversation.customerId,
          question,
          confidence: result.confidence,
          citations: result.citations ?? [],
          knowledge: {
            id: conversation.id,
            messages: [{ speaker: 'customer', text: question, at: last?.at ?? clock.now() }],
            articlesShown: [],
            escalated: false,
            botConfidences: [result.confidence],
          },
        };
        // The answer stands even if the bus is down: a lost report must not fail the customer's turn.
        await bus
          .publish(
            createEvent(
              { clock, ids },
              {
                type: 'bot.question_unanswered',
                tenantId: conversation.tenantId,
                aggregateType: 'bot',
                aggregateId: config.id,
                version,
                payload,
              },
            ),
          )
          .catch(() => undefined);
      }
      return result;
    },
  };
}
