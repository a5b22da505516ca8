import { isThreadlineError, ManualClock } from '@threadline/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  createReview,
  defineScorecard,
  ensureScorecard,
  type RatingScale,
  readRating,
  type ScorecardInput,
  scoreReview,
  suggestRatings,
} from '../src/index.js';

function thrown(fn: () => unknown): { code?: string; path?: unknown; issues?: { path: unknown[] }[] } {
  try {
    fn();
  } catch (e) {
    return e as never;
  }
  throw new Error('expected a throw');
}

const cardInput: ScorecardInput = {
  id: 'support',
  name: 'Support conversations',
  criteria: [
    { id: 'greeting', label: 'Greets the customer', weight: 1 },
    {
      id: 'accuracy',
      label: 'Correct answer',
      weight: 3,
      scale: { type: 'numeric', min: 1, max: 5 },
      rootCauses: ['knowledge_gap', 'process'],
    },
    { id: 'verification', label: 'Verifies identity', critical: true, section: 'Compliance' },
  ],
};
const card = defineScorecard(cardInput);

describe('scorecards', () => {
  it('fills defaults', () => {
    expect(card).toMatchObject({ version: 1, passScore: 80, criticalFailure: 'zero' });
    expect(card.criteria[0]).toMatchObject({
      weight: 1,
      critical: false,
      scale: { type: 'yes_no', allowNa: true },
      rootCauses: [],
    });
    expect(card.criteria[1]?.scale).toMatchObject({ step: 1, allowNa: false });
  });

  it('rejects bad scorecards with the path of every bad field', () => {
    const e = thrown(() =>
      defineScorecard({
        id: 'x',
        name: 'X',
        criteria: [
          { id: 'a', label: 'A', weight: -1 },
          { id: 'a', label: 'A2', scale: { type: 'numeric', min: 5, max: 1 } },
          { id: 'b', label: 'B', scale: { type: 'numeric', min: 1, max: 5, step: 3 } },
          {
            id: 'c',
            label: 'C',
            scale: {
              type: 'labels',
              options: [
                { value: 'good', score: 1 },
                { value: 'good', score: 0 },
              ],
            },
          },
          { id: 'd', label: 'D', requireRootCause: true },
          { id: 'e', label: 'E', colour: 'red' } as never,
        ],
      }),
    );
    expect(e.code).toBe('VALIDATION');
    const paths = e.issues!.map((i) => i.path.join('.'));
    expect(paths).toEqual(expect.arrayContaining(['criteria.0.weight', 'criteria.5']));
    const e2 = thrown(() =>
      defineScorecard({
        id: 'x',
        name: 'X',
        criteria: [
          { id: 'a', label: 'A' },
          { id: 'a', label: 'A2', scale: { type: 'numeric', min: 5, max: 1 } },
          { id: 'b', label: 'B', scale: { type: 'numeric', min: 1, max: 5, step: 3 } },
          {
            id: 'c',
            label: 'C',
            scale: {
              type: 'labels',
              options: [
                { value: 'good', score: 1 },
                { value: 'good', score: 0 },
              ],
            },
          },
          { id: 'd', label: 'D', requireRootCause: true },
        ],
      }),
    );
    expect(e2.issues!.map((i) => i.path.join('.'))).toEqual([
      'criteria.1.id',
      'criteria.1.scale.max',
      'criteria.2.scale.step',
      'criteria.3.scale.options.1.value',
      'criteria.4.requireRootCause',
    ]);
    expect(thrown(() => defineScorecard({ id: 'x', name: 'X', criteria: [] })).path).toEqual(['criteria']);
  });

  it('ensureScorecard validates plain JSON and passes defined scorecards through', () => {
    expect(ensureScorecard(card)).toBe(card);
    expect(ensureScorecard(JSON.parse(JSON.stringify(cardInput)))).toEqual(card);
    expect(thrown(() => ensureScorecard({ id: 'x' } as never)).code).toBe('VALIDATION');
  });

  it('reads ratings on each scale', () => {
    const five = { type: 'numeric', min: 1, max: 5, step: 1, allowNa: false } as const;
    expect(readRating(five, 1)).toEqual({
      ok: true,
      reading: { applicable: true, normalized: 0, negative: true },
    });
    expect(readRating(five, 3)).toEqual({
      ok: true,
      reading: { applicable: true, normalized: 0.5, negative: false },
    });
    expect(readRating({ ...five, negativeBelow: 4 }, 3)).toMatchObject({ reading: { negative: true } });
    expect(readRating(five, 2.5).ok).toBe(false);
    expect(readRating(five, 6).ok).toBe(false);
    expect(readRating(five, 'na').ok).toBe(false);
    const labels: RatingScale = {
      type: 'labels',
      allowNa: true,
      options: [
        { value: 'great', score: 1 },
        { value: 'meh', score: 0.6, negative: true },
        { value: 'poor', score: 0 },
      ],
    };
    expect(readRating(labels, 'meh')).toEqual({
      ok: true,
      reading: { applicable: true, normalized: 0.6, negative: true },
    });
    expect(readRating(labels, 'na')).toMatchObject({ ok: true, reading: { applicable: false } });
    expect(readRating(labels, 'other').ok).toBe(false);
    expect(readRating({ type: 'yes_no', allowNa: false }, 'na').ok).toBe(false);
    expect(readRating({ type: 'yes_no', allowNa: true }, 1).ok).toBe(false);
  });
});

describe('scoreReview', () => {
  it('computes the weighted score with per-criterion results and evidence', () => {
    const evidence = [
      { messageIndex: 3, speaker: 'agent', start: 0, end: 5, text: 'Hello', phrase: 'hello' },
    ];
    const r = scoreReview(card, {
      greeting: { value: 'yes', evidence },
      accuracy: { value: 2, rootCauses: ['knowledge_gap'], comment: 'wrong plan' },
      verification: { value: 'yes' },
    });
    // (1·1 + 3·0.25 + 1·1) / 5 = 55 %
    expect(r.score).toBeCloseTo(55, 12);
    expect(r).toMatchObject({
      rawScore: 55,
      earned: 2.75,
      possible: 5,
      passed: false,
      criticalFailure: false,
      complete: true,
      rootCauses: ['knowledge_gap'],
    });
    expect(r.criteria[0]).toMatchObject({ criterionId: 'greeting', earned: 1, possible: 1, evidence });
    expect(r.criteria[1]).toMatchObject({
      criterionId: 'accuracy',
      normalized: 0.25,
      negative: true,
      rootCauses: ['knowledge_gap'],
      comment: 'wrong plan',
    });
    expect(r.criteria[2]).toMatchObject({ section: 'Compliance', critical: true, negative: false });
  });

  it('removes N/A criteria from numerator and denominator; all N/A gives a null score', () => {
    const r = scoreReview(card, {
      greeting: { value: 'na' },
      accuracy: { value: 5 },
      verification: { value: 'na' },
    });
    expect(r).toMatchObject({ score: 100, possible: 3, passed: true });
    expect(r.criteria[0]).toMatchObject({ applicable: false, normalized: null, earned: 0, possible: 0 });
    const onlyNa = defineScorecard({ id: 'n', name: 'N', criteria: [{ id: 'a', label: 'A' }] });
    expect(scoreReview(onlyNa, { a: { value: 'na' } })).toMatchObject({
      score: null,
      rawScore: null,
      passed: null,
    });
  });

  it('a negative critical criterion fails the review (zero, or fail keeping the score)', () => {
    const ratings = { greeting: { value: 'yes' }, accuracy: { value: 5 }, verification: { value: 'no' } };
    const zero = scoreReview(card, ratings);
    expect(zero).toMatchObject({
      score: 0,
      rawScore: 80,
      passed: false,
      criticalFailure: true,
      failedCritical: ['verification'],
    });
    const keep = scoreReview(
      defineScorecard({ ...cardInput, criticalFailure: 'fail', passScore: 50 }),
      ratings,
    );
    expect(keep).toMatchObject({ score: 80, passed: false, criticalFailure: true });
    // A critical criterion rated N/A does not fail the review.
    expect(scoreReview(card, { ...ratings, verification: { value: 'na' } }).criticalFailure).toBe(false);
  });

  it('excludes criteria on request and supports partial reviews', () => {
    const r = scoreReview(
      card,
      { greeting: { value: 'yes' }, verification: { value: 'no' } },
      { exclude: ['verification'], allowPartial: true },
    );
    expect(r).toMatchObject({ score: 100, complete: false, criticalFailure: false });
    expect(r.criteria[1]).toMatchObject({ value: null, applicable: false });
    expect(r.criteria[2]).toMatchObject({ excluded: true, applicable: false, negative: false });
  });

  it('rejects bad ratings naming every bad field', () => {
    const e = thrown(() =>
      scoreReview(card, {
        greeting: { value: 'maybe' },
        accuracy: { value: 1 },
        colour: { value: 'yes' },
      }),
    );
    expect(e.code).toBe('VALIDATION');
    expect(e.issues!.map((i) => i.path.join('.'))).toEqual([
      'ratings.colour',
      'ratings.greeting.value',
      'ratings.accuracy.rootCauses',
      'ratings.verification',
    ]);
    const e2 = thrown(() =>
      scoreReview(card, {
        greeting: { value: 'yes' },
        accuracy: { value: 5, rootCauses: ['process'] },
        verification: { value: 'yes' },
      }),
    );
    expect(e2.path).toEqual(['ratings', 'accuracy', 'rootCauses']);
    const e3 = thrown(() =>
      scoreReview(card, {
        greeting: { value: 'yes' },
        accuracy: { value: 1, rootCauses: ['weather'] },
        verification: { value: 'yes' },
      }),
    );
    expect(e3.path).toEqual(['ratings', 'accuracy', 'rootCauses', 0]);
    expect(thrown(() => scoreReview(card, { greeting: { value: 'yes', extra: 1 } as never })).path).toEqual([
      'ratings',
      'greeting',
    ]);
    expect(thrown(() => scoreReview(card, { greeting: { value: true } as never })).path).toEqual([
      'ratings',
      'greeting',
      'value',
    ]);
    expect(thrown(() => scoreReview(card, {}, { exclude: ['nope'], allowPartial: true })).path).toEqual([
      'exclude',
      'nope',
    ]);
  });

  it('property: the score stays within [0, 100] and critical failures never pass', () => {
    const criterion = fc.record({
      weight: fc.double({ min: 0.001, max: 1000, noNaN: true }),
      critical: fc.boolean(),
      kind: fc.constantFrom('yes_no', 'numeric', 'labels'),
    });
    fc.assert(
      fc.property(fc.array(criterion, { minLength: 1, maxLength: 8 }), fc.integer(), (specs, seed) => {
        const sc = defineScorecard({
          id: 'p',
          name: 'P',
          criteria: specs.map((s, i) => ({
            id: `c${i}`,
            label: `C${i}`,
            weight: s.weight,
            critical: s.critical,
            scale:
              s.kind === 'yes_no'
                ? { type: 'yes_no' }
                : s.kind === 'numeric'
                  ? { type: 'numeric', min: 0, max: 10, allowNa: true }
                  : {
                      type: 'labels',
                      allowNa: true,
                      options: [
                        { value: 'hi', score: 1 },
                        { value: 'mid', score: 0.5 },
                        { value: 'lo', score: 0 },
                      ],
                    },
          })),
        });
        let x = seed >>> 0;
        const pick = <T>(xs: readonly T[]): T => {
          x = (Math.imul(x, 1103515245) + 12345) >>> 0;
          return xs[x % xs.length]!;
        };
        const ratings = Object.fromEntries(
          specs.map((s, i) => [
            `c${i}`,
            {
              value:
                s.kind === 'yes_no'
                  ? pick(['yes', 'no', 'na'])
                  : s.kind === 'numeric'
                    ? pick([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 'na'])
                    : pick(['hi', 'mid', 'lo', 'na']),
            },
          ]),
        );
        const r = scoreReview(sc, ratings);
        if (r.score !== null) {
          expect(r.score).toBeGreaterThanOrEqual(0);
          expect(r.score).toBeLessThanOrEqual(100);
        }
        if (r.criticalFailure) {
          expect(r.passed).toBe(false);
          expect(r.score).toBe(0);
        }
        expect(r.failedCritical.length > 0).toBe(r.criticalFailure);
      }),
    );
  });
});

describe('createReview', () => {
  const clock = new ManualClock(5_000);
  const ids = { next: (p = 'id') => `${p}-7` };

  it('stamps id and time, and starts the score history', () => {
    const review = createReview(
      card,
      {
        caseId: 'case-1',
        agentId: 'agent-7',
        reviewerId: 'qa-1',
        ratings: { greeting: { value: 'yes' }, accuracy: { value: 4 }, verification: { value: 'yes' } },
      },
      { clock, ids },
    );
    expect(review).toMatchObject({
      id: 'review-7',
      tenantId: 'default',
      status: 'completed',
      createdAt: 5_000,
      updatedAt: 5_000,
      scorecardId: 'support',
      scorecardVersion: 1,
      excluded: [],
      disputes: [],
    });
    expect(review.result.score).toBeCloseTo(85, 12);
    expect(review.history).toEqual([
      {
        at: 5_000,
        by: 'qa-1',
        reason: 'created',
        score: review.result.score,
        passed: true,
        criticalFailure: false,
      },
    ]);
  });

  it('refuses self-review and bad input', () => {
    const base = {
      caseId: 'case-1',
      agentId: 'agent-7',
      reviewerId: 'agent-7',
      ratings: { greeting: { value: 'yes' }, accuracy: { value: 4 }, verification: { value: 'yes' } },
    };
    const e = thrown(() => createReview(card, base, { clock, ids }));
    expect(e).toMatchObject({ code: 'FORBIDDEN', path: ['reviewerId'] });
    expect(
      thrown(() => createReview(card, { ...base, reviewerId: 'qa', caseId: '' }, { clock, ids })).path,
    ).toEqual(['caseId']);
    expect(thrown(() => createReview(card, { ...base, reviewerId: 'qa' }, {} as never)).path).toEqual([
      'clock',
    ]);
  });
});

describe('suggestRatings', () => {
  it('maps rubric results to best/worst ratings with evidence, reporting unknown criteria', () => {
    const evidence = [{ messageIndex: 0, text: 'hi' }];
    const { ratings, unmatched } = suggestRatings(card, [
      { criterionId: 'greeting', met: true, evidence, comment: 'greeted' },
      { criterionId: 'accuracy', met: false },
      { criterionId: 'empathy', met: true },
    ]);
    expect(ratings).toEqual({
      greeting: { value: 'yes', evidence, comment: 'greeted' },
      accuracy: { value: 1 },
    });
    expect(unmatched).toEqual(['empathy']);
    const labelled = defineScorecard({
      id: 'l',
      name: 'L',
      criteria: [
        {
          id: 'tone',
          label: 'Tone',
          scale: {
            type: 'labels',
            options: [
              { value: 'ok', score: 0.5 },
              { value: 'great', score: 1 },
              { value: 'poor', score: 0 },
            ],
          },
        },
      ],
    });
    expect(suggestRatings(labelled, [{ criterionId: 'tone', met: true }]).ratings.tone?.value).toBe('great');
    expect(suggestRatings(labelled, [{ criterionId: 'tone', met: false }]).ratings.tone?.value).toBe('poor');
    expect(thrown(() => suggestRatings(card, [{ criterionId: 'x' } as never])).path).toEqual([0]);
    expect(
      isThreadlineError(thrown(() => suggestRatings(card, [null as never])) as never, 'VALIDATION'),
    ).toBe(true);
  });

  it('takes evidence typed as an interface (like insights QaEvidence) without casts', () => {
    // An interface has no index signature, so it is not a Record<string, unknown>: the signal's
    // evidence type must still accept it (this test is checked by `pnpm typecheck`).
    interface SpanEvidence {
      readonly messageIndex: number;
      readonly text: string;
    }
    const spans: readonly SpanEvidence[] = [{ messageIndex: 2, text: 'refund' }];
    const { ratings } = suggestRatings(card, [{ criterionId: 'greeting', met: true, evidence: spans }]);
    expect(ratings.greeting?.evidence).toEqual([{ messageIndex: 2, text: 'refund' }]);
  });
});
