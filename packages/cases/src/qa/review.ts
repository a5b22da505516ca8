import {
  type Clock,
  createIdGenerator,
  type IdGenerator,
  issuesFromZod,
  parseInput,
  ThreadlineError,
  type ValidationIssue,
  validationError,
} from '@threadline/core';
import { z } from 'zod';
import { ensureScorecard, readRating, type Scorecard, type ScorecardInput } from './scorecard.js';

/**
 * A piece of evidence attached to a criterion rating: any plain JSON object, e.g. the spans the
 * insights package's QA signals produce (`{ messageIndex, speaker, start, end, text, phrase }`).
 */
export const EvidenceSchema = z.record(z.string(), z.unknown());

/** A piece of evidence attached to a rating (see {@link EvidenceSchema}). */
export type Evidence = Readonly<Record<string, unknown>>;

/** One criterion's rating as a reviewer enters it. */
export const CriterionRatingSchema = z
  .object({
    value: z.union([z.string().min(1), z.number()]),
    /** Root causes (from the criterion's list) behind a negative rating. */
    rootCauses: z.array(z.string().min(1)).optional(),
    comment: z.string().optional(),
    evidence: z.array(EvidenceSchema).optional(),
  })
  .strict();

/** Ratings keyed by criterion id. */
export const RatingsSchema = z.record(z.string(), CriterionRatingSchema);

/** One criterion's rating as a reviewer enters it. */
export type CriterionRating = z.output<typeof CriterionRatingSchema>;
/** Ratings keyed by criterion id. */
export type Ratings = Readonly<Record<string, CriterionRating>>;

/** Options for {@link scoreReview}. */
export interface ScoreReviewOptions {
  /**
   * Criteria removed from scoring whatever their rating (e.g. findings overturned in a dispute). They
   * are reported with `excluded: true` and count like "not applicable".
   */
  readonly exclude?: readonly string[];
  /** Allow criteria without a rating (they count like "not applicable" and `complete` is false). */
  readonly allowPartial?: boolean;
}

/** The scored outcome of one criterion. */
export interface CriterionResult {
  readonly criterionId: string;
  readonly label: string;
  readonly section?: string;
  readonly weight: number;
  readonly critical: boolean;
  /** The rating given, or `null` when the criterion was not rated (partial reviews only). */
  readonly value: string | number | null;
  /** False for "not applicable", unrated and excluded criteria: they leave the score. */
  readonly applicable: boolean;
  /** True when removed from scoring by {@link ScoreReviewOptions.exclude}. */
  readonly excluded: boolean;
  /** Rating score between 0 and 1, or `null` when not applicable. */
  readonly normalized: number | null;
  readonly negative: boolean;
  /** Points earned: `weight × normalized` (0 when not applicable). */
  readonly earned: number;
  /** Points possible: `weight` when applicable, else 0. */
  readonly possible: number;
  readonly rootCauses: readonly string[];
  readonly comment?: string;
  readonly evidence: readonly Evidence[];
}

/** The score of a review against a scorecard. */
export interface ReviewScore {
  readonly scorecardId: string;
  readonly scorecardVersion: number;
  /**
   * Final score from 0 to 100: `100 × Σ earned / Σ possible` over applicable criteria, set to 0 when a
   * critical criterion failed and the scorecard's `criticalFailure` is `'zero'`. `null` when no
   * criterion is applicable.
   */
  readonly score: number | null;
  /** The weighted score before any critical failure is applied. */
  readonly rawScore: number | null;
  readonly earned: number;
  readonly possible: number;
  /** `score >= passScore` and no critical failure; `null` when the score is `null`. */
  readonly passed: boolean | null;
  readonly criticalFailure: boolean;
  /** Ids of the critical criteria rated negatively. */
  readonly failedCritical: readonly string[];
  /** Every criterion rated (or explicitly allowed to be missing). */
  readonly complete: boolean;
  readonly criteria: readonly CriterionResult[];
  /** Distinct root causes named on negative ratings, in criterion order. */
  readonly rootCauses: readonly string[];
}

/**
 * Scores ratings against a scorecard: weighted score, critical failure, N/A handling and
 * per-criterion results. Pure; throws `ThreadlineError` `VALIDATION` naming every bad rating
 * (`['ratings', criterionId, 'value']`, unknown or missing criteria, root causes on positive ratings,
 * missing required root causes).
 *
 * @example
 * ```ts
 * const result = scoreReview(card, {
 *   greeting: { value: 'yes' },
 *   accuracy: { value: 2, rootCauses: ['knowledge_gap'], evidence: [{ messageIndex: 3, text: '…' }] },
 *   verification: { value: 'na' },
 * });
 * result.score; // 100 × (1 + 3 × 0.25) / 4 = 43.75
 * ```
 */
export function scoreReview(
  scorecard: Scorecard | ScorecardInput,
  ratings: Ratings,
  options: ScoreReviewOptions = {},
): ReviewScore {
  const card = ensureScorecard(scorecard);
  const parsedRatings = RatingsSchema.safeParse(ratings);
  if (!parsedRatings.success) {
    throw validationError('review ratings', issuesFromZod(parsedRatings.error.issues, ['ratings']));
  }
  const parsed = parsedRatings.data;
  const exclude = new Set(options.exclude ?? []);
  const issues: ValidationIssue[] = [];
  const known = new Set(card.criteria.map((c) => c.id));
  for (const key of Object.keys(parsed)) {
    if (!known.has(key)) {
      issues.push({
        path: ['ratings', key],
        message: `unknown criterion "${key}"`,
        code: 'unknown_criterion',
      });
    }
  }
  for (const id of exclude) {
    if (!known.has(id)) {
      issues.push({ path: ['exclude', id], message: `unknown criterion "${id}"`, code: 'unknown_criterion' });
    }
  }

  const results: CriterionResult[] = [];
  const failedCritical: string[] = [];
  const rootCauses: string[] = [];
  let earned = 0;
  let possible = 0;
  let complete = true;
  for (const c of card.criteria) {
    const rating = parsed[c.id];
    const base = {
      criterionId: c.id,
      label: c.label,
      weight: c.weight,
      critical: c.critical,
      ...(c.section === undefined ? {} : { section: c.section }),
      ...(rating?.comment === undefined ? {} : { comment: rating.comment }),
      evidence: rating?.evidence ?? [],
    };
    if (!rating) {
      complete = false;
      if (!options.allowPartial && !exclude.has(c.id)) {
        issues.push({ path: ['ratings', c.id], message: 'missing rating', code: 'missing_rating' });
      }
      results.push({
        ...base,
        value: null,
        applicable: false,
        excluded: exclude.has(c.id),
        normalized: null,
        negative: false,
        earned: 0,
        possible: 0,
        rootCauses: [],
      });
      continue;
    }
    const read = readRating(c.scale, rating.value);
    if (!read.ok) {
      issues.push({ path: ['ratings', c.id, 'value'], message: read.message, code: 'invalid_rating' });
      continue;
    }
    const { reading } = read;
    const causes = rating.rootCauses ?? [];
    if (causes.length > 0 && !reading.negative) {
      issues.push({
        path: ['ratings', c.id, 'rootCauses'],
        message: 'root causes belong on negative ratings only',
        code: 'root_cause_on_positive',
      });
    }
    const allowed = new Set(c.rootCauses);
    causes.forEach((rc, j) => {
      if (!allowed.has(rc)) {
        issues.push({
          path: ['ratings', c.id, 'rootCauses', j],
          message: `unknown root cause "${rc}" (allowed: ${c.rootCauses.join(', ') || 'none'})`,
          code: 'unknown_root_cause',
        });
      }
    });
    const requireCause = c.requireRootCause ?? c.rootCauses.length > 0;
    if (reading.negative && requireCause && causes.length === 0 && !exclude.has(c.id)) {
      issues.push({
        path: ['ratings', c.id, 'rootCauses'],
        message: 'a negative rating needs a root cause',
        code: 'missing_root_cause',
      });
    }
    const excluded = exclude.has(c.id);
    const applicable = reading.applicable && !excluded;
    const normalized = applicable ? reading.normalized : null;
    const negative = applicable && reading.negative;
    const cEarned = applicable ? c.weight * (reading.normalized ?? 0) : 0;
    const cPossible = applicable ? c.weight : 0;
    earned += cEarned;
    possible += cPossible;
    if (negative && c.critical) failedCritical.push(c.id);
    if (negative) for (const rc of causes) if (!rootCauses.includes(rc)) rootCauses.push(rc);
    results.push({
      ...base,
      value: rating.value,
      applicable,
      excluded,
      normalized,
      negative,
      earned: cEarned,
      possible: cPossible,
      rootCauses: negative ? [...causes] : [],
    });
  }
  if (issues.length > 0) throw validationError('review ratings', issues);

  // Clamp guards against floating-point drift (e.g. 100.00000000000001) in the weighted sum.
  const rawScore = possible > 0 ? Math.min(100, Math.max(0, (100 * earned) / possible)) : null;
  const criticalFailure = failedCritical.length > 0;
  const score = rawScore === null ? null : criticalFailure && card.criticalFailure === 'zero' ? 0 : rawScore;
  const passed = score === null ? null : !criticalFailure && score >= card.passScore;
  return {
    scorecardId: card.id,
    scorecardVersion: card.version,
    score,
    rawScore,
    earned,
    possible,
    passed,
    criticalFailure,
    failedCritical,
    complete,
    criteria: results,
    rootCauses,
  };
}

/** Why a review's score changed. */
export type ScoreChangeReason = 'created' | 'dispute_upheld' | 'dispute_overturned' | 'dispute_adjusted';

/** One entry of a review's score history. */
export interface ScoreHistoryEntry {
  readonly at: number;
  /** Who caused the change (the reviewer on creation, the resolver on a dispute). */
  readonly by: string;
  readonly reason: ScoreChangeReason;
  readonly score: number | null;
  readonly passed: boolean | null;
  readonly criticalFailure: boolean;
  readonly disputeId?: string;
}

/** Lifecycle of a review: `completed`, `disputed` while a dispute is open, `voided` when overturned. */
export type ReviewStatus = 'completed' | 'disputed' | 'voided';

/** A dispute outcome: the review stands, its findings fall, or its ratings are changed. */
export type DisputeOutcome = 'upheld' | 'overturned' | 'adjusted';

/** An agent's dispute of a review (see `openDispute`). */
export interface Dispute {
  readonly id: string;
  readonly openedAt: number;
  readonly openedBy: string;
  readonly reason: string;
  /** Disputed criteria; empty means the whole review. */
  readonly criteria: readonly string[];
  readonly status: 'open' | 'resolved' | 'withdrawn';
  readonly resolvedAt?: number;
  readonly resolvedBy?: string;
  readonly outcome?: DisputeOutcome;
  readonly note?: string;
  /** Score before and after the resolution. */
  readonly scoreBefore?: number | null;
  readonly scoreAfter?: number | null;
}

/** A stored QA review of one case: ratings, the current score, its history and disputes. Plain JSON. */
export interface Review {
  readonly id: string;
  readonly tenantId: string;
  readonly caseId: string;
  /** The agent whose work is reviewed. */
  readonly agentId: string;
  readonly reviewerId: string;
  readonly scorecardId: string;
  readonly scorecardVersion: number;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly status: ReviewStatus;
  readonly ratings: Ratings;
  /** Criteria whose findings were overturned in a dispute (they leave the score). */
  readonly excluded: readonly string[];
  readonly result: ReviewScore;
  readonly history: readonly ScoreHistoryEntry[];
  readonly disputes: readonly Dispute[];
}

/** Injected effects for functions that stamp times or ids. */
export interface QaContext {
  readonly clock: Clock;
  /** Id generator; defaults to time-ordered ids from `clock`. */
  readonly ids?: IdGenerator;
}

const ReviewInputSchema = z
  .object({
    id: z.string().min(1).optional(),
    tenantId: z.string().min(1).default('default'),
    caseId: z.string().min(1),
    agentId: z.string().min(1),
    reviewerId: z.string().min(1),
    ratings: RatingsSchema,
  })
  .strict();

/** Input of {@link createReview}. */
export type ReviewInput = z.input<typeof ReviewInputSchema>;

/** @internal Validates a {@link QaContext}. */
export function contextOf(ctx: QaContext): { clock: Clock; ids: IdGenerator } {
  if (typeof ctx?.clock?.now !== 'function') {
    throw validationError('QA context', [
      { path: ['clock'], message: 'expected a Clock with now()', code: 'invalid_type' },
    ]);
  }
  return { clock: ctx.clock, ids: ctx.ids ?? createIdGenerator({ clock: ctx.clock }) };
}

/**
 * Creates a review record: scores the ratings, stamps `createdAt` from the clock and an id from the
 * generator, and starts the score history. A reviewer cannot review their own work (`FORBIDDEN`).
 *
 * @example
 * ```ts
 * const review = createReview(card, {
 *   caseId: 'case-1', agentId: 'agent-7', reviewerId: 'qa-1',
 *   ratings: { greeting: { value: 'yes' }, accuracy: { value: 4 }, verification: { value: 'yes' } },
 * }, { clock, ids });
 * review.result.score; // (1 + 3 × 0.75 + 1) / 5 → 85
 * ```
 */
export function createReview(
  scorecard: Scorecard | ScorecardInput,
  input: ReviewInput,
  ctx: QaContext,
): Review {
  const card = ensureScorecard(scorecard);
  const { clock, ids } = contextOf(ctx);
  const data = parseInput(ReviewInputSchema, input, 'review');
  if (data.reviewerId === data.agentId) {
    throw new ThreadlineError('FORBIDDEN', 'A reviewer cannot review their own work', {
      issues: [{ path: ['reviewerId'], message: 'reviewer is the reviewed agent', code: 'self_review' }],
    });
  }
  const result = scoreReview(card, data.ratings);
  const at = clock.now();
  return {
    id: data.id ?? ids.next('review'),
    tenantId: data.tenantId,
    caseId: data.caseId,
    agentId: data.agentId,
    reviewerId: data.reviewerId,
    scorecardId: card.id,
    scorecardVersion: card.version,
    createdAt: at,
    updatedAt: at,
    status: 'completed',
    ratings: data.ratings,
    excluded: [],
    result,
    history: [
      {
        at,
        by: data.reviewerId,
        reason: 'created',
        score: result.score,
        passed: result.passed,
        criticalFailure: result.criticalFailure,
      },
    ],
    disputes: [],
  };
}

/** One criterion outcome from an automated rubric (e.g. the insights package's `QaCriterionResult`). */
export interface RubricSignal {
  readonly criterionId: string;
  readonly met: boolean;
  /** Plain objects (typed interfaces such as insights' `QaEvidence` fit as they are). */
  readonly evidence?: readonly object[];
  readonly comment?: string;
}

/**
 * Turns automated rubric results into suggested ratings a reviewer can confirm: a met criterion gets
 * the scale's best rating (`'yes'`, `max`, the highest-scoring option), an unmet one the worst, with
 * the rubric's evidence and comment attached. Signals for criteria the scorecard lacks are returned in
 * `unmatched` rather than dropped silently.
 *
 * @example
 * ```ts
 * const { ratings, unmatched } = suggestRatings(card, rubric.criteria);
 * ```
 */
export function suggestRatings(
  scorecard: Scorecard | ScorecardInput,
  signals: readonly RubricSignal[],
): { ratings: Record<string, CriterionRating>; unmatched: string[] } {
  const card = ensureScorecard(scorecard);
  const byId = new Map(card.criteria.map((c) => [c.id, c]));
  const ratings: Record<string, CriterionRating> = {};
  const unmatched: string[] = [];
  signals.forEach((s, i) => {
    if (typeof s?.criterionId !== 'string' || typeof s.met !== 'boolean') {
      throw validationError('rubric signals', [
        { path: [i], message: 'expected { criterionId: string, met: boolean }', code: 'invalid_type' },
      ]);
    }
    const c = byId.get(s.criterionId);
    if (!c) {
      unmatched.push(s.criterionId);
      return;
    }
    const scale = c.scale;
    let value: string | number;
    if (scale.type === 'yes_no') value = s.met ? 'yes' : 'no';
    else if (scale.type === 'numeric') value = s.met ? scale.max : scale.min;
    else {
      const sorted = [...scale.options].sort((a, b) => a.score - b.score);
      value = (s.met ? sorted[sorted.length - 1] : sorted[0])!.value;
    }
    ratings[c.id] = {
      value,
      ...(s.comment === undefined ? {} : { comment: s.comment }),
      ...(s.evidence === undefined ? {} : { evidence: [...s.evidence] as Evidence[] }),
    };
  });
  return { ratings, unmatched };
}
