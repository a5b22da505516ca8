import { DurationSchema, parseInput } from '@threadline/core';
import { z } from 'zod';
import { compileWorkflowExpression } from '../expressions.js';
import { ROUTING_LIMITS } from '../limits.js';
import {
  AttributeScalarSchema,
  compileRequirement,
  meetsRequirement,
  RequirementSchema,
} from '../requirements.js';

/** Zod schema for a queue: who belongs to it and how its tasks are ordered. */
export const QueueConfigSchema = z
  .object({
    id: z.string().min(1).max(ROUTING_LIMITS.keyLength),
    /** Workers that belong to the queue (typed requirements). Omit for "every worker". */
    workers: RequirementSchema.optional(),
    /** Rule-language membership test on `worker.*`, e.g. `"fr" IN worker.languages`. */
    expression: z.string().min(1).max(10_000).optional(),
    /** Serve the newest task first instead of the oldest (within equal priority). */
    lifo: z.boolean().default(false),
    /** Priority points a waiting task gains per minute of waiting (aging), so nothing starves. */
    agingPerMinute: z.number().finite().nonnegative().default(0),
    /** SLA-risk boost: a task whose `deadline` is within `within` gains `boost` priority points. */
    slaBoost: z.object({ within: DurationSchema, boost: z.number().finite().positive() }).strict().optional(),
  })
  .strict();

/** Zod schema for one ordering key of a step's `orderBy`. */
export const OrderBySchema = z
  .object({
    /** Dotted path into the worker's attributes, e.g. `skills.billing` or `seniority`. */
    attribute: z.string().min(1),
    direction: z.enum(['asc', 'desc']).default('desc'),
  })
  .strict();

/** Zod schema for a target step of a filter. */
export const StepConfigSchema = z
  .object({
    /** Queue id the task waits in during this step. */
    queue: z.string().min(1).max(ROUTING_LIMITS.keyLength),
    /** Extra worker requirements during this step (on top of the queue's and the task's own). */
    requires: RequirementSchema.optional(),
    /** Rule-language worker test on `worker.*` and `task.*`, e.g. `worker.skills.billing >= task.level`. */
    expression: z.string().min(1).max(10_000).optional(),
    /** Rule-language test on `task.*` and `workers.available` / `workers.members`, checked on entry: true skips the step. */
    skipIf: z.string().min(1).max(10_000).optional(),
    /** Priority used while in this step (overrides the task's priority). */
    priority: z.number().int().min(0).max(1_000_000).optional(),
    /** Cumulative timeout: the step ends this long after the task entered the workflow. */
    timeout: DurationSchema.optional(),
    /** Worker ordering for this step (first key first); the engine strategy breaks ties. */
    orderBy: z.array(OrderBySchema).min(1).optional(),
    /** Only offer to the task's known worker: `preferred` (`task.preferredWorkerId`) or `last` (sticky last agent). */
    knownWorker: z.enum(['preferred', 'last']).optional(),
    /** Multi-offer: offer to this many workers at once; the first accept wins, the rest are rescinded. */
    offers: z.number().int().min(1).max(100).default(1),
    /** Skip this step when fewer than this many eligible workers are available on entry. */
    skipIfAvailableBelow: z.number().int().min(1).optional(),
  })
  .strict();

/** Zod schema for a typed task match (channel and attribute values). */
export const TaskMatchSchema = z
  .object({
    channel: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).optional(),
    attributes: z
      .record(z.string().min(1), z.union([AttributeScalarSchema, z.array(AttributeScalarSchema).min(1)]))
      .optional(),
    minPriority: z.number().int().optional(),
    /** Match only while a named calendar (engine option `calendars`) is open (`open: true`) or closed. */
    businessHours: z
      .object({ calendar: z.string().min(1).max(ROUTING_LIMITS.keyLength), open: z.boolean().default(true) })
      .strict()
      .optional(),
  })
  .strict();

/** Zod schema for a workflow filter: a task condition and its ladder of target steps. */
export const FilterConfigSchema = z
  .object({
    name: z.string().min(1).max(ROUTING_LIMITS.keyLength),
    /** Typed task condition; omit to match every task. */
    match: TaskMatchSchema.optional(),
    /** Rule-language condition on `task.*`, e.g. `task.language == "fr" AND task.priority > 5`. */
    when: z.string().min(1).max(10_000).optional(),
    targets: z.array(StepConfigSchema).min(1),
  })
  .strict();

/** Zod schema for a routing workflow. */
export const WorkflowSchema = z
  .object({
    queues: z.array(QueueConfigSchema).min(1),
    /** Ordered filters: the first that matches a task wins. */
    filters: z.array(FilterConfigSchema).default([]),
    /** Used when no filter matches. */
    defaultFilter: z
      .object({ targets: z.array(StepConfigSchema).min(1) })
      .strict()
      .optional(),
    /** How long a worker who rejected (or let time out) an offer is not offered that task again. */
    exclusionWindow: DurationSchema.default(300_000),
    /** Task attribute that identifies the customer for sticky "last agent" routing. */
    stickyKey: z.string().min(1).default('customerId'),
  })
  .strict()
  .superRefine((wf, ctx) => {
    const ids = new Set<string>();
    wf.queues.forEach((q, i) => {
      if (ids.has(q.id))
        ctx.addIssue({ code: 'custom', path: ['queues', i, 'id'], message: `duplicate queue id "${q.id}"` });
      ids.add(q.id);
    });
    const names = new Set<string>();
    wf.filters.forEach((f, i) => {
      if (names.has(f.name))
        ctx.addIssue({
          code: 'custom',
          path: ['filters', i, 'name'],
          message: `duplicate filter name "${f.name}"`,
        });
      names.add(f.name);
      f.targets.forEach((s, j) => {
        if (!ids.has(s.queue)) {
          ctx.addIssue({
            code: 'custom',
            path: ['filters', i, 'targets', j, 'queue'],
            message: `unknown queue "${s.queue}"`,
          });
        }
      });
    });
    wf.defaultFilter?.targets.forEach((s, j) => {
      if (!ids.has(s.queue)) {
        ctx.addIssue({
          code: 'custom',
          path: ['defaultFilter', 'targets', j, 'queue'],
          message: `unknown queue "${s.queue}"`,
        });
      }
    });
  });

/** A workflow as written by users (typed object or parsed JSON). */
export type WorkflowConfig = z.input<typeof WorkflowSchema>;
/** A validated workflow with defaults applied (durations in milliseconds). */
export type Workflow = z.output<typeof WorkflowSchema>;
/** A validated queue configuration. */
export type QueueConfig = Workflow['queues'][number];
/** A validated step configuration. */
export type StepConfig = z.output<typeof StepConfigSchema>;
/** A validated filter configuration. */
export type FilterConfig = Workflow['filters'][number];

/**
 * Validates a workflow (typed object or JSON) and applies defaults. Bad input throws
 * `ThreadlineError` code `CONFIG` with the path of every bad field.
 *
 * @example
 * ```ts
 * const wf = defineWorkflow({
 *   queues: [{ id: 'billing', workers: { skills: { billing: 1 } } }],
 *   filters: [{ name: 'vip', match: { attributes: { tier: 'vip' } }, targets: [{ queue: 'billing', priority: 10 }] }],
 *   defaultFilter: { targets: [{ queue: 'billing' }] },
 * });
 * ```
 */
export function defineWorkflow(config: WorkflowConfig): Workflow {
  return parseInput(WorkflowSchema, config, 'workflow', 'CONFIG');
}

/** One finding of {@link lintWorkflow}. */
export interface WorkflowLintIssue {
  severity: 'error' | 'warning' | 'info';
  code:
    | 'unreachable_filter'
    | 'unreachable_default'
    | 'shrinking_timeout'
    | 'unreachable_step'
    | 'last_step_timeout'
    | 'step_matches_nobody'
    | 'empty_queue'
    | 'unused_queue';
  /** Path of the offending part of the workflow. */
  path: (string | number)[];
  message: string;
}

/** A worker as {@link lintWorkflow} needs it: id, kind and attributes (skills under `skills`). */
export interface LintWorker {
  id: string;
  kind?: 'human' | 'bot';
  attributes?: Record<string, unknown>;
}

/**
 * Checks a workflow for mistakes that validation cannot see: filters that can never match
 * (an earlier filter catches everything, or has the same condition), a default filter behind a
 * catch-all, cumulative timeouts that do not grow (the step is skipped at once), steps after a
 * step that never ends, a timeout on the last step (ignored), and — given a roster — queues
 * and steps no worker can serve. Returns findings; never throws for a valid workflow.
 *
 * @example
 * ```ts
 * const issues = lintWorkflow(workflow, { workers: [{ id: 'ana', attributes: { skills: { billing: 4 } } }] });
 * issues.filter((i) => i.severity !== 'info');
 * ```
 */
export function lintWorkflow(
  config: WorkflowConfig,
  options: { workers?: readonly LintWorker[] } = {},
): WorkflowLintIssue[] {
  const wf = defineWorkflow(config);
  const issues: WorkflowLintIssue[] = [];
  const conditionKey = (f: FilterConfig) => JSON.stringify([f.match ?? null, f.when ?? null]);
  const seen = new Map<string, number>();
  let catchAll: number | null = null;
  wf.filters.forEach((f, i) => {
    if (catchAll !== null) {
      issues.push({
        severity: 'warning',
        code: 'unreachable_filter',
        path: ['filters', i],
        message: `Filter "${f.name}" is unreachable: filter "${wf.filters[catchAll]?.name}" before it matches every task.`,
      });
      return;
    }
    const key = conditionKey(f);
    const earlier = seen.get(key);
    if (earlier !== undefined) {
      issues.push({
        severity: 'warning',
        code: 'unreachable_filter',
        path: ['filters', i],
        message: `Filter "${f.name}" is unreachable: filter "${wf.filters[earlier]?.name}" has the same condition and comes first.`,
      });
    } else seen.set(key, i);
    if (f.match === undefined && f.when === undefined) catchAll = i;
  });
  if (catchAll !== null && wf.defaultFilter) {
    issues.push({
      severity: 'warning',
      code: 'unreachable_default',
      path: ['defaultFilter'],
      message: `The default filter is unreachable: filter "${wf.filters[catchAll]?.name}" matches every task.`,
    });
  }

  const ladders: { steps: StepConfig[]; path: (string | number)[] }[] = wf.filters.map((f, i) => ({
    steps: f.targets,
    path: ['filters', i, 'targets'],
  }));
  if (wf.defaultFilter) ladders.push({ steps: wf.defaultFilter.targets, path: ['defaultFilter', 'targets'] });
  const usedQueues = new Set<string>();
  for (const { steps, path } of ladders) {
    let previous = -1;
    let endless: number | null = null;
    steps.forEach((step, j) => {
      usedQueues.add(step.queue);
      const canSkip =
        step.skipIf !== undefined ||
        step.knownWorker !== undefined ||
        step.skipIfAvailableBelow !== undefined;
      if (endless !== null) {
        issues.push({
          severity: 'warning',
          code: 'unreachable_step',
          path: [...path, j],
          message: `Step ${j} is unreachable: step ${endless} has no timeout and cannot be skipped.`,
        });
      }
      if (step.timeout !== undefined) {
        if (j === steps.length - 1) {
          issues.push({
            severity: 'info',
            code: 'last_step_timeout',
            path: [...path, j, 'timeout'],
            message: 'The last step has a timeout; tasks stay in the last step, so it has no effect.',
          });
        } else if (step.timeout <= previous) {
          issues.push({
            severity: 'warning',
            code: 'shrinking_timeout',
            path: [...path, j, 'timeout'],
            message: `Timeouts are cumulative: ${step.timeout} ms is not after the previous step's ${previous} ms, so this step is skipped at once.`,
          });
        }
        previous = Math.max(previous, step.timeout);
      } else if (j < steps.length - 1 && !canSkip && endless === null) {
        endless = j;
      }
    });
  }
  wf.queues.forEach((q, i) => {
    if (!usedQueues.has(q.id)) {
      issues.push({
        severity: 'info',
        code: 'unused_queue',
        path: ['queues', i],
        message: `Queue "${q.id}" is not used by any step.`,
      });
    }
  });

  if (options.workers) {
    const workers = options.workers.map((w) => {
      const attributes = w.attributes ?? {};
      const skills = (attributes.skills ?? {}) as Record<string, number>;
      return { skills, attributes, ctx: { ...attributes, id: w.id, kind: w.kind ?? 'human' } };
    });
    const members = new Map<string, typeof workers>();
    wf.queues.forEach((q, i) => {
      const req = compileRequirement(q.workers);
      const expr =
        q.expression === undefined
          ? null
          : compileWorkflowExpression(q.expression, ['queues', i, 'expression'], ['worker']);
      const list = workers.filter(
        (w) => meetsRequirement(req, w) && (!expr || expr.evaluate({ worker: w.ctx })),
      );
      members.set(q.id, list);
      if (list.length === 0) {
        issues.push({
          severity: 'warning',
          code: 'empty_queue',
          path: ['queues', i],
          message: `No worker in the roster belongs to queue "${q.id}".`,
        });
      }
    });
    for (const { steps, path } of ladders) {
      steps.forEach((step, j) => {
        const list = members.get(step.queue) ?? [];
        if (list.length === 0) return;
        const req = compileRequirement(step.requires);
        const expr =
          step.expression === undefined
            ? null
            : compileWorkflowExpression(step.expression, [...path, j, 'expression'], ['worker', 'task']);
        // Task-dependent expressions cannot be judged without a task: only worker-only ones are checked.
        const workerOnly = expr?.references.every((r) => r.startsWith('worker'));
        const n = list.filter(
          (w) => meetsRequirement(req, w) && (!workerOnly || expr?.evaluate({ worker: w.ctx })),
        ).length;
        if (n === 0) {
          issues.push({
            severity: 'warning',
            code: 'step_matches_nobody',
            path: [...path, j],
            message: `No worker in the roster can serve step ${j} (queue "${step.queue}").`,
          });
        }
      });
    }
  }
  return issues;
}
