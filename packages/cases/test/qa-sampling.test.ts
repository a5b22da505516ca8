import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assignReviewers, type CaseSummary, sampleCases, sampleDraw } from '../src/index.js';

function thrown(fn: () => unknown): { code?: string; path?: unknown } {
  try {
    fn();
  } catch (e) {
    return e as never;
  }
  throw new Error('expected a throw');
}

const cases: CaseSummary[] = [
  { id: 'c1', agentId: 'a1', breached: true },
  { id: 'c2', agentId: 'a1', csat: 1 },
  { id: 'c3', agentId: 'a2', escalated: true, breached: true },
  { id: 'c4', agentId: 'a2', reopened: true },
  { id: 'c5', agentId: 'a3', csat: 5 },
  { id: 'c6', agentId: 'a3', csat: 2, team: 'billing' },
];

describe('sampleCases', () => {
  it('composes rules as a union and explains every reason', () => {
    const r = sampleCases(cases, {
      rules: [
        { type: 'breached' },
        { type: 'escalated' },
        { type: 'low_csat', max: 2 },
        { type: 'reopened' },
      ],
    });
    expect(r.sampled).toEqual([
      {
        caseId: 'c1',
        agentId: 'a1',
        reasons: [{ rule: 'breached', type: 'breached', detail: 'SLA breached' }],
      },
      {
        caseId: 'c2',
        agentId: 'a1',
        reasons: [{ rule: 'low_csat', type: 'low_csat', detail: 'CSAT 1 <= 2' }],
      },
      {
        caseId: 'c3',
        agentId: 'a2',
        reasons: [
          { rule: 'breached', type: 'breached', detail: 'SLA breached' },
          { rule: 'escalated', type: 'escalated', detail: 'escalated' },
        ],
      },
      { caseId: 'c4', agentId: 'a2', reasons: [{ rule: 'reopened', type: 'reopened', detail: 'reopened' }] },
      {
        caseId: 'c6',
        agentId: 'a3',
        reasons: [{ rule: 'low_csat', type: 'low_csat', detail: 'CSAT 2 <= 2' }],
      },
    ]);
    expect(r.byRule).toEqual({ breached: 2, escalated: 1, low_csat: 2, reopened: 1 });
    expect(r.considered).toBe(6);
    expect(r.skipped).toEqual([]);
  });

  it('random rate: a case is drawn when its seeded draw is below the rate, whatever the input order', () => {
    const many = Array.from({ length: 2000 }, (_, i) => ({ id: `case-${i}`, agentId: `a${i % 7}` }));
    const r = sampleCases(many, { seed: 42, rules: [{ type: 'random', rate: 0.1 }] });
    const expected = many.filter((c) => sampleDraw(42, c.id) < 0.1).map((c) => c.id);
    expect(r.sampled.map((s) => s.caseId)).toEqual(expected);
    // Roughly 10 % (binomial sd ≈ 13).
    expect(r.sampled.length).toBeGreaterThan(140);
    expect(r.sampled.length).toBeLessThan(260);
    expect(r.sampled[0]?.reasons[0]?.detail).toMatch(/^random draw 0\.\d+ < rate 0\.1$/);
    const reversed = sampleCases([...many].reverse(), { seed: 42, rules: [{ type: 'random', rate: 0.1 }] });
    expect(new Set(reversed.sampled.map((s) => s.caseId))).toEqual(new Set(expected));
    const other = sampleCases(many, { seed: 43, rules: [{ type: 'random', rate: 0.1 }] });
    expect(other.sampled.map((s) => s.caseId)).not.toEqual(expected);
    // A rule's own seed overrides the plan's.
    expect(sampleCases(many, { seed: 1, rules: [{ type: 'random', rate: 0.1, seed: 42 }] }).sampled).toEqual(
      r.sampled,
    );
  });

  it('random count: exactly n cases, the lowest draws', () => {
    const many = Array.from({ length: 50 }, (_, i) => ({ id: `c${i}` }));
    const r = sampleCases(many, { seed: 7, rules: [{ type: 'random', count: 5 }] });
    expect(r.sampled).toHaveLength(5);
    const lowest = [...many]
      .sort((a, b) => sampleDraw(7, a.id) - sampleDraw(7, b.id))
      .slice(0, 5)
      .map((c) => c.id);
    expect(new Set(r.sampled.map((s) => s.caseId))).toEqual(new Set(lowest));
    expect(sampleCases(many.slice(0, 3), { rules: [{ type: 'random', count: 5 }] }).sampled).toHaveLength(3);
  });

  it('applies limits in rule order and reports what they left out', () => {
    const r = sampleCases(cases, {
      rules: [{ type: 'breached', limit: 1 }, { type: 'low_csat', max: 2 }, { type: 'reopened' }],
      perAgent: 1,
      limit: 2,
      exclude: ['c4'],
    });
    expect(r.considered).toBe(5);
    expect(r.sampled).toHaveLength(2);
    const ids = r.sampled.map((s) => s.caseId);
    // One breached case (rule limit 1), then low-CSAT cases; a1 can only have one.
    expect(ids.filter((id) => id === 'c1' || id === 'c3')).toHaveLength(1);
    expect(r.byRule.breached).toBe(1);
    const skippedBecause = Object.fromEntries(r.skipped.map((s) => [s.caseId, s.skippedBecause]));
    expect(Object.keys(skippedBecause).sort()).toEqual(
      ['c1', 'c2', 'c3', 'c6'].filter((c) => !ids.includes(c)).sort(),
    );
    expect(Object.values(skippedBecause)).toEqual(expect.arrayContaining(['rule_limit']));
    expect(Object.values(skippedBecause).every((b) => ['rule_limit', 'per_agent', 'limit'].includes(b))).toBe(
      true,
    );
  });

  it('names rules by id and disambiguates duplicates', () => {
    const r = sampleCases(cases, {
      rules: [{ type: 'low_csat', max: 1, id: 'very-unhappy' }, { type: 'breached' }, { type: 'breached' }],
    });
    expect(r.byRule).toEqual({ 'very-unhappy': 1, 'breached#1': 2, 'breached#2': 2 });
  });

  it('rejects bad plans and cases with paths', () => {
    expect(thrown(() => sampleCases(cases, { rules: [{ type: 'random', rate: 2 }] })).path).toEqual([
      'rules',
      0,
      'rate',
    ]);
    expect(thrown(() => sampleCases(cases, { rules: [{ type: 'random' }] })).path).toEqual([
      'rules',
      0,
      'rate',
    ]);
    expect(thrown(() => sampleCases(cases, { rules: [] })).path).toEqual(['rules']);
    expect(thrown(() => sampleCases(cases, { rules: [{ type: 'sometimes' } as never] })).code).toBe(
      'VALIDATION',
    );
    expect(
      thrown(() => sampleCases([{ id: 'a' }, { id: '' }], { rules: [{ type: 'breached' }] })).path,
    ).toEqual(['cases', 1, 'id']);
    expect(
      thrown(() => sampleCases([{ id: 'a' }, { id: 'a' }], { rules: [{ type: 'breached' }] })).path,
    ).toEqual(['cases', 1, 'id']);
    expect(
      thrown(() => sampleCases([{ id: 'a', csat: Number.NaN }], { rules: [{ type: 'low_csat', max: 2 }] }))
        .path,
    ).toEqual(['cases', 0, 'csat']);
  });

  it('properties: deterministic per seed and order-independent; every sampled case has a reason that holds', () => {
    const summary = fc.record({
      id: fc.string({ minLength: 1, maxLength: 6 }),
      agentId: fc.constantFrom('a1', 'a2', 'a3'),
      breached: fc.boolean(),
      escalated: fc.boolean(),
      reopened: fc.boolean(),
      csat: fc.integer({ min: 1, max: 5 }),
    });
    fc.assert(
      fc.property(
        fc.uniqueArray(summary, { selector: (s) => s.id, maxLength: 40 }),
        fc.integer(),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (list, seed, rate) => {
          const plan = {
            seed,
            rules: [
              { type: 'random' as const, rate },
              { type: 'breached' as const },
              { type: 'low_csat' as const, max: 2 },
            ],
          };
          const a = sampleCases(list, plan);
          expect(sampleCases(list, plan)).toEqual(a);
          const b = sampleCases([...list].reverse(), plan);
          expect(new Set(b.sampled.map((s) => s.caseId))).toEqual(new Set(a.sampled.map((s) => s.caseId)));
          const byId = new Map(list.map((c) => [c.id, c]));
          for (const s of a.sampled) {
            const c = byId.get(s.caseId)!;
            expect(s.reasons.length).toBeGreaterThan(0);
            for (const reason of s.reasons) {
              if (reason.type === 'breached') expect(c.breached).toBe(true);
              if (reason.type === 'low_csat') expect(c.csat).toBeLessThanOrEqual(2);
              if (reason.type === 'random') expect(sampleDraw(seed, c.id)).toBeLessThan(rate);
            }
          }
          // Nothing that matches a rule is lost when no limits apply.
          const matching = list.filter((c) => c.breached || c.csat <= 2 || sampleDraw(seed, c.id) < rate);
          expect(a.sampled).toHaveLength(matching.length);
        },
      ),
    );
  });
});

describe('assignReviewers', () => {
  const items = [
    { caseId: 'c1', agentId: 'a1' },
    { caseId: 'c2', agentId: 'qa1' },
    { caseId: 'c3', agentId: 'a2' },
    { caseId: 'c4', agentId: 'a3' },
    { caseId: 'c5', agentId: 'qa2' },
  ];

  it('round robin rotates, skips the case’s own agent and returns a cursor to continue', () => {
    const r = assignReviewers(items, [{ id: 'qa1' }, { id: 'qa2' }, { id: 'qa3' }]);
    expect(r.assignments.map((a) => `${a.caseId}:${a.reviewerId}`)).toEqual([
      'c1:qa1',
      'c2:qa2',
      'c3:qa3',
      'c4:qa1',
      'c5:qa3', // qa2 is the agent of c5
    ]);
    expect(r.cursor).toBe(0);
    expect(r.loads).toEqual({ qa1: 2, qa2: 1, qa3: 2 });
    const next = assignReviewers([{ caseId: 'c6' }], [{ id: 'qa1' }, { id: 'qa2' }, { id: 'qa3' }], {
      cursor: 1,
    });
    expect(next.assignments[0]?.reviewerId).toBe('qa2');
    expect(next.cursor).toBe(2);
  });

  it('least loaded picks the lowest load (ties to list order) within capacity', () => {
    const r = assignReviewers(
      items,
      [
        { id: 'qa1', load: 3 },
        { id: 'qa2', load: 0, capacity: 1 },
        { id: 'qa3', load: 1, agentIds: ['a2'] },
      ],
      { strategy: 'least_loaded' },
    );
    expect(r.assignments.map((a) => `${a.caseId}:${a.reviewerId}`)).toEqual([
      'c1:qa2', // qa2 load 0 → 1 (now full)
      'c2:qa3', // qa3 load 1 → 2
      'c3:qa1', // qa3 works as a2, qa2 full → qa1 (3 → 4)
      'c4:qa3', // qa3 2 → 3
      'c5:qa3', // qa2 is c5's agent (and full); qa3 at 3 < qa1 at 4
    ]);
    expect(r.loads).toEqual({ qa1: 4, qa2: 1, qa3: 4 });
  });

  it('reports cases nobody can take', () => {
    const r = assignReviewers(
      [
        { caseId: 'c1', agentId: 'qa1' },
        { caseId: 'c2', agentId: 'x' },
        { caseId: 'c3', agentId: 'x' },
      ],
      [{ id: 'qa1', capacity: 1 }],
      { strategy: 'least_loaded' },
    );
    expect(r.assignments).toEqual([{ caseId: 'c2', agentId: 'x', reviewerId: 'qa1' }]);
    expect(r.unassigned).toEqual([
      { caseId: 'c1', reason: 'no_eligible_reviewer' },
      { caseId: 'c3', reason: 'no_eligible_reviewer' },
    ]);
  });

  it('rejects bad input with paths', () => {
    expect(thrown(() => assignReviewers(items, [])).path).toEqual(['reviewers']);
    expect(thrown(() => assignReviewers(items, [{ id: 'a' }, { id: 'a' }])).path).toEqual([
      'reviewers',
      1,
      'id',
    ]);
    expect(thrown(() => assignReviewers([{ caseId: 'c' }, { caseId: 'c' }], [{ id: 'a' }])).path).toEqual([
      'items',
      1,
      'caseId',
    ]);
    expect(thrown(() => assignReviewers([{ caseId: '' }], [{ id: 'a' }])).path).toEqual([
      'items',
      0,
      'caseId',
    ]);
    expect(thrown(() => assignReviewers(items, [{ id: 'a', capacity: -1 }])).path).toEqual([
      'reviewers',
      0,
      'capacity',
    ]);
    expect(thrown(() => assignReviewers(items, [{ id: 'a' }], { strategy: 'random' as never })).path).toEqual(
      ['strategy'],
    );
  });

  it('properties: never the own agent, within capacity, deterministic, every case assigned or reported', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(
          fc.record({ caseId: fc.string({ minLength: 1 }), agentId: fc.constantFrom('r0', 'r1', 'r2', 'a') }),
          {
            selector: (i) => i.caseId,
            maxLength: 40,
          },
        ),
        fc.array(fc.record({ load: fc.nat(5), capacity: fc.option(fc.nat(10), { nil: undefined }) }), {
          minLength: 1,
          maxLength: 4,
        }),
        fc.constantFrom('round_robin' as const, 'least_loaded' as const),
        (list, specs, strategy) => {
          const reviewers = specs.map((s, i) => ({
            id: `r${i}`,
            load: s.load,
            ...(s.capacity === undefined ? {} : { capacity: s.capacity }),
          }));
          const r = assignReviewers(list, reviewers, { strategy });
          expect(assignReviewers(list, reviewers, { strategy })).toEqual(r);
          expect(r.assignments.length + r.unassigned.length).toBe(list.length);
          for (const a of r.assignments) expect(a.reviewerId).not.toBe(a.agentId);
          for (const rev of reviewers) {
            const added = r.assignments.filter((a) => a.reviewerId === rev.id).length;
            expect(r.loads[rev.id]).toBe(rev.load + added);
            if (rev.capacity !== undefined && added > 0)
              expect(r.loads[rev.id]).toBeLessThanOrEqual(rev.capacity);
          }
          // An unassigned case really had nobody: every other reviewer is full at the end.
          for (const u of r.unassigned) {
            const agent = list.find((i) => i.caseId === u.caseId)!.agentId;
            for (const rev of reviewers) {
              if (rev.id === agent) continue;
              expect(rev.capacity !== undefined && r.loads[rev.id]! >= rev.capacity).toBe(true);
            }
          }
        },
      ),
    );
  });
});
