import { PresenceSchema, SkillLevelSchema, ThreadlineError } from '@threadline/core';
import { z } from 'zod';
import { ROUTING_LIMITS } from './limits.js';

const IdSchema = z.string().min(1).max(ROUTING_LIMITS.idLength);
/** An attribute, skill or channel name. */
const KeySchema = z.string().min(1).max(ROUTING_LIMITS.keyLength);
/** A free-JSON attribute map: names are bounded (empty allowed, as before), values are anything. */
const AttributesSchema = z.record(z.string().max(ROUTING_LIMITS.keyLength), z.unknown());

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
    id: IdSchema,
    kind: z.enum(['human', 'bot']).default('human'),
    /** Free JSON; `skills` (name → level 0–10) is the skill map requirements look at. */
    attributes: z
      .object({ skills: z.record(KeySchema, SkillLevelSchema).optional() })
      .catchall(z.unknown())
      .superRefine((attrs, ctx) => {
        for (const key of Object.keys(attrs))
          if (key.length > ROUTING_LIMITS.keyLength)
            ctx.addIssue({
              code: 'too_big',
              origin: 'string',
              maximum: ROUTING_LIMITS.keyLength,
              inclusive: true,
              path: [key],
              message: `attribute names have at most ${ROUTING_LIMITS.keyLength} characters`,
            });
      })
      .default({}),
    /** Channel → units (or `{ units, weight }`). A channel missing here is never offered. */
    capacity: z.record(KeySchema, CapacityEntrySchema),
    /** Optional shared pool across channels: the sum of used units never exceeds it. */
    totalCapacity: z.number().int().positive().optional(),
    status: PresenceSchema,
    reason: z.string().max(ROUTING_LIMITS.reasonLength).optional(),
    /** Name of a calendar in the engine's `calendars` option (the worker's shift). */
    calendar: KeySchema.optional(),
  })
  .strict();

/** Input of `upsertWorker`. */
export type WorkerInput = z.input<typeof WorkerInputSchema>;

/** Zod schema for `submitTask` input. */
export const TaskInputSchema = z
  .object({
    /** Caller-chosen id; generated when omitted. */
    id: IdSchema.optional(),
    channel: KeySchema,
    priority: z.number().int().min(0).max(1_000_000).default(0),
    attributes: AttributesSchema.default({}),
    /** Skill name → minimum level every worker offered this task must have. */
    requiredSkills: z.record(KeySchema, SkillLevelSchema).optional(),
    /** Worker targeted by `knownWorker: 'preferred'` steps. */
    preferredWorkerId: IdSchema.optional(),
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
    attributes: AttributesSchema.optional(),
    requiredSkills: z.record(KeySchema, SkillLevelSchema).optional(),
    preferredWorkerId: IdSchema.nullable().optional(),
    deadline: z.number().int().nullable().optional(),
  })
  .strict();

/** Input of `updateTask`: fields to replace (`attributes` are merged shallowly). */
export type TaskPatch = z.input<typeof TaskPatchSchema>;

/** `updateTask` patch after validation. */
export type ParsedTaskPatch = z.output<typeof TaskPatchSchema>;

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
  if (id !== undefined && (typeof id !== 'string' || id.length === 0 || id.length > ROUTING_LIMITS.idLength))
    return undefined;
  if (typeof channel !== 'string' || channel.length === 0 || channel.length > ROUTING_LIMITS.keyLength)
    return undefined;
  if (
    priority !== undefined &&
    (typeof priority !== 'number' || !Number.isInteger(priority) || priority < 0 || priority > 1_000_000)
  )
    return undefined;
  if (attributes !== undefined && !isPlainObject(attributes)) return undefined;
  if (
    preferredWorkerId !== undefined &&
    (typeof preferredWorkerId !== 'string' ||
      preferredWorkerId.length === 0 ||
      preferredWorkerId.length > ROUTING_LIMITS.idLength)
  )
    return undefined;
  if (deadline !== undefined && (typeof deadline !== 'number' || !Number.isSafeInteger(deadline)))
    return undefined;
  if (createdAt !== undefined && (typeof createdAt !== 'number' || !Number.isSafeInteger(createdAt)))
    return undefined;
  // Own copy of the attributes, as the schema's record parse makes one. Keys the schema would
  // refuse (too long, or `__proto__`, which a plain object cannot hold) take the schema path,
  // which owns the error.
  const attrs: Record<string, unknown> = {};
  if (attributes !== undefined)
    for (const key in attributes) {
      if (key.length > ROUTING_LIMITS.keyLength || key === '__proto__') return undefined;
      attrs[key] = attributes[key];
    }
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

/**
 * Refuses `__proto__` as a key anywhere in `input` (`VALIDATION`, naming the path). A plain
 * object cannot hold it as data — an assignment changes the object's prototype, and zod drops
 * it — so accepting it would mean matching on something other than what the caller sent.
 */
export function rejectReservedKeys(input: unknown, what: string, path: (string | number)[] = []): void {
  if (input === null || typeof input !== 'object') return;
  if (Array.isArray(input)) {
    input.forEach((v, i) => {
      rejectReservedKeys(v, what, [...path, i]);
    });
    return;
  }
  if (!isPlainObject(input)) return;
  for (const key of Object.keys(input)) {
    if (key === '__proto__') throw reservedKey(what, [...path, key]);
    rejectReservedKeys((input as Record<string, unknown>)[key], what, [...path, key]);
  }
}

function reservedKey(what: string, path: (string | number)[]): ThreadlineError {
  return new ThreadlineError(
    'VALIDATION',
    `Invalid ${what}: ${path.join('.')}: "__proto__" is not allowed as a key`,
    {
      issues: [{ path, message: '"__proto__" is not allowed as a key', code: 'invalid_key' }],
    },
  );
}

/**
 * Freezes a fresh attribute map in place after replacing its nested plain objects and arrays
 * with frozen copies, so what the engine indexes cannot be changed through a returned view and
 * the caller's own objects stay unfrozen. Throws like {@link rejectReservedKeys} on `__proto__`.
 */
export function freezeAttributes<T extends Record<string, unknown>>(
  attrs: T,
  what: string,
  path: (string | number)[],
): Readonly<T> {
  return copyNested(attrs, what, path, true);
}

/**
 * Like {@link freezeAttributes} without freezing: the engine's own copy of a worker's
 * attributes (frozen maps cost a descriptor array per distinct shape, and every worker's skill
 * set has its own shape; `getWorker` hands out a frozen copy instead).
 */
export function copyAttributes<T extends Record<string, unknown>>(
  attrs: T,
  what: string,
  path: (string | number)[],
): T {
  return copyNested(attrs, what, path, false);
}

/** A deep frozen copy of a value (plain objects and arrays; other objects kept as they are). */
export function frozenView<T>(value: T): T {
  return copyValue(value, 'value', [], true) as T;
}

function copyNested<T extends Record<string, unknown>>(
  attrs: T,
  what: string,
  path: (string | number)[],
  freeze: boolean,
): T {
  for (const key in attrs) {
    const v = attrs[key];
    if (v !== null && typeof v === 'object')
      (attrs as Record<string, unknown>)[key] = copyValue(v, what, [...path, key], freeze);
  }
  return freeze ? Object.freeze(attrs) : attrs;
}

/** Thrown inside {@link copy} at a `__proto__` key; {@link copyValue} turns it into the error with its path. */
const RESERVED = Symbol('reserved key');

/**
 * {@link copy} of one value at `path`. The copy itself builds no paths (it runs for every
 * nested attribute on the `submitTask` path); only a refused key walks the value again, with
 * {@link rejectReservedKeys}, to name where it is.
 */
function copyValue(value: unknown, what: string, path: (string | number)[], freeze: boolean): unknown {
  try {
    return copy(value, freeze);
  } catch (e) {
    if (e !== RESERVED) throw e;
    rejectReservedKeys(value, what, path);
    throw reservedKey(what, path);
  }
}

function copy(value: unknown, freeze: boolean): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    const items = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) items[i] = copy(value[i], freeze);
    return freeze ? Object.freeze(items) : items;
  }
  // Dates, maps and class instances are kept as given (attributes are meant to be JSON).
  if (!isPlainObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    if (key === '__proto__') throw RESERVED;
    out[key] = copy(value[key], freeze);
  }
  return freeze ? Object.freeze(out) : out;
}

/** A cancel or reject reason. */
export const ReasonSchema = z.string().min(1).max(ROUTING_LIMITS.reasonLength);
/** `rejectReservation` options. */
export const RejectOptionsSchema = z.object({ reason: ReasonSchema }).strict();
/**
 * `rejectReservation` options in their one valid shape (a plain object holding only a `reason`
 * string of allowed length) checked by hand, returned as the engine's own copy; `undefined` for
 * anything else, which then takes {@link RejectOptionsSchema} (the owner of the error report).
 */
export function parseRejectOptionsFast(options: unknown): { reason: string } | undefined {
  if (!isPlainObject(options)) return undefined;
  for (const key in options) if (key !== 'reason') return undefined;
  const reason = options.reason;
  if (typeof reason !== 'string' || reason.length === 0 || reason.length > ROUTING_LIMITS.reasonLength)
    return undefined;
  return { reason };
}

/**
 * `completeTask` options holding a `wrapUpMs` (a non-negative safe integer) and nothing else,
 * checked by hand and copied; `undefined` for anything else, which then takes
 * {@link CompleteOptionsSchema}.
 */
export function parseCompleteOptionsFast(options: unknown): { wrapUpMs: number } | undefined {
  if (!isPlainObject(options)) return undefined;
  for (const key in options) if (key !== 'wrapUpMs') return undefined;
  const wrapUpMs = options.wrapUpMs;
  if (typeof wrapUpMs !== 'number' || !Number.isSafeInteger(wrapUpMs) || wrapUpMs < 0) return undefined;
  return { wrapUpMs };
}
/** `completeTask` options. */
export const CompleteOptionsSchema = z
  .object({ wrapUpMs: z.number().int().nonnegative().optional() })
  .strict();
/** `setWorkerStatus` arguments. */
export const StatusArgsSchema = z
  .object({
    id: z.string().min(1).max(ROUTING_LIMITS.idLength),
    status: z.enum(['available', 'busy', 'away', 'offline']),
    reason: z.string().max(ROUTING_LIMITS.reasonLength).optional(),
  })
  .strict();
