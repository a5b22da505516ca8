import { parseInput, validationError } from '@threadline/core';
import { z } from 'zod';
import { type Token, tokenize } from '../text/tokenizer.js';
import type { ClassifierPrediction } from './classifier.js';

/** Zod schema for a {@link Taxonomy}. */
export const TaxonomySchema = z
  .object({
    topics: z
      .array(
        z
          .object({
            /** The label predicted for this topic. */
            label: z.string().min(1).max(500),
            /**
             * Keywords or phrases with weights. A term is one or more words; a trailing `*` matches any
             * word starting with the stem ("refund*" matches "refunds", "refunded"). A plain string
             * has weight 1.
             */
            terms: z
              .array(
                z.union([
                  z.string().min(1).max(200),
                  z.object({ term: z.string().min(1).max(200), weight: z.number().finite() }).strict(),
                ]),
              )
              .min(1),
          })
          .strict(),
      )
      .min(1),
    /** Label returned when no topic term matches (or the best score is below `minScore`). Default `other`. */
    fallbackLabel: z.string().min(1).max(500).default('other'),
    /** Minimum total weight for a topic to be predicted. Default 1. */
    minScore: z.number().min(0).default(1),
    /** Softmax temperature turning scores into probabilities. Default 1. */
    temperature: z.number().positive().default(1),
  })
  .strict();

/** A taxonomy of topics with weighted keywords and phrases. */
export type Taxonomy = z.input<typeof TaxonomySchema>;

/** One matched taxonomy term. */
export interface TaxonomyMatch {
  readonly label: string;
  readonly term: string;
  readonly weight: number;
  /** Span of the match in the text (UTF-16 offsets, end exclusive). */
  readonly start: number;
  readonly end: number;
}

/** A taxonomy prediction: the classifier shape plus the matched terms. */
export interface TaxonomyPrediction extends ClassifierPrediction {
  readonly matches: readonly TaxonomyMatch[];
}

/** A keyword/phrase topic classifier with the same `predict` shape as a trained model. */
export interface TaxonomyClassifier {
  readonly labels: readonly string[];
  predict(text: string): TaxonomyPrediction;
}

interface CompiledTerm {
  readonly label: string;
  readonly term: string;
  readonly words: readonly { text: string; prefix: boolean }[];
  readonly weight: number;
}

function compileTerm(label: string, term: string, weight: number, path: (string | number)[]): CompiledTerm {
  const words = term
    .toLowerCase()
    .split(/\s+/)
    .filter((w) => w.length > 0)
    .map((w) => (w.endsWith('*') ? { text: w.slice(0, -1), prefix: true } : { text: w, prefix: false }));
  if (words.length === 0 || words.some((w) => w.text.length === 0)) {
    throw validationError('taxonomy', [
      { path, message: 'term must contain at least one word', code: 'custom' },
    ]);
  }
  return { label, term, words, weight };
}

/**
 * Builds an intent/topic classifier from a taxonomy of weighted keywords and phrases, for teams
 * without labelled data. Each topic scores the sum of its matched term weights; probabilities are a
 * softmax over topic scores (with the fallback label scoring `minScore`), so the output has the same
 * shape as a trained classifier's.
 *
 * @example
 * ```ts
 * const topics = createTaxonomyClassifier({
 *   topics: [
 *     { label: 'billing', terms: ['refund*', 'invoice', { term: 'charged twice', weight: 3 }] },
 *     { label: 'delivery', terms: ['parcel', 'tracking', 'never arrived'] },
 *   ],
 * });
 * topics.predict('I was charged twice, where is my refund?').label; // 'billing'
 * ```
 */
export function createTaxonomyClassifier(taxonomy: Taxonomy): TaxonomyClassifier {
  const t = parseInput(TaxonomySchema, taxonomy, 'taxonomy');
  const labels = [...new Set(t.topics.map((x) => x.label))];
  if (labels.includes(t.fallbackLabel)) {
    throw validationError('taxonomy', [
      { path: ['fallbackLabel'], message: 'must differ from every topic label', code: 'custom' },
    ]);
  }
  // Index terms by their first word (exact) and keep prefix-first terms in a short list.
  const byFirst = new Map<string, CompiledTerm[]>();
  const prefixFirst: CompiledTerm[] = [];
  t.topics.forEach((topic, ti) => {
    topic.terms.forEach((raw, ri) => {
      const term = typeof raw === 'string' ? raw : raw.term;
      const weight = typeof raw === 'string' ? 1 : raw.weight;
      const c = compileTerm(topic.label, term, weight, ['topics', ti, 'terms', ri]);
      const first = c.words[0] as { text: string; prefix: boolean };
      if (first.prefix) prefixFirst.push(c);
      else {
        let list = byFirst.get(first.text);
        if (!list) byFirst.set(first.text, (list = []));
        list.push(c);
      }
    });
  });
  const allLabels = [...labels, t.fallbackLabel];

  const matchAt = (tokens: readonly Token[], i: number, c: CompiledTerm): number => {
    let k = i;
    for (const w of c.words) {
      const tok = tokens[k];
      if (!tok || (tok.kind !== 'word' && tok.kind !== 'number')) return -1;
      if (w.prefix ? !tok.text.startsWith(w.text) : tok.text !== w.text) return -1;
      k++;
    }
    return k - 1;
  };

  return {
    labels: allLabels,
    predict(text: string): TaxonomyPrediction {
      if (typeof text !== 'string') {
        throw validationError('text', [
          { path: ['text'], message: 'expected a string', code: 'invalid_type' },
        ]);
      }
      const tokens = tokenize(text);
      const scores = new Map<string, number>();
      const matches: TaxonomyMatch[] = [];
      for (let i = 0; i < tokens.length; i++) {
        const tok = tokens[i] as Token;
        if (tok.kind !== 'word' && tok.kind !== 'number') continue;
        const candidates = byFirst.get(tok.text);
        const lists = candidates ? [candidates, prefixFirst] : [prefixFirst];
        for (const list of lists) {
          for (const c of list) {
            const end = matchAt(tokens, i, c);
            if (end < 0) continue;
            scores.set(c.label, (scores.get(c.label) ?? 0) + c.weight);
            matches.push({
              label: c.label,
              term: c.term,
              weight: c.weight,
              start: tok.start,
              end: (tokens[end] as Token).end,
            });
          }
        }
      }
      const raw = allLabels.map((l) => (l === t.fallbackLabel ? t.minScore : (scores.get(l) ?? 0)));
      // Highest-scoring topic (first in taxonomy order on ties), unless it falls short of minScore.
      let best = -1;
      let bestScore = -Infinity;
      for (let i = 0; i < labels.length; i++) {
        if ((raw[i] as number) > bestScore) {
          best = i;
          bestScore = raw[i] as number;
        }
      }
      if (best < 0 || bestScore <= 0 || bestScore < t.minScore) best = allLabels.length - 1;
      const probabilities: Record<string, number> = {};
      let max = -Infinity;
      for (const s of raw) max = Math.max(max, s / t.temperature);
      let sum = 0;
      const exps = raw.map((s) => {
        const e = Math.exp(s / t.temperature - max);
        sum += e;
        return e;
      });
      allLabels.forEach((l, i) => {
        probabilities[l] = (exps[i] as number) / sum;
      });
      const label = allLabels[best] as string;
      return { label, probabilities, confidence: probabilities[label] as number, matches };
    },
  };
}
