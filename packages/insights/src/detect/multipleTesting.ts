import { parseInput } from '@threadline/core';
import { z } from 'zod';

/** Result of {@link benjaminiHochberg}, in the order of the input p-values. */
export interface BhResult {
  /** Whether each hypothesis is rejected at the false-discovery rate `q`. */
  rejected: boolean[];
  /** BH-adjusted p-values (q-values): the smallest FDR at which each would be rejected. */
  qValues: number[];
}

const InputSchema = z.object({
  pValues: z.array(z.number().min(0).max(1)),
  q: z.number().gt(0).max(1),
});

/**
 * Benjamini–Hochberg false-discovery-rate control across many tests (e.g. one per topic per window).
 *
 * @example
 * ```ts
 * benjaminiHochberg([0.001, 0.2, 0.03], 0.05); // { rejected: [true, false, true], qValues: [0.003, 0.2, 0.045] }
 * ```
 */
export function benjaminiHochberg(pValues: readonly number[], q: number): BhResult {
  parseInput(InputSchema, { pValues, q }, 'Benjamini–Hochberg input');
  return bhUnchecked(pValues, q);
}

/** {@link benjaminiHochberg} without validation (hot path). */
export function bhUnchecked(pValues: readonly number[], q: number): BhResult {
  const m = pValues.length;
  const order = Array.from({ length: m }, (_, i) => i).sort((a, b) => pValues[a]! - pValues[b]! || a - b);
  const qValues = new Array<number>(m).fill(1);
  let running = 1;
  for (let rank = m; rank >= 1; rank--) {
    const i = order[rank - 1]!;
    running = Math.min(running, (pValues[i]! * m) / rank);
    qValues[i] = running;
  }
  return { rejected: qValues.map((v) => v <= q), qValues };
}
