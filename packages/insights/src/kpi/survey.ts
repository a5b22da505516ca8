import { parseInput } from '@threadline/core';
import { z } from 'zod';
import { checkedRecords, isRecordId } from './records.js';
import { includeIdsShape, type KpiResult, RecordIdSchema, ratio } from './result.js';

/** One survey answer. */
export interface SurveyResponse {
  id: string;
  score: number;
}

/** Options of {@link csat}. */
export interface CsatOptions {
  /** Top of the scale (default 5; the scale is 1..scale). */
  scale?: number;
  /** Lowest score counted as satisfied for `'top-box'` (default `scale − 1`, i.e. top-2-box). */
  satisfiedMin?: number;
  /** `'top-box'` (default): share of satisfied answers (0..1). `'mean'`: mean score. */
  method?: 'top-box' | 'mean';
  includeIds?: boolean;
}

const CsatOptionsSchema = z
  .object({
    scale: z.number().int().min(2).max(100).optional(),
    satisfiedMin: z.number().finite().optional(),
    method: z.enum(['top-box', 'mean']).optional(),
    ...includeIdsShape,
  })
  .strict();

/** The rule of {@link ResponsesSchema} by hand for one response (see `checkedRecords`). */
export function isInScale(r: Record<string, unknown>, min: number, max: number): boolean {
  return isRecordId(r.id) && typeof r.score === 'number' && r.score >= min && r.score <= max;
}

/** The responses of a survey on the scale `min`..`max`. */
export function ResponsesSchema(min: number, max: number) {
  return z.array(
    z.object({ id: RecordIdSchema, score: z.number().finite().min(min).max(max) }).passthrough(),
  );
}

function checkScale(responses: readonly SurveyResponse[], min: number, max: number, what: string): void {
  const inScale = (r: Record<string, unknown>) => isInScale(r, min, max);
  // The schema (built per scale) only runs when the hand check refuses a response.
  checkedRecords(responses, inScale, () => ResponsesSchema(min, max), what);
}

/**
 * Customer satisfaction: share of satisfied answers (top-box, default top-2 of 5) or mean score.
 *
 * @example
 * ```ts
 * csat([{ id: 'r1', score: 5 }, { id: 'r2', score: 2 }]); // { value: 0.5, numerator: 1, denominator: 2 }
 * ```
 */
export function csat(responses: readonly SurveyResponse[], options: CsatOptions = {}): KpiResult {
  const o = parseInput(CsatOptionsSchema, options, 'csat options');
  const scale = o.scale ?? 5;
  checkScale(responses, 1, scale, 'csat responses');
  const ids = o.includeIds ? { numerator: [] as string[], denominator: [] as string[] } : undefined;
  if (o.method === 'mean') {
    let sum = 0;
    for (const r of responses) {
      sum += r.score;
      ids?.numerator.push(r.id);
      ids?.denominator.push(r.id);
    }
    return ratio(sum, responses.length, ids);
  }
  const min = o.satisfiedMin ?? scale - 1;
  let satisfied = 0;
  for (const r of responses) {
    ids?.denominator.push(r.id);
    if (r.score >= min) {
      satisfied++;
      ids?.numerator.push(r.id);
    }
  }
  return ratio(satisfied, responses.length, ids);
}

/** Result of {@link nps}: value in −100..100 plus the three groups. */
export interface NpsResult extends KpiResult<'promoters' | 'passives' | 'detractors'> {
  promoters: number;
  passives: number;
  detractors: number;
}

const NpsOptionsSchema = z
  .object({
    promoterMin: z.number().int().min(0).max(10).optional(),
    detractorMax: z.number().int().min(0).max(10).optional(),
    ...includeIdsShape,
  })
  .strict();

/**
 * Net Promoter Score: % promoters (9–10) − % detractors (0–6), in −100..100. Thresholds are options.
 *
 * @example
 * ```ts
 * nps([{ id: 'a', score: 10 }, { id: 'b', score: 3 }, { id: 'c', score: 8 }]).value; // 0
 * ```
 */
export function nps(
  responses: readonly SurveyResponse[],
  options: { promoterMin?: number; detractorMax?: number; includeIds?: boolean } = {},
): NpsResult {
  const o = parseInput(NpsOptionsSchema, options, 'nps options');
  checkScale(responses, 0, 10, 'nps responses');
  const promoterMin = o.promoterMin ?? 9;
  const detractorMax = o.detractorMax ?? 6;
  const ids = o.includeIds
    ? { promoters: [] as string[], passives: [] as string[], detractors: [] as string[] }
    : undefined;
  let p = 0;
  let d = 0;
  for (const r of responses) {
    if (r.score >= promoterMin) {
      p++;
      ids?.promoters.push(r.id);
    } else if (r.score <= detractorMax) {
      d++;
      ids?.detractors.push(r.id);
    } else ids?.passives.push(r.id);
  }
  const n = responses.length;
  const result: NpsResult = {
    value: n > 0 ? ((p - d) / n) * 100 : null,
    numerator: p - d,
    denominator: n,
    promoters: p,
    passives: n - p - d,
    detractors: d,
  };
  if (ids !== undefined) result.ids = ids;
  return result;
}

/** Options of {@link ces}. */
export interface CesOptions {
  /** Top of the scale (default 7; the scale is 1..scale). */
  scale?: number;
  /** `'mean'` (default): mean effort score. `'agree'`: share of answers ≥ `agreeMin` ("easy"). */
  method?: 'mean' | 'agree';
  /** Lowest score counted as agreeing for `'agree'` (default 5 on a 7-point scale). */
  agreeMin?: number;
  includeIds?: boolean;
}

const CesOptionsSchema = z
  .object({
    scale: z.number().int().min(2).max(100).optional(),
    method: z.enum(['mean', 'agree']).optional(),
    agreeMin: z.number().finite().optional(),
    ...includeIdsShape,
  })
  .strict();

/**
 * Customer Effort Score: mean score, or share agreeing that the issue was easy to handle.
 *
 * @example
 * ```ts
 * ces([{ id: 'a', score: 6 }, { id: 'b', score: 4 }]).value; // 5
 * ```
 */
export function ces(responses: readonly SurveyResponse[], options: CesOptions = {}): KpiResult {
  const o = parseInput(CesOptionsSchema, options, 'ces options');
  const scale = o.scale ?? 7;
  checkScale(responses, 1, scale, 'ces responses');
  const ids = o.includeIds ? { numerator: [] as string[], denominator: [] as string[] } : undefined;
  if (o.method === 'agree') {
    const min = o.agreeMin ?? Math.ceil((scale * 5) / 7);
    let agree = 0;
    for (const r of responses) {
      ids?.denominator.push(r.id);
      if (r.score >= min) {
        agree++;
        ids?.numerator.push(r.id);
      }
    }
    return ratio(agree, responses.length, ids);
  }
  let sum = 0;
  for (const r of responses) {
    sum += r.score;
    ids?.numerator.push(r.id);
    ids?.denominator.push(r.id);
  }
  return ratio(sum, responses.length, ids);
}
