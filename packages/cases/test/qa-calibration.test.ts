import { isThreadlineError, ManualClock } from '@threadline/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  closeCalibration,
  cohensKappa,
  cohensKappaFromTable,
  createCalibrationSession,
  defineScorecard,
  fleissKappa,
  fleissKappaFromCounts,
  percentAgreement,
  submitCalibration,
  summarizeCalibration,
} from '../src/index.js';

function expand(table: number[][]): [number[], number[]] {
  const a: number[] = [];
  const b: number[] = [];
  table.forEach((row, i) => {
    row.forEach((count, j) => {
      for (let k = 0; k < count; k++) {
        a.push(i);
        b.push(j);
      }
    });
  });
  return [a, b];
}

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
}

describe("Cohen's kappa", () => {
  it('matches the worked example on Wikipedia ("Cohen\'s kappa", 50 grant proposals): κ = 0.4', () => {
    // Both yes 20, A yes/B no 5, A no/B yes 10, both no 15: po = 0.7, pe = 0.5, κ = 0.4.
    const r = cohensKappaFromTable([
      [20, 5],
      [10, 15],
    ]);
    expect(r.observed).toBeCloseTo(0.7, 12);
    expect(r.expected).toBeCloseTo(0.5, 12);
    expect(r.kappa).toBeCloseTo(0.4, 12);
    const [a, b] = expand([
      [20, 5],
      [10, 15],
    ]);
    expect(cohensKappa(a, b).kappa).toBeCloseTo(0.4, 12);
  });

  it('matches the SAS PROC FREQ example (3×3 table) used by statsmodels: κ = 0.4842, linear weighted κ = 0.4701', () => {
    // SAS/STAT "Simple Kappa Coefficient" printout, reproduced in statsmodels' test_inter_rater.py.
    const table = [
      [0, 4, 1],
      [0, 8, 0],
      [0, 1, 5],
    ];
    expect(cohensKappaFromTable(table).kappa).toBeCloseTo(0.4842, 4);
    expect(cohensKappaFromTable(table, { weights: 'linear' }).kappa).toBeCloseTo(0.4701, 4);
    const [a, b] = expand(table);
    // Category 0 is never used by rater A but is by nobody either: pass the full category list.
    expect(cohensKappa(a, b, { categories: [0, 1, 2], weights: 'linear' }).kappa).toBeCloseTo(0.4701, 4);
  });

  it("matches R irr::kappa2 on the 'anxiety' data (raters 2 and 3): unweighted, equal (linear) and squared weights", () => {
    // irr package data `anxiety` (20 subjects, 3 raters), values from R as recorded in statsmodels' tests.
    const anxiety = [
      3, 3, 3, 4, 5, 5, 2, 3, 5, 2, 2, 6, 1, 5, 2, 2, 1, 2, 4, 3, 3, 6, 4, 6, 2, 4, 2, 4, 3, 3, 2, 3, 3, 3, 2,
      2, 1, 3, 3, 4, 2, 1, 4, 4, 3, 2, 1, 6, 1, 1, 1, 2, 3, 3, 1, 1, 3, 3, 2, 2,
    ];
    const rater2 = anxiety.slice(20, 40);
    const rater3 = anxiety.slice(40, 60);
    expect(cohensKappa(rater2, rater3).kappa).toBeCloseTo(-0.006289308, 8);
    expect(cohensKappa(rater2, rater3, { weights: 'linear' }).kappa).toBeCloseTo(0.1459075, 7);
    expect(cohensKappa(rater2, rater3, { weights: 'quadratic' }).kappa).toBeCloseTo(0.2520325, 7);
  });

  it('skips subjects either rater left unrated', () => {
    const r = cohensKappa(['yes', null, 'no', 'no'], ['yes', 'no', undefined, 'no']);
    expect(r.n).toBe(2);
    expect(r.kappa).toBe(1);
  });

  it('handles degenerate input without NaN: all ratings in one category → κ = 1 (degenerate)', () => {
    const r = cohensKappa(['yes', 'yes', 'yes'], ['yes', 'yes', 'yes']);
    expect(r).toMatchObject({ kappa: 1, observed: 1, expected: 1, degenerate: true });
    const w = cohensKappa([3, 3], [3, 3], { weights: 'quadratic' });
    expect(w.kappa).toBe(1);
    // Total disagreement with one category each: pe = 0, κ = 0.
    expect(cohensKappa(['yes', 'yes'], ['no', 'no']).kappa).toBe(0);
  });

  it('rejects bad input with VALIDATION and paths', () => {
    const e1 = thrown(() => cohensKappa(['a'], ['a', 'b']));
    expect(isThreadlineError(e1, 'VALIDATION')).toBe(true);
    expect((e1 as { path: unknown }).path).toEqual(['ratingsB']);
    const e2 = thrown(() => cohensKappa([null], [null]));
    expect(isThreadlineError(e2, 'VALIDATION')).toBe(true);
    const e3 = thrown(() => cohensKappa(['a', {} as never], ['a', 'b']));
    expect((e3 as { path: unknown }).path).toEqual(['ratingsA', 1]);
    const e4 = thrown(() => cohensKappa(['a', 'c'], ['a', 'b'], { categories: ['a', 'b'] }));
    expect(isThreadlineError(e4, 'VALIDATION')).toBe(true);
    const e5 = thrown(() => cohensKappaFromTable([[1, 2], [3]]));
    expect((e5 as { path: unknown }).path).toEqual(['table', 1]);
    const e6 = thrown(() => cohensKappaFromTable([[-1]]));
    expect((e6 as { path: unknown }).path).toEqual(['table', 0, 0]);
    expect(
      isThreadlineError(
        thrown(() => cohensKappaFromTable([[0]])),
        'VALIDATION',
      ),
    ).toBe(true);
  });

  it('properties: κ = 1 for identical raters, symmetric, within [-1, 1], never NaN', () => {
    const ratings = fc.array(fc.constantFrom('a', 'b', 'c', 'd'), { minLength: 1, maxLength: 40 });
    fc.assert(
      fc.property(ratings, fc.constantFrom('none', 'linear', 'quadratic'), (a, weights) => {
        expect(cohensKappa(a, a, { weights }).kappa).toBeCloseTo(1, 12);
      }),
    );
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 5 })), {
          minLength: 1,
          maxLength: 40,
        }),
        fc.constantFrom('none', 'linear', 'quadratic'),
        (pairs, weights) => {
          const a = pairs.map((p) => p[0]);
          const b = pairs.map((p) => p[1]);
          const ab = cohensKappa(a, b, { weights });
          const ba = cohensKappa(b, a, { weights });
          expect(Number.isNaN(ab.kappa)).toBe(false);
          expect(ab.kappa).toBeGreaterThanOrEqual(-1 - 1e-12);
          expect(ab.kappa).toBeLessThanOrEqual(1 + 1e-12);
          expect(ab.kappa).toBeCloseTo(ba.kappa, 12);
        },
      ),
    );
  });
});

describe("Fleiss' kappa", () => {
  it('matches the worked example on Wikipedia ("Fleiss\' kappa": 10 subjects, 14 raters, 5 categories): κ = 0.210', () => {
    const counts = [
      [0, 0, 0, 0, 14],
      [0, 2, 6, 4, 2],
      [0, 0, 3, 5, 6],
      [0, 3, 9, 2, 0],
      [2, 2, 8, 1, 1],
      [7, 7, 0, 0, 0],
      [3, 2, 6, 3, 0],
      [2, 5, 3, 2, 2],
      [6, 5, 2, 1, 0],
      [0, 2, 2, 3, 7],
    ];
    const r = fleissKappaFromCounts(counts);
    expect(r.observed).toBeCloseTo(0.378, 3); // P̄
    expect(r.expected).toBeCloseTo(0.213, 3); // P̄e
    expect(r.kappa).toBeCloseTo(0.21, 3);
    expect(r.perCategory.map((c) => c.proportion.toFixed(3))).toEqual([
      '0.143',
      '0.200',
      '0.279',
      '0.150',
      '0.229',
    ]);
    expect(r).toMatchObject({ n: 10, raters: 14 });
  });

  it('matches Fleiss (1971), "Measuring nominal scale agreement among many raters": 30 patients, 6 psychiatrists, κ = 0.430', () => {
    // The diagnoses data (1 depression, 2 personality disorder, 3 schizophrenia, 4 neurosis, 5 other),
    // as shipped in R's irr package (`diagnoses`); irr::kappam.fleiss gives 0.4302445.
    const diagnoses = [
      [4, 4, 4, 4, 4, 4],
      [2, 2, 2, 5, 5, 5],
      [2, 3, 3, 3, 3, 5],
      [5, 5, 5, 5, 5, 5],
      [2, 2, 2, 4, 4, 4],
      [1, 1, 3, 3, 3, 3],
      [3, 3, 3, 3, 5, 5],
      [1, 1, 3, 3, 3, 4],
      [1, 1, 4, 4, 4, 4],
      [5, 5, 5, 5, 5, 5],
      [1, 4, 4, 4, 4, 4],
      [1, 2, 4, 4, 4, 4],
      [2, 2, 2, 3, 3, 3],
      [1, 4, 4, 4, 4, 4],
      [2, 2, 4, 4, 4, 5],
      [3, 3, 3, 3, 3, 5],
      [1, 1, 1, 4, 5, 5],
      [1, 1, 1, 1, 1, 2],
      [2, 2, 4, 4, 4, 4],
      [1, 3, 3, 5, 5, 5],
      [5, 5, 5, 5, 5, 5],
      [2, 4, 4, 4, 4, 4],
      [2, 2, 4, 5, 5, 5],
      [1, 1, 4, 4, 4, 4],
      [1, 4, 4, 4, 4, 5],
      [2, 2, 2, 2, 2, 4],
      [1, 1, 1, 1, 5, 5],
      [2, 2, 4, 4, 4, 4],
      [1, 3, 3, 3, 3, 3],
      [5, 5, 5, 5, 5, 5],
    ];
    const r = fleissKappa(diagnoses);
    expect(r.kappa).toBeCloseTo(0.4302445, 7);
    expect(r.categories).toEqual([1, 2, 3, 4, 5]);
    expect(r.perCategory.map((c) => c.proportion * 180)).toEqual(
      [26, 26, 30, 55, 43].map((x) => expect.closeTo(x, 9)),
    );
  });

  it('handles degenerate input without NaN', () => {
    const same = fleissKappa([
      ['yes', 'yes', 'yes'],
      ['yes', 'yes', 'yes'],
    ]);
    expect(same).toMatchObject({ kappa: 1, degenerate: true });
    expect(same.perCategory[0]?.kappa).toBeNull();
    const one = fleissKappa([['a', 'b']]);
    expect(Number.isNaN(one.kappa)).toBe(false);
  });

  it('rejects unequal rater counts, fewer than two raters and bad counts with paths', () => {
    const e1 = thrown(() => fleissKappa([['a', 'b'], ['a']]));
    expect(isThreadlineError(e1, 'VALIDATION')).toBe(true);
    expect((e1 as { path: unknown }).path).toEqual(['counts', 1]);
    expect(
      isThreadlineError(
        thrown(() => fleissKappa([['a'], ['b']])),
        'VALIDATION',
      ),
    ).toBe(true);
    expect(
      isThreadlineError(
        thrown(() => fleissKappa([])),
        'VALIDATION',
      ),
    ).toBe(true);
    const e2 = thrown(() => fleissKappaFromCounts([[1, 0.5]]));
    expect((e2 as { path: unknown }).path).toEqual(['counts', 0, 1]);
    const e3 = thrown(() => fleissKappa([['a', null as never]]));
    expect((e3 as { path: unknown }).path).toEqual(['subjects', 0, 1]);
  });

  it('properties: κ = 1 when every rater agrees on every subject; within [-1, 1]; never NaN', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom('x', 'y', 'z'), { minLength: 1, maxLength: 20 }),
        fc.integer({ min: 2, max: 8 }),
        (labels, raters) => {
          const r = fleissKappa(labels.map((l) => Array.from({ length: raters }, () => l)));
          expect(r.kappa).toBeCloseTo(1, 12);
        },
      ),
    );
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 6 }).chain((raters) =>
          fc.array(fc.array(fc.integer({ min: 0, max: 3 }), { minLength: raters, maxLength: raters }), {
            minLength: 1,
            maxLength: 20,
          }),
        ),
        (subjects) => {
          const r = fleissKappa(subjects);
          expect(Number.isNaN(r.kappa)).toBe(false);
          expect(r.kappa).toBeLessThanOrEqual(1 + 1e-12);
          // Fleiss' kappa is bounded below by -1/(n-1) ≥ -1.
          expect(r.kappa).toBeGreaterThanOrEqual(-1 - 1e-12);
          expect(percentAgreement(subjects).pairwise).toBeCloseTo(r.observed, 12);
        },
      ),
    );
  });
});

describe('percent agreement', () => {
  it('counts unanimous subjects and pairwise agreement', () => {
    expect(
      percentAgreement([
        ['yes', 'yes'],
        ['yes', 'no'],
      ]),
    ).toEqual({ unanimous: 0.5, pairwise: 0.5, n: 2 });
    expect(percentAgreement([['a', 'a', 'b']]).pairwise).toBeCloseTo(1 / 3, 12);
    const e = thrown(() => percentAgreement([['a']]));
    expect((e as { path: unknown }).path).toEqual(['subjects', 0]);
  });
});

describe('calibration sessions', () => {
  const card = defineScorecard({
    id: 'support',
    name: 'Support',
    criteria: [
      { id: 'greeting', label: 'Greeting' },
      { id: 'accuracy', label: 'Accuracy', weight: 3, scale: { type: 'numeric', min: 1, max: 5 } },
    ],
  });
  const clock = new ManualClock(1_000);
  const ctx = { clock, ids: { next: (p = 'id') => `${p}-1` } };

  it('collects blind ratings and reports agreement, spread and deviation from the expert', () => {
    let s = createCalibrationSession(
      { scorecardId: 'support', caseIds: ['c1', 'c2'], raterIds: ['qa1', 'qa2', 'lead'], expertId: 'lead' },
      ctx,
    );
    expect(s).toMatchObject({ id: 'calibration-1', status: 'open', createdAt: 1_000 });
    const rate = (raterId: string, caseId: string, greeting: string, accuracy: number) =>
      submitCalibration(
        card,
        s,
        { raterId, caseId, ratings: { greeting: { value: greeting }, accuracy: { value: accuracy } } },
        ctx,
      );
    s = rate('qa1', 'c1', 'yes', 5);
    s = rate('qa2', 'c1', 'yes', 4);
    s = rate('lead', 'c1', 'yes', 5);
    s = rate('qa1', 'c2', 'no', 2);
    s = rate('qa2', 'c2', 'no', 3);
    s = rate('lead', 'c2', 'no', 2);
    clock.advance(10);
    s = closeCalibration(s, ctx);
    expect(s).toMatchObject({ status: 'closed', closedAt: 1_010 });

    const summary = summarizeCalibration(card, s);
    expect(summary.raters).toEqual(['qa1', 'qa2', 'lead']);
    expect(summary.missing).toEqual([]);
    const greeting = summary.criteria.find((c) => c.criterionId === 'greeting')!;
    expect(greeting).toMatchObject({ method: 'fleiss', kappa: 1, percentAgreement: 1, items: 2 });
    const accuracy = summary.criteria.find((c) => c.criterionId === 'accuracy')!;
    expect(accuracy.percentAgreement).toBe(0);
    // Direct check of the pooled value against fleissKappa on the same items.
    expect(summary.overall.kappa).toBeCloseTo(
      fleissKappa([
        ['yes', 'yes', 'yes'],
        ['no', 'no', 'no'],
        ['5', '4', '5'],
        ['2', '3', '2'],
      ]).kappa,
      12,
    );
    // c1: qa1 100, qa2 = (1 + 3·0.75)/4 = 81.25, lead 100.
    const c1 = summary.scores[0]!;
    expect(c1.byRater).toEqual({ qa1: 100, qa2: 81.25, lead: 100 });
    expect(c1.spread).toBeCloseTo(18.75, 12);
    expect(c1.expert).toBe(100);
    // qa2 deviates from lead by 18.75 on c1 and (3·0.5 − 3·0.25)/4·100 = 18.75 on c2.
    expect(summary.deviation.find((d) => d.raterId === 'qa2')?.meanAbsoluteDeviation).toBeCloseTo(18.75, 12);
    expect(summary.deviation.find((d) => d.raterId === 'qa1')?.meanAbsoluteDeviation).toBe(0);
    expect(summary.deviation.find((d) => d.raterId === 'lead')?.meanAbsoluteDeviation).toBeNull();
  });

  it("uses Cohen's kappa with two raters and leaves out raters who missed a case", () => {
    let s = createCalibrationSession(
      { scorecardId: 'support', caseIds: ['c1'], raterIds: ['a', 'b', 'c'] },
      ctx,
    );
    for (const r of ['a', 'b']) {
      s = submitCalibration(
        card,
        s,
        { raterId: r, caseId: 'c1', ratings: { greeting: { value: 'yes' }, accuracy: { value: 4 } } },
        ctx,
      );
    }
    const summary = summarizeCalibration(card, s);
    expect(summary.raters).toEqual(['a', 'b']);
    expect(summary.missing).toEqual([{ raterId: 'c', caseId: 'c1' }]);
    expect(summary.overall).toMatchObject({ method: 'cohen', kappa: 1, degenerate: false });
  });

  it('rejects bad sessions, submissions and summaries', () => {
    const e1 = thrown(() =>
      createCalibrationSession(
        { scorecardId: 'support', caseIds: ['c1'], raterIds: ['a', 'b'], expertId: 'z' },
        ctx,
      ),
    );
    expect((e1 as { path: unknown }).path).toEqual(['expertId']);
    expect(
      isThreadlineError(
        thrown(() =>
          createCalibrationSession({ scorecardId: 'support', caseIds: ['c1'], raterIds: ['a'] }, ctx),
        ),
        'VALIDATION',
      ),
    ).toBe(true);
    const s = createCalibrationSession(
      { scorecardId: 'support', caseIds: ['c1'], raterIds: ['a', 'b'] },
      ctx,
    );
    const e2 = thrown(() =>
      submitCalibration(
        card,
        s,
        { raterId: 'z', caseId: 'c1', ratings: { greeting: { value: 'yes' } } },
        ctx,
      ),
    );
    expect((e2 as { path: unknown }).path).toEqual(['raterId']);
    const e3 = thrown(() =>
      submitCalibration(
        card,
        s,
        { raterId: 'a', caseId: 'c1', ratings: { greeting: { value: 'maybe' }, accuracy: { value: 3 } } },
        ctx,
      ),
    );
    expect((e3 as { path: unknown }).path).toEqual(['ratings', 'greeting', 'value']);
    const closed = closeCalibration(s, ctx);
    expect(
      isThreadlineError(
        thrown(() =>
          submitCalibration(
            card,
            closed,
            { raterId: 'a', caseId: 'c1', ratings: { greeting: { value: 'yes' }, accuracy: { value: 3 } } },
            ctx,
          ),
        ),
        'CONFLICT',
      ),
    ).toBe(true);
    expect(
      isThreadlineError(
        thrown(() => closeCalibration(closed, ctx)),
        'CONFLICT',
      ),
    ).toBe(true);
    expect(
      isThreadlineError(
        thrown(() => summarizeCalibration(card, s)),
        'CONFLICT',
      ),
    ).toBe(true);
    const other = defineScorecard({ id: 'other', name: 'Other', criteria: [{ id: 'x', label: 'X' }] });
    expect(
      isThreadlineError(
        thrown(() => summarizeCalibration(other, s)),
        'VALIDATION',
      ),
    ).toBe(true);
  });
});
