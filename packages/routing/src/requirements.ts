import { z } from 'zod';

/** A scalar attribute value a requirement can match. */
export type AttributeScalar = string | number | boolean;

/** Zod schema for a scalar attribute value. */
export const AttributeScalarSchema = z.union([z.string(), z.number(), z.boolean()]);

/**
 * Typed worker requirements: minimum skill levels and attribute values. A worker meets
 * `attributes: { language: ['fr', 'en'] }` when its `language` attribute (a value or an array
 * of values) contains any of the listed values.
 */
export const RequirementSchema = z
  .object({
    /** Skill name → minimum level (0–10). */
    skills: z.record(z.string().min(1), z.number().int().min(0).max(10)).optional(),
    /** Attribute name → accepted value or values. */
    attributes: z
      .record(z.string().min(1), z.union([AttributeScalarSchema, z.array(AttributeScalarSchema).min(1)]))
      .optional(),
  })
  .strict();

/** Typed worker requirements (see {@link RequirementSchema}). */
export type Requirement = z.input<typeof RequirementSchema>;

/** The parts of a worker a requirement looks at. */
export interface RequirementSubject {
  readonly skills: Readonly<Record<string, number>>;
  readonly attributes: Readonly<Record<string, unknown>>;
}

/** A requirement prepared for fast checks: sorted skill pairs and accepted-value sets. */
export interface CompiledRequirement {
  /** Skill names, sorted, parallel to `minLevels`. */
  readonly skillNames: readonly string[];
  readonly minLevels: readonly number[];
  /** Attribute names, sorted, parallel to `accepted`. */
  readonly attributeNames: readonly string[];
  readonly accepted: readonly ReadonlySet<AttributeScalar>[];
  /** A canonical string: equal keys mean equal requirements. */
  readonly key: string;
}

/** The requirement nobody fails. */
export const EMPTY_REQUIREMENT: CompiledRequirement = compileRequirement(undefined);

/** Merges several requirements (skills take the highest minimum; attributes intersect their accepted sets). */
export function mergeRequirements(parts: readonly (Requirement | undefined)[]): CompiledRequirement {
  // A null-prototype map: a skill named `constructor` or `valueOf` is an ordinary key here.
  const skills: Record<string, number> = Object.create(null);
  const attributes = new Map<string, Set<AttributeScalar>>();
  for (const part of parts) {
    if (!part) continue;
    for (const [name, level] of Object.entries(part.skills ?? {})) {
      skills[name] = Math.max(skills[name] ?? 0, level);
    }
    for (const [name, value] of Object.entries(part.attributes ?? {})) {
      const values = new Set(Array.isArray(value) ? value : [value]);
      const prev = attributes.get(name);
      attributes.set(name, prev ? new Set([...prev].filter((v) => values.has(v))) : values);
    }
  }
  const merged: Record<string, AttributeScalar[]> = {};
  for (const [name, set] of attributes) merged[name] = [...set];
  return compileRequirement({ skills, attributes: merged });
}

/** Prepares a requirement for {@link meetsRequirement}. */
export function compileRequirement(req: Requirement | undefined): CompiledRequirement {
  const skillNames = Object.keys(req?.skills ?? {}).sort();
  const minLevels = skillNames.map((s) => req?.skills?.[s] ?? 0);
  const attributeNames = Object.keys(req?.attributes ?? {}).sort();
  const accepted = attributeNames.map((a) => {
    const v = req?.attributes?.[a];
    return new Set<AttributeScalar>(Array.isArray(v) ? v : v === undefined ? [] : [v]);
  });
  const key = JSON.stringify([
    skillNames.map((s, i) => [s, minLevels[i]]),
    attributeNames.map((a, i) => [a, [...(accepted[i] ?? [])].map(String).sort()]),
  ]);
  return { skillNames, minLevels, attributeNames, accepted, key };
}

/** Why a subject fails a requirement, or `undefined` when it meets it. */
export type RequirementFailure =
  | { reason: 'skill' | 'level'; skill: string }
  | { reason: 'attribute'; attribute: string };

/** Checks a subject against a compiled requirement; returns the first failure or `undefined`. */
export function checkRequirement(
  req: CompiledRequirement,
  subject: RequirementSubject,
): RequirementFailure | undefined {
  const { skillNames, minLevels } = req;
  for (let i = 0; i < skillNames.length; i++) {
    const name = skillNames[i] as string;
    const level = ownValue(subject.skills, name);
    if (level === undefined) return { reason: 'skill', skill: name };
    if (level < (minLevels[i] as number)) return { reason: 'level', skill: name };
  }
  const { attributeNames, accepted } = req;
  for (let i = 0; i < attributeNames.length; i++) {
    const name = attributeNames[i] as string;
    if (!attributeMatches(ownValue(subject.attributes, name), accepted[i] as ReadonlySet<AttributeScalar>)) {
      return { reason: 'attribute', attribute: name };
    }
  }
  return undefined;
}

/** True when `subject` meets `req` (the fast path of {@link checkRequirement}). */
export function meetsRequirement(req: CompiledRequirement, subject: RequirementSubject): boolean {
  const { skillNames, minLevels } = req;
  for (let i = 0; i < skillNames.length; i++) {
    const level = ownValue(subject.skills, skillNames[i] as string);
    if (level === undefined || level < (minLevels[i] as number)) return false;
  }
  const { attributeNames, accepted } = req;
  for (let i = 0; i < attributeNames.length; i++) {
    if (
      !attributeMatches(
        ownValue(subject.attributes, attributeNames[i] as string),
        accepted[i] as ReadonlySet<AttributeScalar>,
      )
    ) {
      return false;
    }
  }
  return true;
}

function attributeMatches(value: unknown, accepted: ReadonlySet<AttributeScalar>): boolean {
  if (Array.isArray(value)) {
    for (const v of value) if (accepted.has(v as AttributeScalar)) return true;
    return false;
  }
  return accepted.has(value as AttributeScalar);
}

/**
 * `obj[key]` if `obj` has it as its own property. Skills and attributes are plain objects, so
 * a bare `skills.valueOf` would find `Object.prototype.valueOf` and count as a skill everyone has.
 */
export function ownValue<V>(obj: Readonly<Record<string, V>>, key: string): V | undefined {
  return Object.hasOwn(obj, key) ? obj[key] : undefined;
}
