import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { benjaminiHochberg } from '../src/index.js';

/**
 * Benjamini–Hochberg by its definition, in exact integer arithmetic (p = a/64, q = b/64):
 * k = the largest rank i with p(i) ≤ i·q/m; every hypothesis with p ≤ p(k) is rejected.
 * The adjusted value of rank i is min over ranks j ≥ i of p(j)·m/j, capped at 1.
 */
function bruteForce(numerators: readonly number[], qNumerator: number) {
  const m = numerators.length;
  const sorted = [...numerators].sort((x, y) => x - y);
  let k = 0;
  for (let i = 1; i <= m; i++) if (sorted[i - 1]! * m <= i * qNumerator) k = i;
  const threshold = k === 0 ? -1 : sorted[k - 1]!;
  const rejected = numerators.map((a) => a <= threshold);
  const adjusted = numerators.map((a) => {
    // Ties share the largest rank they occupy (the step-up reaches all of them at once).
    const rank = sorted.lastIndexOf(a) + 1;
    let best = Number.POSITIVE_INFINITY;
    for (let j = rank; j <= m; j++) best = Math.min(best, (sorted[j - 1]! * m) / (64 * j));
    return Math.min(1, best);
  });
  return { rejected, adjusted };
}

describe('Benjamini–Hochberg step-up', () => {
  it('reproduces Benjamini & Hochberg (1995), §4: 15 p-values, q = 0.05 → 4 rejections', () => {
    // The example of the original paper (J. R. Stat. Soc. B 57(1), p. 289–300).
    const p = [
      0.0001, 0.0004, 0.0019, 0.0095, 0.0201, 0.0278, 0.0298, 0.0344, 0.0459, 0.324, 0.4262, 0.5719, 0.6528,
      0.759, 1,
    ];
    const r = benjaminiHochberg(p, 0.05);
    expect(r.rejected).toEqual(p.map((_, i) => i < 4));
    // Adjusted values by hand: p(i)·15/i, then the running minimum from the largest rank down.
    const expected = [
      0.0015,
      0.003,
      0.0095,
      0.035625,
      0.0603, // 0.0201·3; not 0.0695 of rank 6, which is lowered to rank 7's 0.063857
      0.0298 * (15 / 7), // rank 6: min(0.0695, 0.063857…) — the monotone adjustment
      0.0298 * (15 / 7),
      0.0645,
      0.0765,
      0.486,
      0.4262 * (15 / 11),
      0.714875,
      0.6528 * (15 / 13),
      0.759 * (15 / 14),
      1,
    ];
    r.qValues.forEach((v, i) => {
      expect(v, `rank ${i + 1}`).toBeCloseTo(expected[i]!, 12);
    });
  });

  it('steps up: a later rank that passes carries earlier ranks that failed their own bound', () => {
    // Rank 1: 0.03 > 0.025 fails alone; rank 2: 0.04 ≤ 0.05 passes, so both are rejected.
    // A step-down procedure (stop at the first failure) would reject nothing.
    const r = benjaminiHochberg([0.04, 0.03], 0.05);
    expect(r.rejected).toEqual([true, true]);
    expect(r.qValues[0]).toBeCloseTo(0.04, 15);
    expect(r.qValues[1]).toBeCloseTo(0.04, 15);
  });

  it('rejects at equality (p(k) = k·q/m is rejected)', () => {
    // Exact in binary: 0.125·2/1 = 0.25 = q.
    expect(benjaminiHochberg([0.125, 0.75], 0.25)).toEqual({
      rejected: [true, false],
      qValues: [0.25, 0.75],
    });
  });

  it('matches the brute-force definition, ties and boundaries included (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 64 }), { minLength: 1, maxLength: 24 }),
        fc.integer({ min: 1, max: 64 }),
        (numerators, qNumerator) => {
          const r = benjaminiHochberg(
            numerators.map((a) => a / 64),
            qNumerator / 64,
          );
          const b = bruteForce(numerators, qNumerator);
          expect(r.rejected).toEqual(b.rejected);
          r.qValues.forEach((v, i) => {
            expect(v).toBeCloseTo(b.adjusted[i]!, 12);
          });
        },
      ),
      { seed: 1995, numRuns: 2000 },
    );
  });
});
