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
import { WARM_UP_ROUNDS, WARM_UP_TEXTS } from './warmUp.js';

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
    /** |score| below this is neutral. Default 0.15. */
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

// Evidence while it is being built (weights change with contrast and questions).
interface Hit {
  text: string;
  start: number;
  end: number;
  kind: EvidenceKind;
  valence: number;
  weight: number;
  modifiers: string[];
}

const QUESTION_FACTOR = 0.6;
const NEGATING_PHRASES: ReadonlySet<string> = new Set(['no one', 'nobody']);

interface PhraseEntry {
  readonly tokens: readonly string[];
  readonly valence: number;
}

const NEGATED_POSITIVE = -0.75;
const NEGATED_NEGATIVE = -0.6;
const CAPS_FACTOR = 1.3;
const BEFORE_CONTRAST = 0.5;
const AFTER_CONTRAST = 1.4;
const EXCLAIM_STEP = 0.25;
const NORMALISER = 12;

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

const NUMBER_WORDS: ReadonlySet<string> = new Set(
  'a an one two three four five six seven eight nine ten eleven twelve fifteen twenty thirty forty fifty several few couple many multiple'.split(
    ' ',
  ),
);

function tokenMatches(pattern: string, token: Token): boolean {
  if (pattern === '<n>') return token.kind === 'number' || NUMBER_WORDS.has(token.text);
  if (pattern === '<unit>') return token.kind === 'word' && TIME_UNITS.has(token.text);
  return token.kind === 'word' && token.text === pattern;
}

function matchPhrase(
  tokens: readonly Token[],
  i: number,
  entries: readonly PhraseEntry[],
): PhraseEntry | undefined {
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

const NUMBER_PLACEHOLDER_START = '<n>';

// Everything the analyzer knows about one word, so each word costs one map lookup.
interface WordInfo {
  valence: number | undefined;
  phrases: PhraseEntry[] | undefined;
  negator: boolean;
  breaker: boolean;
  techVerb: boolean;
  expectation: boolean;
  numberWord: boolean;
  intensifier: number | undefined;
  dampener: number | undefined;
}

function buildVocabulary(
  lexicon: ReadonlyMap<string, number>,
  phrases: ReadonlyMap<string, PhraseEntry[]>,
): Map<string, WordInfo> {
  const vocab = new Map<string, WordInfo>();
  const info = (w: string): WordInfo => {
    let i = vocab.get(w);
    if (!i) {
      i = {
        valence: undefined,
        phrases: undefined,
        negator: false,
        breaker: false,
        techVerb: false,
        expectation: false,
        numberWord: false,
        intensifier: undefined,
        dampener: undefined,
      };
      vocab.set(w, i);
    }
    return i;
  };
  for (const [w, v] of lexicon) if (v !== 0) info(w).valence = v;
  for (const [w, list] of phrases) if (w !== NUMBER_PLACEHOLDER_START) info(w).phrases = list;
  for (const w of NEGATORS) info(w).negator = true;
  for (const w of CLAUSE_BREAKERS) info(w).breaker = true;
  for (const w of TECH_VERBS) info(w).techVerb = true;
  for (const w of EXPECTATIONS) info(w).expectation = true;
  for (const w of NUMBER_WORDS) info(w).numberWord = true;
  for (const [w, b] of INTENSIFIERS) info(w).intensifier = b;
  for (const [w, d] of DAMPENERS) info(w).dampener = d;
  return vocab;
}

function hasTripleRun(word: string): boolean {
  let run = 1;
  for (let k = 1; k < word.length; k++) {
    run = word.charCodeAt(k) === word.charCodeAt(k - 1) ? run + 1 : 1;
    if (run === 3) return true;
  }
  return false;
}

// ALL-CAPS emphasis only counts when the writer mixes case ("this is UNACCEPTABLE").
function hasCapsEmphasis(tokens: readonly Token[]): boolean {
  let words = 0;
  let capsWords = 0;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] as Token;
    if (t.kind === 'word') {
      words++;
      if (t.caps) capsWords++;
    }
  }
  return capsWords > 0 && capsWords < words;
}

function softenQuestion(evidence: Hit[], from: number): void {
  for (let k = from; k < evidence.length; k++) {
    const e = evidence[k] as Hit;
    e.weight *= QUESTION_FACTOR;
    e.modifiers.push('question');
  }
}

// An emoji or emoticon with a valence becomes evidence as written.
function pushSymbol(text: string, t: Token, evidence: Hit[]): void {
  const v = t.kind === 'emoji' ? EMOJI[t.text] : EMOTICONS[t.text];
  if (v === undefined) return;
  evidence.push({
    text: text.slice(t.start, t.end),
    start: t.start,
    end: t.end,
    kind: t.kind as EvidenceKind,
    valence: v,
    weight: v,
    modifiers: [],
  });
}

// A matched phrase with a valence becomes evidence (phrases at 0 only consume their words).
function pushPhrase(
  text: string,
  tokens: readonly Token[],
  i: number,
  hit: PhraseEntry,
  capsEmphasis: boolean,
  evidence: Hit[],
): void {
  if (hit.valence === 0) return;
  const t = tokens[i] as Token;
  const last = tokens[i + hit.tokens.length - 1] as Token;
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

class Analyzer implements SentimentAnalyzer {
  private readonly vocab: Map<string, WordInfo>;
  private readonly numberPhrases: PhraseEntry[];
  private readonly neutralThreshold: number;
  private readonly negationWindow: number;

  constructor(options: z.output<typeof SentimentOptionsSchema>) {
    let lexicon: ReadonlyMap<string, number> = LEXICON;
    if (options.lexicon) {
      const merged = new Map(LEXICON);
      for (const [w, v] of Object.entries(options.lexicon)) merged.set(w.toLowerCase(), v);
      lexicon = merged;
    }
    const phrases = buildPhraseIndex({ ...PHRASES, ...(options.phrases ?? {}) });
    this.numberPhrases = phrases.get(NUMBER_PLACEHOLDER_START) ?? [];
    this.vocab = buildVocabulary(lexicon, phrases);
    this.neutralThreshold = options.neutralThreshold ?? 0.15;
    this.negationWindow = options.negationWindow ?? 3;
  }

  // "soooo goooood" → the word with runs of 3+ letters squeezed to 2, then to 1.
  private lookupElongated(word: string): WordInfo | undefined {
    if (word.length < 4 || !hasTripleRun(word)) return undefined;
    const two = this.vocab.get(word.replace(/(.)\1{2,}/g, '$1$1'));
    if (two?.valence !== undefined) return two;
    const one = this.vocab.get(word.replace(/(.)\1+/g, '$1'));
    return one?.valence !== undefined ? one : undefined;
  }

  // The per-message work is split into small functions (the loop below, `applyModifiers`,
  // `pushPhrase`, `softenQuestion`, `score`): V8 optimises a function after an amount of work that
  // grows with its bytecode size, so small pieces reach optimised code early in a first pass.
  analyze(text: string): SentimentResult {
    const tokens = tokenize(text);
    const evidence: Hit[] = [];
    let sentenceStart = 0; // first evidence index of the current sentence
    let negation = 0; // words left in the current negation scope
    let contrastAt = -1; // evidence index where the text after "but" starts
    let exclaims = 0;
    // ALL-CAPS emphasis only counts when the writer mixes case ("this is UNACCEPTABLE").
    const capsEmphasis = hasCapsEmphasis(tokens);
    const n = tokens.length;
    for (let i = 0; i < n; i++) {
      const t = tokens[i] as Token;
      const kind = t.kind;
      if (kind === 'punct') {
        const p = t.text;
        if (p === '!') exclaims++;
        if (p !== ':') negation = 0;
        // Questions mostly ask for information: soften what the question says.
        if (p === '?') softenQuestion(evidence, sentenceStart);
        if (p === '?' || p === '.' || p === '!') sentenceStart = evidence.length;
        continue;
      }
      if (kind === 'emoji' || kind === 'emoticon') {
        pushSymbol(text, t, evidence);
        continue;
      }
      if (kind !== 'word' && kind !== 'number') continue;
      const w = t.text;
      let info = kind === 'word' ? this.vocab.get(w) : undefined;

      // Phrases first: they carry their own polarity.
      let hit: PhraseEntry | undefined;
      if (kind === 'number') hit = matchPhrase(tokens, i, this.numberPhrases);
      else if (info !== undefined) {
        if (info.phrases !== undefined) hit = matchPhrase(tokens, i, info.phrases);
        if (hit === undefined && info.numberWord) hit = matchPhrase(tokens, i, this.numberPhrases);
      }
      if (hit !== undefined) {
        pushPhrase(text, tokens, i, hit, capsEmphasis, evidence);
        // "no one", "nobody" negate what follows ("nobody has helped").
        negation =
          hit.tokens.length <= 2 && NEGATING_PHRASES.has(hit.tokens.join(' ')) ? this.negationWindow : 0;
        i += hit.tokens.length - 1;
        continue;
      }
      if (kind === 'number') continue;
      if (info === undefined) {
        if (w.endsWith("n't")) {
          negation = this.negationWindow;
          continue;
        }
        info = this.lookupElongated(w);
        if (info === undefined) {
          if (negation > 0) negation--;
          continue;
        }
      }
      if (info.breaker) {
        negation = 0;
        if (w === 'but' || w === 'however') contrastAt = evidence.length;
        continue;
      }
      if (info.negator) {
        negation = this.negationWindow;
        continue;
      }
      // Tech-support instruction: "kill the process", "force quit the app".
      if (info.techVerb) {
        const object = this.techObjectAt(tokens, i);
        if (object > 0) {
          negation = 0;
          i = object;
          continue;
        }
      }
      const v = info.valence;
      const inScope = negation > 0;
      if (negation > 0) negation--;
      if (v === undefined) {
        // "didn't respond", "no update", "can't log in": a missing expected service.
        if (inScope && info.expectation) {
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
      evidence.push(this.applyModifiers(text, tokens, i, v, capsEmphasis, inScope));
      if (inScope) negation = 0;
    }
    return this.score(evidence, contrastAt, exclaims);
  }

  // One word's evidence: intensifiers and dampeners within the two preceding words, caps, negation.
  private applyModifiers(
    text: string,
    tokens: readonly Token[],
    i: number,
    v: number,
    capsEmphasis: boolean,
    inScope: boolean,
  ): Hit {
    const t = tokens[i] as Token;
    const mods: string[] = [];
    let weight = v;
    for (let back = 1; back <= 2 && i - back >= 0; back++) {
      const p = tokens[i - back] as Token;
      if (p.kind !== 'word') break;
      const pInfo = this.vocab.get(p.text);
      if (pInfo === undefined) continue;
      if (pInfo.intensifier !== undefined) {
        const scaled = back === 1 ? pInfo.intensifier : pInfo.intensifier * 0.9;
        weight += weight > 0 ? scaled * Math.abs(v) : -scaled * Math.abs(v);
        mods.push('intensified');
        if (capsEmphasis && p.caps) weight *= CAPS_FACTOR;
      } else if (pInfo.dampener !== undefined) {
        weight *= pInfo.dampener;
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
    }
    return {
      text: text.slice(t.start, t.end),
      start: t.start,
      end: t.end,
      kind: 'word',
      valence: v,
      weight,
      modifiers: mods,
    };
  }

  // Contrast, exclamation, the normalised score, the label and the confidence.
  private score(evidence: Hit[], contrastAt: number, exclaims: number): SentimentResult {
    if (evidence.length === 0) {
      return { score: 0, label: 'neutral', confidence: 0.5, evidence, noEvidence: true };
    }
    let sum = 0;
    let abs = 0;
    if (contrastAt >= 0) {
      for (let k = 0; k < evidence.length; k++) {
        const e = evidence[k] as Hit;
        e.weight *= k < contrastAt ? BEFORE_CONTRAST : AFTER_CONTRAST;
        e.modifiers.push(k < contrastAt ? 'before-contrast' : 'after-contrast');
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

  // Index of the technical object a tech verb acts on ("kill the stuck process" → process), or -1.
  private techObjectAt(tokens: readonly Token[], i: number): number {
    for (let k = i + 1; k < tokens.length && k <= i + 4; k++) {
      const t = tokens[k] as Token;
      if (t.kind !== 'word') return -1;
      if (TECH_OBJECTS.has(t.text)) return k;
      if (!TECH_FILLERS.has(t.text)) return -1;
    }
    return -1;
  }
}

const defaultAnalyzer = new Analyzer({});
// Every branch runs once now, so the optimiser compiles the hot functions once (see warmUp.ts).
for (let round = 0; round < WARM_UP_ROUNDS; round++) {
  for (const text of WARM_UP_TEXTS) defaultAnalyzer.analyze(text);
}
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
