// The hand checks of the busiest commands' input (`transition`, `recordMessage` and every
// command's change context) accept only what their zod schemas accept, return what the commands
// read from zod's output, and leave every refused input to zod (same VALIDATION paths).
import { isThreadlineError } from '@threadline/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CaseStatusSchema, ChangeContextSchema, RecordMessageInputSchema } from '../src/case.js';
import { caseStatus, changeContext, messageInput, optionalContext } from '../src/engine/input.js';

function outcome(fn: () => unknown): { ok: unknown } | { paths: string[] } {
  try {
    return { ok: fn() };
  } catch (e) {
    if (isThreadlineError(e, 'VALIDATION')) return { paths: e.issues.map((i) => i.path.join('.')) };
    throw e;
  }
}

function zodOutcome(schema: { safeParse(v: unknown): unknown }, value: unknown) {
  const r = schema.safeParse(value) as
    | { success: true; data: unknown }
    | { success: false; error: { issues: { path: PropertyKey[] }[] } };
  return r.success ? { ok: r.data } : { paths: r.error.issues.map((i) => i.path.join('.')) };
}

const value = fc.constantFrom<unknown>(
  undefined,
  null,
  '',
  'agent-1',
  'a b',
  'x'.repeat(2001),
  'customer',
  'agent',
  'open',
  true,
  false,
  0,
  1_767_600_000_000,
  1.5,
  Number.NaN,
  new Date(0),
  { id: 'ops', roles: ['admin'], extra: 1 },
  [],
);
const contextArb = fc.oneof(
  fc.dictionary(fc.constantFrom('actor', 'reason', 'tenantId', 'other'), value, { maxKeys: 4 }),
  value,
);
const messageArb = fc.oneof(
  fc.dictionary(fc.constantFrom('author', 'public', 'at', 'messageId', 'other'), value, { maxKeys: 5 }),
  value,
);
const OptionalContextSchema = ChangeContextSchema.partial().strict().optional();

describe('command input checks', () => {
  it('changeContext agrees with ChangeContextSchema (property)', () => {
    fc.assert(
      fc.property(contextArb, (c) => {
        expect(outcome(() => changeContext(c))).toEqual(zodOutcome(ChangeContextSchema, c));
      }),
      { seed: 15, numRuns: 1000 },
    );
  });

  it('optionalContext agrees with the partial schema (property)', () => {
    fc.assert(
      fc.property(contextArb, (c) => {
        expect(outcome(() => optionalContext(c, OptionalContextSchema))).toEqual(
          zodOutcome(OptionalContextSchema, c),
        );
      }),
      { seed: 15, numRuns: 1000 },
    );
  });

  it('messageInput agrees with RecordMessageInputSchema (property)', () => {
    fc.assert(
      fc.property(messageArb, (m) => {
        expect(outcome(() => messageInput(m))).toEqual(zodOutcome(RecordMessageInputSchema, m));
      }),
      { seed: 15, numRuns: 1000 },
    );
  });

  it('caseStatus agrees with CaseStatusSchema (property)', () => {
    fc.assert(
      fc.property(fc.oneof(value, fc.constantFrom('new', 'pending', 'on_hold', 'solved', 'closed')), (s) => {
        expect(outcome(() => caseStatus(s))).toEqual(zodOutcome(CaseStatusSchema, s));
      }),
      { seed: 15, numRuns: 300 },
    );
  });
});
