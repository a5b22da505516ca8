import { z } from 'zod';

/**
 * The result of every KPI function: the figure, the counts behind it and — when asked with
 * `includeIds: true` — the ids of the records in each group (drill-down).
 */
export interface KpiResult<G extends string = 'numerator' | 'denominator'> {
  /** The KPI value; `null` when there is nothing to measure (empty denominator). */
  value: number | null;
  /** Count (or amount) in the numerator. */
  numerator: number;
  /** Count (or amount) in the denominator. */
  denominator: number;
  /** Ids behind the figure, per group; present only with `includeIds: true`. */
  ids?: Record<G, string[]>;
}

/** An instant: epoch milliseconds or a `Date`. */
export const InstantSchema = z
  .union([z.number().finite(), z.date()])
  .transform((v) => (typeof v === 'number' ? v : v.getTime()));

/** A record id. */
export const RecordIdSchema = z.string().min(1).max(500);

/** `includeIds` option shared by every KPI. */
export const includeIdsShape = { includeIds: z.boolean().optional() };

/** Builds a ratio result (value = numerator / denominator, `null` when the denominator is 0). */
export function ratio<G extends string>(
  numerator: number,
  denominator: number,
  ids: Record<G, string[]> | undefined,
  scale = 1,
): KpiResult<G> {
  const r: KpiResult<G> = {
    value: denominator > 0 ? (numerator / denominator) * scale : null,
    numerator,
    denominator,
  };
  if (ids !== undefined) r.ids = ids;
  return r;
}
