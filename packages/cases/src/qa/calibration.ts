import { parseInput, ThreadlineError, type ValidationIssue, validationError } from '@threadline/core';
import { z } from 'zod';
import { type Category, cohensKappa, fleissKappa, percentAgreement } from './agreement.js';
import { contextOf, type QaContext, type Ratings, RatingsSchema, scoreReview } from './review.js';
import { ensureScorecard, type Scorecard, type ScorecardInput } from './scorecard.js';

const SessionInputSchema = z
  .object({
    id: z.string().min(1).optional(),
    tenantId: z.string().min(1).default('default'),
    scorecardId: z.string().min(1),
    caseIds: z.array(z.string().min(1)).min(1),
    raterIds: z.array(z.string().min(1)).min(2),
    /** A rater whose ratings are the benchmark the others are compared with. */
    expertId: z.string().min(1).optional(),
  })
  .strict()
  .superRefine((s, ctx) => {
    if (new Set(s.caseIds).size !== s.caseIds.length) {
      ctx.addIssue({ code: 'custom', path: ['caseIds'], message: 'case ids must be distinct' });
    }
    if (new Set(s.raterIds).size !== s.raterIds.length) {
      ctx.addIssue({ code: 'custom', path: ['raterIds'], message: 'rater ids must be distinct' });
    }
    if (s.expertId !== undefined && !s.raterIds.includes(s.expertId)) {
      ctx.addIssue({ code: 'custom', path: ['expertId'], message: 'the expert must be one of the raters' });
    }
  });

/** Input of {@link createCalibrationSession}. */
export type CalibrationSessionInput = z.input<typeof SessionInputSchema>;

/** A calibration session: several raters score the same cases blind, then agreement is measured. */
export interface CalibrationSession {
  readonly id: string;
  readonly tenantId: string;
  readonly scorecardId: string;
  readonly caseIds: readonly string[];
  readonly raterIds: readonly string[];
  readonly expertId?: string;
  readonly status: 'open' | 'closed';
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly closedAt?: number;
  /** Ratings by case id, then rater id. */
  readonly submissions: Readonly<Record<string, Readonly<Record<string, Ratings>>>>;
}

/**
 * Opens a calibration session over some cases for some raters (at least two).
 *
 * @example
 * ```ts
 * let session = createCalibrationSession(
 *   { scorecardId: card.id, caseIds: ['c-1', 'c-2'], raterIds: ['qa-1', 'qa-2', 'lead-1'], expertId: 'lead-1' },
 *   { clock, ids },
 * );
 * ```
 */
export function createCalibrationSession(input: CalibrationSessionInput, ctx: QaContext): CalibrationSession {
  const { clock, ids } = contextOf(ctx);
  const data = parseInput(SessionInputSchema, input, 'calibration session');
  const at = clock.now();
  return {
    id: data.id ?? ids.next('calibration'),
    tenantId: data.tenantId,
    scorecardId: data.scorecardId,
    caseIds: data.caseIds,
    raterIds: data.raterIds,
    ...(data.expertId === undefined ? {} : { expertId: data.expertId }),
    status: 'open',
    createdAt: at,
    updatedAt: at,
    submissions: {},
  };
}

const SubmissionSchema = z
  .object({ raterId: z.string().min(1), caseId: z.string().min(1), ratings: RatingsSchema })
  .strict();

function assertSession(session: CalibrationSession, scorecard: Scorecard): void {
  if (typeof session !== 'object' || session === null || !Array.isArray(session.raterIds)) {
    throw validationError('calibration session', [
      { path: [], message: 'expected a session made by createCalibrationSession', code: 'invalid_type' },
    ]);
  }
  if (session.scorecardId !== scorecard.id) {
    throw validationError('calibration session', [
      {
        path: ['scorecard', 'id'],
        message: `expected scorecard "${session.scorecardId}" used by the session`,
        code: 'scorecard_mismatch',
      },
    ]);
  }
}

/**
 * Records one rater's ratings of one case in a session (a resubmission replaces the earlier one while
 * the session is open). The ratings are validated against the scorecard like a review's. A closed
 * session is a `CONFLICT`; an unknown rater or case a `VALIDATION` error.
 *
 * @example
 * ```ts
 * session = submitCalibration(card, session, { raterId: 'qa-1', caseId: 'c-1', ratings }, { clock });
 * ```
 */
export function submitCalibration(
  scorecard: Scorecard | ScorecardInput,
  session: CalibrationSession,
  input: z.input<typeof SubmissionSchema>,
  ctx: QaContext,
): CalibrationSession {
  const card = ensureScorecard(scorecard);
  assertSession(session, card);
  const { clock } = contextOf(ctx);
  const data = parseInput(SubmissionSchema, input, 'calibration submission');
  if (session.status !== 'open') {
    throw new ThreadlineError('CONFLICT', 'The calibration session is closed', {
      details: { sessionId: session.id },
    });
  }
  const issues: ValidationIssue[] = [];
  if (!session.raterIds.includes(data.raterId)) {
    issues.push({
      path: ['raterId'],
      message: `"${data.raterId}" is not a rater of this session`,
      code: 'unknown_rater',
    });
  }
  if (!session.caseIds.includes(data.caseId)) {
    issues.push({
      path: ['caseId'],
      message: `"${data.caseId}" is not in this session`,
      code: 'unknown_case',
    });
  }
  if (issues.length > 0) throw validationError('calibration submission', issues);
  scoreReview(card, data.ratings); // validates every rating against the scorecard
  return {
    ...session,
    updatedAt: clock.now(),
    submissions: {
      ...session.submissions,
      [data.caseId]: { ...session.submissions[data.caseId], [data.raterId]: data.ratings },
    },
  };
}

/**
 * Closes a session: no more submissions.
 *
 * @example
 * ```ts
 * session = closeCalibration(session, { clock });
 * ```
 */
export function closeCalibration(session: CalibrationSession, ctx: QaContext): CalibrationSession {
  const { clock } = contextOf(ctx);
  if (session?.status !== 'open') {
    throw new ThreadlineError('CONFLICT', 'The calibration session is already closed', {
      details: { sessionId: session?.id },
    });
  }
  const at = clock.now();
  return { ...session, status: 'closed', updatedAt: at, closedAt: at };
}

/** Agreement on one criterion (or on all criteria pooled). */
export interface CalibrationAgreement {
  /** `cohen` with two raters, `fleiss` with three or more. */
  readonly method: 'cohen' | 'fleiss';
  readonly kappa: number;
  readonly degenerate: boolean;
  /** Share of items every rater rated alike. */
  readonly percentAgreement: number;
  /** Items compared (cases for one criterion; case × criterion pairs when pooled). */
  readonly items: number;
}

/** The outcome of {@link summarizeCalibration}. */
export interface CalibrationSummary {
  readonly sessionId: string;
  /** Raters included: those who rated every case. */
  readonly raters: readonly string[];
  /** Rater/case pairs without a submission (those raters are left out). */
  readonly missing: readonly { raterId: string; caseId: string }[];
  /** Agreement over every case × criterion rating. */
  readonly overall: CalibrationAgreement;
  readonly criteria: readonly ({ criterionId: string } & CalibrationAgreement)[];
  /** Each case's score per rater, the mean, the spread (max − min) and the expert's score. */
  readonly scores: readonly {
    caseId: string;
    byRater: Readonly<Record<string, number | null>>;
    mean: number | null;
    spread: number | null;
    expert?: number | null;
  }[];
  /**
   * Per rater: mean absolute score difference from the benchmark — the expert's score when the
   * session has an expert, else the mean of the other raters. `null` when nothing is comparable.
   */
  readonly deviation: readonly { raterId: string; meanAbsoluteDeviation: number | null }[];
}

function agreementOf(subjects: Category[][], raters: number): CalibrationAgreement {
  const pa = percentAgreement(subjects);
  if (raters === 2) {
    const r = cohensKappa(
      subjects.map((s) => s[0]!),
      subjects.map((s) => s[1]!),
    );
    return {
      method: 'cohen',
      kappa: r.kappa,
      degenerate: r.degenerate,
      percentAgreement: pa.unanimous,
      items: r.n,
    };
  }
  const r = fleissKappa(subjects);
  return {
    method: 'fleiss',
    kappa: r.kappa,
    degenerate: r.degenerate,
    percentAgreement: pa.unanimous,
    items: r.n,
  };
}

/**
 * Measures a session: inter-rater agreement per criterion and pooled (Cohen's kappa for two raters,
 * Fleiss' kappa for more; ratings compared as nominal categories, `'na'` included), percent agreement,
 * score spread per case and each rater's deviation from the expert (or from the other raters). Raters
 * who missed a case are left out and listed in `missing`; fewer than two complete raters is a
 * `CONFLICT`.
 *
 * @example
 * ```ts
 * const summary = summarizeCalibration(card, session);
 * summary.overall.kappa; // e.g. 0.71
 * summary.criteria.find((c) => c.criterionId === 'accuracy')?.kappa;
 * ```
 */
export function summarizeCalibration(
  scorecard: Scorecard | ScorecardInput,
  session: CalibrationSession,
): CalibrationSummary {
  const card = ensureScorecard(scorecard);
  assertSession(session, card);
  const missing: { raterId: string; caseId: string }[] = [];
  const raters = session.raterIds.filter((r) => {
    let complete = true;
    for (const c of session.caseIds) {
      if (!session.submissions[c]?.[r]) {
        missing.push({ raterId: r, caseId: c });
        complete = false;
      }
    }
    return complete;
  });
  if (raters.length < 2) {
    throw new ThreadlineError('CONFLICT', 'Calibration needs at least two raters who rated every case', {
      details: { sessionId: session.id, complete: raters },
    });
  }
  const rating = (caseId: string, raterId: string, criterionId: string): Category => {
    const v = session.submissions[caseId]![raterId]![criterionId]?.value;
    return v === undefined ? 'unrated' : v;
  };
  const pooled: Category[][] = [];
  const criteria = card.criteria.map((c) => {
    const subjects = session.caseIds.map((caseId) => raters.map((r) => rating(caseId, r, c.id)));
    // Pooled items are compared as strings, so the same label on two criteria is the same category.
    pooled.push(...subjects.map((s) => s.map((v) => String(v))));
    return { criterionId: c.id, ...agreementOf(subjects, raters.length) };
  });
  const overall = agreementOf(pooled, raters.length);

  const scores = session.caseIds.map((caseId) => {
    const byRater: Record<string, number | null> = {};
    for (const r of raters) byRater[r] = scoreReview(card, session.submissions[caseId]![r]!).score;
    const values = Object.values(byRater).filter((v): v is number => v !== null);
    const mean = values.length > 0 ? values.reduce((s, v) => s + v, 0) / values.length : null;
    const spread = values.length > 0 ? Math.max(...values) - Math.min(...values) : null;
    return {
      caseId,
      byRater,
      mean,
      spread,
      ...(session.expertId !== undefined && raters.includes(session.expertId)
        ? { expert: byRater[session.expertId] ?? null }
        : {}),
    };
  });
  const expert =
    session.expertId !== undefined && raters.includes(session.expertId) ? session.expertId : undefined;
  const deviation = raters.map((r) => {
    let total = 0;
    let count = 0;
    for (const s of scores) {
      const own = s.byRater[r];
      if (own === null || own === undefined) continue;
      let benchmark: number | null;
      if (expert !== undefined) {
        if (r === expert) continue;
        benchmark = s.byRater[expert] ?? null;
      } else {
        const others = raters
          .filter((o) => o !== r)
          .map((o) => s.byRater[o])
          .filter((v): v is number => typeof v === 'number');
        benchmark = others.length > 0 ? others.reduce((a, b) => a + b, 0) / others.length : null;
      }
      if (benchmark === null) continue;
      total += Math.abs(own - benchmark);
      count++;
    }
    return { raterId: r, meanAbsoluteDeviation: count > 0 ? total / count : null };
  });
  return { sessionId: session.id, raters, missing, overall, criteria, scores, deviation };
}
