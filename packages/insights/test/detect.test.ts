import { createRandom, isThreadlineError, type Random } from '@threadline/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  benjaminiHochberg,
  CusumDetector,
  EwmaDetector,
  logGamma,
  negativeBinomialUpperTail,
  poissonUpperTail,
  regularizedBeta,
  regularizedGammaP,
  regularizedGammaQ,
  type SpikeAlert,
  SpikeDetector,
} from '../src/index.js';

function poissonPmfTail(k: number, mean: number): number {
  // 1 − Σ_{i<k} pmf(i), summed directly (fine for moderate means).
  let term = Math.exp(-mean);
  let cdf = 0;
  for (let i = 0; i < k; i++) {
    cdf += term;
    term *= mean / (i + 1);
  }
  return 1 - cdf;
}

function nbPmfTail(k: number, mean: number, size: number): number {
  const p = mean / (mean + size);
  let cdf = 0;
  for (let i = 0; i < k; i++) {
    cdf += Math.exp(
      logGamma(i + size) - logGamma(size) - logGamma(i + 1) + size * Math.log1p(-p) + i * Math.log(p),
    );
  }
  return 1 - cdf;
}

describe('special functions', () => {
  it('log-gamma matches factorials', () => {
    expect(logGamma(1)).toBeCloseTo(0, 13);
    expect(logGamma(11)).toBeCloseTo(Math.log(3628800), 12);
    expect(logGamma(0.5)).toBeCloseTo(Math.log(Math.sqrt(Math.PI)), 13);
  });

  it('regularized gamma and beta satisfy known identities', () => {
    expect(regularizedGammaP(1, 2)).toBeCloseTo(1 - Math.exp(-2), 14);
    expect(regularizedGammaQ(1, 2)).toBeCloseTo(Math.exp(-2), 14);
    expect(regularizedBeta(0.5, 3, 3)).toBeCloseTo(0.5, 14);
    expect(regularizedBeta(0.3, 1, 1)).toBeCloseTo(0.3, 14);
    // I_x(a, 1) = x^a
    expect(regularizedBeta(0.7, 4, 1)).toBeCloseTo(0.7 ** 4, 13);
  });

  it('Poisson upper tail equals the summed pmf (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 60 }),
        fc.double({ min: 0.01, max: 40, noNaN: true }),
        (k, mean) => {
          const exact = poissonPmfTail(k, mean);
          expect(Math.abs(poissonUpperTail(k, mean) - exact)).toBeLessThan(1e-10);
        },
      ),
    );
  });

  it('negative-binomial upper tail equals the summed pmf (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 60 }),
        fc.double({ min: 0.05, max: 30, noNaN: true }),
        fc.double({ min: 0.2, max: 50, noNaN: true }),
        (k, mean, size) => {
          expect(Math.abs(negativeBinomialUpperTail(k, mean, size) - nbPmfTail(k, mean, size))).toBeLessThan(
            1e-9,
          );
        },
      ),
    );
  });

  it('stays accurate far in the tail where 1 − cdf would underflow', () => {
    const p = poissonUpperTail(100, 1);
    // P(X ≥ 100) = pmf(100) · (1 + 1/101 + 1/(101·102) + …) with pmf(100) = e^-1 / 100!
    let series = 0;
    let term = 1;
    for (let i = 101; i < 140; i++) {
      series += term;
      term /= i;
    }
    expect(Math.log(p)).toBeCloseTo(-1 - logGamma(101) + Math.log(series), 8);
    expect(negativeBinomialUpperTail(200, 2, 5)).toBeGreaterThan(0);
    expect(negativeBinomialUpperTail(200, 2, 5)).toBeLessThan(1e-60);
  });
});

describe('Benjamini–Hochberg', () => {
  it('rejects the documented example', () => {
    const r = benjaminiHochberg([0.001, 0.2, 0.03], 0.05);
    expect(r.rejected).toEqual([true, false, true]);
    expect(r.qValues[0]).toBeCloseTo(0.003, 12);
    expect(r.qValues[2]).toBeCloseTo(0.045, 12);
  });

  it('rejections are a prefix of the sorted p-values and q ≥ p (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 40 }), (ps) => {
        const r = benjaminiHochberg(ps, 0.1);
        const maxRejected = Math.max(-1, ...ps.filter((_, i) => r.rejected[i]));
        ps.forEach((p, i) => {
          expect(r.qValues[i]).toBeGreaterThanOrEqual(p - 1e-15);
          if (p < maxRejected) expect(r.rejected[i]).toBe(true);
        });
      }),
    );
  });

  it('validates input', () => {
    expect(() => benjaminiHochberg([1.5], 0.1)).toThrow(expect.objectContaining({ code: 'VALIDATION' }));
  });
});

describe('EWMA and CUSUM', () => {
  it('CUSUM accumulates a sustained shift and resets after alarm', () => {
    const c = new CusumDetector({ k: 0.5, h: 5 });
    expect([2, 2, 2, 2].map((z) => c.update(z))).toEqual([false, false, false, true]);
    expect(c.statistic).toBe(0);
    expect(CusumDetector.fromJSON({ k: 0.5, h: 5, statistic: 4.9 }).update(1)).toBe(true);
  });

  it('EWMA signals on a jump, not on noise', () => {
    const e = new EwmaDetector({ lambda: 0.3, limit: 3 });
    expect([0.2, -0.4, 0.5, 0.1].some((z) => e.update(z))).toBe(false);
    expect(e.update(6)).toBe(true);
    expect(EwmaDetector.fromJSON(e.toJSON()).statistic).toBe(e.statistic);
  });

  it('rejects bad options as CONFIG', () => {
    expect(() => new EwmaDetector({ lambda: 2 })).toThrow(expect.objectContaining({ code: 'CONFIG' }));
  });
});

// --- spike detector on synthetic, seeded data ---------------------------------------------

const HOUR = 3_600_000;
const MONDAY = Date.UTC(2026, 0, 5); // a Monday 00:00 UTC

function poisson(rng: Random, mean: number): number {
  const l = Math.exp(-mean);
  let k = 0;
  let p = 1;
  do {
    k++;
    p *= rng.next();
  } while (p > l);
  return k - 1;
}

interface Ev {
  topic: string;
  at: number;
}

/** Four weeks of hourly traffic with a daily cycle, five topics, one injected spike. */
function synthetic(seed: number, spike: { topic: string; hour: number; extra: number } | null): Ev[] {
  const rng = createRandom(seed);
  const topics = { billing: 6, delivery: 4, login: 2, refunds: 3, other: 1 };
  const events: Ev[] = [];
  for (let h = 0; h < 28 * 24; h++) {
    const hourOfDay = h % 24;
    const cycle = hourOfDay >= 8 && hourOfDay < 20 ? 2 : 0.4;
    for (const [topic, base] of Object.entries(topics)) {
      let n = poisson(rng, base * cycle);
      if (spike && spike.topic === topic && spike.hour === h) n += spike.extra;
      for (let i = 0; i < n; i++)
        events.push({ topic, at: MONDAY + h * HOUR + Math.floor(rng.next() * HOUR) });
    }
  }
  return events.sort((a, b) => a.at - b.at);
}

function replay(detector: SpikeDetector, events: readonly Ev[], end: number): SpikeAlert[] {
  const alerts: SpikeAlert[] = [];
  for (const e of events) alerts.push(...detector.observe(e.topic, e.at));
  alerts.push(...detector.closeWindowsUntil(end));
  return alerts;
}

describe('SpikeDetector', () => {
  const spikeHour = 3 * 7 * 24 + 2 * 24 + 14; // week 4, Wednesday 14:00
  const end = MONDAY + 28 * 24 * HOUR;

  it('finds an injected spike against the hour-of-week baseline with few false alarms', () => {
    const detector = new SpikeDetector({ window: { hours: 1 }, ewma: false, cusum: false });
    const alerts = replay(detector, synthetic(7, { topic: 'billing', hour: spikeHour, extra: 40 }), end);
    const hit = alerts.find((a) => a.topic === 'billing' && a.windowStart === MONDAY + spikeHour * HOUR);
    expect(hit).toBeDefined();
    expect(hit?.detectors).toContain('tail');
    expect(hit?.baseline).toBe('seasonal');
    expect(hit?.qValue).toBeLessThan(0.01);
    const falseAlarms = alerts.filter((a) => a !== hit);
    expect(falseAlarms.length).toBeLessThanOrEqual(3);
  });

  it('stays quiet on the same data without a spike (tail test under BH)', () => {
    const detector = new SpikeDetector({ ewma: false, cusum: false });
    const alerts = replay(detector, synthetic(7, null), end);
    expect(alerts.length).toBeLessThanOrEqual(3);
    expect(detector.stats()).toMatchObject({ topics: 5, windowsClosed: 28 * 24, lateEvents: 0 });
  });

  it('EWMA and CUSUM catch a sustained moderate rise the tail test may miss', () => {
    const events = synthetic(11, null);
    const rng = createRandom(99);
    // +4 login events per hour for 12 hours in week 4.
    for (let h = spikeHour - 6; h < spikeHour + 6; h++) {
      for (let i = 0; i < 4; i++)
        events.push({ topic: 'login', at: MONDAY + h * HOUR + Math.floor(rng.next() * HOUR) });
    }
    events.sort((a, b) => a.at - b.at);
    // Weeks 3–4: every slot has a seasonal baseline by then.
    const seasonalFrom = MONDAY + 14 * 24 * HOUR;
    const riseFrom = MONDAY + (spikeHour - 6) * HOUR;
    const riseTo = MONDAY + (spikeHour + 12) * HOUR;
    const alerts = replay(new SpikeDetector(), events, end).filter(
      (a) => a.topic === 'login' && a.windowStart >= seasonalFrom,
    );
    const during = alerts.filter((a) => a.windowStart >= riseFrom && a.windowStart < riseTo);
    const kinds = new Set(during.flatMap((a) => a.detectors));
    expect(kinds.has('cusum') || kinds.has('ewma')).toBe(true);
    expect(alerts.length - during.length).toBeLessThanOrEqual(2);
  });

  it('state round-trips through JSON mid-stream with identical results (property)', () => {
    const events = synthetic(3, { topic: 'refunds', hour: spikeHour, extra: 30 });
    const whole = replay(new SpikeDetector(), events, end);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: events.length }), (split) => {
        const first = new SpikeDetector();
        const alerts: SpikeAlert[] = [];
        for (const e of events.slice(0, split)) alerts.push(...first.observe(e.topic, e.at));
        const restored = SpikeDetector.fromJSON(JSON.parse(JSON.stringify(first.toJSON())));
        for (const e of events.slice(split)) alerts.push(...restored.observe(e.topic, e.at));
        alerts.push(...restored.closeWindowsUntil(end));
        expect(alerts).toEqual(whole);
      }),
      { numRuns: 8 },
    );
  });

  it('tallies late events instead of dropping them silently', () => {
    const d = new SpikeDetector();
    d.observe('a', MONDAY + 2 * HOUR);
    expect(d.observe('a', MONDAY)).toEqual([]);
    expect(d.stats().lateEvents).toBe(1);
    expect(d.currentCounts()).toEqual({ a: 1 });
  });

  it('validates options, input and state', () => {
    try {
      new SpikeDetector({ window: 11 * 60_000 });
      throw new Error('expected CONFIG');
    } catch (e) {
      expect(isThreadlineError(e, 'CONFIG')).toBe(true);
      expect((e as { path: unknown[] }).path).toEqual(['window']);
    }
    const d = new SpikeDetector();
    expect(() => d.observe('', 0)).toThrow(expect.objectContaining({ code: 'VALIDATION' }));
    expect(() => d.observe('a', Number.NaN)).toThrow(expect.objectContaining({ code: 'VALIDATION' }));
    const state = d.toJSON();
    expect(() => SpikeDetector.fromJSON({ ...state, version: 2 } as never)).toThrow(
      expect.objectContaining({ code: 'VALIDATION' }),
    );
  });

  it('caps the number of topics', () => {
    const d = new SpikeDetector({ maxTopics: 2 });
    d.observe('a', 0);
    d.observe('b', 0);
    expect(() => d.observe('c', 0)).toThrow(expect.objectContaining({ code: 'CAPACITY' }));
  });
});
