import { parseInput } from '@threadline/core';
import type { z } from 'zod';

/** A finite number of epoch milliseconds (a `Date` is left to the schema, which converts it). */
export const isInstant = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** An optional instant: absent, `undefined` or {@link isInstant}. */
export const isOptionalInstant = (v: unknown): boolean => v === undefined || isInstant(v);

/** A record id: 1–500 characters (`RecordIdSchema`). */
export const isRecordId = (v: unknown): v is string =>
  typeof v === 'string' && v.length >= 1 && v.length <= 500;

/** A non-empty string. */
export const isNonEmpty = (v: unknown): v is string => typeof v === 'string' && v.length >= 1;

/**
 * Validates a KPI's records once, at its boundary. Records of the common shape (plain objects,
 * instants as numbers) are checked by hand with `check`, the rule of `schema`, and used as they
 * are: a KPI over 50,000 contacts no longer builds 50,000 copies to read them once. Anything else
 * (a `Date` to convert, a bad field) goes through `schema` (or the schema a function builds, only
 * then), which converts and explains with the record's path. The result is a new array (the KPI may sort it); the records are only read.
 */
export function checkedRecords<S extends z.ZodType>(
  records: unknown,
  check: (record: Record<string, unknown>) => boolean,
  schema: S | (() => S),
  what: string,
): z.output<S> {
  if (Array.isArray(records)) {
    let plain = true;
    for (let i = 0; plain && i < records.length; i++) {
      const r: unknown = records[i];
      plain =
        typeof r === 'object' &&
        r !== null &&
        Object.getPrototypeOf(r) === Object.prototype &&
        check(r as Record<string, unknown>);
    }
    if (plain) return records.slice() as z.output<S>;
  }
  return parseInput(typeof schema === 'function' ? schema() : schema, records, what);
}
