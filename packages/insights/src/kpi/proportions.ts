import { parseInput } from '@threadline/core';
import { z } from 'zod';
import { normalCdf, normalQuantile } from './normal.js';

/** One group of a two-proportion comparison. */
export interface ProportionGroup {
  /** Members measured. */
  n: number;
  /** Members with the outcome. */
  x: number;
  /** `x / n`, `null` when `n` is 0. */
  rate: number | null;
}

/** The result of {@link twoProportionTest}: treatment against control (the holdout). */
export interface TwoProportionResult {
  treatment: ProportionGroup;
  control: ProportionGroup;
  /** `treatment.rate − control.rate`; `null` when a group is empty. */
  difference: number | null;
  /** `difference / control.rate`; `null` when the control rate is 0 or a group is empty. */
  relativeLift: number | null;
  /** Confidence interval of the difference (unpooled Wald); `null` when a group is empty. */
  interval: [number, number] | null;
  /** The confidence level of `interval` (default 0.95). */
  confidence: number;
  /** The z statistic with the pooled standard error; `null` when undefined (empty group, or no variance). */
  z: number | null;
  /** Two-sided p-value; `null` with `z`. */
  pValue: number | null;
  /** `pValue < 1 − confidence`. */
  significant: boolean;
}

const CountsSchema = z
  .object({
    treatment: z.object({ x: z.number().int().nonnegative(), n: z.number().int().nonnegative() }).strict(),
    control: z.object({ x: z.number().int().nonnegative(), n: z.number().int().nonnegative() }).strict(),
    confidence: z.number().gt(0.5).lt(1).default(0.95),
  })
  .strict()
  .refine((c) => c.treatment.x <= c.treatment.n, { message: 'x cannot exceed n', path: ['treatment', 'x'] })
  .refine((c) => c.control.x <= c.control.n, { message: 'x cannot exceed n', path: ['control', 'x'] });

/**
 * The two-proportion z test: does the treatment's rate differ from the control's? The interval of
 * the difference uses the unpooled standard error `√(p₁(1−p₁)/n₁ + p₀(1−p₀)/n₀)`; the test statistic
 * the pooled one `√(p(1−p)(1/n₁ + 1/n₀))` with `p = (x₁+x₀)/(n₁+n₀)`; the p-value is two-sided.
 *
 * @example
 * ```ts
 * const r = twoProportionTest({ treatment: { x: 120, n: 1000 }, control: { x: 80, n: 1000 } });
 * r.difference; // 0.04
 * r.interval; // ≈ [0.0137, 0.0663]
 * r.pValue; // ≈ 0.0029
 * ```
 */
export function twoProportionTest(input: {
  treatment: { x: number; n: number };
  control: { x: number; n: number };
  confidence?: number;
}): TwoProportionResult {
  const c = parseInput(CountsSchema, input, 'two-proportion test');
  const group = (g: { x: number; n: number }): ProportionGroup => ({
    n: g.n,
    x: g.x,
    rate: g.n > 0 ? g.x / g.n : null,
  });
  const treatment = group(c.treatment);
  const control = group(c.control);
  const result: TwoProportionResult = {
    treatment,
    control,
    difference: null,
    relativeLift: null,
    interval: null,
    confidence: c.confidence,
    z: null,
    pValue: null,
    significant: false,
  };
  if (treatment.rate === null || control.rate === null) return result;
  const p1 = treatment.rate;
  const p0 = control.rate;
  const diff = p1 - p0;
  result.difference = diff;
  result.relativeLift = p0 > 0 ? diff / p0 : null;
  const q = normalQuantile(1 - (1 - c.confidence) / 2);
  const se = Math.sqrt((p1 * (1 - p1)) / treatment.n + (p0 * (1 - p0)) / control.n);
  result.interval = [diff - q * se, diff + q * se];
  const pooled = (treatment.x + control.x) / (treatment.n + control.n);
  const se0 = Math.sqrt(pooled * (1 - pooled) * (1 / treatment.n + 1 / control.n));
  if (se0 > 0) {
    result.z = diff / se0;
    result.pValue = Math.min(1, 2 * (1 - normalCdf(Math.abs(result.z))));
    result.significant = result.pValue < 1 - c.confidence;
  }
  return result;
}
