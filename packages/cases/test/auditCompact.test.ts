// Scalar changes keep their audit entry compactly (field/old/new triples) and build the patches
// when asked. These properties hold the built entries to the form the engine stored before: the
// patches built eagerly at change time (the reference below is that code, unchanged), and the
// engine's public audit to plain entries whose patches replay and invert every version.
import { createSequentialIds, isThreadlineError, ManualClock } from '@threadline/core';
import fc from 'fast-check';
import { applyPatches, freeze, type Patch } from 'immer';
import { describe, expect, it } from 'vitest';
import type { Case, CaseAuditEntry } from '../src/case.js';
import { auditEntry, ScalarAudit } from '../src/engine/audit.js';
import { type ScalarChanges, scalarVersion } from '../src/engine/change.js';
import { createCaseEngine } from '../src/index.js';

/** The eager builder the engine used before compact entries (kept as the reference). */
function eagerPatches(base: Case, next: Case, fields: ScalarChanges): [Patch[], Patch[]] {
  const patches: Patch[] = [];
  const inverse: Patch[] = [];
  const old = base as unknown as Record<string, unknown>;
  const now = next as unknown as Record<string, unknown>;
  const record = (key: string) => {
    if (Object.is(old[key], now[key])) return;
    patches.push({ op: 'replace', path: [key], value: now[key] });
    inverse.push({ op: 'replace', path: [key], value: old[key] });
  };
  record('updatedAt');
  for (const key in fields) if (key !== 'updatedAt' && key !== 'version') record(key);
  record('version');
  return [patches, inverse];
}

const baseArb: fc.Arbitrary<Case> = fc
  .record({
    status: fc.constantFrom('open', 'pending', 'solved' as const),
    priority: fc.constantFrom('low', 'normal', 'high' as const),
    assignee: fc.constantFrom(null, 'agent-1'),
    updatedAt: fc.constantFrom(1_000, 2_000),
    version: fc.integer({ min: 1, max: 50 }),
    solvedAt: fc.constantFrom(null, 1_000),
    reordered: fc.boolean(),
  })
  .map(({ reordered, ...f }) => {
    const c = {
      id: 'case-1',
      tenantId: 'default',
      customerId: 'cus-1',
      subject: 'Refund',
      status: f.status,
      priority: f.priority,
      channel: 'email',
      type: null,
      team: null,
      assignee: f.assignee,
      attributes: {},
      customer: { tier: 'gold' },
      createdAt: 1_000,
      updatedAt: f.updatedAt,
      version: f.version,
      solvedAt: f.solvedAt,
      closedAt: null,
      reopenCount: 0,
      mergedInto: null,
      mergedFrom: [],
      followUpOf: null,
      followUps: [],
      escalations: [],
      lastCustomerMessageAt: null,
      lastAgentReplyAt: null,
    } as Case;
    // A case in another key order (an older stored document) takes the general path.
    if (!reordered) return freeze(c, true);
    const { customerId, ...rest } = c;
    return freeze({ ...rest, customerId } as Case, true);
  });

const changesArb: fc.Arbitrary<ScalarChanges> = fc.record(
  {
    status: fc.constantFrom('open', 'pending', 'solved', 'closed' as const),
    priority: fc.constantFrom('low', 'normal', 'high' as const),
    assignee: fc.constantFrom(null, 'agent-1', 'agent-2'),
    solvedAt: fc.constantFrom(null, 1_000, 2_000),
    reopenCount: fc.integer({ min: 0, max: 2 }),
    lastAgentReplyAt: fc.constantFrom(null, 2_000),
  },
  { requiredKeys: [] },
);

describe('compact audit entries', () => {
  it('property: the entry built from the triples equals the entry the eager builder stored', () => {
    fc.assert(
      fc.property(baseArb, changesArb, fc.constantFrom(1_000, 2_000), (base, fields, at) => {
        const [next, changed] = scalarVersion(base, at, fields);
        const compact = new ScalarAudit(
          next.version,
          at,
          'agent-1',
          'case.updated',
          'why',
          base.updatedAt,
          changed,
        );
        const [patches, inversePatches] = eagerPatches(base, next, fields);
        const expected: CaseAuditEntry = {
          version: next.version,
          at,
          actor: 'agent-1',
          action: 'case.updated',
          reason: 'why',
          patches,
          inversePatches,
        };
        const built = auditEntry(compact);
        expect(built).toEqual(expected);
        expect(Object.keys(built)).toEqual(Object.keys(expected));
        expect(JSON.stringify(built)).toBe(JSON.stringify(expected));
        // Three entries per changed field, none for a field assigned its own value.
        expect(changed.length).toBe(3 * (patches.length - (Object.is(base.updatedAt, at) ? 1 : 2)));
      }),
      { seed: 15, numRuns: 400 },
    );
  });

  it('property: the public audit is plain entries whose patches replay and invert every version', () => {
    type Op =
      | 'advance'
      | 'pending'
      | 'open'
      | 'solved'
      | 'reopen'
      | 'agent'
      | 'customer'
      | 'assign'
      | 'update';
    const opArb = fc.constantFrom<Op>(
      'advance',
      'pending',
      'open',
      'solved',
      'reopen',
      'agent',
      'customer',
      'assign',
      'update',
    );
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 30 }), (ops) => {
        const clock = new ManualClock(Date.UTC(2026, 0, 5, 9));
        const engine = createCaseEngine({ clock, ids: createSequentialIds(), calendars: {}, policies: [] });
        const opened = engine.openCase({
          customerId: 'c',
          subject: 's',
          priority: 'normal',
          channel: 'email',
        });
        const seen = new Map<number, Case>([[opened.version, opened]]);
        for (const op of ops) {
          try {
            if (op === 'advance') clock.advance(60_000);
            else if (op === 'reopen') engine.reopen(opened.id, { actor: 'a' });
            else if (op === 'agent' || op === 'customer')
              engine.recordMessage(opened.id, { author: op, public: true });
            else if (op === 'assign') engine.assign(opened.id, { assignee: 'agent-7' }, { actor: 'a' });
            else if (op === 'update') engine.update(opened.id, { customer: { tier: 'vip' } }, { actor: 'a' });
            else engine.transition(opened.id, op, { actor: 'a' });
          } catch (e) {
            if (!isThreadlineError(e, 'ILLEGAL_TRANSITION')) throw e;
          }
          const c = engine.getCase(opened.id) as Case;
          seen.set(c.version, c);
        }
        const audit = engine.getAudit(opened.id);
        expect(JSON.parse(JSON.stringify(audit))).toEqual(audit);
        let current = opened;
        for (const a of audit.slice(1)) {
          expect(Object.getPrototypeOf(a)).toBe(Object.prototype);
          const next = applyPatches(current, a.patches as Patch[]) as Case;
          // A command may make more than one version; every version a command ended on is checked.
          if (seen.has(a.version)) expect(next).toEqual(seen.get(a.version));
          expect(next.version).toBe(a.version);
          expect(applyPatches(next, a.inversePatches as Patch[])).toEqual(current);
          current = next;
        }
        expect(current).toEqual(engine.getCase(opened.id));
      }),
      { seed: 7, numRuns: 150 },
    );
  });
});
