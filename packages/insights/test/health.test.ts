import { isThreadlineError } from '@threadline/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createHealthModel, type HealthModelConfig, healthTrend } from '../src/index.js';

const config: HealthModelConfig = {
  factors: [
    { key: 'csat', weight: 30, direction: 'higher-is-better', min: 0, max: 1 },
    { key: 'sentimentTrend', weight: 20, direction: 'higher-is-better', min: -1, max: 1 },
    { key: 'repeatContacts', weight: 20, direction: 'lower-is-better', min: 0, max: 5 },
    { key: 'slaBreaches', weight: 15, direction: 'lower-is-better', min: 0, max: 3 },
    { key: 'escalations', weight: 15, direction: 'lower-is-better', min: 0, max: 2 },
  ],
};

describe('health model', () => {
  const model = createHealthModel(config);

  it('scores with per-factor contributions that sum to the score', () => {
    const r = model.score({
      csat: 0.9,
      sentimentTrend: 0.2,
      repeatContacts: 1,
      slaBreaches: 0,
      escalations: 0,
    });
    // 30·0.9 + 20·0.6 + 20·0.8 + 15 + 15 = 85
    expect(r.score).toBeCloseTo(85, 9);
    expect(r.band).toBe('green');
    expect(r.contributions.find((c) => c.key === 'repeatContacts')).toMatchObject({
      normalized: 0.8,
      shortfall: expect.closeTo(4, 9),
    });
  });

  it('applies direction, clipping and bands', () => {
    const worst = model.score({
      csat: 0,
      sentimentTrend: -5,
      repeatContacts: 50,
      slaBreaches: 9,
      escalations: 9,
    });
    expect(worst.score).toBe(0);
    expect(worst.band).toBe('red');
    const mid = model.score({
      csat: 0.5,
      sentimentTrend: 0,
      repeatContacts: 2.5,
      slaBreaches: 1.5,
      escalations: 1,
    });
    expect(mid.score).toBeCloseTo(50, 9);
    expect(mid.band).toBe('yellow');
  });

  it('re-weights missing factors (or scores them neutral)', () => {
    const r = model.score({ csat: 1, repeatContacts: 0 });
    expect(r.score).toBeCloseTo(100, 9);
    expect(r.contributions.find((c) => c.key === 'slaBreaches')?.normalized).toBeNull();
    const neutral = createHealthModel({ ...config, missing: 'neutral' }).score({
      csat: 1,
      repeatContacts: 0,
    });
    expect(neutral.score).toBeCloseTo(50 + 25, 9);
  });

  it('reports a trend with the factors that drove it', () => {
    const before = model.score({
      csat: 0.9,
      sentimentTrend: 0.2,
      repeatContacts: 1,
      slaBreaches: 0,
      escalations: 0,
    });
    const after = model.score(
      { csat: 0.9, sentimentTrend: 0.2, repeatContacts: 4, slaBreaches: 2, escalations: 0 },
      { previous: before },
    );
    expect(after.trend?.direction).toBe('declining');
    expect(after.trend?.delta).toBeCloseTo(after.score - before.score, 12);
    expect(after.trend?.drivers[0]?.key).toBe('repeatContacts');
  });

  it('score stays in 0..100, contributions add up, better values never lower it (property)', () => {
    const value = fc.double({ min: -10, max: 10, noNaN: true });
    fc.assert(
      fc.property(
        value,
        value,
        value,
        value,
        value,
        fc.double({ min: 0, max: 1, noNaN: true }),
        (a, b, c, d, e, bump) => {
          const values = { csat: a, sentimentTrend: b, repeatContacts: c, slaBreaches: d, escalations: e };
          const r = model.score(values);
          expect(r.score).toBeGreaterThanOrEqual(0);
          expect(r.score).toBeLessThanOrEqual(100 + 1e-9);
          expect(r.contributions.reduce((s, x) => s + x.contribution, 0)).toBeCloseTo(r.score, 9);
          expect(model.score({ ...values, csat: a + bump }).score).toBeGreaterThanOrEqual(r.score - 1e-9);
          expect(model.score({ ...values, repeatContacts: c + bump }).score).toBeLessThanOrEqual(
            r.score + 1e-9,
          );
        },
      ),
    );
  });

  it('rejects weights that do not sum to 100, duplicates and bad bands as CONFIG', () => {
    const bad = (cfg: HealthModelConfig, path: string) => {
      try {
        createHealthModel(cfg);
      } catch (e) {
        expect(isThreadlineError(e, 'CONFIG')).toBe(true);
        expect((e as { path: unknown[] }).path.join('.')).toBe(path);
        return;
      }
      throw new Error('expected CONFIG');
    };
    bad({ factors: config.factors.slice(1) }, 'factors');
    bad({ factors: [...config.factors.slice(1), { ...config.factors[1]!, weight: 30 }] }, 'factors.4.key');
    bad({ ...config, bands: { red: 80, yellow: 50 } }, 'bands.red');
    bad(
      { factors: [{ key: 'x', weight: 100, direction: 'higher-is-better', min: 1, max: 1 }] },
      'factors.0.max',
    );
  });
});

describe('healthTrend', () => {
  const day = 86_400_000;
  it('fits a least-squares slope per day', () => {
    const t = healthTrend([
      { at: 0, score: 80 },
      { at: 7 * day, score: 66 },
      { at: new Date(14 * day), score: 52 },
    ]);
    expect(t.slopePerDay).toBeCloseTo(-2, 9);
    expect(t.direction).toBe('declining');
    expect(t.delta).toBe(-28);
    expect(healthTrend([{ at: 0, score: 1 }]).direction).toBe('stable');
  });
});

describe('score input check', () => {
  const model = createHealthModel({
    factors: [
      { key: 'csat', weight: 60, direction: 'higher-is-better', min: 0, max: 1 },
      { key: 'breaches', weight: 40, direction: 'lower-is-better', min: 0, max: 5 },
    ],
  });
  const outcome = (fn: () => unknown) => {
    try {
      return { ok: fn() };
    } catch (e) {
      if (isThreadlineError(e, 'VALIDATION')) return { paths: e.issues.map((i) => i.path.join('.')) };
      throw e;
    }
  };

  it('scores values the hand check accepts as zod-parsed values would, and rejects the rest with paths (property)', () => {
    const value = fc.constantFrom<unknown>(undefined, null, 0, 0.5, 3, -2, Number.NaN, Infinity, '1', [], {});
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom('csat', 'breaches', 'other'), value), (values) => {
        const got = outcome(() => model.score(values as never));
        // The reference: the values made plain first (only finite numbers and null are kept).
        const plain = Object.values(values).every(
          (v) => v === undefined || v === null || (typeof v === 'number' && Number.isFinite(v)),
        );
        if (plain) expect(got).toEqual({ ok: model.score({ ...(values as Record<string, number | null>) }) });
        else expect((got as { paths?: string[] }).paths?.length ?? 0).toBeGreaterThan(0);
      }),
      { seed: 15, numRuns: 300 },
    );
  });
});
