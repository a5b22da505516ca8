import { parseInput, ThreadlineError } from '@threadline/core';
import { z } from 'zod';
import {
  CLAUSE_BREAKERS,
  DAMPENERS,
  EXPECTATIONS,
  INTENSIFIERS,
  LEXICON,
  NEGATORS,
  TECH_FILLERS,
  TECH_OBJECTS,
  TECH_VERBS,
} from './lexicon.js';
import { EMOJI, EMOTICONS, PHRASES, TIME_UNITS } from './phrases.js';
import { type Token, tokenize } from './tokenizer.js';

/** A sentiment label. */
export type SentimentLabel = 'negative' | 'neutral' | 'positive';

/** What produced a piece of sentiment evidence. */
export type EvidenceKind = 'word' | 'phrase' | 'emoji' | 'emoticon' | 'expectation' | 'punctuation';

/** One piece of evidence behind a sentiment score: the span and how much it contributed. */
export interface SentimentEvidence {
  /** The matched text as written. */
  readonly text: string;
  /** UTF-16 offsets in the analysed text (end exclusive). */
  readonly start: number;
  readonly end: number;
  readonly kind: EvidenceKind;
  /** Valence before modifiers (-4..+4). */
  readonly valence: number;
  /** Contribution after modifiers (negation, intensity, caps, contrast). */
  readonly weight: number;
  /** Modifiers applied: `negated`, `intensified`, `dampened`, `caps`, `before-contrast`, `after-contrast`, `neutralised`. */
  readonly modifiers: readonly string[];
}

/** The result of {@link analyzeSentiment}. */
export interface SentimentResult {
  /** Normalised score in [-1, 1]. */
  readonly score: number;
  readonly label: SentimentLabel;
  /** How sure the label is, in [0, 1]. Low when evidence is absent, weak or mixed. */
  readonly confidence: number;
  /** The spans behind the score, in text order. Empty when nothing in the text carries sentiment. */
  readonly evidence: readonly SentimentEvidence[];
  /** True when no evidence was found: the neutral label then means "no signal", not "balanced". */
  readonly noEvidence: boolean;
}

/** Zod schema for {@link SentimentOptions}. */
export const SentimentOptionsSchema = z
  .object({
    /** |score| below this is neutral. Default 0.1. */
    neutralThreshold: z.number().min(0).max(1).optional(),
    /** Extra or overriding word valences (-4..+4). */
    lexicon: z.record(z.string().min(1), z.number().min(-4).max(4)).optional(),
    /** Extra or overriding phrases (space-separated tokens, `<n>` and `<unit>` placeholders). */
    phrases: z.record(z.string().min(1), z.number().min(-4).max(4)).optional(),
    /** How many words after a negator it applies to. Default 3. */
    negationWindow: z.number().int().min(1).max(10).optional(),
  })
  .strict();

/** Options for {@link analyzeSentiment} and {@link createSentimentAnalyzer}. */
export type SentimentOptions = z.input<typeof SentimentOptionsSchema>;

/** A compiled sentiment analyzer (lexicon and phrase index built once). */
export interface SentimentAnalyzer {
  analyze(text: string): SentimentResult;
}

interface PhraseEntry {
  readonly tokens: readonly string[];
  readonly valence: number;
}

const NEGATED_POSITIVE = -0.75;
const NEGATED_NEGATIVE = -0.4;
const CAPS_FACTOR = 1.3;
const BEFORE_CONTRAST = 0.5;
const AFTER_CONTRAST = 1.4;
const EXCLAIM_STEP = 0.25;
const NORMALISER = 12;
const EMPTY: readonly string[] = [];

function buildPhraseIndex(phrases: Readonly<Record<string, number>>): Map<string, PhraseEntry[]> {
  const index = new Map<string, PhraseEntry[]>();
  for (const [phrase, valence] of Object.entries(phrases)) {
    const tokens = phrase
      .toLowerCase()
      .split(/\s+/)
      .filter((t) => t.length > 0);
    const first = tokens[0];
    if (first === undefined) continue;
    let list = index.get(first);
    if (!list) index.set(first, (list = []));
    list.push({ tokens, valence });
  }
  // Longest phrases first so "still not fixed" wins over "still".
  for (const list of index.values()) list.sort((a, b) => b.tokens.length - a.tokens.length);
  return index;
}

function tokenMatches(pattern: string, token: Token): boolean {
  if (pattern === '<n>') return token.kind === 'number' || token.text === 'a' || token.text === 'an';
  if (pattern === '<unit>') return token.kind === 'word' && TIME_UNITS.has(token.text);
  return token.kind === 'word' && token.text === pattern;
}

function matchPhrase(tokens: readonly Token[], i: number, entries: readonly PhraseEntry[]): PhraseEntry | undefined {
  for (const e of entries) {
    const len = e.tokens.length;
    if (i + len > tokens.length) continue;
    let ok = true;
    for (let k = 1; k < len; k++) {
      if (!tokenMatches(e.tokens[k] as string, tokens[i + k] as Token)) {
        ok = false;
        break;
      }
    }
    if (ok) return e;
  }
  return undefined;
}

// "soooo goooood" → try the word with runs of 3+ letters squeezed to 2, then to 1.
function lookupElongated(lexicon: ReadonlyMap<string, number>, word: string): number | undefined {
  let run = 1;
  let found = false;
  for (let k = 1; k < word.length; k++) {
    run = word.charCodeAt(k) === word.charCodeAt(k - 1) ? run + 1 : 1;
    if (run === 3) {
      found = true;
      break;
    }
  }
  if (!found) return undefined;
  const two = word.replace(/(.)\1{2,}/g, '$1$1');
  const v2 = lexicon.get(two);
  if (v2 !== undefined) return v2;
  return lexicon.get(word.replace(/(.)\1+/g, '$1'));
}

const NUMBER_PLACEHOLDER_START = '<n>';

class Analyzer implements SentimentAnalyzer {
  private readonly lexicon: ReadonlyMap<string, number>;
  private readonly phrases: Map<string, PhraseEntry[]>;
  private readonly numberPhrases: PhraseEntry[];
  private readonly neutralThreshold: number;
  private readonly negationWindow: number;

  constructor(options: z.output<typeof SentimentOptionsSchema>) {
    if (options.lexicon) {
      const merged = new Map(LEXICON);
      for (const [w, v] of Object.entries(options.lexicon)) merged.set(w.toLowerCase(), v);
      this.lexicon = merged;
    } else this.lexicon = LEXICON;
    this.phrases = buildPhraseIndex({ ...PHRASES, ...(options.phrases ?? {}) });
    this.numberPhrases = this.phrases.get(NUMBER_PLACEHOLDER_START) ?? [];
    this.neutralThreshold = options.neutralThreshold ?? 0.1;
    this.negationWindow = options.negationWindow ?? 3;
  }

  analyze(text: string): SentimentResult {
    const tokens = tokenize(text);
    const evidence: SentimentEvidence[] = [];
    let negation = 0; // words left in the current negation scope
    let contrastAt = -1; // evidence index where the text after "but" starts
    let exclaims = 0;
    let letters = 0;
    let capsWords = 0;
    const n = tokens.length;
    for (const t of tokens) {
      if (t.kind === 'word') {
        letters++;
        if (t.caps) capsWords++;
      }
    }
    // ALL-CAPS emphasis only counts when the writer mixes case ("this is UNACCEPTABLE").
    const capsEmphasis = capsWords > 0 && capsWords < letters;

    for (let i = 0; i < n; i++) {
      const t = tokens[i] as Token;
      if (t.kind === 'punct') {
        if (t.text === '!') exclaims++;
        if (t.text !== ':') negation = 0;
        continue;
      }
      if (t.kind === 'emoji' || t.kind === 'emoticon') {
        const v = t.kind === 'emoji' ? EMOJI[t.text] : EMOTICONS[t.text];
        if (v !== undefined) {
          evidence.push({
            text: text.slice(t.start, t.end),
            start: t.start,
            end: t.end,
            kind: t.kind,
            valence: v,
            weight: v,
            modifiers: EMPTY,
          });
        }
        continue;
      }
      if (t.kind !== 'word' && t.kind !== 'number') continue;

      // Phrases first: they carry their own polarity.
      const entries = t.kind === 'number' ? this.numberPhrases : this.phrases.get(t.text);
      if (entries !== undefined) {
        const hit = matchPhrase(tokens, i, entries);
        if (hit) {
          const last = tokens[i + hit.tokens.length - 1] as Token;
          if (hit.valence !== 0) {
            let weight = hit.valence;
            const mods: string[] = [];
            if (capsEmphasis && t.caps) {
              weight *= CAPS_FACTOR;
              mods.push('caps');
            }
            evidence.push({
              text: text.slice(t.start, last.end),
              start: t.start,
              end: last.end,
              kind: 'phrase',
              valence: hit.valence,
              weight,
              modifiers: mods,
            });
          }
          negation = 0;
          i += hit.tokens.length - 1;
          continue;
        }
      }
      if (t.kind === 'number') continue;
      const w = t.text;
      if (CLAUSE_BREAKERS.has(w)) {
        negation = 0;
        if (w === 'but' || w === 'however') contrastAt = evidence.length;
        continue;
      }
      if (NEGATORS.has(w) || w.endsWith("n't")) {
        negation = this.negationWindow;
        continue;
      }
      // Tech-support instruction: "kill the process", "force quit the app".
      if (TECH_VERBS.has(w) && this.isTechInstruction(tokens, i)) {
        continue;
      }
      let v = this.lexicon.get(w);
      if (v === undefined) v = lookupElongated(this.lexicon, w);
      const inScope = negation > 0;
      if (negation > 0) negation--;
      if (v === undefined || v === 0) {
        // "didn't respond", "no update", "can't log in": a missing expected service.
        if (inScope && EXPECTATIONS.has(w)) {
          evidence.push({
            text: text.slice(t.start, t.end),
            start: t.start,
            end: t.end,
            kind: 'expectation',
            valence: -2,
            weight: -2,
            modifiers: ['negated'],
          });
          negation = 0;
        }
        continue;
      }
      const mods: string[] = [];
      let weight = v;
      // Intensifiers and dampeners within the two preceding words.
      for (let back = 1; back <= 2 && i - back >= 0; back++) {
        const p = tokens[i - back] as Token;
        if (p.kind !== 'word') break;
        const boost = INTENSIFIERS.get(p.text);
        if (boost !== undefined) {
          const scaled = back === 1 ? boost : boost * 0.9;
          weight += weight > 0 ? scaled * Math.abs(v) : -scaled * Math.abs(v);
          mods.push('intensified');
          if (capsEmphasis && p.caps) weight *= CAPS_FACTOR;
          continue;
        }
        const damp = DAMPENERS.get(p.text);
        if (damp !== undefined) {
          weight *= damp;
          mods.push('dampened');
        }
      }
      if (capsEmphasis && t.caps) {
        weight *= CAPS_FACTOR;
        mods.push('caps');
      }
      if (inScope) {
        weight *= weight > 0 ? NEGATED_POSITIVE : NEGATED_NEGATIVE;
        mods.push('negated');
        negation = 0;
      }
      evidence.push({
        text: text.slice(t.start, t.end),
        start: t.start,
        end: t.end,
        kind: 'word',
        valence: v,
        weight,
        modifiers: mods,
      });
    }

    if (evidence.length === 0) {
      return { score: 0, label: 'neutral', confidence: 0.5, evidence, noEvidence: true };
    }

    let sum = 0;
    let abs = 0;
    if (contrastAt >= 0) {
      for (let k = 0; k < evidence.length; k++) {
        const e = evidence[k] as SentimentEvidence;
        const factor = k < contrastAt ? BEFORE_CONTRAST : AFTER_CONTRAST;
        evidence[k] = {
          ...e,
          weight: e.weight * factor,
          modifiers: [...e.modifiers, k < contrastAt ? 'before-contrast' : 'after-contrast'],
        };
      }
    }
    for (const e of evidence) {
      sum += e.weight;
      abs += Math.abs(e.weight);
    }
    if (exclaims > 0 && sum !== 0) {
      const boost = Math.min(exclaims, 4) * EXCLAIM_STEP * Math.sign(sum);
      sum += boost;
      abs += Math.abs(boost);
    }
    const score = sum / Math.sqrt(sum * sum + NORMALISER);
    const label: SentimentLabel =
      score >= this.neutralThreshold ? 'positive' : score <= -this.neutralThreshold ? 'negative' : 'neutral';
    // Agreement: 1 when all evidence points one way, 0 when it cancels out.
    const agreement = abs === 0 ? 0 : Math.abs(sum) / abs;
    const strength = Math.abs(score);
    const confidence =
      label === 'neutral'
        ? 0.5 + 0.4 * (1 - strength / Math.max(this.neutralThreshold, 1e-9)) * (1 - agreement * 0.5)
        : 0.45 + 0.55 * strength * (0.5 + 0.5 * agreement);
    return { score, label, confidence: Math.min(1, Math.max(0, confidence)), evidence, noEvidence: false };
  }

  private isTechInstruction(tokens: readonly Token[], i: number): boolean {
    for (let k = i + 1; k < tokens.length && k <= i + 4; k++) {
      const t = tokens[k] as Token;
      if (t.kind !== 'word') return false;
      if (TECH_OBJECTS.has(t.text)) return true;
      if (!TECH_FILLERS.has(t.text)) return false;
    }
    return false;
  }
}

const defaultAnalyzer = new Analyzer({});
const compiled = new WeakMap<object, Analyzer>();

/**
 * Compiles a sentiment analyzer once (custom lexicon, phrases, thresholds) for repeated use.
 *
 * @example
 * ```ts
 * const analyzer = createSentimentAnalyzer({ lexicon: { 'escalate': -1 }, neutralThreshold: 0.15 });
 * analyzer.analyze('Please escalate this').label; // 'negative'
 * ```
 */
export function createSentimentAnalyzer(options: SentimentOptions = {}): SentimentAnalyzer {
  const parsed = parseInput(SentimentOptionsSchema, options, 'sentiment options');
  return new Analyzer(parsed);
}

function assertText(text: unknown): asserts text is string {
  if (typeof text !== 'string') {
    throw new ThreadlineError('VALIDATION', 'Invalid text: expected a string', {
      issues: [{ path: ['text'], message: 'expected a string', code: 'invalid_type' }],
    });
  }
}

/**
 * Scores the sentiment of one support message with the built-in CX lexicon: negation scope,
 * intensifiers and dampeners, ALL CAPS and `!`, emoji and emoticons, "but" contrast, CX phrases
 * ("still not fixed", "third time calling", "waiting 3 hours", "no problem", "thanks for nothing")
 * and tech-support verbs that are not negative ("kill the process").
 *
 * @example
 * ```ts
 * const r = analyzeSentiment('Third time calling and it is STILL not fixed!');
 * r.label; // 'negative'
 * r.evidence.map((e) => e.text); // ['Third time calling', 'STILL not fixed']
 * ```
 */
export function analyzeSentiment(text: string, options?: SentimentOptions): SentimentResult {
  assertText(text);
  if (options === undefined) return defaultAnalyzer.analyze(text);
  let analyzer = compiled.get(options);
  if (!analyzer) {
    analyzer = new Analyzer(parseInput(SentimentOptionsSchema, options, 'sentiment options'));
    compiled.set(options, analyzer);
  }
  return analyzer.analyze(text);
}
