// The hand checks of the busiest commands' input (`transition`, `recordMessage` and every
// command's change context) accept only what their zod schemas accept, return what the commands
// read from zod's output, and leave every refused input to zod (same VALIDATION paths).
import { isThreadlineError } from '@threadline/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CaseStatusSchema,
  ChangeContextSchema,
  OpenCaseInputSchema,
  RecordMessageInputSchema,
} from '../src/case.js';
import { caseStatus, changeContext, messageInput, openInput, optionalContext } from '../src/engine/input.js';

function outcome(fn: () => unknown): { ok: unknown } | { paths: string[] } {
  try {
    return { ok: fn() };
  } catch (e) {
    if (isThreadlineError(e, 'VALIDATION'))
      return { paths: e.issues.map((i) => i.path.map(String).join('.')) };
    throw e;
  }
}

function zodOutcome(schema: { safeParse(v: unknown): unknown }, value: unknown) {
  const r = schema.safeParse(value) as
    | { success: true; data: unknown }
    | { success: false; error: { issues: { path: PropertyKey[] }[] } };
  return r.success ? { ok: r.data } : { paths: r.error.issues.map((i) => i.path.map(String).join('.')) };
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

  const openValue = fc.oneof(
    value,
    fc.constantFrom<unknown>(
      'cus-1',
      'x'.repeat(201),
      'x'.repeat(501),
      'normal',
      'urgent',
      'email',
      'voice',
      'fax',
      { tier: 'gold', nested: { a: 1 } },
      {},
      Object.create(null),
      JSON.parse('{"__proto__": {"x": 1}}'),
      { [Symbol('s')]: 1 },
      new Map(),
    ),
  );
  const openArb = fc.oneof(
    fc.record(
      {
        customerId: openValue,
        subject: openValue,
        priority: openValue,
        channel: openValue,
        id: openValue,
        tenantId: openValue,
        type: openValue,
        team: openValue,
        assignee: openValue,
        attributes: openValue,
        customer: openValue,
        actor: openValue,
        other: openValue,
      },
      { requiredKeys: [] },
    ),
    fc.record({
      customerId: fc.constantFrom('cus-1', ''),
      subject: fc.constantFrom('Refund', 'x'.repeat(2001)),
      priority: fc.constantFrom('low', 'normal', 'high', 'urgent', 'critical'),
      channel: fc.constantFrom('email', 'chat', 'voice', 'fax'),
    }),
    openValue,
  );

  it('openInput agrees with OpenCaseInputSchema and copies the attribute objects (property)', () => {
    fc.assert(
      fc.property(openArb, (input) => {
        const mine = outcome(() => openInput(input));
        expect(mine).toEqual(zodOutcome(OpenCaseInputSchema, input));
        if ('ok' in mine && typeof input === 'object' && input !== null) {
          const out = mine.ok as Record<string, unknown>;
          const given = input as Record<string, unknown>;
          for (const key of ['attributes', 'customer'])
            if (out[key] !== undefined) expect(out[key]).not.toBe(given[key]);
        }
      }),
      { seed: 15, numRuns: 2000 },
    );
  });

  it("openCase leaves the caller's attribute objects unfrozen", async () => {
    const { createCaseEngine } = await import('../src/index.js');
    const { ManualClock } = await import('@threadline/core');
    const engine = createCaseEngine({ clock: new ManualClock(1_000), calendars: {}, policies: [] });
    const attributes = { tier: 'gold', tags: ['a'] };
    const customer = { plan: 'pro' };
    const c = engine.openCase({
      customerId: 'cus-1',
      subject: 'Refund',
      priority: 'high',
      channel: 'email',
      attributes,
      customer,
    });
    expect(c.attributes).toEqual(attributes);
    expect(Object.isFrozen(c.attributes)).toBe(true);
    expect(Object.isFrozen(attributes)).toBe(false);
    expect(Object.isFrozen(customer)).toBe(false);
  });
});
