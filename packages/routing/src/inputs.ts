import { PresenceSchema, SkillLevelSchema } from '@threadline/core';
import { z } from 'zod';

/** Zod schema for a channel's capacity: a number of units, or units plus the weight one task uses. */
export const CapacityEntrySchema = z.union([
  z.number().int().nonnegative(),
  z
    .object({ units: z.number().int().nonnegative(), weight: z.number().int().positive().default(1) })
    .strict(),
]);

/** Zod schema for `upsertWorker` input. */
export const WorkerInputSchema = z
  .object({
    id: z.string().min(1).max(200),
    kind: z.enum(['human', 'bot']).default('human'),
    /** Free JSON; `skills` (name → level 0–10) is the skill map requirements look at. */
    attributes: z
      .object({ skills: z.record(z.string().min(1), SkillLevelSchema).optional() })
      .catchall(z.unknown())
      .default({}),
    /** Channel → units (or `{ units, weight }`). A channel missing here is never offered. */
    capacity: z.record(z.string().min(1), CapacityEntrySchema),
    /** Optional shared pool across channels: the sum of used units never exceeds it. */
    totalCapacity: z.number().int().positive().optional(),
    status: PresenceSchema,
    reason: z.string().max(500).optional(),
    /** Name of a calendar in the engine's `calendars` option (the worker's shift). */
    calendar: z.string().min(1).optional(),
  })
  .strict();

/** Input of `upsertWorker`. */
export type WorkerInput = z.input<typeof WorkerInputSchema>;

/** Zod schema for `submitTask` input. */
export const TaskInputSchema = z
  .object({
    /** Caller-chosen id; generated when omitted. */
    id: z.string().min(1).max(200).optional(),
    channel: z.string().min(1),
    priority: z.number().int().min(0).max(1_000_000).default(0),
    attributes: z.record(z.string(), z.unknown()).default({}),
    /** Skill name → minimum level every worker offered this task must have. */
    requiredSkills: z.record(z.string().min(1), SkillLevelSchema).optional(),
    /** Worker targeted by `knownWorker: 'preferred'` steps. */
    preferredWorkerId: z.string().min(1).optional(),
    /** SLA deadline (epoch ms) used by queue `slaBoost`. */
    deadline: z.number().int().optional(),
    /** When the task was created (defaults to now); age ordering and aging count from here. */
    createdAt: z.union([z.number().int(), z.date()]).optional(),
  })
  .strict();

/** Input of `submitTask`. */
export type TaskInput = z.input<typeof TaskInputSchema>;

/** Zod schema for `updateTask` patches. */
export const TaskPatchSchema = z
  .object({
    priority: z.number().int().min(0).max(1_000_000).optional(),
    attributes: z.record(z.string(), z.unknown()).optional(),
    requiredSkills: z.record(z.string().min(1), SkillLevelSchema).optional(),
    preferredWorkerId: z.string().min(1).nullable().optional(),
    deadline: z.number().int().nullable().optional(),
  })
  .strict();

/** Input of `updateTask`: fields to replace (`attributes` are merged shallowly). */
export type TaskPatch = z.input<typeof TaskPatchSchema>;

/** `submitTask` input after validation and defaults. */
export type ParsedTaskInput = z.output<typeof TaskInputSchema>;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * The common `submitTask` input (plain object, string id and channel, integer priority, plain
 * attributes, no skills or dates) checked by hand: it is on the routing hot path, where the zod
 * schema cost more than the routing decision. Returns exactly what `TaskInputSchema` would, or
 * `undefined` for anything else — the caller then runs the schema, which owns the error report,
 * so every error still carries zod's paths and messages.
 */
export function parseTaskInputFast(input: unknown): ParsedTaskInput | undefined {
  if (!isPlainObject(input)) return undefined;
  for (const key in input) {
    switch (key) {
      case 'id':
      case 'channel':
      case 'priority':
      case 'attributes':
      case 'preferredWorkerId':
      case 'deadline':
      case 'createdAt':
        continue;
      default:
        // `requiredSkills` (and any unknown key) takes the schema path.
        return undefined;
    }
  }
  const { id, channel, priority, attributes, preferredWorkerId, deadline, createdAt } = input;
  if (id !== undefined && (typeof id !== 'string' || id.length === 0 || id.length > 200)) return undefined;
  if (typeof channel !== 'string' || channel.length === 0) return undefined;
  if (
    priority !== undefined &&
    (typeof priority !== 'number' || !Number.isInteger(priority) || priority < 0 || priority > 1_000_000)
  )
    return undefined;
  if (attributes !== undefined && !isPlainObject(attributes)) return undefined;
  if (
    preferredWorkerId !== undefined &&
    (typeof preferredWorkerId !== 'string' || preferredWorkerId.length === 0)
  )
    return undefined;
  if (deadline !== undefined && (typeof deadline !== 'number' || !Number.isSafeInteger(deadline)))
    return undefined;
  if (createdAt !== undefined && (typeof createdAt !== 'number' || !Number.isSafeInteger(createdAt)))
    return undefined;
  // Own copy of the attributes, as the schema's record parse makes one.
  const attrs: Record<string, unknown> = {};
  if (attributes !== undefined) for (const key in attributes) attrs[key] = attributes[key];
  const out: ParsedTaskInput = {
    channel,
    priority: (priority as number | undefined) ?? 0,
    attributes: attrs,
  };
  if (id !== undefined) out.id = id;
  if (preferredWorkerId !== undefined) out.preferredWorkerId = preferredWorkerId;
  if (deadline !== undefined) out.deadline = deadline;
  if (createdAt !== undefined) out.createdAt = createdAt;
  return out;
}
