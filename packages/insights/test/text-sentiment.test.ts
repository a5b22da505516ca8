import { readFileSync } from 'node:fs';
import { isThreadlineError } from '@threadline/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  analyzeSentiment,
  createSentimentAnalyzer,
  evaluateLabels,
  type SentimentLabel,
} from '../src/index.js';

const WORDS = [
  'not',
  'very',
  'GREAT',
  'bad',
  'but',
  '!',
  '?',
  ':)',
  '😡',
  'still',
  'waiting',
  '3',
  'hours',
  'no',
  'problem',
  'kill',
  'the',
  'process',
  'sooo',
  'thanks',
  'for',
  'nothing',
  ',',
];
const label = (t: string): SentimentLabel => analyzeSentiment(t).label;

describe('analyzeSentiment', () => {
  it('returns the documented shape', () => {
    const r = analyzeSentiment('Thanks, that was really helpful!');
    expect(r.label).toBe('positive');
    expect(r.score).toBeGreaterThan(0);
    expect(r.score).toBeLessThanOrEqual(1);
    expect(r.confidence).toBeGreaterThan(0.5);
    expect(r.noEvidence).toBe(false);
    expect(r.evidence.map((e) => e.text)).toContain('helpful');
  });

  it('says explicitly when there is no evidence', () => {
    const r = analyzeSentiment('My order number is 48213.');
    expect(r).toMatchObject({ score: 0, label: 'neutral', noEvidence: true, evidence: [] });
    expect(analyzeSentiment('').noEvidence).toBe(true);
  });

  it('handles negation scope', () => {
    expect(label('I am happy')).toBe('positive');
    expect(label('I am not happy with this')).toBe('negative');
    expect(label('It was not bad at all')).toBe('positive');
    expect(label("The agent wasn't very helpful")).toBe('negative');
    // Negation stops at a clause boundary.
    const r = analyzeSentiment('Not sure why, but great service');
    expect(r.label).toBe('positive');
  });

  it('flags missing expected service after a negator', () => {
    const r = analyzeSentiment("They didn't respond to my email");
    expect(r.label).toBe('negative');
    expect(r.evidence[0]).toMatchObject({ kind: 'expectation', text: 'respond' });
  });

  it('applies intensifiers, dampeners and ALL CAPS', () => {
    const base = analyzeSentiment('the service was bad').score;
    expect(analyzeSentiment('the service was very bad').score).toBeLessThan(base);
    expect(analyzeSentiment('the service was slightly bad').score).toBeGreaterThan(base);
    const caps = analyzeSentiment('the service was BAD');
    expect(caps.score).toBeLessThan(base);
    expect(caps.evidence[0]?.modifiers).toContain('caps');
  });

  it('amplifies with exclamation marks', () => {
    expect(analyzeSentiment('great service!!!').score).toBeGreaterThan(
      analyzeSentiment('great service').score,
    );
  });

  it('reads emoji and emoticons', () => {
    expect(label('my order is late :(')).toBe('negative');
    expect(label('thx :)')).toBe('positive');
    expect(label('delivered 😡')).toBe('negative');
    expect(label('delivered 😍')).toBe('positive');
    const r = analyzeSentiment('ok 👍🏽');
    expect(r.evidence.some((e) => e.kind === 'emoji')).toBe(true);
  });

  it('weights the clause after "but" more', () => {
    expect(label('The agent was polite but the problem is still not fixed')).toBe('negative');
    expect(label('The wait was long but the agent fixed everything, thank you')).toBe('positive');
    const r = analyzeSentiment('nice try but awful');
    expect(r.evidence.find((e) => e.text === 'nice')?.modifiers).toContain('before-contrast');
  });

  it('knows CX phrases', () => {
    for (const t of [
      'still not fixed',
      'third time calling about this',
      'waiting 3 hours for a reply',
      'please cancel my account',
      'thanks for nothing',
      'on hold for 45 minutes',
    ]) {
      expect(label(t), t).toBe('negative');
    }
    expect(label('no problem, thanks')).toBe('positive');
    const r = analyzeSentiment('Third time calling and it is STILL not fixed!');
    expect(r.evidence.map((e) => e.text)).toEqual(['Third time calling', 'STILL not fixed']);
  });

  it('does not treat tech-support verbs as negative', () => {
    expect(label('Please kill the process and restart the service')).toBe('neutral');
    expect(label('Terminate the stuck job from the dashboard')).toBe('neutral');
    expect(label('Force quit the app')).toBe('neutral');
    expect(label('They killed my plan without asking')).toBe('negative');
  });

  it('handles elongated words and hashtags', () => {
    expect(label('sooo gooood')).toBe('positive');
    expect(label('#fail again')).toBe('negative');
  });

  it('softens questions', () => {
    const q = analyzeSentiment('Is there a problem with my order?');
    const s = analyzeSentiment('There is a problem with my order.');
    expect(Math.abs(q.score)).toBeLessThan(Math.abs(s.score));
  });

  it('accepts custom lexicon, phrases and threshold', () => {
    const a = createSentimentAnalyzer({ lexicon: { escalate: -3 }, phrases: { 'chef kiss': 3 } });
    expect(a.analyze('please escalate').label).toBe('negative');
    expect(a.analyze('chef kiss').label).toBe('positive');
    expect(analyzeSentiment('it is ok', { neutralThreshold: 0.9 }).label).toBe('neutral');
  });

  it('rejects bad input with VALIDATION errors naming the field', () => {
    expect(() => analyzeSentiment(42 as unknown as string)).toThrow(
      expect.objectContaining({ code: 'VALIDATION', path: ['text'] }),
    );
    try {
      analyzeSentiment('x', { neutralThreshold: 2 });
      expect.unreachable();
    } catch (e) {
      expect(isThreadlineError(e, 'VALIDATION')).toBe(true);
      expect((e as { path: unknown }).path).toEqual(['neutralThreshold']);
    }
    expect(() => createSentimentAnalyzer({ lexicon: { bad: 9 } })).toThrow(/lexicon/);
  });

  it('keeps its invariants on arbitrary text', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 120 }),
        fc.string({ unit: 'binary', maxLength: 40 }),
        fc.array(fc.constantFrom(...WORDS), { maxLength: 12 }),
        (a, b, words) => {
          const text = `${a} ${words.join(' ')} ${b}`;
          const r = analyzeSentiment(text);
          expect(r.score).toBeGreaterThanOrEqual(-1);
          expect(r.score).toBeLessThanOrEqual(1);
          expect(r.confidence).toBeGreaterThanOrEqual(0);
          expect(r.confidence).toBeLessThanOrEqual(1);
          if (r.label === 'positive') expect(r.score).toBeGreaterThan(0);
          if (r.label === 'negative') expect(r.score).toBeLessThan(0);
          expect(r.noEvidence).toBe(r.evidence.length === 0);
          for (const e of r.evidence) expect(text.slice(e.start, e.end)).toBe(e.text);
        },
      ),
      { seed: 7, numRuns: 100 },
    );
  });
});

function readSet(name: string): [string, SentimentLabel, string][] {
  return readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')
    .split('\n')
    .filter((l) => l.length > 0 && !l.startsWith('#'))
    .map((l) => l.split('\t') as [string, SentimentLabel, string]);
}

// The lexicon was tuned on this set, so a high score here says nothing about accuracy on new
// text: it is a regression test (a change that breaks tuned behaviour shows up here).
describe('CX tuning set (regression test, in-sample)', () => {
  const rows = readSet('cx-sentiment.tsv');

  it('has at least 300 labelled agent and customer utterances', () => {
    expect(rows.length).toBeGreaterThanOrEqual(300);
    expect(new Set(rows.map((r) => r[0]))).toEqual(new Set(['agent', 'customer']));
    expect(new Set(rows.map((r) => r[1]))).toEqual(new Set(['negative', 'neutral', 'positive']));
  });

  it('regression: keeps at least 0.9 macro-F1 on the set it was tuned on', () => {
    const ev = evaluateLabels(
      rows.map((r) => r[1]),
      rows.map((r) => label(r[2])),
    );
    expect(ev.macroF1).toBeGreaterThanOrEqual(0.9);
    // Exact figures of the current lexicon: a speed change must not move them.
    expect(ev.accuracy).toBeCloseTo(0.98788, 5);
    expect(ev.macroF1).toBeCloseTo(0.98796, 5);
  });

  it('gives the same results from the warmed-up default analyzer as from a fresh one', () => {
    // The default analyzer runs its warm-up texts when the module loads; nothing may carry over.
    const fresh = createSentimentAnalyzer();
    for (const [, , text] of rows) expect(analyzeSentiment(text)).toEqual(fresh.analyze(text));
  });
});

// Held out: written after the lexicon was tuned and never used for tuning (do not tune on it).
// First and only scoring before this gate was set: macro-F1 0.939, accuracy 0.939 (180 rows).
describe('CX held-out set (accuracy gate)', () => {
  const rows = readSet('cx-sentiment-heldout.tsv');
  const tuning = new Set(readSet('cx-sentiment.tsv').map((r) => r[2]));

  it('has at least 150 messages, balanced over the labels, none from the tuning set', () => {
    expect(rows.length).toBeGreaterThanOrEqual(150);
    for (const l of ['negative', 'neutral', 'positive'] as const) {
      expect(rows.filter((r) => r[1] === l).length).toBe(rows.length / 3);
    }
    expect(rows.filter((r) => tuning.has(r[2]))).toEqual([]);
  });

  it('scores at least 0.90 macro-F1 on text the lexicon was never tuned on', () => {
    const ev = evaluateLabels(
      rows.map((r) => r[1]),
      rows.map((r) => label(r[2])),
    );
    expect(ev.macroF1).toBeGreaterThanOrEqual(0.9);
    expect(ev.accuracy).toBeCloseTo(0.93889, 5);
    expect(ev.macroF1).toBeCloseTo(0.93878, 5);
  });
});
