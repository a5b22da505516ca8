import { createSequentialIds, isThreadlineError, ManualClock } from '@threadline/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  createReview,
  defineScorecard,
  effectiveScore,
  openDispute,
  type Review,
  resolveDispute,
  withdrawDispute,
} from '../src/index.js';

function thrown(fn: () => unknown): { code?: string; path?: unknown } {
  try {
    fn();
  } catch (e) {
    return e as never;
  }
  throw new Error('expected a throw');
}

const card = defineScorecard({
  id: 'support',
  name: 'Support',
  criteria: [
    { id: 'greeting', label: 'Greeting' },
    { id: 'accuracy', label: 'Accuracy', weight: 3, scale: { type: 'numeric', min: 1, max: 5 } },
    { id: 'verification', label: 'Verification', critical: true },
  ],
});

function setup() {
  const clock = new ManualClock(1_000);
  const ctx = { clock, ids: createSequentialIds() };
  const review = createReview(
    card,
    {
      caseId: 'case-1',
      agentId: 'agent-7',
      reviewerId: 'qa-1',
      ratings: { greeting: { value: 'yes' }, accuracy: { value: 4 }, verification: { value: 'no' } },
    },
    ctx,
  );
  return { clock, ctx, review };
}

describe('disputes', () => {
  it('agent disputes, supervisor adjusts: the score is recomputed and the history keeps both scores', () => {
    const { clock, ctx, review } = setup();
    expect(review.result.score).toBe(0); // critical failure
    clock.advance(100);
    const disputed = openDispute(
      review,
      { by: 'agent-7', reason: 'Verified by phone before the chat', criteria: ['verification'] },
      ctx,
    );
    expect(disputed.status).toBe('disputed');
    expect(disputed.disputes[0]).toMatchObject({ id: 'dispute-1', openedAt: 1_100, status: 'open' });
    expect(review.status).toBe('completed'); // input untouched
    clock.advance(100);
    const resolved = resolveDispute(
      card,
      disputed,
      { by: 'lead-1', outcome: 'adjusted', ratings: { verification: { value: 'yes' } }, note: 'Confirmed' },
      ctx,
    );
    // (1 + 3·0.75 + 1) / 5 = 85
    expect(resolved.result.score).toBeCloseTo(85, 12);
    expect(resolved.status).toBe('completed');
    expect(resolved.ratings.verification).toEqual({ value: 'yes' });
    expect(resolved.history.map((h) => [h.reason, h.score, h.by])).toEqual([
      ['created', 0, 'qa-1'],
      ['dispute_adjusted', expect.closeTo(85, 12), 'lead-1'],
    ]);
    expect(resolved.disputes[0]).toMatchObject({
      status: 'resolved',
      outcome: 'adjusted',
      resolvedAt: 1_200,
      resolvedBy: 'lead-1',
      scoreBefore: 0,
      note: 'Confirmed',
    });
    expect(resolved.updatedAt).toBe(1_200);
  });

  it('upheld keeps the score; overturned criteria leave the score; an overturned whole review is voided', () => {
    const { ctx, review } = setup();
    const upheld = resolveDispute(
      card,
      openDispute(review, { by: 'agent-7', reason: 'unfair' }, ctx),
      { by: 'lead-1', outcome: 'upheld' },
      ctx,
    );
    expect(upheld.result).toEqual(review.result);
    expect(upheld.history.at(-1)).toMatchObject({ reason: 'dispute_upheld', score: 0 });

    const partly = resolveDispute(
      card,
      openDispute(review, { by: 'agent-7', reason: 'verified', criteria: ['verification'] }, ctx),
      { by: 'lead-1', outcome: 'overturned' },
      ctx,
    );
    expect(partly.excluded).toEqual(['verification']);
    // (1 + 3·0.75) / 4 = 81.25, no critical failure any more
    expect(partly.result).toMatchObject({ score: 81.25, criticalFailure: false });
    expect(partly.result.criteria[2]).toMatchObject({ excluded: true });
    expect(effectiveScore(partly)).toBe(81.25);

    const voided = resolveDispute(
      card,
      openDispute(review, { by: 'agent-7', reason: 'wrong agent' }, ctx),
      { by: 'lead-1', outcome: 'overturned' },
      ctx,
    );
    expect(voided.status).toBe('voided');
    expect(voided.history.at(-1)).toMatchObject({ reason: 'dispute_overturned', score: null, passed: null });
    expect(effectiveScore(voided)).toBeNull();
    expect(
      thrown(() => openDispute(voided, { by: 'agent-7', reason: 'again' }, ctx, { maxDisputes: 5 })).code,
    ).toBe('CONFLICT');
  });

  it('enforces who may dispute and resolve, one open dispute, maxDisputes and the window', () => {
    const { clock, ctx, review } = setup();
    expect(thrown(() => openDispute(review, { by: 'agent-8', reason: 'x' }, ctx))).toMatchObject({
      code: 'FORBIDDEN',
      path: ['by'],
    });
    const disputed = openDispute(review, { by: 'agent-7', reason: 'x' }, ctx);
    expect(thrown(() => openDispute(disputed, { by: 'agent-7', reason: 'y' }, ctx)).code).toBe('CONFLICT');
    expect(
      thrown(() => resolveDispute(card, disputed, { by: 'agent-7', outcome: 'upheld' }, ctx)),
    ).toMatchObject({
      code: 'FORBIDDEN',
      path: ['by'],
    });
    expect(thrown(() => resolveDispute(card, review, { by: 'lead', outcome: 'upheld' }, ctx)).code).toBe(
      'CONFLICT',
    );
    const resolved = resolveDispute(card, disputed, { by: 'lead', outcome: 'upheld' }, ctx);
    expect(thrown(() => openDispute(resolved, { by: 'agent-7', reason: 'again' }, ctx)).code).toBe(
      'CONFLICT',
    );
    expect(openDispute(resolved, { by: 'agent-7', reason: 'again' }, ctx, { maxDisputes: 2 }).status).toBe(
      'disputed',
    );
    clock.advance(10_000);
    expect(
      thrown(() => openDispute(review, { by: 'agent-7', reason: 'late' }, ctx, { windowMs: 5_000 })).code,
    ).toBe('CONFLICT');
    expect(
      thrown(() => openDispute(review, { by: 'agent-7', reason: 'x' }, ctx, { windowMs: -1 })).code,
    ).toBe('CONFIG');
  });

  it('withdrawal returns the review to completed and does not use up a dispute', () => {
    const { ctx, review } = setup();
    const disputed = openDispute(review, { by: 'agent-7', reason: 'x' }, ctx);
    expect(thrown(() => withdrawDispute(disputed, { by: 'lead' }, ctx)).code).toBe('FORBIDDEN');
    const back = withdrawDispute(disputed, { by: 'agent-7' }, ctx);
    expect(back.status).toBe('completed');
    expect(back.disputes[0]?.status).toBe('withdrawn');
    expect(thrown(() => withdrawDispute(back, { by: 'agent-7' }, ctx)).code).toBe('CONFLICT');
    expect(openDispute(back, { by: 'agent-7', reason: 'for real' }, ctx).status).toBe('disputed');
  });

  it('rejects bad resolutions with paths', () => {
    const { ctx, review } = setup();
    const disputed = openDispute(review, { by: 'agent-7', reason: 'x' }, ctx);
    expect(
      thrown(() => resolveDispute(card, disputed, { by: 'lead', outcome: 'adjusted' }, ctx)).path,
    ).toEqual(['ratings']);
    expect(
      thrown(() =>
        resolveDispute(
          card,
          disputed,
          { by: 'lead', outcome: 'upheld', ratings: { greeting: { value: 'no' } } },
          ctx,
        ),
      ).path,
    ).toEqual(['ratings']);
    expect(
      thrown(() =>
        resolveDispute(
          card,
          disputed,
          { by: 'lead', outcome: 'adjusted', ratings: { accuracy: { value: 9 } } },
          ctx,
        ),
      ).path,
    ).toEqual(['ratings', 'accuracy', 'value']);
    expect(
      thrown(() => resolveDispute(card, disputed, { by: 'lead', outcome: 'maybe' as never }, ctx)).path,
    ).toEqual(['outcome']);
    const other = defineScorecard({ id: 'other', name: 'O', criteria: [{ id: 'x', label: 'X' }] });
    expect(
      thrown(() => resolveDispute(other, disputed, { by: 'lead', outcome: 'upheld' }, ctx)).path,
    ).toEqual(['scorecard', 'id']);
    const v2 = defineScorecard({ ...card, version: 2 });
    expect(thrown(() => resolveDispute(v2, disputed, { by: 'lead', outcome: 'upheld' }, ctx)).path).toEqual([
      'scorecard',
      'version',
    ]);
    expect(
      thrown(() => openDispute(review, { by: 'agent-7', reason: 'x', criteria: ['tone'] }, ctx)).path,
    ).toEqual(['criteria', 0]);
    expect(
      isThreadlineError(
        thrown(() => openDispute({} as Review, { by: 'a', reason: 'x' }, ctx)),
        'VALIDATION',
      ),
    ).toBe(true);
  });

  it('property: any sequence of dispute actions keeps history and disputes consistent', () => {
    type Action = { kind: 'open' | 'withdraw' | 'upheld' | 'overturned' | 'adjusted'; value: number };
    const action = fc.record({
      kind: fc.constantFrom('open', 'withdraw', 'upheld', 'overturned', 'adjusted'),
      value: fc.integer({ min: 1, max: 5 }),
    }) as fc.Arbitrary<Action>;
    fc.assert(
      fc.property(fc.array(action, { maxLength: 12 }), (actions) => {
        const { clock, ctx, review: start } = setup();
        let review = start;
        for (const a of actions) {
          clock.advance(1);
          const before = review;
          try {
            if (a.kind === 'open')
              review = openDispute(review, { by: 'agent-7', reason: 'r' }, ctx, { maxDisputes: 3 });
            else if (a.kind === 'withdraw') review = withdrawDispute(review, { by: 'agent-7' }, ctx);
            else if (a.kind === 'adjusted')
              review = resolveDispute(
                card,
                review,
                { by: 'lead', outcome: 'adjusted', ratings: { accuracy: { value: a.value } } },
                ctx,
              );
            else review = resolveDispute(card, review, { by: 'lead', outcome: a.kind }, ctx);
          } catch (e) {
            // A refused action changes nothing.
            expect(isThreadlineError(e)).toBe(true);
            expect(review).toBe(before);
          }
          const open = review.disputes.filter((d) => d.status === 'open').length;
          expect(open).toBeLessThanOrEqual(1);
          expect(review.status === 'disputed').toBe(open === 1);
          const resolvedCount = review.disputes.filter((d) => d.status === 'resolved').length;
          expect(review.history).toHaveLength(1 + resolvedCount);
          const last = review.history.at(-1)!;
          expect(last.score).toBe(review.status === 'voided' ? null : review.result.score);
          if (review.result.score !== null) {
            expect(review.result.score).toBeGreaterThanOrEqual(0);
            expect(review.result.score).toBeLessThanOrEqual(100);
          }
        }
      }),
    );
  });
});
