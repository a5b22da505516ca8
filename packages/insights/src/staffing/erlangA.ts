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
   * `'all'` (default): service level and ASA over all arrivals — abandoners count as
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

let buffer = new Float64Array(1024);

/** A reused work buffer (the solver is synchronous, so one buffer per module is safe). */
function scratch(size: number): Float64Array {
  if (buffer.length < size) buffer = new Float64Array(Math.max(size, buffer.length * 2));
  return buffer;
}

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

  // Stationary distribution of the M/M/N+M birth–death chain, p(k)/p(k−1) = λ / (min(k, N) + (k − N)⁺·θ).
  // It is unimodal, so start at the mode with weight 1 and walk down both sides: nothing can
  // overflow, and states below e^-40 of the mode (≈ 4e-18) are dropped on either side. This keeps
  // the work to O(√A) states around the mode even at thousands of agents.
  const mode = traffic <= n ? Math.floor(traffic) : Math.floor(n + (traffic - n) / theta);
  const cutoff = Math.exp(-LOG_CUTOFF);
  // First pass: how far the kept range reaches on each side (multiplications only).
  let down = 0;
  for (let k = mode, w = 1; k > 0; k--) {
    w *= (k <= n ? k : n + (k - n) * theta) / traffic;
    if (w < cutoff) break;
    down++;
  }
  let up = 0;
  for (let k = mode + 1, w = 1; ; k++) {
    w *= traffic / (k <= n ? k : n + (k - n) * theta);
    if (w < cutoff) break;
    up++;
    if (up >= MAX_STATES) {
      throw new ThreadlineError(
        'CAPACITY',
        'Erlang A state space too large (patience too long for the load)',
        {
          details: { trafficErlangs: traffic, agents, patienceSeconds },
        },
      );
    }
  }
  const first = mode - down; // lowest state kept
  const states = mode + up + 1; // one past the highest state kept
  // Second pass: weights into a reused buffer, p[k − first] for state k.
  const p = scratch(states - first);
  let z = 1;
  p[mode - first] = 1;
  for (let k = mode, w = 1; k > first; k--) {
    w *= (k <= n ? k : n + (k - n) * theta) / traffic;
    p[k - 1 - first] = w;
    z += w;
  }
  for (let k = mode + 1, w = 1; k < states; k++) {
    w *= traffic / (k <= n ? k : n + (k - n) * theta);
    p[k - first] = w;
    z += w;
  }
  let probWait = 0;
  let queue = 0;
  let busy = 0;
  for (let k = first; k < states; k++) {
    const pk = (p[k - first] as number) / z;
    p[k - first] = pk;
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
      const pj = n + j >= first ? (p[n + j - first] as number) : 0;
      servedQueued += pj * l;
      servedWaitSum += pj * l * s;
      if (l < 1e-300) break;
    }
  }
  const probServed = probImmediate + servedQueued;
  const queuedWithinTarget = n > 0 ? servedWithin(p, first, n, states, theta, t) : 0;
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
 * P(arrival waits, is served, and its wait ≤ t), summed over the arrival states `p[N + j]`.
 *
 * A caller with j callers ahead reaches an agent after V = Σ_{i=0..j} Exp(N + iθ) (time in AHT
 * units) and is served iff its own Exp(θ) patience outlasts V. With x = N/θ, e^{−θV} follows
 * Beta(x, j + 1) (its Mellin transform is Π (x+i)/(x+i+s)), so
 * P(served, V ≤ t) = x/(x + j + 1) · (1 − I_u(x + 1, j + 1)) with u = e^{−θt}.
 * I_u(a, b) is advanced in b with the positive-term recurrence
 * I_u(a, b + 1) = I_u(a, b) + u^a (1 − u)^b Γ(a + b) / (Γ(a) Γ(b + 1)), kept in log space:
 * O(1) per queue position, no cancellation, no overflow at any number of agents.
 */
function servedWithin(
  p: Float64Array,
  first: number,
  n: number,
  states: number,
  theta: number,
  t: number,
): number {
  if (t <= 0) return 0;
  const x = n / theta;
  const a = x + 1;
  const logU = -theta * t;
  const log1mU = Math.log(-Math.expm1(logU));
  if (a * logU > -600) {
    // Same recurrence in linear space (u^a is far from underflow): products only, no logs.
    const oneMinusU = -Math.expm1(logU);
    let i = Math.exp(a * logU);
    let inc = a * i * oneMinusU;
    let sum = 0;
    for (let j = 0; n + j < states; j++) {
      const b = j + 1;
      const pj = n + j >= first ? (p[n + j - first] as number) : 0;
      if (pj > 0) sum += pj * (x / (x + b)) * Math.max(0, 1 - i);
      i += inc;
      inc *= (oneMinusU * (a + b)) / (b + 1);
    }
    return sum;
  }
  let logI = a * logU; // I_u(a, 1) = u^a
  let logT = Math.log(a) + a * logU + log1mU; // first increment, b = 1
  let total = 0;
  for (let j = 0; n + j < states; j++) {
    const b = j + 1;
    const pj = n + j >= first ? (p[n + j - first] as number) : 0;
    if (pj > 0) total += pj * (x / (x + b)) * Math.max(0, 1 - Math.exp(logI));
    // I_u(a, b + 1) = I_u(a, b) + T_b, then T_{b+1} = T_b · (1 − u)(a + b)/(b + 1).
    logI = logI >= logT ? logI + Math.log1p(Math.exp(logT - logI)) : logT + Math.log1p(Math.exp(logI - logT));
    logT += log1mU + Math.log(a + b) - Math.log(b + 1);
  }
  return total;
}

/**
 * Erlang A (M/M/N+M: Poisson arrivals, exponential handle times, exponential patience).
 * Solved exactly: the birth–death chain with abandonment walked outward from its mode (stable at
 * thousands of agents) and the waiting-time distribution in closed form through the regularized
 * incomplete beta function (cross-checked against uniformization in the tests).
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
