// Runs the README's QA example and checks every value its comments state.
import { createSequentialIds, ManualClock } from '@threadline/core';
import { describe, expect, it } from 'vitest';
import {
  assignReviewers,
  closeCalibration,
  createCalibrationSession,
  createReview,
  defineScorecard,
  openDispute,
  resolveDispute,
  sampleCases,
  submitCalibration,
  summarizeCalibration,
} from '../src/index.js';

describe('README QA example', () => {
  it('runs and produces the documented values', () => {
    const clock = new ManualClock(Date.parse('2026-03-02T09:00:00Z'));
    const ctx = { clock, ids: createSequentialIds() };

    // 1. A scorecard: weighted criteria, a critical one, a 1–5 scale with root causes.
    const card = defineScorecard({
      id: 'support-v1',
      name: 'Support conversations',
      passScore: 80,
      criteria: [
        { id: 'greeting', label: 'Greets the customer', weight: 1 },
        {
          id: 'accuracy',
          label: 'Gives the correct answer',
          weight: 3,
          scale: { type: 'numeric', min: 1, max: 5 },
          rootCauses: ['knowledge_gap', 'process', 'tooling'],
        },
        { id: 'verification', label: 'Verifies identity', critical: true },
      ],
    });

    // 2. Sample closed cases: every breach, every low CSAT, plus 5 % at random (seeded).
    const closed = [
      { id: 'c-1', agentId: 'agent-7', breached: true, csat: 4 },
      { id: 'c-2', agentId: 'agent-8', csat: 1 },
      { id: 'c-3', agentId: 'agent-7', reopened: true, csat: 5 },
    ];
    const { sampled } = sampleCases(closed, {
      seed: 2026,
      rules: [{ type: 'breached' }, { type: 'low_csat', max: 2 }, { type: 'random', rate: 0.05 }],
      perAgent: 5,
    });
    expect(sampled.map((s) => `${s.caseId}: ${s.reasons.map((r) => r.detail).join(', ')}`)).toEqual([
      'c-1: SLA breached',
      'c-2: CSAT 1 <= 2',
    ]);

    // 3. Assign reviewers (never the case's own agent).
    const { assignments } = assignReviewers(
      sampled.map((s) => ({ caseId: s.caseId, agentId: s.agentId })),
      [{ id: 'qa-1' }, { id: 'qa-2' }],
      { strategy: 'least_loaded' },
    );
    expect(assignments).toEqual([
      { caseId: 'c-1', agentId: 'agent-7', reviewerId: 'qa-1' },
      { caseId: 'c-2', agentId: 'agent-8', reviewerId: 'qa-2' },
    ]);

    // 4. Review: weighted score, critical failure, root causes, evidence (e.g. from insights' QA signals).
    const review = createReview(
      card,
      {
        caseId: 'c-1',
        agentId: 'agent-7',
        reviewerId: 'qa-1',
        ratings: {
          greeting: { value: 'yes', evidence: [{ messageIndex: 1, start: 0, end: 5, text: 'Hello' }] },
          accuracy: { value: 2, rootCauses: ['knowledge_gap'], comment: 'Quoted the old plan' },
          verification: { value: 'no' },
        },
      },
      ctx,
    );
    expect(review.result.rawScore).toBeCloseTo(35, 12);
    expect(review.result.score).toBe(0);
    expect(review.result.failedCritical).toEqual(['verification']);

    // 5. The agent disputes the verification finding; a lead adjusts it.
    clock.advance(3_600_000);
    const disputed = openDispute(
      review,
      { by: 'agent-7', reason: 'Verified by phone first', criteria: ['verification'] },
      ctx,
    );
    const resolved = resolveDispute(
      card,
      disputed,
      { by: 'lead-1', outcome: 'adjusted', ratings: { verification: { value: 'yes' } } },
      ctx,
    );
    expect(resolved.history.map((h) => `${h.reason}: ${h.score}`)).toEqual([
      'created: 0',
      'dispute_adjusted: 55',
    ]);

    // 6. Calibration: three raters score the same case blind.
    let session = createCalibrationSession(
      { scorecardId: card.id, caseIds: ['c-2'], raterIds: ['qa-1', 'qa-2', 'lead-1'], expertId: 'lead-1' },
      ctx,
    );
    for (const [raterId, accuracy] of [
      ['qa-1', 4],
      ['qa-2', 3],
      ['lead-1', 4],
    ] as const) {
      session = submitCalibration(
        card,
        session,
        {
          raterId,
          caseId: 'c-2',
          ratings: {
            greeting: { value: 'yes' },
            accuracy: { value: accuracy },
            verification: { value: 'yes' },
          },
        },
        ctx,
      );
    }
    session = closeCalibration(session, ctx);
    const summary = summarizeCalibration(card, session);
    expect(summary.overall).toMatchObject({ method: 'fleiss', kappa: expect.closeTo(0.55, 12), items: 3 });
    expect(summary.overall.percentAgreement).toBeCloseTo(2 / 3, 12);
    expect(summary.scores[0]?.byRater).toEqual({ 'qa-1': 85, 'qa-2': 70, 'lead-1': 85 });
  });
});
