import { parseInput } from '@threadline/core';
import { z } from 'zod';
import { JourneySplitSchema } from './definition.js';

/** The group a customer is assigned to by a journey's split. */
export type JourneyAssignment = { group: 'holdout' } | { group: 'treatment'; variant: string };

/** FNV-1a (32-bit) over the UTF-16 code units, then an avalanche mix: a stable uniform hash. */
function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A number in [0, 1) fixed by the seed and the customer id. */
export function unitHash(seed: string | number, customerId: string): number {
  return hash32(`${String(seed)}\u0000${customerId}`) / 4_294_967_296;
}

/** A split after validation, with its cumulative weights. */
export interface CompiledSplit {
  seed: string | number;
  holdout: number;
  variants: { id: string; start: string | undefined }[];
  /** Cumulative weight shares (last is 1). */
  cumulative: number[];
}

/** Compiles a split once so assignment is a hash and a short scan. */
export function compileSplit(split: z.output<typeof JourneySplitSchema>): CompiledSplit {
  const total = split.variants.reduce((s, v) => s + v.weight, 0);
  let acc = 0;
  const cumulative = split.variants.map((v) => {
    acc += v.weight / total;
    return acc;
  });
  cumulative[cumulative.length - 1] = 1;
  return {
    seed: split.seed,
    holdout: split.holdout,
    variants: split.variants.map((v) => ({ id: v.id, start: v.start })),
    cumulative,
  };
}

/** Index of the customer's variant, or -1 for the holdout. */
export function assignIndex(split: CompiledSplit, customerId: string): number {
  const u = unitHash(split.seed, customerId);
  if (u < split.holdout) return -1;
  // Rescale the part above the holdout so variant shares do not depend on the holdout size.
  const v = (u - split.holdout) / (1 - split.holdout);
  for (let i = 0; i < split.cumulative.length; i++) if (v < (split.cumulative[i] as number)) return i;
  return split.cumulative.length - 1;
}

/**
 * The deterministic A/B assignment a journey's split gives a customer: the same seed and customer
 * id always land in the same group, whatever the process or the order of arrival. The holdout
 * takes the share `holdout` of customers; the rest are spread over the variants by weight.
 *
 * @example
 * ```ts
 * assignJourneyGroup({ seed: 'outage-2026', holdout: 0.1, variants: [{ id: 'a', weight: 1 }, { id: 'b', weight: 1 }] }, 'cus-42');
 * // { group: 'treatment', variant: 'b' } — always, for this seed and customer
 * ```
 */
export function assignJourneyGroup(
  split: z.input<typeof JourneySplitSchema>,
  customerId: string,
): JourneyAssignment {
  const parsed = parseInput(JourneySplitSchema, split, 'journey split');
  const id = parseInput(z.string().min(1), customerId, 'customerId');
  const compiled = compileSplit(parsed);
  const i = assignIndex(compiled, id);
  return i < 0 ? { group: 'holdout' } : { group: 'treatment', variant: compiled.variants[i]?.id as string };
}
