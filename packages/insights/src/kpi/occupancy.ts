import { parseInput } from '@threadline/core';
import { z } from 'zod';
import { checkedRecords, isInstant, isNonEmpty, isRecordId } from './records.js';
import { InstantSchema, includeIdsShape, type KpiResult, RecordIdSchema, ratio } from './result.js';

/** One span of agent time in a state (e.g. `'handling'`, `'available'`, `'break'`). */
export interface AgentActivity {
  id: string;
  agentId: string;
  state: string;
  start: number | Date;
  end: number | Date;
}

/** Options of {@link occupancy}. */
export interface OccupancyOptions {
  /** Window start; spans are clipped to [from, to). */
  from?: number | Date;
  /** Window end. */
  to?: number | Date;
  /** States that count as handling work (default `['handling']`, e.g. add `'wrap'`). */
  busyStates?: string[];
  /** States that count as available, waiting for work (default `['available']`). */
  idleStates?: string[];
  /** Only these agents. */
  agentIds?: string[];
  includeIds?: boolean;
}

/** The records this KPI accepts (internal: the test compares the hand check with it). */
export const ActivitiesSchema = z.array(
  z
    .object({
      id: RecordIdSchema,
      agentId: z.string().min(1),
      state: z.string().min(1),
      start: InstantSchema,
      end: InstantSchema,
    })
    .passthrough()
    .refine((a) => a.end >= a.start, { message: 'end is before start', path: ['end'] }),
);

/** The rule of `ActivitiesSchema` by hand (see `checkedRecords`). */
export function isPlainActivity(a: Record<string, unknown>): boolean {
  return (
    isRecordId(a.id) &&
    isNonEmpty(a.agentId) &&
    isNonEmpty(a.state) &&
    isInstant(a.start) &&
    isInstant(a.end) &&
    a.end >= a.start
  );
}

const OccupancyOptionsSchema = z
  .object({
    from: InstantSchema.optional(),
    to: InstantSchema.optional(),
    busyStates: z.array(z.string().min(1)).min(1).optional(),
    idleStates: z.array(z.string().min(1)).optional(),
    agentIds: z.array(z.string().min(1)).optional(),
    ...includeIdsShape,
  })
  .strict();

/**
 * Occupancy: time handling work / (handling + available) time, from state spans. Other states
 * (break, training, offline) are outside both. `numerator`/`denominator` are milliseconds.
 *
 * @example
 * ```ts
 * occupancy([
 *   { id: 's1', agentId: 'a1', state: 'handling', start: 0, end: 45 * 60_000 },
 *   { id: 's2', agentId: 'a1', state: 'available', start: 45 * 60_000, end: 60 * 60_000 },
 * ]).value; // 0.75
 * ```
 */
export function occupancy(activities: readonly AgentActivity[], options: OccupancyOptions = {}): KpiResult {
  const o = parseInput(OccupancyOptionsSchema, options, 'occupancy options');
  const list = checkedRecords(activities, isPlainActivity, ActivitiesSchema, 'occupancy activities');
  const busy = new Set(o.busyStates ?? ['handling']);
  const idle = new Set(o.idleStates ?? ['available']);
  const agents = o.agentIds ? new Set(o.agentIds) : undefined;
  const from = o.from ?? Number.NEGATIVE_INFINITY;
  const to = o.to ?? Number.POSITIVE_INFINITY;
  const ids = o.includeIds ? { numerator: [] as string[], denominator: [] as string[] } : undefined;
  let busyMs = 0;
  let totalMs = 0;
  for (const a of list) {
    if (agents && !agents.has(a.agentId)) continue;
    const isBusy = busy.has(a.state);
    if (!isBusy && !idle.has(a.state)) continue;
    const span = Math.min(a.end, to) - Math.max(a.start, from);
    if (span <= 0) continue;
    totalMs += span;
    ids?.denominator.push(a.id);
    if (isBusy) {
      busyMs += span;
      ids?.numerator.push(a.id);
    }
  }
  return ratio(busyMs, totalMs, ids);
}
