// Special functions for tail probabilities, computed in log space where it matters.
// Formulas are the textbook ones (Lanczos log-gamma; series and Lentz continued fractions for the
// regularized incomplete gamma and beta functions).

const LANCZOS_G = 7;
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];
const EPS = 1e-15;
const TINY = 1e-300;
const MAX_ITER = 10_000;

/**
 * Natural log of the gamma function, `ln Γ(x)` for `x > 0` (Lanczos approximation, ~15 digits).
 *
 * @example
 * ```ts
 * logGamma(5); // ln(24)
 * ```
 */
export function logGamma(x: number): number {
  if (x < 0.5) {
    // Reflection keeps precision for small arguments.
    return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  }
  const z = x - 1;
  let a = LANCZOS[0] as number;
  const t = z + LANCZOS_G + 0.5;
  for (let i = 1; i < LANCZOS.length; i++) a += (LANCZOS[i] as number) / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/**
 * Regularized lower incomplete gamma function `P(a, x) = γ(a, x) / Γ(a)`.
 *
 * @example
 * ```ts
 * regularizedGammaP(1, 1); // 1 - e^-1
 * ```
 */
export function regularizedGammaP(a: number, x: number): number {
  if (x <= 0) return 0;
  if (x < a + 1) return gammaSeries(a, x);
  return 1 - gammaContinuedFraction(a, x);
}

/**
 * Regularized upper incomplete gamma function `Q(a, x) = 1 − P(a, x)`, accurate in the far tail.
 *
 * @example
 * ```ts
 * regularizedGammaQ(1, 1); // e^-1
 * ```
 */
export function regularizedGammaQ(a: number, x: number): number {
  if (x <= 0) return 1;
  if (x < a + 1) return 1 - gammaSeries(a, x);
  return gammaContinuedFraction(a, x);
}

function gammaSeries(a: number, x: number): number {
  let term = 1 / a;
  let sum = term;
  for (let n = 1; n < MAX_ITER; n++) {
    term *= x / (a + n);
    sum += term;
    if (Math.abs(term) < Math.abs(sum) * EPS) break;
  }
  return Math.min(1, Math.exp(Math.log(sum) - x + a * Math.log(x) - logGamma(a)));
}

function gammaContinuedFraction(a: number, x: number): number {
  let b = x + 1 - a;
  let c = 1 / TINY;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < MAX_ITER; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < TINY) d = TINY;
    c = b + an / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < EPS) break;
  }
  return Math.min(1, Math.exp(Math.log(h) - x + a * Math.log(x) - logGamma(a)));
}

/**
 * Regularized incomplete beta function `I_x(a, b)` for `0 ≤ x ≤ 1`, `a, b > 0`.
 *
 * @example
 * ```ts
 * regularizedBeta(0.5, 2, 2); // 0.5
 * ```
 */
export function regularizedBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const logFront = logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log1p(-x);
  if (x < (a + 1) / (a + b + 2))
    return Math.min(1, Math.exp(logFront + Math.log(betaCf(a, b, x)) - Math.log(a)));
  return Math.max(0, 1 - Math.exp(logFront + Math.log(betaCf(b, a, 1 - x)) - Math.log(b)));
}

function betaCf(a: number, b: number, x: number): number {
  const qab = a + b;
  const qap = a + 1;
  const qam = a - 1;
  let c = 1;
  let d = 1 - (qab * x) / qap;
  if (Math.abs(d) < TINY) d = TINY;
  d = 1 / d;
  let h = d;
  for (let m = 1; m < MAX_ITER; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (qab + m) * x) / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < EPS) break;
  }
  return h;
}

/**
 * Upper tail of the Poisson distribution, `P(X ≥ k)` for `X ~ Poisson(mean)`.
 * Uses `P(X ≥ k) = P(k, mean)` (regularized lower incomplete gamma), so it stays accurate for tiny p.
 *
 * @example
 * ```ts
 * poissonUpperTail(10, 2); // ≈ 4.65e-5
 * ```
 */
export function poissonUpperTail(k: number, mean: number): number {
  if (k <= 0) return 1;
  if (mean <= 0) return 0;
  return regularizedGammaP(Math.ceil(k), mean);
}

/**
 * Upper tail of the negative binomial distribution parameterised by mean and dispersion `size`
 * (variance = mean + mean²/size): `P(X ≥ k) = I_p(k, size)` with `p = mean / (mean + size)`.
 *
 * @example
 * ```ts
 * negativeBinomialUpperTail(10, 2, 5);
 * ```
 */
export function negativeBinomialUpperTail(k: number, mean: number, size: number): number {
  if (k <= 0) return 1;
  if (mean <= 0) return 0;
  return regularizedBeta(mean / (mean + size), Math.ceil(k), size);
}

/**
 * Log of the Poisson probability mass `P(X = k)`.
 *
 * @example
 * ```ts
 * Math.exp(logPoissonPmf(0, 1)); // e^-1
 * ```
 */
export function logPoissonPmf(k: number, mean: number): number {
  if (mean === 0) return k === 0 ? 0 : Number.NEGATIVE_INFINITY;
  return -mean + k * Math.log(mean) - logGamma(k + 1);
}
