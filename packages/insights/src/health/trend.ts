import { parseInput } from '@threadline/core';
import { z } from 'zod';

/** One point of a score history. */
export interface ScorePoint {
  /** Epoch ms or Date. */
  at: number | Date;
  score: number;
}

/** Result of {@link healthTrend}. */
export interface ScoreTrend {
  /** Least-squares slope in points per day. */
  slopePerDay: number;
  /** Last score minus first score (time-ordered). */
  delta: number;
  direction: 'improving' | 'stable' | 'declining';
  points: number;
}

const PointsSchema = z.array(
  z.object({ at: z.union([z.number().finite(), z.date()]), score: z.number().finite() }).strict(),
);
const OptionsSchema = z.object({ stablePerDay: z.number().finite().nonnegative().optional() }).strict();

/**
 * Trend of a health-score history: least-squares slope per day and overall delta.
 * `direction` is `'stable'` while |slope| < `stablePerDay` (default 0.5 points/day).
 *
 * @example
 * ```ts
 * healthTrend([{ at: day0, score: 80 }, { at: day7, score: 66 }]); // { slopePerDay: -2, direction: 'declining', … }
 * ```
 */
export function healthTrend(
  points: readonly ScorePoint[],
  options: { stablePerDay?: number } = {},
): ScoreTrend {
  const list = parseInput(PointsSchema, points, 'score history')
    .map((p) => ({ t: (typeof p.at === 'number' ? p.at : p.at.getTime()) / 86_400_000, s: p.score }))
    .sort((a, b) => a.t - b.t);
  const o = parseInput(OptionsSchema, options, 'healthTrend options');
  const n = list.length;
  if (n < 2) return { slopePerDay: 0, delta: 0, direction: 'stable', points: n };
  let mt = 0;
  let ms = 0;
  for (const p of list) {
    mt += p.t;
    ms += p.s;
  }
  mt /= n;
  ms /= n;
  let sxy = 0;
  let sxx = 0;
  for (const p of list) {
    sxy += (p.t - mt) * (p.s - ms);
    sxx += (p.t - mt) ** 2;
  }
  const slope = sxx > 0 ? sxy / sxx : 0;
  const stable = o.stablePerDay ?? 0.5;
  return {
    slopePerDay: slope,
    delta: list[n - 1]!.s - list[0]!.s,
    direction: Math.abs(slope) < stable ? 'stable' : slope > 0 ? 'improving' : 'declining',
    points: n,
  };
}
