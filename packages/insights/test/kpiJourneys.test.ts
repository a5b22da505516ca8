import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { botContainment, journeyConversion, journeyDeflection, twoProportionTest } from '../src/index.js';
import { normalCdf, normalQuantile } from '../src/kpi/normal.js';

const DAY = 86_400_000;
let n = 0;
function ev(type: string, at: number, payload: Record<string, unknown>) {
  n++;
  return { id: `e${n}`, type, tenantId: 'default', occurredAt: at, payload };
}
const entered = (customerId: string, group: 'treatment' | 'holdout', at = 0, variant?: string) =>
  ev('journey.entered', at, {
    journeyId: 'j',
    version: 1,
    customerId,
    run: 1,
    group,
    ...(variant === undefined ? {} : { variant }),
  });

describe('normal distribution', () => {
  it('CDF and quantile match reference values and invert each other', () => {
    expect(normalCdf(0)).toBeCloseTo(0.5, 7);
    expect(normalCdf(1.959963984540054)).toBeCloseTo(0.975, 7);
    expect(normalCdf(-3)).toBeCloseTo(0.0013498980316301, 8);
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963984540054, 7);
    expect(normalQuantile(0.005)).toBeCloseTo(-2.5758293035489, 6);
    fc.assert(
      fc.property(fc.double({ min: 1e-6, max: 1 - 1e-6, noNaN: true }), (p) => {
        expect(normalCdf(normalQuantile(p))).toBeCloseTo(p, 6);
      }),
      { seed: 16, numRuns: 300 },
    );
    expect(() => normalQuantile(1)).toThrow(RangeError);
  });
});

describe('twoProportionTest', () => {
  it('matches the textbook figures', () => {
    const r = twoProportionTest({ treatment: { x: 120, n: 1000 }, control: { x: 80, n: 1000 } });
    expect(r.difference).toBeCloseTo(0.04, 12);
    expect(r.relativeLift).toBeCloseTo(0.5, 12);
    expect(r.interval?.[0]).toBeCloseTo(0.013762823691, 6);
    expect(r.interval?.[1]).toBeCloseTo(0.066237176309, 6);
    expect(r.z).toBeCloseTo(2.98142397, 6);
    expect(r.pValue).toBeCloseTo(0.0028691128, 6);
    expect(r.significant).toBe(true);
  });

  it('handles empty groups and no variance, and validates input', () => {
    expect(twoProportionTest({ treatment: { x: 0, n: 0 }, control: { x: 1, n: 2 } })).toMatchObject({
      difference: null,
      interval: null,
      z: null,
      significant: false,
    });
    expect(twoProportionTest({ treatment: { x: 0, n: 5 }, control: { x: 0, n: 5 } })).toMatchObject({
      difference: 0,
      relativeLift: null,
      z: null,
    });
    expect(() => twoProportionTest({ treatment: { x: 6, n: 5 }, control: { x: 0, n: 5 } })).toThrow(
      /treatment\.x|treatment\[/,
    );
  });

  it('the interval holds the difference and widens with the confidence (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5000 }),
        fc.integer({ min: 1, max: 5000 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (n1, n0, f1, f0) => {
          const t = { n: n1, x: Math.floor(f1 * n1) };
          const c = { n: n0, x: Math.floor(f0 * n0) };
          const a = twoProportionTest({ treatment: t, control: c, confidence: 0.9 });
          const b = twoProportionTest({ treatment: t, control: c, confidence: 0.99 });
          const d = a.difference as number;
          const [lo, hi] = a.interval as [number, number];
          expect(lo).toBeLessThanOrEqual(d + 1e-12);
          expect(hi).toBeGreaterThanOrEqual(d - 1e-12);
          expect((b.interval as [number, number])[0]).toBeLessThanOrEqual(lo + 1e-12);
          if (a.pValue !== null) expect(a.pValue).toBeGreaterThanOrEqual(0);
        },
      ),
      { seed: 1616, numRuns: 300 },
    );
  });
});

describe('journey conversion and deflection', () => {
  it('counts outcomes within the window after entry, per group and variant', () => {
    const events = [
      entered('t1', 'treatment', 0, 'a'),
      entered('t2', 'treatment', 0, 'a'),
      entered('t3', 'treatment', 0, 'b'),
      entered('t4', 'treatment', 0, 'b'),
      entered('h1', 'holdout'),
      entered('h2', 'holdout'),
      entered('late', 'treatment', 9 * DAY, 'a'),
      ev('order.placed', DAY, { customerId: 't1' }),
      ev('order.placed', 2 * DAY, { customerId: 't3' }),
      ev('order.placed', 8 * DAY, { customerId: 't4' }), // after the 7-day window
      ev('order.placed', DAY, { customerId: 'h1' }),
      ev('order.placed', -DAY, { customerId: 'h2' }), // before entering
      ev('order.placed', DAY, { customerId: 'stranger' }),
    ];
    const r = journeyConversion(events, {
      journeyId: 'j',
      outcome: 'order.*',
      asOf: 10 * DAY,
      includeIds: true,
    });
    expect(r.treatment).toEqual({ n: 4, x: 2, rate: 0.5 });
    expect(r.control).toEqual({ n: 2, x: 1, rate: 0.5 });
    expect(r.pending).toBe(1);
    expect(r.byVariant).toEqual({ a: { n: 2, x: 1, rate: 0.5 }, b: { n: 2, x: 1, rate: 0.5 } });
    expect(r.ids?.withOutcome.sort()).toEqual(['h1', 't1', 't3']);
    const onlyB = journeyConversion(events, {
      journeyId: 'j',
      outcome: ['order.placed'],
      variant: 'b',
      window: { days: 10 },
    });
    expect(onlyB.treatment).toEqual({ n: 2, x: 2, rate: 1 });
    expect(() => journeyConversion(events, { journeyId: 'j' } as never)).toThrow(/outcome/);
  });

  it('deflection: fewer contacts in the treated group, scaled to it', () => {
    const events = [];
    for (let i = 0; i < 100; i++) events.push(entered(`t${i}`, 'treatment'));
    for (let i = 0; i < 100; i++) events.push(entered(`h${i}`, 'holdout'));
    for (let i = 0; i < 10; i++) events.push(ev('conversation.started', DAY, { customerId: `t${i}` }));
    for (let i = 0; i < 30; i++) {
      events.push(ev('conversation.started', DAY, { customerId: `h${i}` }));
      events.push(ev('conversation.started', 2 * DAY, { customerId: `h${i}` }));
    }
    const r = journeyDeflection(events, {
      journeyId: 'j',
      contact: 'conversation.started',
      window: { days: 3 },
    });
    expect(r.treatment.rate).toBeCloseTo(0.1, 12);
    expect(r.control.rate).toBeCloseTo(0.3, 12);
    expect(r.deflectedCustomers).toBeCloseTo(20, 9);
    expect(r.contactsPerCustomer).toEqual({ treatment: 0.1, control: 0.6 });
    expect(r.deflectedContacts).toBeCloseTo(50, 9);
    const [lo, hi] = r.deflectedInterval as [number, number];
    expect(lo).toBeLessThan(20);
    expect(hi).toBeGreaterThan(20);
    expect(lo).toBeGreaterThan(0);
    expect(r.significant).toBe(true);
  });
});

describe('botContainment', () => {
  const replied = (conv: string, customerId: string, at: number) =>
    ev('bot.replied', at, { conversationId: conv, customerId, botId: 'kb', confidence: 0.9 });
  it('contained = no handoff and no repeat contact within the window', () => {
    const events = [
      replied('s1', 'ana', 0),
      replied('s1', 'ana', 60_000),
      replied('s2', 'ben', 0),
      ev('bot.handed_off', 30_000, { conversationId: 's2', customerId: 'ben', trigger: 'customer_request' }),
      replied('s3', 'cat', 0),
      replied('s4', 'cat', 2 * DAY), // cat came back within 7 days: s3 not contained
      replied('s5', 'dan', 0),
      ev('case.opened', 3 * DAY, { customerId: 'dan' }),
      replied('s6', 'eve', 0),
      ev('case.opened', 9 * DAY, { customerId: 'eve' }), // after the window: s6 contained
    ];
    const r = botContainment(events, { contactTypes: ['case.*'], asOf: 20 * DAY, includeIds: true });
    expect(r.ids).toMatchObject({
      numerator: ['s1', 's4', 's6'],
      handedOff: ['s2'],
      repeated: ['s3', 's5'],
      pending: [],
    });
    expect(r.value).toBeCloseTo(3 / 6, 12);
    expect(r).toMatchObject({ handedOff: 1, repeated: 2, pending: 0, numerator: 3, denominator: 6 });
    // Without contactTypes, case.opened is not a contact: s5 is contained.
    expect(botContainment(events, { asOf: 20 * DAY }).numerator).toBe(4);
    // Windows still open are pending; a handoff is final at once.
    const early = botContainment(events, { asOf: 3 * DAY, repeatWindow: { days: 2 } });
    expect(early.pending).toBeGreaterThan(0);
    expect(early.handedOff).toBe(1);
    expect(botContainment([]).value).toBeNull();
  });
});
