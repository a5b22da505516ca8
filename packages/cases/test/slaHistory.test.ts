// The SLA history keeps version numbers, not case versions: every version `recompute` replays is
// rebuilt from the opening snapshot and the audit patches. These properties check that the
// rebuilt versions are the ones the engine produced and that recompute gives what an engine
// running under the new rules from the start gives.
import { createSequentialIds, isThreadlineError, ManualClock } from '@threadline/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Case } from '../src/case.js';
import { createCaseEngine, type EscalationLadderInput, type SlaPolicyInput } from '../src/index.js';
import { caseVersions, replayFacts } from '../src/sla/caseVersions.js';

const T0 = Date.UTC(2026, 0, 5, 9);
const M = 60_000;

const policies = (scale: number): SlaPolicyInput[] => [
  {
    id: 'vip',
    when: 'case.customer.tier == "vip"',
    targets: { first_reply: { normal: { minutes: 10 * scale } }, resolution: { normal: { hours: scale } } },
  },
  {
    id: 'default',
    warn: { before: { minutes: 5 } },
    targets: {
      first_reply: {
        low: { hours: 2 * scale },
        normal: { minutes: 45 * scale },
        high: { minutes: 20 * scale },
      },
      next_reply: { normal: { hours: scale }, high: { minutes: 30 * scale } },
      resolution: { normal: { hours: 8 * scale }, high: { hours: 4 * scale } },
      requester_wait: { normal: { hours: 3 * scale } },
    },
  },
];

const ladders: EscalationLadderInput[] = [
  {
    id: 'fr',
    metric: 'first_reply',
    levels: [
      { before: { minutes: 5 }, actions: [{ type: 'notify', recipients: [{ id: 'lead' }] }] },
      { after: { minutes: 10 }, actions: [{ type: 'raise_priority' }] },
    ],
  },
];

type Op =
  | { k: 'advance'; ms: number }
  | { k: 'tick' }
  | { k: 'status'; to: 'open' | 'pending' | 'on_hold' | 'solved' | 'closed' }
  | { k: 'reopen' }
  | { k: 'message'; author: 'customer' | 'agent'; public: boolean }
  | { k: 'priority'; p: 'low' | 'normal' | 'high' }
  | { k: 'tier'; tier: string }
  | { k: 'ack' };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({ k: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 3 * 60 * M }) }),
  },
  { weight: 2, arbitrary: fc.constant({ k: 'tick' as const }) },
  {
    weight: 3,
    arbitrary: fc.record({
      k: fc.constant('status' as const),
      to: fc.constantFrom(
        'open' as const,
        'pending' as const,
        'on_hold' as const,
        'solved' as const,
        'closed' as const,
      ),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ k: 'reopen' as const }) },
  {
    weight: 4,
    arbitrary: fc.record({
      k: fc.constant('message' as const),
      author: fc.constantFrom('customer' as const, 'agent' as const),
      public: fc.boolean(),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      k: fc.constant('priority' as const),
      p: fc.constantFrom('low' as const, 'normal' as const, 'high' as const),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ k: fc.constant('tier' as const), tier: fc.constantFrom('vip', 'basic') }),
  },
  { weight: 1, arbitrary: fc.constant({ k: 'ack' as const }) },
);

/** Runs the operations on one case; returns the engine and every case version seen after an operation. */
function run(
  ops: readonly Op[],
  rules: { policies: SlaPolicyInput[]; escalations: EscalationLadderInput[] },
) {
  const clock = new ManualClock(T0);
  const engine = createCaseEngine({ clock, ids: createSequentialIds(), calendars: {}, ...rules });
  const c = engine.openCase({ customerId: 'cust', subject: 's', priority: 'normal', channel: 'email' });
  const seen: Case[] = [c];
  for (const op of ops) {
    try {
      if (op.k === 'advance') clock.advance(op.ms);
      else if (op.k === 'tick') engine.advanceTo(clock.now());
      else if (op.k === 'status') engine.transition(c.id, op.to, { actor: 'a' });
      else if (op.k === 'reopen') engine.reopen(c.id, { actor: 'a' });
      else if (op.k === 'message') engine.recordMessage(c.id, { author: op.author, public: op.public });
      else if (op.k === 'priority') engine.setPriority(c.id, op.p, { actor: 'a' });
      else if (op.k === 'tier') engine.update(c.id, { customer: { tier: op.tier } }, { actor: 'a' });
      else engine.acknowledgeEscalation(c.id, 'first_reply', { actor: 'a' });
    } catch (e) {
      if (!isThreadlineError(e, 'ILLEGAL_TRANSITION') && !isThreadlineError(e, 'NOT_FOUND')) throw e;
    }
    const now = engine.getCase(c.id);
    if (now !== undefined) seen.push(now);
  }
  return { engine, clock, caseId: c.id, seen };
}

describe('SLA history: case versions rebuilt from the audit', () => {
  it('property: every version the engine produced is rebuilt equal from the opening and the patches', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 40 }), (ops) => {
        const { engine, caseId, seen } = run(ops, { policies: policies(1), escalations: ladders });
        const [, ...audit] = engine.getAudit(caseId);
        const opened = seen[0] as Case;
        const versions = caseVersions({ opened, audit });
        expect(versions.size).toBe(audit.length + 1);
        for (const c of seen) expect(versions.get(c.version)).toEqual(c);
        const last = seen[seen.length - 1] as Case;
        expect(Object.isFrozen(versions.get(last.version))).toBe(true);
      }),
      { numRuns: 150, seed: 11 },
    );
  });

  it('property: recompute under new rules, backdated, equals an engine that had them from the start', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 40 }), fc.integer({ min: 1, max: 3 }), (ops, scale) => {
        // No ladders: a ladder's priority raise would give the two engines different histories.
        const a = run(ops, { policies: policies(1), escalations: [] });
        const b = run(ops, { policies: policies(scale), escalations: [] });
        a.engine.advanceTo(a.clock.now());
        b.engine.advanceTo(b.clock.now());
        const replay = a.engine.recompute(a.caseId, { policies: policies(scale), backdate: true });
        expect(replay.metrics).toEqual(b.engine.getSla(b.caseId));
      }),
      { numRuns: 120, seed: 5 },
    );
  });

  it('names the fact whose version the audit trail lacks', () => {
    const { seen } = run([{ k: 'message', author: 'agent', public: true }], {
      policies: policies(1),
      escalations: [],
    });
    const opened = seen[0] as Case;
    const err = (() => {
      try {
        replayFacts({ opened, audit: [] }, [{ at: T0, version: 2 }]);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(isThreadlineError(err, 'VALIDATION')).toBe(true);
    expect((err as { issues: { path: unknown[] }[] }).issues[0]?.path).toEqual(['later', 0, 'version']);
  });
});
