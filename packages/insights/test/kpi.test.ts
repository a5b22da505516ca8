import { isThreadlineError } from '@threadline/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  abandonmentRate,
  aht,
  asa,
  backlog,
  ces,
  csat,
  fcr,
  nps,
  occupancy,
  type QueuedContact,
  serviceLevel,
  slaAttainment,
} from '../src/index.js';

function validationPath(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(isThreadlineError(e, 'VALIDATION')).toBe(true);
    return (e as { path: (string | number)[] }).path.join('.');
  }
  throw new Error('expected a VALIDATION error');
}

describe('survey KPIs', () => {
  const five = [1, 2, 3, 4, 5, 5, 4].map((score, i) => ({ id: `r${i}`, score }));

  it('csat: top-2-box by default, threshold and mean as parameters, ids on request', () => {
    expect(csat(five)).toEqual({ value: 4 / 7, numerator: 4, denominator: 7 });
    expect(csat(five, { satisfiedMin: 5 }).value).toBeCloseTo(2 / 7, 12);
    expect(csat(five, { method: 'mean' }).value).toBeCloseTo(24 / 7, 12);
    expect(csat(five, { includeIds: true }).ids?.numerator).toEqual(['r3', 'r4', 'r5', 'r6']);
    expect(csat([]).value).toBeNull();
    expect(validationPath(() => csat([{ id: 'x', score: 6 }]))).toBe('0.score');
    expect(validationPath(() => csat(five, { scale: 5, bogus: 1 } as never))).toBe('');
  });

  it('nps: promoters minus detractors in −100..100, with groups', () => {
    const r = nps(
      [10, 9, 8, 7, 6, 0].map((score, i) => ({ id: `n${i}`, score })),
      { includeIds: true },
    );
    expect(r.value).toBeCloseTo(0, 12);
    expect(r).toMatchObject({ promoters: 2, passives: 2, detractors: 2 });
    expect(r.ids?.detractors).toEqual(['n4', 'n5']);
    expect(validationPath(() => nps([{ id: 'x', score: 11 }]))).toBe('0.score');
  });

  it('nps stays within bounds and matches the group arithmetic (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 10 }), { minLength: 1, maxLength: 200 }), (scores) => {
        const r = nps(scores.map((score, i) => ({ id: String(i), score })));
        expect(r.value).toBeGreaterThanOrEqual(-100);
        expect(r.value).toBeLessThanOrEqual(100);
        expect(r.promoters + r.passives + r.detractors).toBe(scores.length);
      }),
    );
  });

  it('ces: mean or share agreeing', () => {
    const r = [7, 6, 5, 2].map((score, i) => ({ id: `c${i}`, score }));
    expect(ces(r).value).toBe(5);
    expect(ces(r, { method: 'agree' }).value).toBe(0.75);
    expect(ces(r, { method: 'agree', agreeMin: 6 }).value).toBe(0.5);
  });
});

describe('fcr', () => {
  const day = 86_400_000;
  const contacts = [
    { id: 'c1', customerId: 'u1', at: 0, topic: 'billing' },
    { id: 'c2', customerId: 'u1', at: 2 * day, topic: 'billing' },
    { id: 'c3', customerId: 'u1', at: 3 * day, topic: 'delivery' },
    { id: 'c4', customerId: 'u2', at: 0, topic: 'billing' },
    { id: 'c5', customerId: 'u2', at: 10 * day, topic: 'billing' },
  ];

  it('uses a repeat window per customer and topic', () => {
    const r = fcr(contacts, { includeIds: true });
    // c1 repeated by c2 (within 7 days); c2 is a repeat; c3, c4, c5 resolved.
    expect(r.ids?.denominator.sort()).toEqual(['c1', 'c3', 'c4', 'c5']);
    expect(r.ids?.numerator.sort()).toEqual(['c3', 'c4', 'c5']);
    expect(r.ids?.repeats).toEqual(['c2']);
    expect(r.value).toBe(0.75);
  });

  it('window, topic matching and repeats are parameters', () => {
    expect(fcr(contacts, { window: { days: 1 } }).value).toBe(1);
    expect(fcr(contacts, { sameTopic: false }).denominator).toBe(3); // c2, c3 are repeats of c1
    expect(fcr(contacts, { countRepeats: true }).denominator).toBe(5);
  });

  it('leaves contacts whose window is still open as pending', () => {
    const r = fcr(contacts, { asOf: 9 * day, includeIds: true });
    expect(r.ids?.pending.sort()).toEqual(['c3', 'c5']);
    expect(r.denominator).toBe(2);
  });

  it('supports an explicit resolution flag', () => {
    const r = fcr(
      [
        { id: 'a', customerId: 'u', at: 0, resolved: true },
        { id: 'b', customerId: 'u', at: 1, resolved: false },
        { id: 'c', customerId: 'u', at: 2 },
      ],
      { method: 'flag', includeIds: true },
    );
    expect(r.value).toBe(0.5);
    expect(r.ids?.pending).toEqual(['c']);
  });

  it('names the bad contact field', () => {
    expect(validationPath(() => fcr([{ id: 'a', customerId: '', at: 0 }]))).toBe('0.customerId');
  });
});

describe('aht', () => {
  const items = [
    { id: 'i1', talkMs: 200, holdMs: 50, wrapMs: 50 },
    { id: 'i2', talkMs: 400, wrapMs: 100 },
  ];
  it('averages talk + hold + wrap, components selectable', () => {
    expect(aht(items)).toMatchObject({ value: 400, talkMs: 300, holdMs: 25, wrapMs: 75 });
    expect(aht(items, { components: ['talk'] }).value).toBe(300);
    expect(aht(items, { includeIds: true }).ids?.denominator).toEqual(['i1', 'i2']);
    expect(validationPath(() => aht([{ id: 'x', talkMs: -1 }]))).toBe('0.talkMs');
  });
});

describe('queue KPIs', () => {
  const s = 1000;
  const contacts: QueuedContact[] = [
    { id: 'a1', offeredAt: 0, answeredAt: 10 * s },
    { id: 'a2', offeredAt: 0, answeredAt: 30 * s },
    { id: 'a3', offeredAt: 0, answeredAt: 5 * s },
    { id: 'x1', offeredAt: 0, abandonedAt: 2 * s }, // short abandon (< 5 s)
    { id: 'x2', offeredAt: 0, abandonedAt: 15 * s }, // abandoned within threshold
    { id: 'x3', offeredAt: 0, abandonedAt: 60 * s }, // abandoned after threshold
    { id: 'w1', offeredAt: 0 }, // still waiting
  ];
  const opts = { threshold: { seconds: 20 }, shortAbandon: { seconds: 5 } };

  it('service level formulas', () => {
    expect(serviceLevel(contacts, opts).value).toBeCloseTo(2 / 5, 12);
    expect(serviceLevel(contacts, { ...opts, formula: 'answered' }).value).toBeCloseTo(2 / 3, 12);
    expect(serviceLevel(contacts, { ...opts, formula: 'exclude-early-abandons' }).value).toBeCloseTo(
      2 / 4,
      12,
    );
    expect(serviceLevel(contacts, { ...opts, formula: 'abandons-within-met' }).value).toBeCloseTo(3 / 5, 12);
    const withIds = serviceLevel(contacts, { ...opts, includeIds: true });
    expect(withIds.ids?.numerator).toEqual(['a1', 'a3']);
    expect(withIds.ids?.excluded).toEqual(['x1', 'w1']);
  });

  it('short-abandon threshold is a parameter', () => {
    expect(serviceLevel(contacts, { threshold: 20 * s }).denominator).toBe(6);
    expect(abandonmentRate(contacts).value).toBeCloseTo(3 / 6, 12);
    expect(abandonmentRate(contacts, { shortAbandon: 5 * s }).value).toBeCloseTo(2 / 5, 12);
    expect(
      abandonmentRate(contacts, { shortAbandon: 5 * s, shortAbandonsInDenominator: true }).value,
    ).toBeCloseTo(2 / 6, 12);
  });

  it('asa over answered or over all contacts in queue', () => {
    expect(asa(contacts).value).toBeCloseTo(15 * s, 9);
    expect(asa(contacts, { basis: 'all', shortAbandon: 5 * s }).value).toBeCloseTo((45 + 75) * 200, 9);
  });

  it('rejects inconsistent contacts with the field path', () => {
    expect(validationPath(() => asa([{ id: 'a', offeredAt: 10, answeredAt: 5 }]))).toBe('0.answeredAt');
    expect(validationPath(() => asa([{ id: 'a', offeredAt: 0, answeredAt: 1, abandonedAt: 2 }]))).toBe(
      '0.abandonedAt',
    );
  });

  it('drill-down ids partition the contacts and match the counts (property)', () => {
    const contact = fc.record({
      wait: fc.integer({ min: 0, max: 120_000 }),
      kind: fc.constantFrom('answered', 'abandoned', 'pending'),
    });
    const formulas = ['offered', 'answered', 'exclude-early-abandons', 'abandons-within-met'] as const;
    fc.assert(
      fc.property(fc.array(contact, { maxLength: 60 }), fc.constantFrom(...formulas), (list, formula) => {
        const cs: QueuedContact[] = list.map((c, i) =>
          c.kind === 'answered'
            ? { id: String(i), offeredAt: 0, answeredAt: c.wait }
            : c.kind === 'abandoned'
              ? { id: String(i), offeredAt: 0, abandonedAt: c.wait }
              : { id: String(i), offeredAt: 0 },
        );
        for (const r of [
          serviceLevel(cs, { threshold: 20_000, formula, shortAbandon: 3_000, includeIds: true }),
          abandonmentRate(cs, { shortAbandon: 3_000, includeIds: true }),
        ]) {
          expect(r.ids?.numerator.length).toBe(r.numerator);
          expect(r.ids?.denominator.length).toBe(r.denominator);
          expect(r.ids!.denominator.length + r.ids!.excluded.length).toBe(cs.length);
          expect(new Set(r.ids!.numerator).size).toBe(r.numerator);
          for (const id of r.ids!.numerator) expect(r.ids!.denominator).toContain(id);
        }
      }),
    );
  });

  it('service level variants are ordered: answered ≥ offered, abandons-within-met ≥ offered (property)', () => {
    const contact = fc.record({
      wait: fc.integer({ min: 0, max: 120_000 }),
      kind: fc.constantFrom('answered', 'abandoned', 'pending'),
    });
    fc.assert(
      fc.property(fc.array(contact, { minLength: 1, maxLength: 50 }), (list) => {
        const cs: QueuedContact[] = list.map((c, i) =>
          c.kind === 'answered'
            ? { id: String(i), offeredAt: 0, answeredAt: c.wait }
            : c.kind === 'abandoned'
              ? { id: String(i), offeredAt: 0, abandonedAt: c.wait }
              : { id: String(i), offeredAt: 0 },
        );
        const offered = serviceLevel(cs, { threshold: 20_000 }).value;
        const answered = serviceLevel(cs, { threshold: 20_000, formula: 'answered' }).value;
        const within = serviceLevel(cs, { threshold: 20_000, formula: 'abandons-within-met' }).value;
        if (offered !== null && answered !== null) expect(answered).toBeGreaterThanOrEqual(offered);
        if (offered !== null && within !== null) expect(within).toBeGreaterThanOrEqual(offered);
      }),
    );
  });
});

describe('occupancy, backlog, SLA attainment', () => {
  const m = 60_000;
  it('occupancy from state spans, clipped to a window', () => {
    const spans = [
      { id: 's1', agentId: 'a', state: 'handling', start: 0, end: 45 * m },
      { id: 's2', agentId: 'a', state: 'available', start: 45 * m, end: 60 * m },
      { id: 's3', agentId: 'a', state: 'break', start: 60 * m, end: 75 * m },
      { id: 's4', agentId: 'b', state: 'wrap', start: 0, end: 15 * m },
    ];
    expect(occupancy(spans).value).toBe(0.75);
    expect(occupancy(spans, { busyStates: ['handling', 'wrap'] }).value).toBeCloseTo(60 / 75, 12);
    expect(occupancy(spans, { from: 30 * m, to: 60 * m }).value).toBe(0.5);
    expect(occupancy(spans, { agentIds: ['b'] }).value).toBeNull();
    expect(
      validationPath(() => occupancy([{ id: 'x', agentId: 'a', state: 'handling', start: 5, end: 1 }])),
    ).toBe('0.end');
  });

  it('backlog at an instant, aged backlog, ids', () => {
    const h = 3_600_000;
    const items = [
      { id: 'k1', createdAt: 0 },
      { id: 'k2', createdAt: 10 * h, resolvedAt: 20 * h },
      { id: 'k3', createdAt: 40 * h },
      { id: 'k4', createdAt: 60 * h }, // after asOf
    ];
    const r = backlog(items, { asOf: 50 * h, olderThan: { hours: 24 }, includeIds: true });
    expect(r).toMatchObject({ value: 1, denominator: 2, oldestAgeMs: 50 * h });
    expect(r.ids?.numerator).toEqual(['k1']);
    expect(backlog(items, { asOf: new Date(15 * h) }).value).toBe(2);
  });

  it('SLA attainment with pending and overdue handling', () => {
    const records = [
      { id: 'm1', metric: 'first_response', dueAt: 100, completedAt: 90 },
      { id: 'm2', metric: 'first_response', dueAt: 100, completedAt: 110 },
      { id: 'm3', metric: 'first_response', dueAt: 100 },
      { id: 'm4', metric: 'first_response', dueAt: 500 },
      { id: 'm5', metric: 'resolution', dueAt: 100, completedAt: 50 },
    ];
    const r = slaAttainment(records, { asOf: 200, metric: 'first_response', includeIds: true });
    expect(r.value).toBeCloseTo(1 / 3, 12);
    expect(r.ids?.breached).toEqual(['m2', 'm3']);
    expect(r.ids?.pending).toEqual(['m4']);
    expect(slaAttainment(records, { asOf: 200, overdueOpen: 'exclude' }).value).toBeCloseTo(2 / 3, 12);
  });
});
