import { DurationSchema, parseInput, ThreadlineError } from '@threadline/core';
import { z } from 'zod';
import { CASE_PRIORITIES, type CasePriority, CasePrioritySchema } from '../case.js';
import { type Condition, ConditionSchema, compileCondition, type RuleContext } from '../condition.js';
import type { CaseStatus } from '../transitions.js';
import { SLA_METRICS, type SlaMetricName } from './metric.js';
import type { TimeMeasures } from './time.js';

/** Statuses a pause rule may name (solved and closed stop metrics instead). */
export const PAUSABLE_STATUSES = ['new', 'open', 'pending', 'on_hold'] as const;

/**
 * Default pause rules, the ones Zendesk documents for its SLA metrics (so targets migrated from
 * Zendesk mean the same here): first reply, next reply, periodic update and resolution never
 * pause; pausable update pauses while `pending`; requester wait time counts `new`, `open` and
 * `on_hold` (pauses while `pending`); agent work time counts `new` and `open` (pauses while
 * `pending` or `on_hold`); team ownership time never pauses. A policy's `pauseOn` replaces the
 * rule of each metric it names.
 *
 * @example
 * ```ts
 * import { DEFAULT_PAUSE_ON } from '@threadline/cases';
 *
 * console.log(DEFAULT_PAUSE_ON.agent_work); // [ 'pending', 'on_hold' ]
 * ```
 */
export const DEFAULT_PAUSE_ON: Readonly<Record<SlaMetricName, readonly CaseStatus[]>> = Object.freeze({
  first_reply: [],
  next_reply: [],
  periodic_update: [],
  pausable_update: ['pending'],
  resolution: [],
  requester_wait: ['pending'],
  agent_work: ['pending', 'on_hold'],
  team_ownership: [],
});

/** Zod schema for a warning offset: a percent of the target, or an absolute time before the due instant. */
export const WarnSchema = z.union([
  z.object({ percent: z.number().gt(0).lte(100) }).strict(),
  z.object({ before: DurationSchema }).strict(),
]);

/** Zod schema for one target: a duration, or `{ within, time?, calendar?, warn? }`. */
export const SlaTargetSchema = z.union([
  DurationSchema,
  z
    .object({
      within: DurationSchema,
      time: z.enum(['business', 'calendar']).optional(),
      calendar: z.string().min(1).optional(),
      warn: WarnSchema.optional(),
    })
    .strict(),
]);

/** Zod schema for an SLA policy. */
export const SlaPolicySchema = z
  .object({
    id: z.string().min(1).max(200),
    name: z.string().max(500).optional(),
    /** Condition over `case.*` and `customer.*`; absent means "always". */
    when: ConditionSchema.optional(),
    /** Default calendar for business-time targets. */
    calendar: z.string().min(1).optional(),
    /** Default time for targets: `business` when a calendar is named, else `calendar`. */
    time: z.enum(['business', 'calendar']).optional(),
    /** Default warning for every target. */
    warn: WarnSchema.optional(),
    targets: z.partialRecord(z.enum(SLA_METRICS), z.partialRecord(CasePrioritySchema, SlaTargetSchema)),
    /** Pause rules per metric (replace the defaults for the metrics named). */
    pauseOn: z.partialRecord(z.enum(SLA_METRICS), z.array(z.enum(PAUSABLE_STATUSES))).optional(),
  })
  .strict();

/** An SLA policy as configured (JSON form, or with predicate functions as conditions). */
export type SlaPolicyInput = z.input<typeof SlaPolicySchema>;

/** A target resolved to counted milliseconds on a calendar (or calendar time). */
export interface ResolvedTarget {
  ms: number;
  /** Calendar name for business time; `null` for calendar time. */
  calendar: string | null;
  /** Counted time after which the warning fires; `undefined` for no warning. */
  warnBudget: number | undefined;
}

/** A validated, compiled SLA policy. */
export interface ResolvedPolicy {
  id: string;
  /** Whether the policy has a condition (else it always matches). */
  conditional: boolean;
  matches: Condition;
  /** Target for a metric and priority, if the policy sets one. */
  target(metric: SlaMetricName, priority: CasePriority): ResolvedTarget | undefined;
  /** Whether a metric pauses in a status. */
  pauses(metric: SlaMetricName, status: CaseStatus): boolean;
}

type Warn = z.output<typeof WarnSchema>;

function warnBudget(ms: number, warn: Warn | undefined): number | undefined {
  if (warn === undefined) return undefined;
  if ('percent' in warn) return (ms * warn.percent) / 100;
  return Math.max(0, ms - warn.before);
}

/**
 * Validates and compiles SLA policies (ordered; the first whose condition matches applies).
 * Throws `CONFIG` naming the bad field, e.g. an unknown calendar.
 *
 * @example
 * ```ts
 * const policies = resolvePolicies([{ id: 'default', targets: { first_reply: { normal: { hours: 4 } } } }], measures);
 * ```
 */
export function resolvePolicies(input: unknown, measures: TimeMeasures): ResolvedPolicy[] {
  const list = parseInput(z.array(SlaPolicySchema), input, 'SLA policies', 'CONFIG');
  const seen = new Set<string>();
  return list.map((p, i) => {
    if (seen.has(p.id)) {
      throw new ThreadlineError('CONFIG', `Duplicate SLA policy id "${p.id}"`, {
        issues: [{ path: [i, 'id'], message: 'duplicate policy id', code: 'duplicate' }],
      });
    }
    seen.add(p.id);
    const matches: Condition =
      p.when === undefined ? () => true : compileCondition(p.when, ['policies', i, 'when']);
    // metric → priority → target, as plain objects: looked up on every case change.
    const table: Partial<Record<SlaMetricName, Partial<Record<CasePriority, ResolvedTarget>>>> = {};
    for (const metric of SLA_METRICS) {
      const perPriority = p.targets[metric];
      if (perPriority === undefined) continue;
      for (const priority of CASE_PRIORITIES) {
        const t = perPriority[priority];
        if (t === undefined) continue;
        const path = ['policies', i, 'targets', metric, priority];
        const obj = typeof t === 'number' ? { within: t } : t;
        const time = obj.time ?? p.time ?? ((obj.calendar ?? p.calendar) ? 'business' : 'calendar');
        let calendar: string | null = null;
        if (time === 'business') {
          calendar = obj.calendar ?? p.calendar ?? null;
          if (calendar === null) {
            throw new ThreadlineError(
              'CONFIG',
              `Business-time target needs a calendar at ${path.join('.')}`,
              {
                issues: [
                  {
                    path: [...path, 'calendar'],
                    message: 'name a calendar (here or on the policy)',
                    code: 'missing_calendar',
                  },
                ],
              },
            );
          }
          if (!measures.has(calendar)) {
            throw new ThreadlineError('CONFIG', `Unknown calendar "${calendar}" at ${path.join('.')}`, {
              issues: [
                {
                  path: [...path, 'calendar'],
                  message: `no calendar named "${calendar}"`,
                  code: 'unknown_calendar',
                },
              ],
            });
          }
        }
        if (obj.within <= 0) {
          throw new ThreadlineError('CONFIG', `SLA target must be positive at ${path.join('.')}`, {
            issues: [{ path: [...path, 'within'], message: 'must be > 0', code: 'too_small' }],
          });
        }
        (table[metric] ??= {})[priority] = {
          ms: obj.within,
          calendar,
          warnBudget: warnBudget(obj.within, obj.warn ?? p.warn),
        };
      }
    }
    const pauseOn = new Map<SlaMetricName, ReadonlySet<CaseStatus>>();
    for (const metric of SLA_METRICS) {
      pauseOn.set(metric, new Set(p.pauseOn?.[metric] ?? DEFAULT_PAUSE_ON[metric]));
    }
    return {
      id: p.id,
      conditional: p.when !== undefined,
      matches,
      target: (metric, priority) => table[metric]?.[priority],
      pauses: (metric, status) => pauseOn.get(metric)?.has(status) ?? false,
    };
  });
}

/** The first policy whose condition matches, or `undefined` (the context is built only if needed). */
export function selectPolicy(
  policies: readonly ResolvedPolicy[],
  context: () => RuleContext,
): ResolvedPolicy | undefined {
  let ctx: RuleContext | undefined;
  for (const p of policies) {
    if (!p.conditional) return p;
    ctx ??= context();
    if (p.matches(ctx)) return p;
  }
  return undefined;
}
