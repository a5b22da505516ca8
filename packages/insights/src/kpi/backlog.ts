import { type DurationInput, DurationSchema, parseInput } from '@threadline/core';
import { z } from 'zod';
import { checkedRecords, isInstant, isOptionalInstant, isRecordId } from './records.js';
import { InstantSchema, includeIdsShape, type KpiResult, RecordIdSchema } from './result.js';

/** A work item (case, ticket, conversation) for {@link backlog}. */
export interface WorkItem {
  id: string;
  createdAt: number | Date;
  resolvedAt?: number | Date;
}

/** Options of {@link backlog}. */
export interface BacklogOptions {
  /** The instant the backlog is measured at. */
  asOf: number | Date;
  /** Count only items open longer than this (aged backlog). */
  olderThan?: DurationInput;
  includeIds?: boolean;
}

/** The records this KPI accepts (internal: the test compares the hand check with it). */
export const ItemsSchema = z.array(
  z
    .object({ id: RecordIdSchema, createdAt: InstantSchema, resolvedAt: InstantSchema.optional() })
    .passthrough(),
);
/** The rule of `ItemsSchema` by hand (see `checkedRecords`). */
export function isPlainItem(i: Record<string, unknown>): boolean {
  return isRecordId(i.id) && isInstant(i.createdAt) && isOptionalInstant(i.resolvedAt);
}

const BacklogOptionsSchema = z
  .object({ asOf: InstantSchema, olderThan: DurationSchema.optional(), ...includeIdsShape })
  .strict();

/** Result of {@link backlog}: `value` = open items (matching `olderThan`), plus their mean age. */
export interface BacklogResult extends KpiResult {
  /** Mean age (ms) of the counted items; `null` when none. */
  meanAgeMs: number | null;
  /** Age (ms) of the oldest counted item; `null` when none. */
  oldestAgeMs: number | null;
}

/**
 * Backlog at an instant: items created at or before `asOf` and not resolved by then.
 * `numerator` is the count; `denominator` is every item open at `asOf` (so aged share = value / denominator).
 *
 * @example
 * ```ts
 * backlog(cases, { asOf: Date.now(), olderThan: { days: 2 } }).value;
 * ```
 */
export function backlog(items: readonly WorkItem[], options: BacklogOptions): BacklogResult {
  const o = parseInput(BacklogOptionsSchema, options, 'backlog options');
  const list = checkedRecords(items, isPlainItem, ItemsSchema, 'backlog items');
  const minAge = o.olderThan ?? 0;
  const ids = o.includeIds ? { numerator: [] as string[], denominator: [] as string[] } : undefined;
  let open = 0;
  let counted = 0;
  let ageSum = 0;
  let oldest = 0;
  for (const i of list) {
    if (i.createdAt > o.asOf) continue;
    if (i.resolvedAt !== undefined && i.resolvedAt <= o.asOf) continue;
    open++;
    ids?.denominator.push(i.id);
    const age = o.asOf - i.createdAt;
    if (age < minAge || (o.olderThan !== undefined && age === minAge)) continue;
    counted++;
    ageSum += age;
    oldest = Math.max(oldest, age);
    ids?.numerator.push(i.id);
  }
  const r: BacklogResult = {
    value: counted,
    numerator: counted,
    denominator: open,
    meanAgeMs: counted > 0 ? ageSum / counted : null,
    oldestAgeMs: counted > 0 ? oldest : null,
  };
  if (ids !== undefined) r.ids = ids;
  return r;
}
