import { parseInput, ThreadlineError } from '@threadline/core';
import { z } from 'zod';
import { type LoadInput, loadShape, refineLoad, trafficOf } from './load.js';

/** Which arrivals the Erlang A service level and ASA are averaged over. */
export type ErlangABasis = 'all' | 'answered';

/** Input of {@link erlangA}. */
export interface ErlangAInput extends LoadInput {
  /** Mean patience (time a caller is willing to wait before abandoning), in seconds. */
  patienceSeconds: number;
  /** Agents staffed. */
  agents: number;
  /** Service-level threshold in seconds. */
  targetAnswerSeconds: number;
  /**
   * `'all'` (default, DESIGN.md §7): service level and ASA over all arrivals — abandoners count as
   * misses and their time in queue counts toward ASA. `'answered'`: over answered calls only.
   */
  basis?: ErlangABasis | undefined;
}

/** Result of {@link erlangA}. */
export interface ErlangAResult {
  /** Offered traffic in Erlangs. */
  trafficErlangs: number;
  /** Probability an arrival finds every agent busy and has to wait. */
  probWait: number;
  /** Probability an arrival abandons before being answered. */
  probAbandon: number;
  /** Share of arrivals (or of answered calls, with `basis: 'answered'`) answered within the target. */
  serviceLevel: number;
  /** Average wait in seconds (over all arrivals by default; of answered calls with `basis: 'answered'`). */
  asaSeconds: number;
  /** Agent occupancy: mean busy agents / agents (carried, not offered, load). */
  occupancy: number;
  /** Mean number of callers waiting in queue. */
  averageQueueLength: number;
}

const ErlangAInputSchema = refineLoad(
  z
    .object({
      ...loadShape,
      patienceSeconds: z.number().finite().positive(),
      agents: z.number().int().nonnegative().max(1_000_000),
      targetAnswerSeconds: z.number().finite().nonnegative(),
      basis: z.enum(['all', 'answered']).optional(),
    })
    .strict(),
);

/** Hard cap on the truncated state space of the birth–death chain. */
const MAX_STATES = 5_000_000;
/** States whose probability is below e^-40 (≈ 4e-18) of the mode are dropped. */
const LOG_CUTOFF = 40;

/**
 * Erlang A for trusted numbers. Time is measured in units of the AHT (service rate 1), so
 * `theta = aht / patience` and `t = target / aht`.
 */
export function erlangAValues(
  traffic: number,
  agents: number,
  ahtSeconds: number,
  patienceSeconds: number,
  targetSeconds: number,
  basis: ErlangABasis = 'all',
): ErlangAResult {
  if (traffic === 0) {
    return {
      trafficErlangs: 0,
      probWait: 0,
      probAbandon: 0,
      serviceLevel: 1,
      asaSeconds: 0,
      occupancy: 0,
      averageQueueLength: 0,
    };
  }
  const n = agents;
  const theta = ahtSeconds / patienceSeconds;
  const t = targetSeconds / ahtSeconds;
  const logA = Math.log(traffic);

  // Stationary distribution of the M/M/N+M birth–death chain in log space:
  // log p(k) = log p(k−1) + log λ − log(min(k, N) + (k − N)⁺·θ).
  const logp: number[] = [0];
  let maxLog = 0;
  for (let k = 1; ; k++) {
    const rate = Math.min(k, n) + Math.max(k - n, 0) * theta;
    const lp = (logp[k - 1] as number) + logA - Math.log(rate);
    logp.push(lp);
    if (lp > maxLog) maxLog = lp;
    if (k > n && rate > traffic && lp < maxLog - LOG_CUTOFF) break;
    if (k >= MAX_STATES) {
      throw new ThreadlineError(
        'CAPACITY',
        'Erlang A state space too large (patience too long for the load)',
        {
          details: { trafficErlangs: traffic, agents, patienceSeconds },
        },
      );
    }
  }
  const states = logp.length;
  const p = new Float64Array(states);
  let z = 0;
  for (let k = 0; k < states; k++) {
    const w = Math.exp((logp[k] as number) - maxLog);
    p[k] = w;
    z += w;
  }
  let probWait = 0;
  let queue = 0;
  let busy = 0;
  for (let k = 0; k < states; k++) {
    const pk = (p[k] as number) / z;
    p[k] = pk;
    if (k >= n) {
      probWait += pk;
      queue += (k - n) * pk;
      busy += n * pk;
    } else {
      busy += k * pk;
    }
  }
  const probAbandon = Math.min(1, (theta * queue) / traffic);
  const probImmediate = Math.max(0, 1 - probWait);

  // A caller arriving with j callers ahead in queue moves up at rate a_j = N + jθ and abandons at θ.
  // It is served iff it moves up at every stage: L_j = Π_{i≤j} a_i/(a_i + θ); E[wait·1{served}] = L_j·Σ 1/(a_i + θ).
  let servedQueued = 0;
  let servedWaitSum = 0;
  if (n > 0) {
    let l = 1;
    let s = 0;
    for (let j = 0; n + j < states; j++) {
      const q = n + (j + 1) * theta;
      l *= (n + j * theta) / q;
      s += 1 / q;
      const pj = p[n + j] as number;
      servedQueued += pj * l;
      servedWaitSum += pj * l * s;
      if (l < 1e-300) break;
    }
  }
  const probServed = probImmediate + servedQueued;
  const queuedWithinTarget = n > 0 ? servedWithin(p, n, states, theta, t) : 0;
  const slAll = Math.min(1, Math.max(0, probImmediate + queuedWithinTarget));

  const serviceLevel = basis === 'all' ? slAll : probServed > 0 ? Math.min(1, slAll / probServed) : 0;
  const asaSeconds =
    basis === 'all'
      ? (queue / traffic) * ahtSeconds
      : probServed > 0
        ? (servedWaitSum / probServed) * ahtSeconds
        : Number.POSITIVE_INFINITY;
  return {
    trafficErlangs: traffic,
    probWait: Math.min(1, probWait),
    probAbandon,
    serviceLevel,
    asaSeconds,
    occupancy: n > 0 ? Math.min(1, busy / n) : 0,
    averageQueueLength: queue,
  };
}

/**
 * P(arrival waits, is served, and its wait ≤ t), by uniformization of the tagged caller's
 * position chain (absorbing states "served" and "abandoned"), weighted by the arrival-state
 * probabilities `p[N + j]`. Poisson weights are computed iteratively in log space.
 */
function servedWithin(p: Float64Array, n: number, states: number, theta: number, t: number): number {
  if (t <= 0) return 0;
  let positions = states - n;
  let rate = n + positions * theta;
  let x = rate * t;
  let steps = Math.ceil(x + 12 * Math.sqrt(x) + 30);
  // A caller more than `steps` positions back cannot be served within `steps` jumps: drop those
  // positions, which lowers the uniformization rate; repeat until stable.
  while (positions > steps + 1) {
    positions = steps + 1;
    rate = n + positions * theta;
    x = rate * t;
    steps = Math.ceil(x + 12 * Math.sqrt(x) + 30);
  }
  let v = new Float64Array(positions);
  let next = new Float64Array(positions);
  for (let j = 0; j < positions; j++) v[j] = p[n + j] as number;
  const stay = new Float64Array(positions);
  const up = new Float64Array(positions);
  for (let i = 0; i < positions; i++) {
    stay[i] = 1 - (n + (i + 1) * theta) / rate;
    up[i] = (n + i * theta) / rate;
  }
  let served = 0;
  let total = 0;
  let weightSum = 0;
  const logX = Math.log(x);
  let logW = -x;
  let hi = positions;
  for (let step = 0; step <= steps; step++) {
    const w = Math.exp(logW);
    total += w * served;
    weightSum += w;
    if (step === steps) break;
    served += (v[0] as number) * (up[0] as number);
    for (let i = 0; i < hi; i++) {
      const below = i + 1 < hi ? (v[i + 1] as number) * (up[i + 1] as number) : 0;
      next[i] = (v[i] as number) * (stay[i] as number) + below;
    }
    const tmp = v;
    v = next;
    next = tmp;
    logW += logX - Math.log(step + 1);
    // After `step + 1` jumps, positions beyond `steps − step` can no longer reach service in time.
    hi = Math.min(hi, steps - step);
  }
  // Weight beyond `steps` is negligible; count it at the last served value (a lower bound).
  return total + Math.max(0, 1 - weightSum) * served;
}

/**
 * Erlang A (M/M/N+M: Poisson arrivals, exponential handle times, exponential patience).
 * Solved exactly: the birth–death chain with abandonment in log space (stable at thousands of
 * agents) and the waiting-time distribution by uniformization.
 *
 * @example
 * ```ts
 * erlangA({
 *   calls: 100, intervalSeconds: 1800, ahtSeconds: 180, patienceSeconds: 300,
 *   agents: 14, targetAnswerSeconds: 20,
 * });
 * // { probWait: 0.1453, probAbandon: 0.0140, occupancy: 0.7043, asaSeconds: 4.2, … }
 * ```
 */
export function erlangA(input: ErlangAInput): ErlangAResult {
  const v = parseInput(ErlangAInputSchema, input, 'Erlang A input');
  return erlangAValues(
    trafficOf(v),
    v.agents,
    v.ahtSeconds,
    v.patienceSeconds,
    v.targetAnswerSeconds,
    v.basis ?? 'all',
  );
}
