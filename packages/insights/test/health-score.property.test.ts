import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  createHealthModel,
  type FactorContribution,
  type HealthModelConfig,
  type HealthScore,
} from '../src/index.js';

// The scoring as it was written before the loop version (maps, a Map of the previous
// contributions): the property below holds the loops to the same figures, order and trend.
function referenceScore(
  config: HealthModelConfig,
  values: Record<string, number | null | undefined>,
  previous?: HealthScore,
): HealthScore {
  const bands = config.bands ?? { red: 40, yellow: 70 };
  const missing = config.missing ?? 'exclude';
  const stableWithin = config.stableWithin ?? 2;
  let presentWeight = 0;
  const parts = config.factors.map((f) => {
    const raw = values[f.key];
    const value = raw === undefined || raw === null ? null : raw;
    let normalized: number | null = null;
    if (value !== null) {
      const t = Math.min(1, Math.max(0, (value - f.min) / (f.max - f.min)));
      normalized = f.direction === 'higher-is-better' ? t : 1 - t;
    } else if (missing === 'neutral') normalized = 0.5;
    if (normalized !== null) presentWeight += f.weight;
    return { f, value, normalized };
  });
  const scale = presentWeight > 0 ? 100 / presentWeight : 0;
  const contributions: FactorContribution[] = parts.map(({ f, value, normalized }) => {
    const effective = normalized === null ? 0 : f.weight * scale;
    const contribution = normalized === null ? 0 : effective * normalized;
    return {
      key: f.key,
      label: f.label ?? f.key,
      weight: f.weight,
      value,
      normalized,
      contribution,
      shortfall: effective - contribution,
    };
  });
  const score = contributions.reduce((s, x) => s + x.contribution, 0);
  const band = score < bands.red ? 'red' : score < bands.yellow ? 'yellow' : 'green';
  const result: HealthScore = { score, band, contributions };
  if (previous !== undefined) {
    const delta = score - previous.score;
    const before = new Map(previous.contributions.map((x) => [x.key, x.contribution]));
    result.trend = {
      previousScore: previous.score,
      delta,
      direction: Math.abs(delta) < stableWithin ? 'stable' : delta > 0 ? 'improving' : 'declining',
      drivers: contributions
        .map((x) => ({ key: x.key, delta: x.contribution - (before.get(x.key) ?? 0) }))
        .sort((a, b) => Math.abs(b.delta) - Math.abs(a.delta) || (a.key < b.key ? -1 : 1)),
    };
  }
  return result;
}

const KEYS = ['csat', 'sentiment', 'repeats', 'breaches', 'escalations'] as const;

const configArb = fc
  .record({
    count: fc.integer({ min: 1, max: KEYS.length }),
    weights: fc.array(fc.integer({ min: 1, max: 20 }), { minLength: KEYS.length, maxLength: KEYS.length }),
    directions: fc.array(fc.boolean(), { minLength: KEYS.length, maxLength: KEYS.length }),
    missing: fc.constantFrom('exclude' as const, 'neutral' as const, undefined),
    labelled: fc.boolean(),
  })
  .map(({ count, weights, directions, missing, labelled }): HealthModelConfig => {
    const used = weights.slice(0, count);
    const total = used.reduce((s, w) => s + w, 0);
    // Weights must sum to 100: give the rounding remainder to the first factor.
    const scaled = used.map((w) => Math.floor((w / total) * 100));
    scaled[0] = (scaled[0] as number) + 100 - scaled.reduce((s, w) => s + w, 0);
    return {
      factors: scaled.map((weight, i) => ({
        key: KEYS[i] as string,
        ...(labelled ? { label: `Factor ${i}` } : {}),
        weight,
        direction: directions[i] ? 'higher-is-better' : 'lower-is-better',
        min: 0,
        max: 5,
      })),
      ...(missing ? { missing } : {}),
    };
  });

const valuesArb = fc.dictionary(
  fc.constantFrom(...KEYS, 'other'),
  fc.oneof(fc.double({ min: -2, max: 8, noNaN: true }), fc.constant(null), fc.constant(undefined)),
);

describe('HealthModel.score (property)', () => {
  it('gives the figures, key order and trend of the reference scoring, with any previous score', () => {
    fc.assert(
      fc.property(
        configArb,
        valuesArb,
        valuesArb,
        fc.constantFrom('none', 'own', 'shuffled', 'partial', 'duplicated'),
        (config, values, earlier, shape) => {
          const model = createHealthModel(config);
          let previous: HealthScore | undefined;
          if (shape !== 'none') {
            const own = model.score(earlier);
            const list = own.contributions;
            previous =
              shape === 'own'
                ? own
                : {
                    ...own,
                    contributions:
                      shape === 'shuffled'
                        ? [...list].reverse()
                        : shape === 'partial'
                          ? list.slice(1)
                          : [...list, ...list.map((c) => ({ ...c, contribution: c.contribution + 1 }))],
                  };
          }
          const got = model.score(values, previous === undefined ? {} : { previous });
          const want = referenceScore(config, values, previous);
          expect(JSON.stringify(got)).toBe(JSON.stringify(want));
          expect(got).toEqual(want);
        },
      ),
      { seed: 15, numRuns: 400 },
    );
  });
});
