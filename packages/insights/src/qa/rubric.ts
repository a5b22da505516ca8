import { parseInput, validationError } from '@threadline/core';
import { z } from 'zod';
import type { QaEvidence, QaSignals } from './analyzeQa.js';

/** Zod schema for a {@link QaRubric}. */
export const QaRubricSchema = z
  .object({
    criteria: z
      .array(
        z
          .object({
            id: z.string().min(1).max(200),
            label: z.string().max(500).optional(),
            /** Relative weight (> 0); weights are normalised so the rubric totals 100 points. */
            weight: z.number().positive().finite(),
            /**
             * What the criterion checks: a built-in check (`greeting`, `closing`, `empathy`, `apology`,
             * `verification`), `compliance:<ruleId>`, `first-response` (first reply within `targetMs`),
             * `response-time` (every reply within `targetMs`), `all-answered` or `no-pii-leak`.
             */
            signal: z
              .string()
              .regex(
                /^(greeting|closing|empathy|apology|verification|first-response|response-time|all-answered|no-pii-leak|compliance:.+)$/,
              ),
            targetMs: z.number().positive().optional(),
            /** A failed critical criterion fails the whole review. */
            critical: z.boolean().default(false),
          })
          .strict(),
      )
      .min(1),
    /** Points (0–100) needed to pass. Default 80. */
    passMark: z.number().min(0).max(100).default(80),
  })
  .strict();

/** A QA rubric: weighted criteria over {@link QaSignals}. */
export type QaRubric = z.input<typeof QaRubricSchema>;

/** One criterion's result in a {@link QaScorecardResult}. */
export interface QaCriterionResult {
  /** The criterion id (use it as the scorecard criterion id in the cases package's QA review). */
  readonly criterionId: string;
  readonly label: string;
  /** Weight normalised so that all criteria total 100. */
  readonly weight: number;
  readonly met: boolean;
  /** Points earned (0 or `weight`). */
  readonly points: number;
  /** 1 when met, 0 otherwise: the score a scorecard stores for this criterion. */
  readonly score: number;
  readonly critical: boolean;
  readonly evidence: readonly QaEvidence[];
  /** Why the criterion was (not) met, for reviewers. */
  readonly comment: string;
}

/** A scored QA review: per-criterion scores with evidence, total points out of 100, pass/fail. */
export interface QaScorecardResult {
  readonly criteria: readonly QaCriterionResult[];
  /** Sum of points, 0–100. */
  readonly score: number;
  readonly maxScore: 100;
  readonly passMark: number;
  readonly passed: boolean;
  /** True when a critical criterion failed (the review fails whatever the score). */
  readonly criticalFailed: boolean;
}

/**
 * Scores {@link QaSignals} against a rubric of weighted criteria. Weights are normalised to total
 * 100; each criterion is met or not, carries its evidence, and a failed `critical` criterion fails
 * the review. The per-criterion `criterionId` + `score` (0/1) + `comment` fit a QA scorecard of
 * weighted criteria such as the cases package's QA reviews.
 *
 * @example
 * ```ts
 * const card = scoreQaRubric(analyzeQa(messages), {
 *   criteria: [
 *     { id: 'greet', signal: 'greeting', weight: 1 },
 *     { id: 'kyc', signal: 'verification', weight: 2, critical: true },
 *     { id: 'fast', signal: 'first-response', weight: 1, targetMs: 60_000 },
 *   ],
 *   passMark: 75,
 * });
 * card.score; card.passed;
 * ```
 */
export function scoreQaRubric(signals: QaSignals, rubric: QaRubric): QaScorecardResult {
  const r = parseInput(QaRubricSchema, rubric, 'QA rubric');
  const ids = new Set<string>();
  r.criteria.forEach((c, i) => {
    if (ids.has(c.id)) {
      throw validationError('QA rubric', [
        { path: ['criteria', i, 'id'], message: 'duplicate id', code: 'custom' },
      ]);
    }
    ids.add(c.id);
    if ((c.signal === 'first-response' || c.signal === 'response-time') && c.targetMs === undefined) {
      throw validationError('QA rubric', [
        { path: ['criteria', i, 'targetMs'], message: `required for ${c.signal}`, code: 'custom' },
      ]);
    }
    if (c.signal.startsWith('compliance:') && !(c.signal.slice(11) in signals.compliance)) {
      throw validationError('QA rubric', [
        {
          path: ['criteria', i, 'signal'],
          message: `no compliance rule "${c.signal.slice(11)}" in the signals`,
          code: 'custom',
        },
      ]);
    }
  });
  const totalWeight = r.criteria.reduce((a, c) => a + c.weight, 0);
  const rt = signals.responseTimes;
  const results: QaCriterionResult[] = r.criteria.map((c) => {
    let met: boolean;
    let evidence: readonly QaEvidence[] = [];
    let comment: string;
    switch (c.signal) {
      case 'greeting':
      case 'closing':
      case 'empathy':
      case 'apology':
      case 'verification': {
        const check = signals.checks[c.signal];
        met = check.passed;
        evidence = check.evidence;
        comment = met ? `${c.signal} found: "${check.evidence[0]?.text ?? ''}"` : `no ${c.signal} found`;
        break;
      }
      case 'first-response':
        met = rt.firstResponseMs !== null && rt.firstResponseMs <= (c.targetMs as number);
        comment =
          rt.firstResponseMs === null
            ? 'no timed first response'
            : `first response after ${Math.round(rt.firstResponseMs / 1000)} s (target ${Math.round((c.targetMs as number) / 1000)} s)`;
        break;
      case 'response-time': {
        const slow = rt.responses.filter((x) => x.ms > (c.targetMs as number)).length;
        met = rt.responses.length > 0 && slow === 0;
        comment = `${slow} of ${rt.responses.length} responses slower than ${Math.round((c.targetMs as number) / 1000)} s`;
        break;
      }
      case 'all-answered':
        met = rt.unanswered === 0;
        comment = met
          ? 'every customer message was answered'
          : `${rt.unanswered} customer messages left unanswered`;
        break;
      case 'no-pii-leak':
        met = signals.piiLeaks.length === 0;
        comment = met ? 'no personal data disclosed' : `${signals.piiLeaks.length} PII leaks`;
        break;
      default: {
        const rule = signals.compliance[c.signal.slice(11)];
        met = rule?.passed ?? false;
        evidence = rule?.evidence ?? [];
        comment =
          rule?.mode === 'forbidden'
            ? met
              ? 'no forbidden phrase used'
              : `forbidden phrase used: "${evidence[0]?.text ?? ''}"`
            : met
              ? `required phrase found: "${evidence[0]?.text ?? ''}"`
              : 'required phrase missing';
      }
    }
    const weight = (c.weight / totalWeight) * 100;
    return {
      criterionId: c.id,
      label: c.label ?? c.id,
      weight,
      met,
      points: met ? weight : 0,
      score: met ? 1 : 0,
      critical: c.critical,
      evidence,
      comment,
    };
  });
  const score = Math.round(results.reduce((a, x) => a + x.points, 0) * 1000) / 1000;
  const criticalFailed = results.some((x) => x.critical && !x.met);
  return {
    criteria: results,
    score,
    maxScore: 100,
    passMark: r.passMark,
    passed: !criticalFailed && score >= r.passMark,
    criticalFailed,
  };
}
