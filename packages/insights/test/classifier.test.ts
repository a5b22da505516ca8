import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type ClassifierJSON,
  createTaxonomyClassifier,
  crossValidate,
  evaluateLabels,
  loadClassifier,
  type TrainingExample,
  trainClassifier,
} from '../src/index.js';

// A small synthetic support corpus: three topics with their own vocabulary plus shared filler.
function corpus(): TrainingExample[] {
  const topics: Record<string, string[]> = {
    billing: ['refund', 'invoice', 'charged twice', 'payment failed', 'bill is wrong', 'overcharged'],
    delivery: [
      'parcel',
      'tracking number',
      'never arrived',
      'courier',
      'package is late',
      'delivery address',
    ],
    technical: ['app crashes', 'cannot log in', 'error message', 'password reset', 'website is down', 'bug'],
  };
  const filler = ['hi', 'please help', 'my', 'with the', 'today', 'again', 'thanks', 'urgent'];
  const out: TrainingExample[] = [];
  let i = 0;
  for (let round = 0; round < 20; round++) {
    for (const [label, terms] of Object.entries(topics)) {
      const a = terms[round % terms.length] as string;
      const b = terms[(round * 7 + 3) % terms.length] as string;
      out.push({ text: `${filler[i++ % filler.length]} ${a} ${filler[i++ % filler.length]} ${b}`, label });
    }
  }
  return out;
}

describe('trainClassifier', () => {
  const data = corpus();

  it('learns topics and returns probabilities that sum to 1', () => {
    const model = trainClassifier(data, { seed: 1 });
    expect(model.labels).toEqual(['billing', 'delivery', 'technical']);
    const p = model.predict('I was charged twice on my invoice');
    expect(p.label).toBe('billing');
    const total = Object.values(p.probabilities).reduce((a, b) => a + b, 0);
    expect(total).toBeCloseTo(1, 6);
    expect(p.confidence).toBe(p.probabilities['billing']);
    expect(model.predict('the courier lost my parcel').label).toBe('delivery');
    expect(model.predict('app crashes with an error message').label).toBe('technical');
  });

  it('is deterministic for a seed and round-trips through JSON', () => {
    const a = trainClassifier(data, { seed: 42 });
    const b = trainClassifier(data, { seed: 42 });
    expect(JSON.stringify(a.toJSON())).toBe(JSON.stringify(b.toJSON()));
    const c = trainClassifier(data, { seed: 43 });
    expect(JSON.stringify(c.toJSON())).not.toBe(JSON.stringify(a.toJSON()));
    const loaded = loadClassifier(JSON.parse(JSON.stringify(a.toJSON())));
    for (const t of ['refund please', 'where is my parcel', 'login bug', 'something else entirely']) {
      expect(loaded.predict(t)).toEqual(a.predict(t));
    }
  });

  it('trains complement naive Bayes with the same output shape', () => {
    const model = trainClassifier(data, { algorithm: 'complement-nb' });
    expect(model.algorithm).toBe('complement-nb');
    expect(model.predict('refund for the invoice').label).toBe('billing');
    expect(model.predict('tracking number for my package').label).toBe('delivery');
    const loaded = loadClassifier(JSON.parse(JSON.stringify(model.toJSON())));
    expect(loaded.predict('password reset').probabilities).toEqual(
      model.predict('password reset').probabilities,
    );
  });

  it('class weights shift decisions towards a weighted class', () => {
    const skewed = [
      ...data.filter((e) => e.label !== 'technical'),
      ...data.filter((e) => e.label === 'technical').slice(0, 3),
    ];
    const plain = trainClassifier(skewed, { seed: 1, charNgrams: false });
    const weighted = trainClassifier(skewed, { seed: 1, charNgrams: false, classWeights: { technical: 20 } });
    const balanced = trainClassifier(skewed, { seed: 1, charNgrams: false, classWeights: 'balanced' });
    const t = 'urgent help today';
    expect(weighted.predict(t).probabilities['technical']).toBeGreaterThan(
      plain.predict(t).probabilities['technical'] as number,
    );
    expect(balanced.predict(t).probabilities['technical']).toBeGreaterThan(
      plain.predict(t).probabilities['technical'] as number,
    );
  });

  it('validates examples, options and serialised models', () => {
    expect(() => trainClassifier([], {})).toThrow(expect.objectContaining({ code: 'VALIDATION' }));
    expect(() => trainClassifier([{ text: 'a', label: 'x' }])).toThrow(/two distinct labels/);
    expect(() => trainClassifier([{ text: 1, label: 'x' } as never])).toThrow(
      expect.objectContaining({ path: [0, 'text'] }),
    );
    expect(() => trainClassifier(data, { epochs: 0 })).toThrow(expect.objectContaining({ path: ['epochs'] }));
    expect(() => trainClassifier(data, { charNgrams: [5, 3] })).toThrow(
      expect.objectContaining({ path: ['charNgrams'] }),
    );
    expect(() => trainClassifier(data, { classWeights: { nope: 2 } })).toThrow(/unknown label/);
    const json = trainClassifier(data).toJSON();
    expect(() => loadClassifier({ ...json, format: 'other' })).toThrow(
      expect.objectContaining({ path: ['format'] }),
    );
    expect(() => loadClassifier({ ...json, bias: [0] })).toThrow(expect.objectContaining({ path: ['bias'] }));
    expect(() => loadClassifier({ ...json, weights: 'AAAA' })).toThrow(
      expect.objectContaining({ path: ['weights'] }),
    );
    expect(() => loadClassifier({ ...json, buckets: '!!!' })).toThrow(
      expect.objectContaining({ path: ['buckets'] }),
    );
    expect(() => loadClassifier(null)).toThrow(expect.objectContaining({ code: 'VALIDATION' }));
    expect(() => trainClassifier(data).predict(3 as never)).toThrow(
      expect.objectContaining({ path: ['text'] }),
    );
  });

  it('predicts a valid distribution for any text', () => {
    const model = trainClassifier(data, { seed: 3 });
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (t) => {
        const p = model.predict(t);
        const values = Object.values(p.probabilities);
        const sum = values.reduce((a, b) => a + b, 0);
        return (
          values.every((v) => v >= 0 && v <= 1) &&
          Math.abs(sum - 1) < 1e-9 &&
          p.probabilities[p.label] === Math.max(...values)
        );
      }),
      { seed: 5, numRuns: 100 },
    );
  });
});

describe('crossValidate and evaluateLabels', () => {
  it('cross-validates with stratified folds', () => {
    const cv = crossValidate(corpus(), { folds: 4, seed: 2, train: { seed: 1 } });
    expect(cv.folds).toHaveLength(4);
    expect(cv.count).toBe(60);
    expect(cv.predictions).toHaveLength(60);
    expect(cv.accuracy).toBeGreaterThan(0.8);
    expect(() => crossValidate(corpus(), { folds: 1 })).toThrow(expect.objectContaining({ path: ['folds'] }));
  });

  it('computes accuracy, macro-F1 and the confusion matrix', () => {
    const ev = evaluateLabels(['a', 'a', 'b', 'b'], ['a', 'b', 'b', 'b']);
    expect(ev.accuracy).toBe(0.75);
    expect(ev.perClass['a']).toMatchObject({ precision: 1, recall: 0.5, support: 2 });
    expect(ev.perClass['b']?.precision).toBeCloseTo(2 / 3);
    expect(ev.macroF1).toBeCloseTo((2 / 3 + 0.8) / 2);
    expect(ev.confusion['a']).toEqual({ a: 1, b: 1 });
    expect(() => evaluateLabels(['a'], [])).toThrow(expect.objectContaining({ code: 'VALIDATION' }));
  });
});

describe('createTaxonomyClassifier', () => {
  const taxonomy = {
    topics: [
      { label: 'billing', terms: ['refund*', 'invoice', { term: 'charged twice', weight: 3 }] },
      { label: 'delivery', terms: ['parcel', 'tracking', { term: 'never arrived', weight: 2 }] },
    ],
  };

  it('classifies by weighted keywords and phrases with evidence', () => {
    const c = createTaxonomyClassifier(taxonomy);
    expect(c.labels).toEqual(['billing', 'delivery', 'other']);
    const p = c.predict('I was charged twice and still no refunds');
    expect(p.label).toBe('billing');
    expect(p.matches.map((m) => m.term)).toEqual(['charged twice', 'refund*']);
    expect(p.matches[0]).toMatchObject({ start: 6, end: 19 });
    const sum = Object.values(p.probabilities).reduce((a, b) => a + b, 0);
    expect(sum).toBeCloseTo(1, 9);
    expect(c.predict('my parcel never arrived').label).toBe('delivery');
    expect(c.predict('hello there').label).toBe('other');
    expect(c.predict('hello there').matches).toEqual([]);
  });

  it('respects minScore and fallbackLabel', () => {
    const c = createTaxonomyClassifier({ ...taxonomy, minScore: 2, fallbackLabel: 'unknown' });
    expect(c.predict('invoice').label).toBe('unknown');
    expect(c.predict('invoice refund').label).toBe('billing');
  });

  it('validates the taxonomy', () => {
    expect(() => createTaxonomyClassifier({ topics: [] })).toThrow(
      expect.objectContaining({ path: ['topics'] }),
    );
    expect(() => createTaxonomyClassifier({ topics: [{ label: 'a', terms: ['*'] }] })).toThrow(
      expect.objectContaining({ path: ['topics', 0, 'terms', 0] }),
    );
    expect(() => createTaxonomyClassifier({ ...taxonomy, fallbackLabel: 'billing' })).toThrow(
      expect.objectContaining({ path: ['fallbackLabel'] }),
    );
  });

  it('has the same output shape as a trained model', () => {
    const trained = trainClassifier(corpus());
    const keys = (o: object) =>
      Object.keys(o)
        .filter((k) => k !== 'matches')
        .sort();
    expect(keys(createTaxonomyClassifier(taxonomy).predict('refund'))).toEqual(
      keys(trained.predict('refund')),
    );
  });
});

// Type-level check that toJSON output is plain JSON.
const _json: (j: ClassifierJSON) => string = (j) => JSON.stringify(j);
void _json;
