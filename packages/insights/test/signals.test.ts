import { createSequentialIds, isThreadlineError, ManualClock, SignalSchema } from '@threadline/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createHealthModel, healthSignal } from '../src/index.js';

const model = createHealthModel({
  factors: [
    { key: 'csat', weight: 60, direction: 'higher-is-better', min: 1, max: 5 },
    { key: 'slaBreaches', weight: 40, direction: 'lower-is-better', min: 0, max: 3 },
  ],
});

describe('healthSignal', () => {
  it('builds a signal the full core schema accepts unchanged, for any score', () => {
    fc.assert(
      fc.property(
        fc.option(fc.double({ min: 1, max: 5, noNaN: true }), { nil: null }),
        fc.integer({ min: 0, max: 6 }),
        fc.constantFrom('health' as const, 'churn_risk' as const),
        (csat, slaBreaches, kind) => {
          const deps = { clock: new ManualClock(1_000), ids: createSequentialIds() };
          const score = model.score({ csat, slaBreaches });
          const signal = healthSignal(score, { type: 'customer', id: 'cus-1' }, deps, kind, 500);
          expect(SignalSchema.parse(signal)).toEqual(signal);
          expect(signal.value).toBe(kind === 'health' ? score.score : 100 - score.score);
        },
      ),
      { seed: 15, numRuns: 200 },
    );
  });

  it('refuses a bad subject or a non-finite score with the field path', () => {
    const deps = { clock: new ManualClock(1_000), ids: createSequentialIds() };
    const score = model.score({ csat: 4, slaBreaches: 0 });
    const pathOf = (f: () => unknown) => {
      try {
        f();
      } catch (error) {
        if (isThreadlineError(error, 'VALIDATION')) return error.issues?.[0]?.path.join('.');
        throw error;
      }
      return 'no error';
    };
    expect(pathOf(() => healthSignal(score, { type: 'customer', id: '' }, deps))).toBe('subject.id');
    expect(
      pathOf(() => healthSignal({ ...score, score: Number.NaN }, { type: 'customer', id: 'c' }, deps)),
    ).toBe('value');
  });
});
