import { type DurationInput, DurationSchema, parseInput } from '@threadline/core';
import { z } from 'zod';
import { checkedRecords, isInstant, isOptionalInstant, isRecordId } from './records.js';
import { InstantSchema, includeIdsShape, type KpiResult, RecordIdSchema, ratio } from './result.js';

/** One contact offered to a queue: answered, abandoned, or still waiting (neither). */
export interface QueuedContact {
  id: string;
  offeredAt: number | Date;
  answeredAt?: number | Date;
  abandonedAt?: number | Date;
}

/** The records this KPI accepts (internal: the test compares the hand check with it). */
export const QueuedSchema = z.array(
  z
    .object({
      id: RecordIdSchema,
      offeredAt: InstantSchema,
      answeredAt: InstantSchema.optional(),
      abandonedAt: InstantSchema.optional(),
    })
    .passthrough()
    .superRefine((c, ctx) => {
      if (c.answeredAt !== undefined && c.abandonedAt !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['abandonedAt'],
          message: 'a contact is answered or abandoned, not both',
        });
      }
      if (c.answeredAt !== undefined && c.answeredAt < c.offeredAt) {
        ctx.addIssue({ code: 'custom', path: ['answeredAt'], message: 'answeredAt is before offeredAt' });
      }
      if (c.abandonedAt !== undefined && c.abandonedAt < c.offeredAt) {
        ctx.addIssue({ code: 'custom', path: ['abandonedAt'], message: 'abandonedAt is before offeredAt' });
      }
    }),
);

/** The rule of `QueuedSchema` by hand (see `checkedRecords`). */
export function isPlainQueued(c: Record<string, unknown>): boolean {
  const { offeredAt, answeredAt, abandonedAt } = c;
  return (
    isRecordId(c.id) &&
    isInstant(offeredAt) &&
    isOptionalInstant(answeredAt) &&
    isOptionalInstant(abandonedAt) &&
    (answeredAt === undefined || abandonedAt === undefined) &&
    (answeredAt === undefined || (answeredAt as number) >= offeredAt) &&
    (abandonedAt === undefined || (abandonedAt as number) >= offeredAt)
  );
}

type Outcome = 'answered' | 'abandoned' | 'short' | 'pending';
interface Classified {
  id: string;
  outcome: Outcome;
  waitMs: number;
}

function classify(contacts: readonly QueuedContact[], shortAbandonMs: number, what: string): Classified[] {
  const list = checkedRecords(contacts, isPlainQueued, QueuedSchema, what);
  return list.map((c) => {
    if (c.answeredAt !== undefined)
      return { id: c.id, outcome: 'answered', waitMs: c.answeredAt - c.offeredAt };
    if (c.abandonedAt !== undefined) {
      const waitMs = c.abandonedAt - c.offeredAt;
      return { id: c.id, outcome: waitMs < shortAbandonMs ? 'short' : 'abandoned', waitMs };
    }
    return { id: c.id, outcome: 'pending', waitMs: 0 };
  });
}

/** Drill-down groups of the queue KPIs: ids counted, ids measured, ids left out (short abandons, pending). */
export type QueueKpiResult = KpiResult<'numerator' | 'denominator' | 'excluded'>;

function groups(include: boolean | undefined) {
  return include
    ? { numerator: [] as string[], denominator: [] as string[], excluded: [] as string[] }
    : undefined;
}

/** Service-level formulas (industry variants). */
export type ServiceLevelFormula = 'offered' | 'answered' | 'exclude-early-abandons' | 'abandons-within-met';

/** Options of {@link serviceLevel}. */
export interface ServiceLevelOptions {
  /** Answer-time threshold (ms or `{ seconds: 20 }`). */
  threshold: DurationInput;
  /**
   * - `'offered'` (default): answered within threshold / (answered + abandoned) — abandons are misses.
   * - `'answered'`: answered within threshold / answered.
   * - `'exclude-early-abandons'`: abandons before the threshold are left out of the denominator.
   * - `'abandons-within-met'`: abandons before the threshold count as met.
   */
  formula?: ServiceLevelFormula;
  /** Abandons quicker than this are ignored everywhere (misdials, ghost calls). Default 0. */
  shortAbandon?: DurationInput;
  includeIds?: boolean;
}

const SlOptionsSchema = z
  .object({
    threshold: DurationSchema,
    formula: z.enum(['offered', 'answered', 'exclude-early-abandons', 'abandons-within-met']).optional(),
    shortAbandon: DurationSchema.optional(),
    ...includeIdsShape,
  })
  .strict();

/**
 * Service level from raw queue contacts, with the formula and short-abandon threshold as parameters.
 *
 * @example
 * ```ts
 * serviceLevel(contacts, { threshold: { seconds: 20 }, shortAbandon: { seconds: 5 } }).value; // 0..1
 * ```
 */
export function serviceLevel(
  contacts: readonly QueuedContact[],
  options: ServiceLevelOptions,
): QueueKpiResult {
  const o = parseInput(SlOptionsSchema, options, 'serviceLevel options');
  const formula = o.formula ?? 'offered';
  const ids = groups(o.includeIds);
  let met = 0;
  let measured = 0;
  for (const c of classify(contacts, o.shortAbandon ?? 0, 'serviceLevel contacts')) {
    const within = c.waitMs <= o.threshold;
    let counted: boolean;
    let isMet = false;
    if (c.outcome === 'answered') {
      counted = true;
      isMet = within;
    } else if (c.outcome === 'abandoned') {
      counted =
        formula === 'offered' ||
        formula === 'abandons-within-met' ||
        (formula === 'exclude-early-abandons' && !within);
      isMet = formula === 'abandons-within-met' && within;
    } else counted = false;
    if (!counted) {
      ids?.excluded.push(c.id);
      continue;
    }
    measured++;
    ids?.denominator.push(c.id);
    if (isMet) {
      met++;
      ids?.numerator.push(c.id);
    }
  }
  return ratio(met, measured, ids);
}

/** Options of {@link asa}. */
export interface AsaOptions {
  /**
   * `'answered'` (default): mean wait of answered contacts. `'all'`: mean time in queue of answered
   * and abandoned contacts (abandoners' time until they hung up), as Erlang A's "over all arrivals".
   */
  basis?: 'answered' | 'all';
  shortAbandon?: DurationInput;
  includeIds?: boolean;
}

const AsaOptionsSchema = z
  .object({
    basis: z.enum(['answered', 'all']).optional(),
    shortAbandon: DurationSchema.optional(),
    ...includeIdsShape,
  })
  .strict();

/**
 * Average speed of answer in milliseconds. `numerator` is total wait (ms), `denominator` the contacts.
 *
 * @example
 * ```ts
 * asa([{ id: 'a', offeredAt: 0, answeredAt: 10_000 }, { id: 'b', offeredAt: 0, answeredAt: 30_000 }]).value; // 20000
 * ```
 */
export function asa(contacts: readonly QueuedContact[], options: AsaOptions = {}): QueueKpiResult {
  const o = parseInput(AsaOptionsSchema, options, 'asa options');
  const ids = groups(o.includeIds);
  let wait = 0;
  let n = 0;
  for (const c of classify(contacts, o.shortAbandon ?? 0, 'asa contacts')) {
    if (c.outcome === 'answered' || (c.outcome === 'abandoned' && o.basis === 'all')) {
      wait += c.waitMs;
      n++;
      ids?.numerator.push(c.id);
      ids?.denominator.push(c.id);
    } else ids?.excluded.push(c.id);
  }
  return ratio(wait, n, ids);
}

/** Options of {@link abandonmentRate}. */
export interface AbandonmentOptions {
  /** Abandons quicker than this are not counted as abandons. Default 0. */
  shortAbandon?: DurationInput;
  /** Keep short abandons in the denominator (default false: they are removed from both sides). */
  shortAbandonsInDenominator?: boolean;
  includeIds?: boolean;
}

const AbandonOptionsSchema = z
  .object({
    shortAbandon: DurationSchema.optional(),
    shortAbandonsInDenominator: z.boolean().optional(),
    ...includeIdsShape,
  })
  .strict();

/**
 * Abandonment rate: abandoned / (answered + abandoned), with a short-abandon threshold.
 * Contacts still waiting are left out.
 *
 * @example
 * ```ts
 * abandonmentRate(contacts, { shortAbandon: { seconds: 5 } }).value;
 * ```
 */
export function abandonmentRate(
  contacts: readonly QueuedContact[],
  options: AbandonmentOptions = {},
): QueueKpiResult {
  const o = parseInput(AbandonOptionsSchema, options, 'abandonmentRate options');
  const ids = groups(o.includeIds);
  let abandoned = 0;
  let offered = 0;
  for (const c of classify(contacts, o.shortAbandon ?? 0, 'abandonmentRate contacts')) {
    if (c.outcome === 'pending' || (c.outcome === 'short' && !o.shortAbandonsInDenominator)) {
      ids?.excluded.push(c.id);
      continue;
    }
    offered++;
    ids?.denominator.push(c.id);
    if (c.outcome === 'abandoned') {
      abandoned++;
      ids?.numerator.push(c.id);
    }
  }
  return ratio(abandoned, offered, ids);
}
