import { parseInput, validationError } from '@threadline/core';
import { z } from 'zod';

/** Whether a higher factor value is good (e.g. CSAT) or bad (e.g. SLA breaches). */
export type FactorDirection = 'higher-is-better' | 'lower-is-better';

/** One weighted factor of a health model. */
export interface HealthFactor {
  /** Key of the value in the input record (e.g. `'repeatContacts'`). */
  key: string;
  /** Human label for explanations (defaults to the key). */
  label?: string;
  /** Weight in points; all weights sum to 100. */
  weight: number;
  direction: FactorDirection;
  /** Values are mapped linearly from [min, max] onto 0..1 and clipped. */
  min: number;
  max: number;
}

/** Score thresholds: below `red` is red, below `yellow` is yellow, otherwise green. */
export interface HealthBands {
  red: number;
  yellow: number;
}

/** Configuration of {@link createHealthModel} (JSON-serialisable). */
export interface HealthModelConfig {
  factors: HealthFactor[];
  /** Default `{ red: 40, yellow: 70 }`. */
  bands?: HealthBands;
  /**
   * A factor with no value: `'exclude'` (default) re-weights the remaining factors to 100;
   * `'neutral'` scores it at 0.5.
   */
  missing?: 'exclude' | 'neutral';
  /** |delta| below this many points is a `'stable'` trend (default 2). */
  stableWithin?: number;
}

/** A band of the health score. */
export type HealthBand = 'red' | 'yellow' | 'green';

/** One factor's part in a score. */
export interface FactorContribution {
  key: string;
  label: string;
  weight: number;
  /** The raw value, or `null` when missing. */
  value: number | null;
  /** Goodness in 0..1 after direction and clipping (`null` when excluded). */
  normalized: number | null;
  /** Points this factor adds to the 0..100 score; contributions sum to the score. */
  contribution: number;
  /** Points lost against a perfect score on this factor (what to fix first). */
  shortfall: number;
}

/** Trend of a score against a previous one. */
export interface HealthTrend {
  previousScore: number;
  /** Score minus the previous score, in points. */
  delta: number;
  direction: 'improving' | 'stable' | 'declining';
  /** Per-factor change in contribution, largest absolute change first. */
  drivers: { key: string; delta: number }[];
}

/** Result of {@link HealthModel.score}. */
export interface HealthScore {
  /** 0..100, higher is healthier. */
  score: number;
  band: HealthBand;
  contributions: FactorContribution[];
  trend?: HealthTrend;
}

/** A configured health model. */
export interface HealthModel {
  readonly config: Readonly<HealthModelConfig>;
  /** Scores one entity's factor values; pass `previous` to get a trend. */
  score(
    values: Readonly<Record<string, number | null | undefined>>,
    options?: { previous?: HealthScore },
  ): HealthScore;
}

const FactorSchema = z
  .object({
    key: z.string().min(1),
    label: z.string().optional(),
    weight: z.number().finite().positive(),
    direction: z.enum(['higher-is-better', 'lower-is-better']),
    min: z.number().finite(),
    max: z.number().finite(),
  })
  .strict()
  .refine((f) => f.max > f.min, { message: 'max must be greater than min', path: ['max'] });

const ConfigSchema = z
  .object({
    factors: z.array(FactorSchema).min(1),
    bands: z
      .object({ red: z.number().min(0).max(100), yellow: z.number().min(0).max(100) })
      .strict()
      .refine((b) => b.red <= b.yellow, { message: 'red must not exceed yellow', path: ['red'] })
      .optional(),
    missing: z.enum(['exclude', 'neutral']).optional(),
    stableWithin: z.number().finite().nonnegative().optional(),
  })
  .strict();

const ValuesSchema = z.record(z.string(), z.number().finite().nullable().optional());

/**
 * The rule of `ValuesSchema` checked by hand (a plain object of finite numbers, `null` or
 * `undefined`): `score` runs on every health reading of a stream, and zod's copy of the record
 * was most of its cost. Anything else goes through zod, which also explains it.
 */
function isPlainValues(values: unknown): values is Record<string, number | null | undefined> {
  if (typeof values !== 'object' || values === null || Array.isArray(values)) return false;
  const proto = Object.getPrototypeOf(values);
  if (proto !== Object.prototype && proto !== null) return false;
  for (const key in values) {
    const v = (values as Record<string, unknown>)[key];
    if (v !== undefined && v !== null && (typeof v !== 'number' || !Number.isFinite(v))) return false;
  }
  return true;
}

/**
 * Builds an explainable customer health (churn-risk) model: weighted factors summing to 100,
 * a direction per factor, bands, per-factor contributions and a trend.
 *
 * @example
 * ```ts
 * const model = createHealthModel({
 *   factors: [
 *     { key: 'csat', weight: 30, direction: 'higher-is-better', min: 0, max: 1 },
 *     { key: 'sentimentTrend', weight: 20, direction: 'higher-is-better', min: -1, max: 1 },
 *     { key: 'repeatContacts', weight: 20, direction: 'lower-is-better', min: 0, max: 5 },
 *     { key: 'slaBreaches', weight: 15, direction: 'lower-is-better', min: 0, max: 3 },
 *     { key: 'escalations', weight: 15, direction: 'lower-is-better', min: 0, max: 2 },
 *   ],
 * });
 * model.score({ csat: 0.9, sentimentTrend: 0.2, repeatContacts: 1, slaBreaches: 0, escalations: 0 });
 * // { score: 85, band: 'green', contributions: [...] }
 * ```
 */
export function createHealthModel(config: HealthModelConfig): HealthModel {
  const c = parseInput(ConfigSchema, config, 'health model', 'CONFIG');
  const total = c.factors.reduce((s, f) => s + f.weight, 0);
  if (Math.abs(total - 100) > 1e-9) {
    throw validationError(
      'health model',
      [{ path: ['factors'], message: `weights must sum to 100 (got ${total})`, code: 'custom' }],
      'CONFIG',
    );
  }
  const seen = new Set<string>();
  c.factors.forEach((f, i) => {
    if (seen.has(f.key)) {
      throw validationError(
        'health model',
        [{ path: ['factors', i, 'key'], message: `duplicate factor key "${f.key}"`, code: 'custom' }],
        'CONFIG',
      );
    }
    seen.add(f.key);
  });
  const bands = c.bands ?? { red: 40, yellow: 70 };
  const missing = c.missing ?? 'exclude';
  const stableWithin = c.stableWithin ?? 2;
  const frozen = Object.freeze({ ...c, bands, missing, stableWithin }) as Readonly<HealthModelConfig>;

  return {
    config: frozen,
    score(values, options = {}) {
      // Read only: the values are used as given once they pass the check.
      const v = isPlainValues(values) ? values : parseInput(ValuesSchema, values, 'health values');
      // Two plain loops over the factors (this runs for every health reading of a stream).
      const factors = c.factors;
      const n = factors.length;
      const rawValues: (number | null)[] = new Array(n);
      const goodness: (number | null)[] = new Array(n);
      let presentWeight = 0;
      for (let i = 0; i < n; i++) {
        const f = factors[i] as (typeof factors)[number];
        const raw = v[f.key];
        const value = raw === undefined || raw === null ? null : raw;
        let normalized: number | null = null;
        if (value !== null) {
          const t = Math.min(1, Math.max(0, (value - f.min) / (f.max - f.min)));
          normalized = f.direction === 'higher-is-better' ? t : 1 - t;
        } else if (missing === 'neutral') normalized = 0.5;
        if (normalized !== null) presentWeight += f.weight;
        rawValues[i] = value;
        goodness[i] = normalized;
      }
      const scale = presentWeight > 0 ? 100 / presentWeight : 0;
      const contributions: FactorContribution[] = new Array(n);
      for (let i = 0; i < n; i++) {
        const f = factors[i] as (typeof factors)[number];
        const normalized = goodness[i] as number | null;
        const effective = normalized === null ? 0 : f.weight * scale;
        const contribution = normalized === null ? 0 : effective * normalized;
        contributions[i] = {
          key: f.key,
          label: f.label ?? f.key,
          weight: f.weight,
          value: rawValues[i] as number | null,
          normalized,
          contribution,
          shortfall: effective - contribution,
        };
      }
      const score = contributions.reduce((s, x) => s + x.contribution, 0);
      const band: HealthBand = score < bands.red ? 'red' : score < bands.yellow ? 'yellow' : 'green';
      const result: HealthScore = { score, band, contributions };
      const prev = options.previous;
      if (prev !== undefined) {
        const delta = score - prev.score;
        const pc = prev.contributions;
        // A previous score from this model lists the same factors in the same order: read it by
        // index; any other previous score by key (the last entry with it, as before).
        let aligned = pc.length === n;
        for (let i = 0; aligned && i < n; i++)
          aligned = pc[i]?.key === (contributions[i] as FactorContribution).key;
        const before = aligned ? undefined : new Map(pc.map((x) => [x.key, x.contribution]));
        const drivers: HealthTrend['drivers'] = new Array(n);
        for (let i = 0; i < n; i++) {
          const x = contributions[i] as FactorContribution;
          const earlier =
            before === undefined ? (pc[i] as FactorContribution).contribution : before.get(x.key);
          drivers[i] = { key: x.key, delta: x.contribution - (earlier ?? 0) };
        }
        drivers.sort((a, b) => Math.abs(b.delta) - Math.abs(a.delta) || (a.key < b.key ? -1 : 1));
        result.trend = {
          previousScore: prev.score,
          delta,
          direction: Math.abs(delta) < stableWithin ? 'stable' : delta > 0 ? 'improving' : 'declining',
          drivers,
        };
      }
      return result;
    },
  };
}
