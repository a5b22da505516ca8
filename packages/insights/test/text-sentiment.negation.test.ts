import { describe, expect, it } from 'vitest';
import { analyzeSentiment, createSentimentAnalyzer, type SentimentEvidence } from '../src/index.js';

function only(text: string, options = {}): SentimentEvidence {
  const r = analyzeSentiment(text, options);
  expect(r.evidence, text).toHaveLength(1);
  return r.evidence[0]!;
}

describe('sentiment negation weight and scope', () => {
  it('a negated positive word turns negative at ×−0.75 of its valence', () => {
    const plain = only('the agent was nice');
    const negated = only('the agent was not nice');
    expect(negated.modifiers).toContain('negated');
    expect(negated.valence).toBe(plain.valence);
    expect(plain.weight).toBeGreaterThan(0);
    expect(negated.weight).toBeCloseTo(plain.weight * -0.75, 12);
    expect(analyzeSentiment('the agent was not nice').label).toBe('negative');
  });

  it('a negated negative word turns mildly positive at ×−0.6 of its valence', () => {
    const plain = only('disappointed');
    const negated = only('never disappointed');
    expect(plain.weight).toBe(-2);
    expect(negated.weight).toBeCloseTo(1.2, 12);
    expect(analyzeSentiment('never disappointed').label).toBe('positive');
  });

  it('the scope covers the next three words and no more (default negationWindow)', () => {
    // happy is the 3rd word after "not": negated; the 4th: not negated.
    expect(only('not the agent happy').weight).toBeCloseTo(3 * -0.75, 12);
    expect(only('not the agent today happy').weight).toBe(3);
    expect(analyzeSentiment('not the agent happy').label).toBe('negative');
    expect(analyzeSentiment('not the agent today happy').label).toBe('positive');
  });

  it('negationWindow moves the edge of the scope', () => {
    expect(only('not the happy', { negationWindow: 2 }).weight).toBeCloseTo(-2.25, 12);
    expect(only('not the agent happy', { negationWindow: 2 }).weight).toBe(3);
    const wide = createSentimentAnalyzer({ negationWindow: 4 });
    expect(wide.analyze('not the agent today happy').evidence[0]?.weight).toBeCloseTo(-2.25, 12);
  });

  it('a negation ends at punctuation and at "but"', () => {
    expect(only('not now. happy').weight).toBe(3);
    expect(only('not now but happy').modifiers).not.toContain('negated');
  });
});
