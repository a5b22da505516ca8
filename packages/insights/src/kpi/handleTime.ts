import { parseInput } from '@threadline/core';
import { z } from 'zod';
import { checkedRecords, isRecordId } from './records.js';
import { includeIdsShape, type KpiResult, RecordIdSchema } from './result.js';

/** One handled interaction for {@link aht}. Times in milliseconds. */
export interface HandledInteraction {
  id: string;
  talkMs: number;
  holdMs?: number;
  wrapMs?: number;
}

/** The parts of handle time. */
export type HandleTimeComponent = 'talk' | 'hold' | 'wrap';

/** Result of {@link aht}: mean handle time in ms plus the mean of each component. */
export interface AhtResult extends KpiResult {
  talkMs: number | null;
  holdMs: number | null;
  wrapMs: number | null;
}

const ms = z.number().finite().nonnegative();
/** The records this KPI accepts (internal: the test compares the hand check with it). */
export const InteractionsSchema = z.array(
  z.object({ id: RecordIdSchema, talkMs: ms, holdMs: ms.optional(), wrapMs: ms.optional() }).passthrough(),
);
const isMs = (v: unknown) => typeof v === 'number' && Number.isFinite(v) && v >= 0;

/** The rule of `InteractionsSchema` by hand (see `checkedRecords`). */
export function isPlainInteraction(i: Record<string, unknown>): boolean {
  return (
    isRecordId(i.id) &&
    isMs(i.talkMs) &&
    (i.holdMs === undefined || isMs(i.holdMs)) &&
    (i.wrapMs === undefined || isMs(i.wrapMs))
  );
}

const AhtOptionsSchema = z
  .object({
    components: z
      .array(z.enum(['talk', 'hold', 'wrap']))
      .min(1)
      .optional(),
    ...includeIdsShape,
  })
  .strict();

/**
 * Average handle time: mean of talk + hold + wrap (choose the parts with `components`).
 *
 * @example
 * ```ts
 * aht([{ id: 'i1', talkMs: 240_000, holdMs: 30_000, wrapMs: 60_000 }]).value; // 330000
 * aht(items, { components: ['talk', 'hold'] }); // without after-call work
 * ```
 */
export function aht(
  interactions: readonly HandledInteraction[],
  options: { components?: HandleTimeComponent[]; includeIds?: boolean } = {},
): AhtResult {
  const o = parseInput(AhtOptionsSchema, options, 'aht options');
  const list = checkedRecords(interactions, isPlainInteraction, InteractionsSchema, 'aht interactions');
  const parts = new Set(o.components ?? ['talk', 'hold', 'wrap']);
  let talk = 0;
  let hold = 0;
  let wrap = 0;
  const ids = o.includeIds ? { numerator: [] as string[], denominator: [] as string[] } : undefined;
  for (const i of list) {
    talk += i.talkMs;
    hold += i.holdMs ?? 0;
    wrap += i.wrapMs ?? 0;
    ids?.numerator.push(i.id);
    ids?.denominator.push(i.id);
  }
  const total =
    (parts.has('talk') ? talk : 0) + (parts.has('hold') ? hold : 0) + (parts.has('wrap') ? wrap : 0);
  const n = list.length;
  const r: AhtResult = {
    value: n > 0 ? total / n : null,
    numerator: total,
    denominator: n,
    talkMs: n > 0 ? talk / n : null,
    holdMs: n > 0 ? hold / n : null,
    wrapMs: n > 0 ? wrap / n : null,
  };
  if (ids !== undefined) r.ids = ids;
  return r;
}
