import { DurationSchema, parseInput } from '@threadline/core';
import { z } from 'zod';
import { AttributeScalarSchema, RequirementSchema } from './requirements.js';

/** Zod schema for a queue: who belongs to it and how its tasks are ordered. */
export const QueueConfigSchema = z
  .object({
    id: z.string().min(1).max(200),
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
    queue: z.string().min(1),
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
      .object({ calendar: z.string().min(1), open: z.boolean().default(true) })
      .strict()
      .optional(),
  })
  .strict();

/** Zod schema for a workflow filter: a task condition and its ladder of target steps. */
export const FilterConfigSchema = z
  .object({
    name: z.string().min(1).max(200),
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
