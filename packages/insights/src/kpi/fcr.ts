import { type DurationInput, DurationSchema, parseInput } from '@threadline/core';
import { z } from 'zod';
import { checkedRecords, isInstant, isNonEmpty, isRecordId } from './records.js';
import { InstantSchema, includeIdsShape, type KpiResult, RecordIdSchema } from './result.js';

/** One customer contact for {@link fcr}. */
export interface Contact {
  id: string;
  customerId: string;
  /** When the contact happened (epoch ms or Date). */
  at: number | Date;
  /** Topic / reason; with `sameTopic` only repeats on the same topic count. */
  topic?: string;
  /** Explicit resolution flag (used by `method: 'flag'`). */
  resolved?: boolean;
}

/** Options of {@link fcr}. */
export interface FcrOptions {
  /**
   * `'repeat'` (default): a contact is resolved first time if the same customer (and topic, see
   * `sameTopic`) does not contact again within `window`. `'flag'`: use each contact's `resolved` flag.
   */
  method?: 'repeat' | 'flag';
  /** Repeat window (ms or `{ days, hours, … }`). Default 7 days. */
  window?: DurationInput;
  /** Only a repeat on the same topic breaks FCR (default true). */
  sameTopic?: boolean;
  /**
   * Evaluation instant: contacts whose window has not closed by then are pending and left out
   * (they appear under `ids.pending`). Without it every window is treated as closed.
   */
  asOf?: number | Date;
  /** Count repeat contacts as new first contacts too (default false: they are excluded). */
  countRepeats?: boolean;
  includeIds?: boolean;
}

/** The records this KPI accepts (internal: the test compares the hand check with it). */
export const ContactsSchema = z.array(
  z
    .object({
      id: RecordIdSchema,
      customerId: z.string().min(1),
      at: InstantSchema,
      topic: z.string().optional(),
      resolved: z.boolean().optional(),
    })
    .passthrough(),
);

/** The rule of `ContactsSchema` by hand (see `checkedRecords`). */
export function isPlainContact(c: Record<string, unknown>): boolean {
  return (
    isRecordId(c.id) &&
    isNonEmpty(c.customerId) &&
    isInstant(c.at) &&
    (c.topic === undefined || typeof c.topic === 'string') &&
    (c.resolved === undefined || typeof c.resolved === 'boolean')
  );
}

const FcrOptionsSchema = z
  .object({
    method: z.enum(['repeat', 'flag']).optional(),
    window: DurationSchema.optional(),
    sameTopic: z.boolean().optional(),
    asOf: InstantSchema.optional(),
    countRepeats: z.boolean().optional(),
    ...includeIdsShape,
  })
  .strict();

/** Result of {@link fcr}: ids grouped as resolved (numerator), measured (denominator), repeats, pending. */
export type FcrResult = KpiResult<'numerator' | 'denominator' | 'repeats' | 'pending'>;

/**
 * First-contact resolution with a repeat window: share of first contacts not followed by another
 * contact from the same customer (on the same topic) within the window.
 *
 * @example
 * ```ts
 * fcr([
 *   { id: 'c1', customerId: 'u1', at: 0, topic: 'billing' },
 *   { id: 'c2', customerId: 'u1', at: 3_600_000, topic: 'billing' }, // repeat within 7 days
 *   { id: 'c3', customerId: 'u2', at: 0, topic: 'billing' },
 * ]).value; // 0.5 (c3 resolved; c1 repeated; c2 is a repeat, not a first contact)
 * ```
 */
export function fcr(contacts: readonly Contact[], options: FcrOptions = {}): FcrResult {
  const o = parseInput(FcrOptionsSchema, options, 'fcr options');
  const list = checkedRecords(contacts, isPlainContact, ContactsSchema, 'fcr contacts');
  const ids = o.includeIds
    ? {
        numerator: [] as string[],
        denominator: [] as string[],
        repeats: [] as string[],
        pending: [] as string[],
      }
    : undefined;
  let resolved = 0;
  let measured = 0;
  if (o.method === 'flag') {
    for (const c of list) {
      if (c.resolved === undefined) {
        ids?.pending.push(c.id);
        continue;
      }
      measured++;
      ids?.denominator.push(c.id);
      if (c.resolved) {
        resolved++;
        ids?.numerator.push(c.id);
      }
    }
  } else {
    const window = o.window ?? 7 * 86_400_000;
    const sameTopic = o.sameTopic ?? true;
    const groups = new Map<string, { id: string; at: number }[]>();
    for (const c of list) {
      const key = sameTopic ? `${c.customerId}\u0000${c.topic ?? ''}` : c.customerId;
      let g = groups.get(key);
      if (g === undefined) groups.set(key, (g = []));
      g.push({ id: c.id, at: c.at });
    }
    for (const g of groups.values()) {
      g.sort((a, b) => a.at - b.at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      for (let i = 0; i < g.length; i++) {
        const c = g[i]!;
        const prev = g[i - 1];
        const isRepeat = prev !== undefined && c.at - prev.at <= window;
        if (isRepeat) ids?.repeats.push(c.id);
        if (isRepeat && !o.countRepeats) continue;
        if (o.asOf !== undefined && c.at + window > o.asOf) {
          ids?.pending.push(c.id);
          continue;
        }
        measured++;
        ids?.denominator.push(c.id);
        const next = g[i + 1];
        if (next === undefined || next.at - c.at > window) {
          resolved++;
          ids?.numerator.push(c.id);
        }
      }
    }
  }
  const r: FcrResult = {
    value: measured > 0 ? resolved / measured : null,
    numerator: resolved,
    denominator: measured,
  };
  if (ids !== undefined) r.ids = ids;
  return r;
}
