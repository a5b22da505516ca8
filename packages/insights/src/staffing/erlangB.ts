import { parseInput } from '@threadline/core';
import { z } from 'zod';

/** Input of {@link erlangB}. */
export interface ErlangBInput {
  /** Offered traffic in Erlangs (arrival rate × mean holding time). */
  trafficErlangs: number;
  /** Number of servers (agents, trunks). */
  agents: number;
}

/** Result of {@link erlangB}. */
export interface ErlangBResult {
  /** Probability that an arrival finds every server busy and is lost (blocked). */
  blocking: number;
}

const ErlangBInputSchema = z
  .object({
    trafficErlangs: z.number().finite().nonnegative(),
    agents: z.number().int().nonnegative().max(10_000_000),
  })
  .strict();

/**
 * Erlang B blocking probability by the recursion `B(0) = 1`,
 * `B(n) = A·B(n−1) / (n + A·B(n−1))` — O(N), no factorials, stable for any N. Internal, unvalidated.
 */
export function erlangBValue(traffic: number, agents: number): number {
  // No offered traffic: nothing can be blocked (also for 0 servers, where the recursion's B(0) = 1
  // would describe a call that never arrives).
  if (traffic <= 0) return 0;
  let b = 1;
  for (let n = 1; n <= agents; n++) {
    const ab = traffic * b;
    b = ab / (n + ab);
  }
  return b;
}

/**
 * Erlang B (M/M/N/N, blocked calls cleared): the probability a call is blocked.
 *
 * @example
 * ```ts
 * erlangB({ trafficErlangs: 10, agents: 10 }); // { blocking: 0.2146 }
 * ```
 */
export function erlangB(input: ErlangBInput): ErlangBResult {
  const { trafficErlangs, agents } = parseInput(ErlangBInputSchema, input, 'Erlang B input');
  return { blocking: erlangBValue(trafficErlangs, agents) };
}
