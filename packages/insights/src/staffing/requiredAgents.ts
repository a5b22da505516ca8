import { parseInput, ThreadlineError } from '@threadline/core';
import { z } from 'zod';
import { erlangAValues } from './erlangA.js';
import { erlangBValue } from './erlangB.js';
import { erlangCValues } from './erlangC.js';
import { type LoadInput, loadShape, refineLoad, trafficOf } from './load.js';

/** Queueing model used by {@link requiredAgents}. */
export type StaffingModel = 'erlang-b' | 'erlang-c' | 'erlang-a';

/** Input of {@link requiredAgents}: the load, the model and the targets to meet (all that are given). */
export interface RequiredAgentsInput extends LoadInput {
  /** `'erlang-b'` (blocked calls lost), `'erlang-c'` (callers wait forever), `'erlang-a'` (callers abandon). */
  model: StaffingModel;
  /** Mean patience in seconds; required for `'erlang-a'`. */
  patienceSeconds?: number | undefined;
  /** Minimum service level (0..1), e.g. `0.8` for 80/20. Needs `targetAnswerSeconds`. */
  targetServiceLevel?: number | undefined;
  /** Service-level threshold in seconds. */
  targetAnswerSeconds?: number | undefined;
  /** Maximum agent occupancy (0..1]. */
  maxOccupancy?: number | undefined;
  /** Maximum probability of abandonment (Erlang A). */
  maxAbandon?: number | undefined;
  /** Maximum blocking probability (Erlang B). */
  maxBlocking?: number | undefined;
  /** Maximum average speed of answer in seconds (Erlang C / A). */
  maxAsaSeconds?: number | undefined;
  /** Share of paid time agents are unavailable (breaks, training, absence), in [0, 1). Default 0. */
  shrinkage?: number | undefined;
  /**
   * Chat concurrency: contacts one agent handles at once (default 1). The model is solved for
   * concurrent "slots"; `ahtSeconds` must be the handle time observed at this concurrency, and
   * agents = ceil(slots / concurrency).
   */
  concurrency?: number | undefined;
  /** Service level / ASA basis for Erlang A (see {@link erlangA}). Default `'all'`. */
  basis?: 'all' | 'answered' | undefined;
  /** Upper bound of the search; exceeding it raises `CAPACITY`. Default 1,000,000. */
  maxAgents?: number | undefined;
}

/** Result of {@link requiredAgents}. */
export interface RequiredAgentsResult {
  /** Agents needed on the phones (productive), before shrinkage. */
  rawAgents: number;
  /** Agents to schedule: `ceil(rawAgents / (1 − shrinkage))`. */
  scheduledAgents: number;
  /** Concurrent slots the model was solved for (`rawAgents · concurrency` at most). Equals `rawAgents` for voice. */
  slots: number;
  /** Offered traffic in Erlangs. */
  trafficErlangs: number;
  /** Achieved service level (Erlang B: share of calls not blocked). */
  serviceLevel: number;
  /** Achieved occupancy of the slots. */
  occupancy: number;
  /** Probability of waiting (0 for Erlang B). */
  probWait: number;
  /** Average speed of answer in seconds (0 for Erlang B). */
  asaSeconds: number;
  /** Probability of abandonment (Erlang A only). */
  probAbandon?: number;
  /** Blocking probability (Erlang B only). */
  blocking?: number;
}

const unit = z.number().finite().min(0).max(1);

const RequiredAgentsInputSchema = refineLoad(
  z
    .object({
      ...loadShape,
      model: z.enum(['erlang-b', 'erlang-c', 'erlang-a']),
      patienceSeconds: z.number().finite().positive().optional(),
      targetServiceLevel: unit.optional(),
      targetAnswerSeconds: z.number().finite().nonnegative().optional(),
      maxOccupancy: z.number().finite().gt(0).max(1).optional(),
      maxAbandon: unit.optional(),
      maxBlocking: unit.optional(),
      maxAsaSeconds: z.number().finite().nonnegative().optional(),
      shrinkage: z.number().finite().min(0).lt(1).optional(),
      concurrency: z.number().int().min(1).max(100).optional(),
      basis: z.enum(['all', 'answered']).optional(),
      maxAgents: z.number().int().positive().max(10_000_000).optional(),
    })
    .strict(),
).superRefine((v, ctx) => {
  if (v.model === 'erlang-a' && v.patienceSeconds === undefined) {
    ctx.addIssue({ code: 'custom', path: ['patienceSeconds'], message: 'erlang-a needs patienceSeconds' });
  }
  if (v.targetServiceLevel !== undefined && v.targetAnswerSeconds === undefined && v.model !== 'erlang-b') {
    ctx.addIssue({
      code: 'custom',
      path: ['targetAnswerSeconds'],
      message: 'targetServiceLevel needs targetAnswerSeconds',
    });
  }
  const targets = [v.targetServiceLevel, v.maxOccupancy, v.maxAbandon, v.maxBlocking, v.maxAsaSeconds];
  if (targets.every((t) => t === undefined)) {
    ctx.addIssue({
      code: 'custom',
      path: ['targetServiceLevel'],
      message:
        'give at least one target (targetServiceLevel, maxOccupancy, maxAbandon, maxBlocking, maxAsaSeconds)',
    });
  }
  if (v.maxAbandon !== undefined && v.model !== 'erlang-a') {
    ctx.addIssue({ code: 'custom', path: ['maxAbandon'], message: 'maxAbandon applies to erlang-a only' });
  }
  if (v.maxBlocking !== undefined && v.model !== 'erlang-b') {
    ctx.addIssue({ code: 'custom', path: ['maxBlocking'], message: 'maxBlocking applies to erlang-b only' });
  }
});

/** Parsed, trusted form of {@link RequiredAgentsInput}. */
export type RequiredAgentsOptions = z.output<typeof RequiredAgentsInputSchema>;

interface Evaluation {
  serviceLevel: number;
  occupancy: number;
  probWait: number;
  asaSeconds: number;
  probAbandon?: number;
  blocking?: number;
}

function evaluate(o: RequiredAgentsOptions, traffic: number, n: number): Evaluation {
  const target = o.targetAnswerSeconds ?? 0;
  if (o.model === 'erlang-b') {
    const blocking = erlangBValue(traffic, n);
    return {
      serviceLevel: 1 - blocking,
      occupancy: n > 0 ? (traffic * (1 - blocking)) / n : 0,
      probWait: 0,
      asaSeconds: 0,
      blocking,
    };
  }
  if (o.model === 'erlang-c') {
    const r = erlangCValues(traffic, n, o.ahtSeconds, target);
    return {
      serviceLevel: r.serviceLevel,
      occupancy: r.occupancy,
      probWait: r.probWait,
      asaSeconds: r.asaSeconds,
    };
  }
  const r = erlangAValues(traffic, n, o.ahtSeconds, o.patienceSeconds as number, target, o.basis ?? 'all');
  return {
    serviceLevel: r.serviceLevel,
    occupancy: r.occupancy,
    probWait: r.probWait,
    asaSeconds: r.asaSeconds,
    probAbandon: r.probAbandon,
  };
}

// Tiny tolerance so a target met to the last bit (e.g. 0.8 computed as 0.7999999999999999) counts.
const SLACK = 1e-12;

function meets(o: RequiredAgentsOptions, e: Evaluation): boolean {
  if (o.targetServiceLevel !== undefined && e.serviceLevel + SLACK < o.targetServiceLevel) return false;
  if (o.maxOccupancy !== undefined && e.occupancy > o.maxOccupancy + SLACK) return false;
  if (o.maxAbandon !== undefined && (e.probAbandon ?? 0) > o.maxAbandon + SLACK) return false;
  if (o.maxBlocking !== undefined && (e.blocking ?? 0) > o.maxBlocking + SLACK) return false;
  if (o.maxAsaSeconds !== undefined && e.asaSeconds > o.maxAsaSeconds + SLACK) return false;
  return true;
}

/** The solver on already-parsed options (used by the multi-interval planner). */
export function solveRequiredAgents(o: RequiredAgentsOptions): RequiredAgentsResult {
  const traffic = trafficOf(o);
  const shrinkage = o.shrinkage ?? 0;
  const concurrency = o.concurrency ?? 1;
  const maxSlots = (o.maxAgents ?? 1_000_000) * concurrency;
  // Every metric is monotone in the number of slots, so find the smallest feasible count by
  // galloping from an estimate to bracket it, then bisecting. `lo` is infeasible (−1: none known).
  let start = o.model === 'erlang-c' ? Math.floor(traffic) + 1 : Math.ceil(traffic);
  if (o.maxOccupancy !== undefined) start = Math.max(start, Math.ceil(traffic / o.maxOccupancy - 1e-9));
  if (o.model === 'erlang-a' && o.targetServiceLevel !== undefined && traffic > 0) {
    // Erlang C's answer for the same service level is a close (usually slightly high) first guess
    // for Erlang A and costs a fraction of one Erlang A evaluation.
    const cAnswer = solveRequiredAgents({
      model: 'erlang-c',
      trafficErlangs: traffic,
      ahtSeconds: o.ahtSeconds,
      targetServiceLevel: o.targetServiceLevel,
      targetAnswerSeconds: o.targetAnswerSeconds,
      maxAgents: o.maxAgents,
    }).slots;
    start = Math.max(start, cAnswer);
  }
  start = Math.min(start, maxSlots);
  const cache = new Map<number, Evaluation>();
  const ok = (n: number): boolean => {
    let e = cache.get(n);
    if (e === undefined) {
      e = evaluate(o, traffic, n);
      cache.set(n, e);
    }
    return meets(o, e);
  };
  let lo: number;
  let hi: number;
  let step = 1;
  if (ok(start)) {
    hi = start;
    lo = -1;
    for (;;) {
      const cand = hi - step;
      if (cand < 0) break;
      if (!ok(cand)) {
        lo = cand;
        break;
      }
      hi = cand;
      step *= 2;
    }
  } else {
    lo = start;
    for (;;) {
      const cand = Math.min(start + step, maxSlots);
      if (ok(cand)) {
        hi = cand;
        break;
      }
      if (cand === maxSlots) {
        throw new ThreadlineError(
          'CAPACITY',
          `targets not reachable with ${o.maxAgents ?? 1_000_000} agents`,
          {
            details: { trafficErlangs: traffic },
          },
        );
      }
      lo = cand;
      step *= 2;
    }
  }
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (ok(mid)) hi = mid;
    else lo = mid;
  }
  const slots = hi;
  const e = cache.get(slots) ?? evaluate(o, traffic, slots);
  const rawAgents = Math.ceil(slots / concurrency);
  const result: RequiredAgentsResult = {
    rawAgents,
    scheduledAgents: Math.ceil(rawAgents / (1 - shrinkage) - 1e-9),
    slots,
    trafficErlangs: traffic,
    serviceLevel: e.serviceLevel,
    occupancy: e.occupancy,
    probWait: e.probWait,
    asaSeconds: e.asaSeconds,
  };
  if (e.probAbandon !== undefined) result.probAbandon = e.probAbandon;
  if (e.blocking !== undefined) result.blocking = e.blocking;
  return result;
}

/**
 * Smallest number of agents meeting every given target (service level, occupancy, abandonment,
 * blocking, ASA) under the chosen model, then scheduled agents after shrinkage:
 * `scheduledAgents = ceil(rawAgents / (1 − shrinkage))`.
 *
 * @example
 * ```ts
 * requiredAgents({
 *   model: 'erlang-c', calls: 100, intervalSeconds: 1800, ahtSeconds: 180,
 *   targetServiceLevel: 0.8, targetAnswerSeconds: 20, maxOccupancy: 0.85, shrinkage: 0.3,
 * }); // { rawAgents: 14, scheduledAgents: 20, serviceLevel: 0.888, occupancy: 0.714, probWait: 0.174, … }
 * ```
 */
export function requiredAgents(input: RequiredAgentsInput): RequiredAgentsResult {
  return solveRequiredAgents(parseInput(RequiredAgentsInputSchema, input, 'requiredAgents input'));
}

/** Validates a {@link RequiredAgentsInput} (for callers that solve many intervals with one config). */
export function parseRequiredAgentsInput(
  input: unknown,
  what = 'requiredAgents input',
): RequiredAgentsOptions {
  return parseInput(RequiredAgentsInputSchema, input, what);
}
