import { isThreadlineError } from '@threadline/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { erlangA, erlangB, erlangC, requiredAgents, staffingPlan } from '../src/index.js';
import { referenceErlangAServiceLevel } from './erlangAReference.js';

function closedFormErlangB(a: number, n: number): number {
  let term = 1;
  let sum = 1;
  for (let k = 1; k <= n; k++) {
    term *= a / k;
    sum += term;
  }
  return term / sum;
}

function expectValidation(fn: () => unknown, path: string): void {
  try {
    fn();
  } catch (e) {
    expect(isThreadlineError(e, 'VALIDATION')).toBe(true);
    expect((e as { issues: { path: unknown[] }[] }).issues.map((i) => i.path.join('.'))).toContain(path);
    return;
  }
  throw new Error('expected a VALIDATION error');
}

describe('erlangB', () => {
  it('matches published Erlang B table values', () => {
    // Standard Erlang B tables (e.g. ITU-T E.510-era tables reproduced in every traffic-engineering
    // text): 5 Erlangs on 10 trunks blocks 1.84%; 10 Erlangs on 10 trunks blocks 21.46%.
    expect(erlangB({ trafficErlangs: 5, agents: 10 }).blocking).toBeCloseTo(0.01838, 5);
    expect(erlangB({ trafficErlangs: 10, agents: 10 }).blocking).toBeCloseTo(0.21458, 5);
    expect(erlangB({ trafficErlangs: 1, agents: 1 }).blocking).toBe(0.5);
    expect(erlangB({ trafficErlangs: 0, agents: 0 }).blocking).toBe(0);
    expect(erlangB({ trafficErlangs: 2, agents: 0 }).blocking).toBe(1);
  });

  it('recursion equals the closed form for small N (property)', () => {
    fc.assert(
      fc.property(fc.double({ min: 0.01, max: 60, noNaN: true }), fc.integer({ min: 0, max: 60 }), (a, n) => {
        const b = erlangB({ trafficErlangs: a, agents: n }).blocking;
        expect(Math.abs(b - closedFormErlangB(a, n))).toBeLessThan(1e-12);
      }),
    );
  });

  it('is stable at thousands of agents where factorials overflow', () => {
    const b = erlangB({ trafficErlangs: 5000, agents: 5000 }).blocking;
    expect(Number.isFinite(b)).toBe(true);
    expect(b).toBeGreaterThan(0.005);
    expect(b).toBeLessThan(0.02);
  });

  it('rejects bad input with the field path', () => {
    expectValidation(() => erlangB({ trafficErlangs: -1, agents: 3 }), 'trafficErlangs');
    expectValidation(() => erlangB({ trafficErlangs: 1, agents: 2.5 }), 'agents');
  });
});

describe('erlangC', () => {
  // Worked example reproduced from the pyworkforce test-suite (rodrigo-arenas/pyworkforce,
  // pyworkforce/queuing/tests/test_erlang.py) and Call Centre Helper's Erlang C walk-through:
  // 100 calls per 30 minutes, AHT 3 minutes, 80% in 20 s → 14 agents, SL 0.888, occupancy 0.714,
  // waiting probability 0.174, 20 agents scheduled at 30% shrinkage.
  const example = { calls: 100, intervalSeconds: 1800, ahtSeconds: 180, targetAnswerSeconds: 20 };

  it('matches the published worked example', () => {
    const r = erlangC({ ...example, agents: 14 });
    expect(r.trafficErlangs).toBe(10);
    expect(r.serviceLevel).toBeCloseTo(0.888, 3);
    expect(r.occupancy).toBeCloseTo(0.714, 3);
    expect(r.probWait).toBeCloseTo(0.174, 3);
    // ASA over all calls = C · aht / (N − A)
    expect(r.asaSeconds).toBeCloseTo((r.probWait * 180) / 4, 12);
  });

  it('accepts trafficErlangs instead of calls/interval', () => {
    const a = erlangC({ ...example, agents: 14 });
    const b = erlangC({ trafficErlangs: 10, ahtSeconds: 180, agents: 14, targetAnswerSeconds: 20 });
    expect(b).toEqual(a);
  });

  it('reports an overloaded queue as all-wait, zero service level, infinite ASA', () => {
    const r = erlangC({ ...example, agents: 10 });
    expect(r).toMatchObject({ probWait: 1, serviceLevel: 0, occupancy: 1 });
    expect(r.asaSeconds).toBe(Number.POSITIVE_INFINITY);
  });

  it('service level is monotone in agents and probWait is a probability (property)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.5, max: 2000, noNaN: true }),
        fc.integer({ min: 10, max: 600 }),
        fc.integer({ min: 0, max: 120 }),
        (a, aht, t) => {
          let prev = -1;
          const n0 = Math.floor(a) + 1;
          for (let n = n0; n < n0 + 15; n++) {
            const r = erlangC({ trafficErlangs: a, ahtSeconds: aht, agents: n, targetAnswerSeconds: t });
            expect(r.probWait).toBeGreaterThanOrEqual(0);
            expect(r.probWait).toBeLessThanOrEqual(1);
            expect(r.serviceLevel).toBeGreaterThanOrEqual(prev - 1e-12);
            prev = r.serviceLevel;
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('rejects mixing calls and trafficErlangs, and missing interval', () => {
    expectValidation(
      () => erlangC({ ...example, trafficErlangs: 3, agents: 4 } as Parameters<typeof erlangC>[0]),
      'trafficErlangs',
    );
    expectValidation(
      () => erlangC({ calls: 10, ahtSeconds: 180, agents: 4, targetAnswerSeconds: 20 }),
      'intervalSeconds',
    );
    expectValidation(() => erlangC({ ...example, agents: 4, unknown: 1 } as never), '');
  });
});

describe('erlangA', () => {
  // Regression values reproduced from the pyworkforce Erlang A test-suite
  // (pyworkforce/queuing/tests/test_abandonment.py, test_erlanga_regression_metrics):
  // 100 calls / 30 min, AHT 3 min, patience 5 min, 14 agents, 20 s target →
  // P(wait) 0.14526, P(abandon) 0.013984, occupancy 0.704297, ASA 0.069919 min, SL 0.916792.
  const example = {
    calls: 100,
    intervalSeconds: 1800,
    ahtSeconds: 180,
    patienceSeconds: 300,
    targetAnswerSeconds: 20,
  };

  it('matches the published regression values', () => {
    const r = erlangA({ ...example, agents: 14 });
    expect(r.probWait).toBeCloseTo(0.14526, 5);
    expect(r.probAbandon).toBeCloseTo(0.013984, 6);
    expect(r.occupancy).toBeCloseTo(0.704297, 6);
    expect(r.asaSeconds / 60).toBeCloseTo(0.069919, 6);
    expect(r.serviceLevel).toBeCloseTo(0.916792, 6);
  });

  it('service level equals an independent uniformization of the waiting-time chain', () => {
    const cases: [number, number, number, number, number][] = [
      [10, 14, 180, 300, 20],
      [10, 8, 180, 60, 30],
      [50, 52, 240, 90, 15],
      [200, 205, 300, 600, 20],
      [3, 1, 120, 30, 60],
      // (N + θ)·t > 600: exercises the log-space branch of the incomplete-beta recurrence
      [200, 205, 60, 120, 200],
    ];
    for (const [a, n, aht, patience, t] of cases) {
      const r = erlangA({
        trafficErlangs: a,
        ahtSeconds: aht,
        patienceSeconds: patience,
        agents: n,
        targetAnswerSeconds: t,
      });
      expect(Math.abs(r.serviceLevel - referenceErlangAServiceLevel(a, n, aht, patience, t))).toBeLessThan(
        1e-9,
      );
    }
  });

  it('converges to Erlang C as patience grows', () => {
    for (const agents of [11, 14, 20]) {
      const a = erlangA({ ...example, patienceSeconds: 1e11, agents });
      const { patienceSeconds: _p, ...load } = example;
      const c = erlangC({ ...load, agents });
      expect(a.probWait).toBeCloseTo(c.probWait, 6);
      expect(a.serviceLevel).toBeCloseTo(c.serviceLevel, 6);
      expect(a.asaSeconds).toBeCloseTo(c.asaSeconds, 3);
    }
  });

  it('is internally consistent: served + abandoned = 1, answered-basis ≥ all-basis', () => {
    const all = erlangA({ ...example, agents: 12 });
    const answered = erlangA({ ...example, agents: 12, basis: 'answered' });
    expect(answered.serviceLevel).toBeGreaterThan(all.serviceLevel);
    // SL(all) = SL(answered) · P(served)
    expect(answered.serviceLevel * (1 - all.probAbandon)).toBeCloseTo(all.serviceLevel, 9);
    // Carried load = offered load × P(served)
    expect(all.occupancy * 12).toBeCloseTo(10 * (1 - all.probAbandon), 9);
  });

  it('survives overload (agents < traffic) and 0 agents', () => {
    const over = erlangA({ ...example, agents: 5 });
    expect(over.probAbandon).toBeGreaterThan(0.4);
    expect(over.occupancy).toBeGreaterThan(0.99);
    const none = erlangA({ ...example, agents: 0 });
    expect(none).toMatchObject({ probWait: 1, probAbandon: 1, serviceLevel: 0, occupancy: 0 });
  });

  it('is stable at 1,000+ agents', () => {
    const r = erlangA({
      trafficErlangs: 1500,
      ahtSeconds: 240,
      patienceSeconds: 120,
      agents: 1510,
      targetAnswerSeconds: 20,
    });
    for (const v of [r.probWait, r.probAbandon, r.serviceLevel, r.asaSeconds, r.occupancy]) {
      expect(Number.isFinite(v)).toBe(true);
    }
    expect(r.serviceLevel).toBeGreaterThan(0.8);
    expect(r.serviceLevel).toBeLessThan(1);
  });

  it('service level rises and abandonment falls with agents (property)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.5, max: 300, noNaN: true }),
        fc.integer({ min: 30, max: 600 }),
        fc.integer({ min: 10, max: 900 }),
        fc.integer({ min: 0, max: 60 }),
        (a, aht, patience, t) => {
          let prevSl = -1;
          let prevAb = 2;
          const n0 = Math.max(0, Math.floor(a) - 5);
          for (let n = n0; n < n0 + 12; n++) {
            const r = erlangA({
              trafficErlangs: a,
              ahtSeconds: aht,
              patienceSeconds: patience,
              agents: n,
              targetAnswerSeconds: t,
            });
            expect(r.serviceLevel).toBeGreaterThanOrEqual(prevSl - 1e-9);
            expect(r.probAbandon).toBeLessThanOrEqual(prevAb + 1e-9);
            prevSl = r.serviceLevel;
            prevAb = r.probAbandon;
          }
        },
      ),
      { numRuns: 40 },
    );
  });

  it('served + abandoned = 1 and ASA over all arrivals = E[queue]/λ for any load (property)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.1, max: 500, noNaN: true }),
        fc.integer({ min: 0, max: 520 }),
        fc.integer({ min: 30, max: 900 }),
        fc.integer({ min: 5, max: 1800 }),
        (a, n, aht, patience) => {
          const all = erlangA({
            trafficErlangs: a,
            ahtSeconds: aht,
            patienceSeconds: patience,
            agents: n,
            targetAnswerSeconds: 20,
          });
          const answered = erlangA({
            trafficErlangs: a,
            ahtSeconds: aht,
            patienceSeconds: patience,
            agents: n,
            targetAnswerSeconds: 20,
            basis: 'answered',
          });
          for (const v of [all.probWait, all.probAbandon, all.serviceLevel, all.occupancy]) {
            expect(v).toBeGreaterThanOrEqual(0);
            expect(v).toBeLessThanOrEqual(1);
          }
          // Little's law: mean time in queue per arrival = mean queue length / arrival rate.
          expect(all.asaSeconds).toBeCloseTo((all.averageQueueLength / a) * aht, 6);
          // Carried load = offered load × P(served).
          if (n > 0) expect(all.occupancy * n).toBeCloseTo(a * (1 - all.probAbandon), 6);
          if (all.probAbandon < 1 - 1e-9) {
            expect(answered.serviceLevel * (1 - all.probAbandon)).toBeCloseTo(all.serviceLevel, 6);
          }
        },
      ),
      { numRuns: 80 },
    );
  });

  it('rejects a missing patience', () => {
    expectValidation(
      () =>
        erlangA({
          calls: 1,
          intervalSeconds: 60,
          ahtSeconds: 60,
          agents: 1,
          targetAnswerSeconds: 1,
        } as never),
      'patienceSeconds',
    );
  });
});

describe('requiredAgents', () => {
  const load = { calls: 100, intervalSeconds: 1800, ahtSeconds: 180 };

  it('reproduces the published Erlang C staffing (14 raw, 20 scheduled at 30% shrinkage)', () => {
    const r = requiredAgents({
      model: 'erlang-c',
      ...load,
      targetServiceLevel: 0.8,
      targetAnswerSeconds: 20,
      maxOccupancy: 0.85,
      shrinkage: 0.3,
    });
    expect(r).toMatchObject({ rawAgents: 14, scheduledAgents: 20 });
    expect(r.serviceLevel).toBeCloseTo(0.888, 3);
    expect(r.occupancy).toBeCloseTo(0.714, 3);
    expect(r.probWait).toBeCloseTo(0.174, 3);
  });

  it('applies the occupancy cap (pyworkforce test_over_occupancy: 15 raw, 22 scheduled)', () => {
    const r = requiredAgents({
      model: 'erlang-c',
      ...load,
      targetServiceLevel: 0.8,
      targetAnswerSeconds: 20,
      maxOccupancy: 0.7,
      shrinkage: 0.3,
    });
    expect(r).toMatchObject({ rawAgents: 15, scheduledAgents: 22 });
    expect(r.serviceLevel).toBeCloseTo(0.941, 3);
    expect(r.occupancy).toBeCloseTo(0.667, 3);
  });

  it('finds the smallest feasible count for every model (property)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('erlang-b' as const, 'erlang-c' as const, 'erlang-a' as const),
        fc.double({ min: 0.2, max: 400, noNaN: true }),
        fc.double({ min: 0.5, max: 0.95, noNaN: true }),
        (model, traffic, target) => {
          const base = {
            model,
            trafficErlangs: traffic,
            ahtSeconds: 200,
            patienceSeconds: 120,
            targetAnswerSeconds: 20,
          };
          const targets =
            model === 'erlang-b'
              ? { maxBlocking: 1 - target }
              : model === 'erlang-a'
                ? { targetServiceLevel: target, maxAbandon: 0.05 }
                : { targetServiceLevel: target };
          const r = requiredAgents({ ...base, ...targets });
          const check = (n: number): boolean => {
            if (model === 'erlang-b')
              return erlangB({ trafficErlangs: traffic, agents: n }).blocking <= 1 - target;
            if (model === 'erlang-c') {
              return (
                erlangC({ trafficErlangs: traffic, ahtSeconds: 200, agents: n, targetAnswerSeconds: 20 })
                  .serviceLevel >= target
              );
            }
            const a = erlangA({
              trafficErlangs: traffic,
              ahtSeconds: 200,
              patienceSeconds: 120,
              agents: n,
              targetAnswerSeconds: 20,
            });
            return a.serviceLevel >= target && a.probAbandon <= 0.05;
          };
          expect(check(r.rawAgents)).toBe(true);
          if (r.rawAgents > 0) expect(check(r.rawAgents - 1)).toBe(false);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('a stricter target never needs fewer agents (property)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('erlang-c' as const, 'erlang-a' as const),
        fc.double({ min: 0.5, max: 300, noNaN: true }),
        fc.double({ min: 0.3, max: 0.9, noNaN: true }),
        fc.double({ min: 0.01, max: 0.09, noNaN: true }),
        (model, traffic, target, extra) => {
          const base = {
            model,
            trafficErlangs: traffic,
            ahtSeconds: 240,
            patienceSeconds: 90,
            targetAnswerSeconds: 20,
          };
          const loose = requiredAgents({ ...base, targetServiceLevel: target });
          const strict = requiredAgents({ ...base, targetServiceLevel: target + extra });
          expect(strict.rawAgents).toBeGreaterThanOrEqual(loose.rawAgents);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('staffs chat with concurrency: slots are solved, agents = ceil(slots / concurrency)', () => {
    const voice = requiredAgents({
      model: 'erlang-c',
      ...load,
      targetServiceLevel: 0.8,
      targetAnswerSeconds: 20,
    });
    const chat = requiredAgents({
      model: 'erlang-c',
      ...load,
      targetServiceLevel: 0.8,
      targetAnswerSeconds: 20,
      concurrency: 3,
    });
    expect(chat.slots).toBe(voice.slots);
    expect(chat.rawAgents).toBe(Math.ceil(voice.slots / 3));
  });

  it('handles 1,000+ agent queues', () => {
    const r = requiredAgents({
      model: 'erlang-a',
      trafficErlangs: 2000,
      ahtSeconds: 300,
      patienceSeconds: 180,
      targetServiceLevel: 0.9,
      targetAnswerSeconds: 15,
    });
    expect(r.rawAgents).toBeGreaterThan(1900);
    expect(r.rawAgents).toBeLessThan(2200);
    expect(r.serviceLevel).toBeGreaterThanOrEqual(0.9);
  });

  it('validates targets', () => {
    expectValidation(() => requiredAgents({ model: 'erlang-c', ...load }), 'targetServiceLevel');
    expectValidation(
      () => requiredAgents({ model: 'erlang-c', ...load, targetServiceLevel: 0.8 }),
      'targetAnswerSeconds',
    );
    expectValidation(
      () => requiredAgents({ model: 'erlang-a', ...load, targetServiceLevel: 0.8, targetAnswerSeconds: 20 }),
      'patienceSeconds',
    );
    expectValidation(
      () => requiredAgents({ model: 'erlang-c', ...load, maxOccupancy: 0.8, shrinkage: 1 }),
      'shrinkage',
    );
  });

  it('raises CAPACITY when a target is unreachable within maxAgents', () => {
    expect(() =>
      requiredAgents({
        model: 'erlang-c',
        trafficErlangs: 500,
        ahtSeconds: 100,
        targetServiceLevel: 0.8,
        targetAnswerSeconds: 20,
        maxAgents: 100,
      }),
    ).toThrow(expect.objectContaining({ code: 'CAPACITY' }));
  });
});

describe('staffingPlan', () => {
  it('solves every interval and totals the plan', () => {
    const plan = staffingPlan({
      model: 'erlang-c',
      intervalSeconds: 1800,
      ahtSeconds: 180,
      targetServiceLevel: 0.8,
      targetAnswerSeconds: 20,
      shrinkage: 0.3,
      minAgents: 1,
      intervals: [
        { start: 0, calls: 100 },
        { start: 1_800_000, calls: 0 },
        { calls: 200, ahtSeconds: 240 },
      ],
    });
    expect(plan.intervals.map((i) => i.rawAgents)).toEqual([
      14,
      0,
      requiredAgents({
        model: 'erlang-c',
        calls: 200,
        intervalSeconds: 1800,
        ahtSeconds: 240,
        targetServiceLevel: 0.8,
        targetAnswerSeconds: 20,
      }).rawAgents,
    ]);
    expect(plan.intervals[1]?.scheduledAgents).toBe(1);
    expect(plan.intervals[0]?.start).toBe(0);
    expect(plan.totals.calls).toBe(300);
    expect(plan.totals.peakScheduledAgents).toBe(Math.max(...plan.intervals.map((i) => i.scheduledAgents)));
    expect(plan.totals.scheduledAgentHours).toBeCloseTo(
      plan.intervals.reduce((s, i) => s + i.scheduledAgents, 0) * 0.5,
      9,
    );
  });

  it('staffs zero-call intervals with zero agents in every model', () => {
    for (const model of ['erlang-b', 'erlang-c', 'erlang-a'] as const) {
      const plan = staffingPlan({
        model,
        intervalSeconds: 900,
        ahtSeconds: 300,
        patienceSeconds: 120,
        ...(model === 'erlang-b'
          ? { maxBlocking: 0.01 }
          : { targetServiceLevel: 0.8, targetAnswerSeconds: 20 }),
        intervals: [{ calls: 0 }, { calls: 30 }],
      });
      expect(plan.intervals[0]?.rawAgents).toBe(0);
      expect(plan.intervals[1]?.rawAgents).toBeGreaterThan(10);
    }
  });

  it('names the bad interval', () => {
    expectValidation(
      () =>
        staffingPlan({
          model: 'erlang-c',
          intervalSeconds: 1800,
          ahtSeconds: 180,
          targetServiceLevel: 0.8,
          targetAnswerSeconds: 20,
          intervals: [{ calls: 1 }, { calls: -1 }],
        }),
      'intervals.1.calls',
    );
  });
});
