import { parseInput } from '@threadline/core';
import { z } from 'zod';
import { erlangBValue } from './erlangB.js';
import { type LoadInput, loadShape, refineLoad, trafficOf } from './load.js';

/** Input of {@link erlangC}: the load (calls + interval, or traffic), AHT, agents and the answer target. */
export interface ErlangCInput extends LoadInput {
  /** Agents (servers) staffed. */
  agents: number;
  /** Service-level threshold: a call answered within this many seconds counts as met. */
  targetAnswerSeconds: number;
}

/** Result of {@link erlangC}. */
export interface ErlangCResult {
  /** Offered traffic `A = calls · aht / interval` in Erlangs. */
  trafficErlangs: number;
  /** Probability a call waits at all (the Erlang C formula). `1` when `agents ≤ A`. */
  probWait: number;
  /** Share of all calls answered within `targetAnswerSeconds`: `1 − C·exp(−(N−A)·t/aht)`. `0` when unstable. */
  serviceLevel: number;
  /** Average speed of answer over all calls: `C·aht/(N−A)`. `Infinity` when `agents ≤ A`. */
  asaSeconds: number;
  /** Agent occupancy `A/N` (capped at 1). */
  occupancy: number;
}

const ErlangCInputSchema = refineLoad(
  z
    .object({
      ...loadShape,
      agents: z.number().int().nonnegative().max(10_000_000),
      targetAnswerSeconds: z.number().finite().nonnegative(),
    })
    .strict(),
);

/** Erlang C for trusted numbers (used by the solvers): traffic A, agents N, aht and target in seconds. */
export function erlangCValues(traffic: number, agents: number, aht: number, target: number): ErlangCResult {
  if (traffic === 0) {
    return { trafficErlangs: 0, probWait: 0, serviceLevel: 1, asaSeconds: 0, occupancy: 0 };
  }
  if (agents <= traffic) {
    return {
      trafficErlangs: traffic,
      probWait: 1,
      serviceLevel: 0,
      asaSeconds: Number.POSITIVE_INFINITY,
      occupancy: 1,
    };
  }
  const b = erlangBValue(traffic, agents);
  // C = N·B / (N − A(1 − B)): exact identity between Erlang B and C, no factorials.
  const c = (agents * b) / (agents - traffic * (1 - b));
  const spare = agents - traffic;
  return {
    trafficErlangs: traffic,
    probWait: c,
    serviceLevel: Math.max(0, 1 - c * Math.exp((-spare * target) / aht)),
    asaSeconds: (c * aht) / spare,
    occupancy: traffic / agents,
  };
}

/**
 * Erlang C (M/M/N, callers wait forever): probability of waiting, service level, ASA and occupancy.
 * Definitions (as in the package README): service level and ASA are over all calls, including those answered at once.
 *
 * @example
 * ```ts
 * erlangC({ calls: 100, intervalSeconds: 1800, ahtSeconds: 180, agents: 14, targetAnswerSeconds: 20 });
 * // { trafficErlangs: 10, probWait: 0.1741, serviceLevel: 0.8883, asaSeconds: 7.8, occupancy: 0.714 }
 * ```
 */
export function erlangC(input: ErlangCInput): ErlangCResult {
  const v = parseInput(ErlangCInputSchema, input, 'Erlang C input');
  return erlangCValues(trafficOf(v), v.agents, v.ahtSeconds, v.targetAnswerSeconds);
}
