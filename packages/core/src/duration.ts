import { z } from 'zod';
import { parseInput } from './errors.js';

/** A duration as an object: `{ days?, hours?, minutes?, seconds? }` (milliseconds allowed too). */
export interface DurationObject {
  days?: number;
  hours?: number;
  minutes?: number;
  seconds?: number;
  milliseconds?: number;
}

/** A duration in configuration: milliseconds or a {@link DurationObject}. */
export type DurationInput = number | DurationObject;

const part = z.number().finite().nonnegative();

/** Zod schema for {@link DurationInput}; output is milliseconds. */
export const DurationSchema = z
  .union([
    part,
    z
      .object({
        days: part.optional(),
        hours: part.optional(),
        minutes: part.optional(),
        seconds: part.optional(),
        milliseconds: part.optional(),
      })
      .strict(),
  ])
  .transform((d) => (typeof d === 'number' ? d : durationObjectToMs(d)));

function durationObjectToMs(d: DurationObject): number {
  return (
    (d.days ?? 0) * 86_400_000 +
    (d.hours ?? 0) * 3_600_000 +
    (d.minutes ?? 0) * 60_000 +
    (d.seconds ?? 0) * 1000 +
    (d.milliseconds ?? 0)
  );
}

/**
 * Normalises a duration given as milliseconds or `{ days, hours, minutes, seconds }` into milliseconds.
 *
 * @example
 * ```ts
 * toDurationMs({ hours: 1, minutes: 30 }); // 5_400_000
 * ```
 */
export function toDurationMs(input: DurationInput, field = 'duration'): number {
  if (typeof input === 'number' && Number.isFinite(input) && input >= 0) return input;
  return parseInput(DurationSchema, input, field);
}
