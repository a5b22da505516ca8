import { parseInput } from '@threadline/core';
import { z } from 'zod';
import { checkedRecords, isInstant, isOptionalInstant, isRecordId } from './records.js';
import { InstantSchema, includeIdsShape, type KpiResult, RecordIdSchema } from './result.js';

/** One SLA target instance (e.g. a case's first-response or resolution metric). */
export interface SlaRecord {
  id: string;
  /** Metric name (e.g. `'first_response'`), for filtering. */
  metric?: string;
  dueAt: number | Date;
  /** When the target was fulfilled; absent while open. */
  completedAt?: number | Date;
}

/** Options of {@link slaAttainment}. */
export interface SlaAttainmentOptions {
  /** Evaluation instant for open records (needed to call an open record overdue). */
  asOf?: number | Date;
  /** Only records of this metric. */
  metric?: string;
  /**
   * Open records past their due time: `'breached'` (default) counts them as breached;
   * `'exclude'` leaves every open record out.
   */
  overdueOpen?: 'breached' | 'exclude';
  includeIds?: boolean;
}

/** The records this KPI accepts (internal: the test compares the hand check with it). */
export const RecordsSchema = z.array(
  z
    .object({
      id: RecordIdSchema,
      metric: z.string().optional(),
      dueAt: InstantSchema,
      completedAt: InstantSchema.optional(),
    })
    .passthrough(),
);
/** The rule of `RecordsSchema` by hand (see `checkedRecords`). */
export function isPlainRecord(r: Record<string, unknown>): boolean {
  return (
    isRecordId(r.id) &&
    (r.metric === undefined || typeof r.metric === 'string') &&
    isInstant(r.dueAt) &&
    isOptionalInstant(r.completedAt)
  );
}

const SlaOptionsSchema = z
  .object({
    asOf: InstantSchema.optional(),
    metric: z.string().optional(),
    overdueOpen: z.enum(['breached', 'exclude']).optional(),
    ...includeIdsShape,
  })
  .strict();

/** Drill-down of {@link slaAttainment}: met, measured, breached and pending ids. */
export type SlaAttainmentResult = KpiResult<'numerator' | 'denominator' | 'breached' | 'pending'>;

/**
 * SLA attainment: share of SLA targets met (completed at or before due). Open records within
 * their due time are pending and left out.
 *
 * @example
 * ```ts
 * slaAttainment(records, { asOf: now, metric: 'first_response' }).value; // 0..1
 * ```
 */
export function slaAttainment(
  records: readonly SlaRecord[],
  options: SlaAttainmentOptions = {},
): SlaAttainmentResult {
  const o = parseInput(SlaOptionsSchema, options, 'slaAttainment options');
  const list = checkedRecords(records, isPlainRecord, RecordsSchema, 'slaAttainment records');
  const ids = o.includeIds
    ? {
        numerator: [] as string[],
        denominator: [] as string[],
        breached: [] as string[],
        pending: [] as string[],
      }
    : undefined;
  let met = 0;
  let measured = 0;
  for (const r of list) {
    if (o.metric !== undefined && r.metric !== o.metric) continue;
    if (r.completedAt === undefined) {
      const overdue = o.asOf !== undefined && o.asOf > r.dueAt;
      if (!overdue || o.overdueOpen === 'exclude') {
        ids?.pending.push(r.id);
        continue;
      }
      measured++;
      ids?.denominator.push(r.id);
      ids?.breached.push(r.id);
      continue;
    }
    measured++;
    ids?.denominator.push(r.id);
    if (r.completedAt <= r.dueAt) {
      met++;
      ids?.numerator.push(r.id);
    } else ids?.breached.push(r.id);
  }
  const result: SlaAttainmentResult = {
    value: measured > 0 ? met / measured : null,
    numerator: met,
    denominator: measured,
  };
  if (ids !== undefined) result.ids = ids;
  return result;
}
