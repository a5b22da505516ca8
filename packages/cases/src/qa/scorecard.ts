import { parseInput } from '@threadline/core';
import { z } from 'zod';

const IdSchema = z.string().min(1).max(200);

/** A yes / no rating (optionally with "not applicable"): yes scores 1, no scores 0 and is negative. */
export const YesNoScaleSchema = z
  .object({
    type: z.literal('yes_no'),
    /** Whether reviewers may answer `'na'` (the criterion then leaves the score). Default true. */
    allowNa: z.boolean().default(true),
  })
  .strict();

/**
 * A numeric rating from `min` to `max` in `step`s (e.g. 1–5). It scores `(value - min) / (max - min)`;
 * values below `negativeBelow` are negative (default: those scoring under one half, so 1 and 2 on 1–5).
 */
export const NumericScaleSchema = z
  .object({
    type: z.literal('numeric'),
    min: z.number().finite(),
    max: z.number().finite(),
    step: z.number().finite().positive().default(1),
    negativeBelow: z.number().finite().optional(),
    allowNa: z.boolean().default(false),
  })
  .strict();

/** One option of a {@link LabelScaleSchema labelled scale}. */
export const LabelOptionSchema = z
  .object({
    value: IdSchema,
    label: z.string().optional(),
    /** Score of this option between 0 and 1. */
    score: z.number().min(0).max(1),
    /** Whether this option is a negative rating (needs a root cause). Default: `score < 0.5`. */
    negative: z.boolean().optional(),
  })
  .strict();

/** A scale of named options, each with its own score between 0 and 1 (e.g. great / ok / poor). */
export const LabelScaleSchema = z
  .object({
    type: z.literal('labels'),
    options: z.array(LabelOptionSchema).min(2),
    allowNa: z.boolean().default(false),
  })
  .strict();

/** Any rating scale a criterion may use. */
export const RatingScaleSchema = z.discriminatedUnion('type', [
  YesNoScaleSchema,
  NumericScaleSchema,
  LabelScaleSchema,
]);

/** One criterion of a scorecard. */
export const CriterionSchema = z
  .object({
    id: IdSchema,
    label: z.string().min(1),
    description: z.string().optional(),
    /** Optional grouping for display (e.g. "Soft skills"). */
    section: z.string().optional(),
    /** Relative weight; weights need not sum to anything. Default 1. */
    weight: z.number().finite().positive().default(1),
    /** A negative rating on a critical criterion fails the whole review. */
    critical: z.boolean().default(false),
    scale: RatingScaleSchema.default({ type: 'yes_no', allowNa: true }),
    /**
     * Root causes a reviewer may attach to a negative rating (e.g. `knowledge_gap`, `process`,
     * `tooling`). When non-empty, a negative rating must name at least one of them.
     */
    rootCauses: z.array(IdSchema).default([]),
    /** Require a root cause on a negative rating. Default: true when `rootCauses` is non-empty. */
    requireRootCause: z.boolean().optional(),
  })
  .strict();

/** The JSON form of a scorecard, as accepted by {@link defineScorecard}. */
export const ScorecardSchema = z
  .object({
    id: IdSchema,
    name: z.string().min(1),
    version: z.number().int().nonnegative().default(1),
    criteria: z.array(CriterionSchema).min(1),
    /** Score (0–100) a review needs to pass. Default 80. */
    passScore: z.number().min(0).max(100).default(80),
    /**
     * What a failed critical criterion does: `'zero'` sets the review score to 0 (auto-fail), `'fail'`
     * keeps the weighted score but fails the review. Default `'zero'`.
     */
    criticalFailure: z.enum(['zero', 'fail']).default('zero'),
  })
  .strict()
  .superRefine((card, ctx) => {
    const seen = new Set<string>();
    card.criteria.forEach((c, i) => {
      if (seen.has(c.id)) {
        ctx.addIssue({
          code: 'custom',
          path: ['criteria', i, 'id'],
          message: `duplicate criterion id "${c.id}"`,
        });
      }
      seen.add(c.id);
      const causes = new Set<string>();
      c.rootCauses.forEach((rc, j) => {
        if (causes.has(rc)) {
          ctx.addIssue({
            code: 'custom',
            path: ['criteria', i, 'rootCauses', j],
            message: `duplicate root cause "${rc}"`,
          });
        }
        causes.add(rc);
      });
      if (c.requireRootCause === true && c.rootCauses.length === 0) {
        ctx.addIssue({
          code: 'custom',
          path: ['criteria', i, 'requireRootCause'],
          message: 'requireRootCause needs a non-empty rootCauses list',
        });
      }
      const s = c.scale;
      if (s.type === 'numeric') {
        if (s.max <= s.min) {
          ctx.addIssue({
            code: 'custom',
            path: ['criteria', i, 'scale', 'max'],
            message: 'max must exceed min',
          });
        } else {
          const steps = (s.max - s.min) / s.step;
          if (Math.abs(steps - Math.round(steps)) > 1e-9) {
            ctx.addIssue({
              code: 'custom',
              path: ['criteria', i, 'scale', 'step'],
              message: 'step must divide max - min',
            });
          }
        }
      } else if (s.type === 'labels') {
        const values = new Set<string>();
        s.options.forEach((o, j) => {
          if (values.has(o.value) || o.value === 'na') {
            ctx.addIssue({
              code: 'custom',
              path: ['criteria', i, 'scale', 'options', j, 'value'],
              message:
                o.value === 'na' ? '"na" is reserved for not applicable' : `duplicate option "${o.value}"`,
            });
          }
          values.add(o.value);
        });
      }
    });
  });

/** Input (JSON) form of a scorecard: defaults may be omitted. */
export type ScorecardInput = z.input<typeof ScorecardSchema>;
/** A validated scorecard with every default filled in. */
export type Scorecard = z.output<typeof ScorecardSchema>;
/** A validated criterion. */
export type Criterion = Scorecard['criteria'][number];
/** A validated rating scale. */
export type RatingScale = z.output<typeof RatingScaleSchema>;
/** A rating value: `'yes' | 'no'` on yes/no scales, a number on numeric scales, an option value on labelled scales, or `'na'`. */
export type RatingValue = string | number;

/**
 * Validates a scorecard (JSON form) and fills defaults. Throws `ThreadlineError` `VALIDATION` whose
 * issues name every bad field (duplicate criterion ids, `max <= min`, unknown keys, …).
 *
 * @example
 * ```ts
 * const card = defineScorecard({
 *   id: 'support-v1',
 *   name: 'Support conversations',
 *   criteria: [
 *     { id: 'greeting', label: 'Greets the customer', weight: 1 },
 *     { id: 'accuracy', label: 'Correct answer', weight: 3, scale: { type: 'numeric', min: 1, max: 5 },
 *       rootCauses: ['knowledge_gap', 'process'] },
 *     { id: 'verification', label: 'Verifies identity', critical: true },
 *   ],
 * });
 * ```
 */
export function defineScorecard(input: ScorecardInput): Scorecard {
  const card = parseInput(ScorecardSchema, input, 'scorecard');
  validated.add(card);
  return card;
}

// Scorecards that went through `defineScorecard`, so functions taking one validate it only once.
const validated = new WeakSet<object>();

/**
 * Returns `card` when it came from {@link defineScorecard}, otherwise validates it (scorecards stored as
 * JSON can be passed straight to the review functions).
 *
 * @example
 * ```ts
 * const card = ensureScorecard(JSON.parse(stored));
 * ```
 */
export function ensureScorecard(card: Scorecard | ScorecardInput): Scorecard {
  if (typeof card === 'object' && card !== null && validated.has(card)) return card as Scorecard;
  return defineScorecard(card as ScorecardInput);
}

/** How one rating value reads on a scale. */
export interface RatingReading {
  /** False for `'na'`: the criterion leaves the score. */
  readonly applicable: boolean;
  /** Score between 0 and 1, or `null` when not applicable. */
  readonly normalized: number | null;
  /** Whether this is a negative rating (it fails a critical criterion and takes root causes). */
  readonly negative: boolean;
}

const NOT_APPLICABLE: RatingReading = { applicable: false, normalized: null, negative: false };

/**
 * Reads a rating value on a scale, or returns an error message when the value is not on it.
 *
 * @example
 * ```ts
 * readRating({ type: 'numeric', min: 1, max: 5, step: 1, allowNa: false }, 2);
 * // { ok: true, reading: { applicable: true, normalized: 0.25, negative: true } }
 * ```
 */
export function readRating(
  scale: RatingScale,
  value: RatingValue,
): { ok: true; reading: RatingReading } | { ok: false; message: string } {
  if (value === 'na') {
    return scale.allowNa
      ? { ok: true, reading: NOT_APPLICABLE }
      : { ok: false, message: 'this criterion does not allow "na"' };
  }
  switch (scale.type) {
    case 'yes_no':
      if (value === 'yes') return { ok: true, reading: { applicable: true, normalized: 1, negative: false } };
      if (value === 'no') return { ok: true, reading: { applicable: true, normalized: 0, negative: true } };
      return { ok: false, message: `expected "yes", "no"${scale.allowNa ? ' or "na"' : ''}` };
    case 'numeric': {
      if (typeof value !== 'number' || !Number.isFinite(value) || value < scale.min || value > scale.max) {
        return { ok: false, message: `expected a number from ${scale.min} to ${scale.max}` };
      }
      const steps = (value - scale.min) / scale.step;
      if (Math.abs(steps - Math.round(steps)) > 1e-9) {
        return { ok: false, message: `expected a multiple of ${scale.step} from ${scale.min}` };
      }
      const normalized = (value - scale.min) / (scale.max - scale.min);
      const negative = scale.negativeBelow === undefined ? normalized < 0.5 : value < scale.negativeBelow;
      return { ok: true, reading: { applicable: true, normalized, negative } };
    }
    case 'labels': {
      const option = scale.options.find((o) => o.value === value);
      if (!option)
        return {
          ok: false,
          message: `expected one of ${scale.options.map((o) => `"${o.value}"`).join(', ')}`,
        };
      return {
        ok: true,
        reading: {
          applicable: true,
          normalized: option.score,
          negative: option.negative ?? option.score < 0.5,
        },
      };
    }
  }
}
