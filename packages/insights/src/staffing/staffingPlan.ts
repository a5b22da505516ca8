import { parseInput } from '@threadline/core';
import { z } from 'zod';
import {
  parseRequiredAgentsInput,
  type RequiredAgentsResult,
  solveRequiredAgents,
} from './requiredAgents.js';

/** One forecast interval for {@link staffingPlan}. */
export interface ForecastInterval {
  /** Interval start (epoch ms or Date); echoed back, not interpreted. */
  start?: number | Date | undefined;
  /** Forecast contacts arriving in the interval. */
  calls: number;
  /** Interval-specific AHT in seconds (overrides the plan's `ahtSeconds`). */
  ahtSeconds?: number | undefined;
  /** Interval-specific patience in seconds (Erlang A). */
  patienceSeconds?: number | undefined;
}

/** Input of {@link staffingPlan}: the forecast plus the same model/targets as {@link requiredAgents}. */
export interface StaffingPlanInput {
  model: 'erlang-b' | 'erlang-c' | 'erlang-a';
  /** Length of every interval in seconds (e.g. 900 or 1800). */
  intervalSeconds: number;
  /** Default AHT in seconds. */
  ahtSeconds: number;
  /** Default patience in seconds (Erlang A). */
  patienceSeconds?: number | undefined;
  intervals: readonly ForecastInterval[];
  targetServiceLevel?: number | undefined;
  targetAnswerSeconds?: number | undefined;
  maxOccupancy?: number | undefined;
  maxAbandon?: number | undefined;
  maxBlocking?: number | undefined;
  maxAsaSeconds?: number | undefined;
  shrinkage?: number | undefined;
  concurrency?: number | undefined;
  basis?: 'all' | 'answered' | undefined;
  /** Minimum scheduled agents in any interval (e.g. 1 to keep a queue open). Default 0. */
  minAgents?: number | undefined;
}

/** One interval of a {@link StaffingPlan}. */
export interface StaffingPlanInterval extends RequiredAgentsResult {
  /** Start as given (epoch ms), if given. */
  start?: number;
  /** Forecast calls. */
  calls: number;
}

/** Result of {@link staffingPlan}. */
export interface StaffingPlan {
  intervals: StaffingPlanInterval[];
  totals: {
    /** Total forecast calls. */
    calls: number;
    /** Highest scheduled headcount in any interval. */
    peakScheduledAgents: number;
    /** Σ scheduled agents × interval length, in hours. */
    scheduledAgentHours: number;
    /** Σ raw (productive) agents × interval length, in hours. */
    rawAgentHours: number;
    /** Call-weighted service level across the plan. */
    serviceLevel: number;
  };
}

const PlanSchema = z
  .object({
    model: z.enum(['erlang-b', 'erlang-c', 'erlang-a']),
    intervalSeconds: z.number().finite().positive(),
    ahtSeconds: z.number().finite().positive(),
    patienceSeconds: z.number().finite().positive().optional(),
    intervals: z
      .array(
        z
          .object({
            start: z.union([z.number().finite(), z.date()]).optional(),
            calls: z.number().finite().nonnegative(),
            ahtSeconds: z.number().finite().positive().optional(),
            patienceSeconds: z.number().finite().positive().optional(),
          })
          .strict(),
      )
      .max(1_000_000),
    targetServiceLevel: z.number().optional(),
    targetAnswerSeconds: z.number().optional(),
    maxOccupancy: z.number().optional(),
    maxAbandon: z.number().optional(),
    maxBlocking: z.number().optional(),
    maxAsaSeconds: z.number().optional(),
    shrinkage: z.number().optional(),
    concurrency: z.number().optional(),
    basis: z.enum(['all', 'answered']).optional(),
    minAgents: z.number().int().nonnegative().optional(),
  })
  .strict();

/**
 * Forecast to schedule: required and scheduled agents for every interval of a forecast
 * (e.g. 96 quarter-hours), with totals. Targets are validated once, exactly as {@link requiredAgents}.
 *
 * @example
 * ```ts
 * const plan = staffingPlan({
 *   model: 'erlang-c', intervalSeconds: 1800, ahtSeconds: 180,
 *   targetServiceLevel: 0.8, targetAnswerSeconds: 20, shrinkage: 0.3,
 *   intervals: [{ calls: 100 }, { calls: 250 }],
 * });
 * plan.totals.peakScheduledAgents;
 * ```
 */
export function staffingPlan(input: StaffingPlanInput): StaffingPlan {
  const plan = parseInput(PlanSchema, input, 'staffing plan');
  const { intervals, minAgents, ...shared } = plan;
  // Validate targets once against a representative interval (paths point at the plan's fields).
  const base = parseRequiredAgentsInput({ ...shared, calls: 0 }, 'staffing plan');
  const out: StaffingPlanInterval[] = [];
  let calls = 0;
  let peak = 0;
  let scheduledHours = 0;
  let rawHours = 0;
  let slWeighted = 0;
  const hours = plan.intervalSeconds / 3600;
  for (let i = 0; i < intervals.length; i++) {
    const iv = intervals[i]!;
    const r = solveRequiredAgents({
      ...base,
      calls: iv.calls,
      ahtSeconds: iv.ahtSeconds ?? plan.ahtSeconds,
      patienceSeconds: iv.patienceSeconds ?? plan.patienceSeconds,
    });
    if (minAgents !== undefined && r.scheduledAgents < minAgents) r.scheduledAgents = minAgents;
    const row: StaffingPlanInterval = { ...r, calls: iv.calls };
    if (iv.start !== undefined) row.start = iv.start instanceof Date ? iv.start.getTime() : iv.start;
    out.push(row);
    calls += iv.calls;
    peak = Math.max(peak, r.scheduledAgents);
    scheduledHours += r.scheduledAgents * hours;
    rawHours += r.rawAgents * hours;
    slWeighted += r.serviceLevel * iv.calls;
  }
  return {
    intervals: out,
    totals: {
      calls,
      peakScheduledAgents: peak,
      scheduledAgentHours: scheduledHours,
      rawAgentHours: rawHours,
      serviceLevel: calls > 0 ? slWeighted / calls : 1,
    },
  };
}
