// The KPIs' record check: the hand check of each record list accepts only what the KPI's zod
// schema accepts, and then the list is what zod would return (same records, same values); a
// refused list goes through zod, which converts Dates and explains errors with their paths.
import { isThreadlineError } from '@threadline/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { ItemsSchema, isPlainItem } from '../src/kpi/backlog.js';
import { ContactsSchema, isPlainContact } from '../src/kpi/fcr.js';
import { InteractionsSchema, isPlainInteraction } from '../src/kpi/handleTime.js';
import { ActivitiesSchema, isPlainActivity } from '../src/kpi/occupancy.js';
import { isPlainQueued, QueuedSchema } from '../src/kpi/queue.js';
import { checkedRecords } from '../src/kpi/records.js';
import { isPlainRecord, RecordsSchema } from '../src/kpi/slaAttainment.js';
import { isInScale, ResponsesSchema } from '../src/kpi/survey.js';

function outcome(fn: () => unknown): { ok: unknown } | { paths: string[] } {
  try {
    return { ok: fn() };
  } catch (e) {
    if (isThreadlineError(e, 'VALIDATION')) return { paths: e.issues.map((i) => i.path.join('.')) };
    throw e;
  }
}

/** Field values that are sometimes valid and sometimes not for any KPI field. */
const value = fc.oneof(
  fc.constantFrom<unknown>(undefined, null, '', 'a', 'x'.repeat(501), true, -1, 0, 1.5, 3, 5, 100),
  fc.integer({ min: 0, max: 10 }),
  fc.constantFrom<unknown>(Number.NaN, Number.POSITIVE_INFINITY, new Date(4), [], {}),
);
const fields = ['id', 'customerId', 'agentId', 'state', 'at', 'topic', 'resolved', 'offeredAt', 'answeredAt'];
const more = ['abandonedAt', 'start', 'end', 'metric', 'dueAt', 'completedAt', 'talkMs', 'holdMs', 'wrapMs'];
const record = fc.dictionary(fc.constantFrom(...fields, ...more, 'createdAt', 'resolvedAt', 'score'), value, {
  maxKeys: 8,
});
/** Mostly-valid records: a valid base per KPI with a few fields overwritten. */
const base = {
  id: 'r1',
  customerId: 'u1',
  agentId: 'a1',
  state: 'handling',
  at: 1,
  offeredAt: 1,
  start: 1,
  end: 2,
  dueAt: 2,
  talkMs: 3,
  createdAt: 1,
  score: 4,
};

const cases: [string, (r: Record<string, unknown>) => boolean, z.ZodType][] = [
  ['queue', isPlainQueued, QueuedSchema],
  ['fcr', isPlainContact, ContactsSchema],
  ['occupancy', isPlainActivity, ActivitiesSchema],
  ['slaAttainment', isPlainRecord, RecordsSchema],
  ['aht', isPlainInteraction, InteractionsSchema],
  ['backlog', isPlainItem, ItemsSchema],
  ['survey 1..5', (r) => isInScale(r, 1, 5), ResponsesSchema(1, 5)],
];

describe('KPI record checks', () => {
  for (const [name, check, schema] of cases) {
    it(`${name}: the hand check agrees with the schema (property)`, () => {
      fc.assert(
        fc.property(fc.array(fc.tuple(fc.boolean(), record), { maxLength: 4 }), (rows) => {
          const records = rows.map(([fromBase, r]) => (fromBase ? { ...base, ...r } : r));
          const got = outcome(() => checkedRecords(records, check, schema, name));
          const zod = schema.safeParse(records);
          if (zod.success) expect(got).toEqual({ ok: zod.data });
          else expect(got).toEqual({ paths: zod.error.issues.map((i) => i.path.join('.')) });
        }),
        { seed: 15, numRuns: 400 },
      );
    });
  }

  it('uses plain records as given (a new array, the same records)', () => {
    const records = [{ id: 'c1', offeredAt: 0, answeredAt: 5 }];
    const list = checkedRecords(records, isPlainQueued, QueuedSchema, 'contacts') as unknown[];
    expect(list).not.toBe(records);
    expect(list[0]).toBe(records[0]);
  });
});
