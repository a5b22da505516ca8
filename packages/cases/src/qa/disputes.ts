import { parseInput, ThreadlineError, validationError } from '@threadline/core';
import { z } from 'zod';
import {
  contextOf,
  type Dispute,
  type QaContext,
  RatingsSchema,
  type Review,
  type ReviewScore,
  type ScoreChangeReason,
  scoreReview,
} from './review.js';
import { ensureScorecard, type Scorecard, type ScorecardInput } from './scorecard.js';

const OpenDisputeSchema = z
  .object({
    by: z.string().min(1),
    reason: z.string().min(1),
    /** Disputed criteria; omit or leave empty to dispute the whole review. */
    criteria: z.array(z.string().min(1)).default([]),
  })
  .strict();

const DisputePolicySchema = z
  .object({
    /** How many disputes one review may receive in total. Default 1. */
    maxDisputes: z.number().int().positive().default(1),
    /** Disputes must be opened within this many ms of the review's creation. Default: no limit. */
    windowMs: z.number().finite().positive().optional(),
  })
  .strict();

const ResolveDisputeSchema = z
  .object({
    by: z.string().min(1),
    outcome: z.enum(['upheld', 'overturned', 'adjusted']),
    note: z.string().optional(),
    /** New ratings (outcome `adjusted` only), merged over the review's ratings. */
    ratings: RatingsSchema.optional(),
  })
  .strict();

/** Input of {@link openDispute}. */
export type OpenDisputeInput = z.input<typeof OpenDisputeSchema>;
/** Dispute rules for {@link openDispute}. */
export type DisputePolicy = z.input<typeof DisputePolicySchema>;
/** Input of {@link resolveDispute}. */
export type ResolveDisputeInput = z.input<typeof ResolveDisputeSchema>;

function assertReview(review: Review): void {
  if (
    typeof review !== 'object' ||
    review === null ||
    typeof review.id !== 'string' ||
    typeof review.agentId !== 'string' ||
    !Array.isArray(review.disputes) ||
    !Array.isArray(review.history)
  ) {
    throw validationError('review', [
      { path: [], message: 'expected a review record made by createReview', code: 'invalid_type' },
    ]);
  }
}

function openDisputeOf(review: Review): Dispute | undefined {
  return review.disputes.find((d) => d.status === 'open');
}

/**
 * The reviewed agent disputes a review (or some of its criteria). Returns the updated review with
 * status `disputed`; the input is not modified. Only the reviewed agent may dispute (`FORBIDDEN`);
 * a voided review, a review with an open dispute, one past `maxDisputes` or outside `windowMs` is a
 * `CONFLICT`.
 *
 * @example
 * ```ts
 * const disputed = openDispute(review, { by: 'agent-7', reason: 'The customer was verified by phone',
 *   criteria: ['verification'] }, { clock, ids });
 * ```
 */
export function openDispute(
  review: Review,
  input: OpenDisputeInput,
  ctx: QaContext,
  policy: DisputePolicy = {},
): Review {
  assertReview(review);
  const { clock, ids } = contextOf(ctx);
  const data = parseInput(OpenDisputeSchema, input, 'dispute');
  const rules = parseInput(DisputePolicySchema, policy, 'dispute policy', 'CONFIG');
  if (data.by !== review.agentId) {
    throw new ThreadlineError('FORBIDDEN', 'Only the reviewed agent can dispute a review', {
      issues: [
        { path: ['by'], message: `"${data.by}" is not the reviewed agent`, code: 'not_reviewed_agent' },
      ],
      details: { reviewId: review.id },
    });
  }
  const known = new Set(review.result.criteria.map((c) => c.criterionId));
  const issues = data.criteria.flatMap((id, i) =>
    known.has(id)
      ? []
      : [{ path: ['criteria', i], message: `unknown criterion "${id}"`, code: 'unknown_criterion' }],
  );
  if (issues.length > 0) throw validationError('dispute', issues);
  if (review.status === 'voided') {
    throw new ThreadlineError('CONFLICT', 'A voided review cannot be disputed', {
      details: { reviewId: review.id },
    });
  }
  if (openDisputeOf(review)) {
    throw new ThreadlineError('CONFLICT', 'This review already has an open dispute', {
      details: { reviewId: review.id },
    });
  }
  const counted = review.disputes.filter((d) => d.status !== 'withdrawn').length;
  if (counted >= rules.maxDisputes) {
    throw new ThreadlineError('CONFLICT', `This review has had its ${rules.maxDisputes} allowed dispute(s)`, {
      details: { reviewId: review.id },
    });
  }
  const at = clock.now();
  if (rules.windowMs !== undefined && at - review.createdAt > rules.windowMs) {
    throw new ThreadlineError('CONFLICT', 'The dispute window for this review has closed', {
      details: { reviewId: review.id, closedAt: review.createdAt + rules.windowMs },
    });
  }
  const dispute: Dispute = {
    id: ids.next('dispute'),
    openedAt: at,
    openedBy: data.by,
    reason: data.reason,
    criteria: data.criteria,
    status: 'open',
  };
  return { ...review, status: 'disputed', updatedAt: at, disputes: [...review.disputes, dispute] };
}

/**
 * The agent withdraws their open dispute; the review returns to `completed` and the withdrawn
 * dispute does not count against `maxDisputes`.
 *
 * @example
 * ```ts
 * const back = withdrawDispute(disputed, { by: 'agent-7' }, { clock });
 * ```
 */
export function withdrawDispute(review: Review, input: { by: string }, ctx: QaContext): Review {
  assertReview(review);
  const { clock } = contextOf(ctx);
  const data = parseInput(z.object({ by: z.string().min(1) }).strict(), input, 'dispute withdrawal');
  const open = openDisputeOf(review);
  if (!open)
    throw new ThreadlineError('CONFLICT', 'This review has no open dispute', {
      details: { reviewId: review.id },
    });
  if (data.by !== open.openedBy) {
    throw new ThreadlineError('FORBIDDEN', 'Only the agent who opened the dispute can withdraw it', {
      issues: [{ path: ['by'], message: `"${data.by}" did not open the dispute`, code: 'not_dispute_owner' }],
    });
  }
  const at = clock.now();
  return {
    ...review,
    status: 'completed',
    updatedAt: at,
    disputes: review.disputes.map((d) =>
      d === open ? { ...d, status: 'withdrawn' as const, resolvedAt: at } : d,
    ),
  };
}

/**
 * A reviewer or supervisor resolves the open dispute. Outcomes:
 * - `upheld`: the review stands unchanged;
 * - `overturned`: the disputed findings fall — disputed criteria leave the score (like N/A); a dispute
 *   of the whole review voids it (status `voided`, score `null` in the history);
 * - `adjusted`: `ratings` (required) are merged over the review's ratings and the review is re-scored.
 *
 * Every resolution appends a score-history entry. The reviewed agent cannot resolve their own dispute
 * (`FORBIDDEN`); no open dispute is a `CONFLICT`; bad adjusted ratings are `VALIDATION` errors.
 *
 * @example
 * ```ts
 * const resolved = resolveDispute(card, disputed, { by: 'lead-1', outcome: 'adjusted',
 *   ratings: { verification: { value: 'yes' } }, note: 'Verified by phone' }, { clock });
 * resolved.history.map((h) => h.score); // e.g. [0, 85]
 * ```
 */
export function resolveDispute(
  scorecard: Scorecard | ScorecardInput,
  review: Review,
  input: ResolveDisputeInput,
  ctx: QaContext,
): Review {
  assertReview(review);
  const { clock } = contextOf(ctx);
  const data = parseInput(ResolveDisputeSchema, input, 'dispute resolution');
  if (data.outcome === 'adjusted' && (!data.ratings || Object.keys(data.ratings).length === 0)) {
    throw validationError('dispute resolution', [
      { path: ['ratings'], message: 'an adjusted outcome needs the new ratings', code: 'missing_ratings' },
    ]);
  }
  if (data.outcome !== 'adjusted' && data.ratings !== undefined) {
    throw validationError('dispute resolution', [
      {
        path: ['ratings'],
        message: 'ratings are only taken with outcome "adjusted"',
        code: 'unexpected_ratings',
      },
    ]);
  }
  const open = openDisputeOf(review);
  if (!open)
    throw new ThreadlineError('CONFLICT', 'This review has no open dispute', {
      details: { reviewId: review.id },
    });
  if (data.by === review.agentId) {
    throw new ThreadlineError('FORBIDDEN', 'The reviewed agent cannot resolve their own dispute', {
      issues: [{ path: ['by'], message: 'resolver is the reviewed agent', code: 'self_resolution' }],
    });
  }
  const card = ensureScorecard(scorecard);
  if (card.id !== review.scorecardId || card.version !== review.scorecardVersion) {
    const field = card.id !== review.scorecardId ? 'id' : 'version';
    throw validationError('dispute resolution', [
      {
        path: ['scorecard', field],
        message: `expected scorecard "${review.scorecardId}" version ${review.scorecardVersion} used by the review`,
        code: 'scorecard_mismatch',
      },
    ]);
  }

  let ratings = review.ratings;
  let excluded = review.excluded;
  let status: Review['status'] = 'completed';
  let result: ReviewScore = review.result;
  let historyScore: number | null;
  let historyPassed: boolean | null;
  if (data.outcome === 'adjusted') {
    ratings = { ...review.ratings, ...data.ratings };
    result = scoreReview(card, ratings, { exclude: excluded });
  } else if (data.outcome === 'overturned') {
    if (open.criteria.length === 0) {
      status = 'voided';
    } else {
      excluded = [...new Set([...excluded, ...open.criteria])];
      result = scoreReview(card, ratings, { exclude: excluded });
    }
  }
  if (status === 'voided') {
    historyScore = null;
    historyPassed = null;
  } else {
    historyScore = result.score;
    historyPassed = result.passed;
  }
  const at = clock.now();
  const reason: ScoreChangeReason = `dispute_${data.outcome}`;
  const resolved: Dispute = {
    ...open,
    status: 'resolved',
    resolvedAt: at,
    resolvedBy: data.by,
    outcome: data.outcome,
    ...(data.note === undefined ? {} : { note: data.note }),
    scoreBefore: review.result.score,
    scoreAfter: historyScore,
  };
  return {
    ...review,
    status,
    updatedAt: at,
    ratings,
    excluded,
    result,
    history: [
      ...review.history,
      {
        at,
        by: data.by,
        reason,
        score: historyScore,
        passed: historyPassed,
        criticalFailure: status === 'voided' ? false : result.criticalFailure,
        disputeId: open.id,
      },
    ],
    disputes: review.disputes.map((d) => (d === open ? resolved : d)),
  };
}

/**
 * The score a review currently counts for: `null` for voided reviews, else `result.score`.
 *
 * @example
 * ```ts
 * const scores = reviews.map(effectiveScore).filter((s) => s !== null);
 * ```
 */
export function effectiveScore(review: Review): number | null {
  assertReview(review);
  return review.status === 'voided' ? null : review.result.score;
}
