import { type ValidationIssue, validationError } from '@threadline/core';

/** A rating category: any string or number (compared with `===`). */
export type Category = string | number;

/** Agreement weights for Cohen's kappa: nominal (`none`) or ordinal (`linear`, `quadratic`). */
export type KappaWeights = 'none' | 'linear' | 'quadratic';

/** The outcome of a kappa computation. */
export interface KappaResult {
  /**
   * Chance-corrected agreement, from −1 to 1. When chance agreement is already 1 (every rating in one
   * category) kappa is undefined in the formula; it is reported as 1 with `degenerate: true`, because
   * the raters agree perfectly. Never `NaN`.
   */
  readonly kappa: number;
  /** Observed (weighted) agreement, 0–1. */
  readonly observed: number;
  /** Agreement expected by chance, 0–1. */
  readonly expected: number;
  /** Subjects (items) counted. */
  readonly n: number;
  /** Categories in the order used (the order matters for weighted kappa). */
  readonly categories: readonly Category[];
  readonly degenerate: boolean;
}

const EPS = 1e-12;

function compareCategories(a: Category, b: Category): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'number') return -1;
  if (typeof b === 'number') return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

function categoryIndex(
  values: Iterable<Category>,
  given: readonly Category[] | undefined,
  path: string,
): { categories: Category[]; index: Map<Category, number>; issues: ValidationIssue[] } {
  const issues: ValidationIssue[] = [];
  let categories: Category[];
  if (given) {
    categories = [...given];
    if (new Set(categories).size !== categories.length) {
      issues.push({
        path: ['categories'],
        message: 'categories must be distinct',
        code: 'duplicate_category',
      });
    }
  } else {
    categories = [...new Set(values)].sort(compareCategories);
  }
  const index = new Map(categories.map((c, i) => [c, i]));
  if (given) {
    for (const v of values) {
      if (!index.has(v)) {
        issues.push({
          path: [path],
          message: `rating ${JSON.stringify(v)} is not in categories`,
          code: 'unknown_category',
        });
        break;
      }
    }
  }
  return { categories, index, issues };
}

function isCategory(v: unknown): v is Category {
  return typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v));
}

function agreementWeight(i: number, j: number, k: number, weights: KappaWeights): number {
  if (i === j) return 1;
  if (weights === 'none' || k < 2) return 0;
  const d = Math.abs(i - j) / (k - 1);
  return weights === 'linear' ? 1 - d : 1 - d * d;
}

/**
 * Cohen's kappa from a k×k contingency table (`table[i][j]` = subjects rater A put in category i and
 * rater B in category j), optionally weighted (linear or quadratic agreement weights by category
 * position).
 *
 * @example
 * ```ts
 * cohensKappaFromTable([[20, 5], [10, 15]]).kappa; // 0.4
 * ```
 */
export function cohensKappaFromTable(
  table: readonly (readonly number[])[],
  options: { weights?: KappaWeights; categories?: readonly Category[] } = {},
): KappaResult {
  const k = Array.isArray(table) ? table.length : 0;
  const issues: ValidationIssue[] = [];
  if (k === 0)
    issues.push({ path: ['table'], message: 'expected a non-empty square table', code: 'invalid_type' });
  for (let i = 0; i < k; i++) {
    const row = table[i];
    if (!Array.isArray(row) || row.length !== k) {
      issues.push({ path: ['table', i], message: `expected ${k} counts`, code: 'not_square' });
      continue;
    }
    row.forEach((v, j) => {
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
        issues.push({
          path: ['table', i, j],
          message: 'expected a non-negative count',
          code: 'invalid_count',
        });
      }
    });
  }
  const weights = options.weights ?? 'none';
  if (!['none', 'linear', 'quadratic'].includes(weights)) {
    issues.push({ path: ['weights'], message: 'expected none, linear or quadratic', code: 'invalid_value' });
  }
  if (options.categories && options.categories.length !== k) {
    issues.push({ path: ['categories'], message: `expected ${k} categories`, code: 'invalid_length' });
  }
  if (issues.length > 0) throw validationError('contingency table', issues);
  let n = 0;
  const rows = new Array<number>(k).fill(0);
  const cols = new Array<number>(k).fill(0);
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) {
      const v = table[i]![j]!;
      n += v;
      rows[i]! += v;
      cols[j]! += v;
    }
  }
  if (n === 0) {
    throw validationError('contingency table', [
      { path: ['table'], message: 'table has no ratings', code: 'empty' },
    ]);
  }
  let observed = 0;
  let expected = 0;
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) {
      const w = agreementWeight(i, j, k, weights);
      if (w === 0) continue;
      observed += (w * table[i]![j]!) / n;
      expected += (w * rows[i]! * cols[j]!) / (n * n);
    }
  }
  observed = Math.min(1, observed);
  expected = Math.min(1, expected);
  const degenerate = 1 - expected < EPS;
  const kappa = degenerate ? 1 : (observed - expected) / (1 - expected);
  return {
    kappa,
    observed,
    expected,
    n,
    categories: options.categories ? [...options.categories] : Array.from({ length: k }, (_, i) => i),
    degenerate,
  };
}

/**
 * Cohen's kappa for two raters who rated the same subjects: `ratingsA[i]` and `ratingsB[i]` rate
 * subject i. Subjects where either rating is `null`/`undefined` are skipped. Categories default to the
 * distinct values sorted (numbers ascending, then strings); pass `categories` to fix the order (it
 * matters for `weights: 'linear' | 'quadratic'`, which weight disagreements by category distance).
 *
 * @example
 * ```ts
 * cohensKappa(['yes', 'yes', 'no', 'no'], ['yes', 'no', 'no', 'no']).kappa; // 0.5
 * cohensKappa([1, 2, 5], [1, 3, 4], { weights: 'quadratic' });
 * ```
 */
export function cohensKappa(
  ratingsA: readonly (Category | null | undefined)[],
  ratingsB: readonly (Category | null | undefined)[],
  options: { weights?: KappaWeights; categories?: readonly Category[] } = {},
): KappaResult {
  const issues: ValidationIssue[] = [];
  if (!Array.isArray(ratingsA))
    issues.push({ path: ['ratingsA'], message: 'expected an array', code: 'invalid_type' });
  if (!Array.isArray(ratingsB))
    issues.push({ path: ['ratingsB'], message: 'expected an array', code: 'invalid_type' });
  if (issues.length === 0 && ratingsA.length !== ratingsB.length) {
    issues.push({
      path: ['ratingsB'],
      message: `expected ${ratingsA.length} ratings like ratingsA, got ${ratingsB.length}`,
      code: 'length_mismatch',
    });
  }
  if (issues.length > 0) throw validationError('kappa input', issues);
  const pairs: [Category, Category][] = [];
  for (let i = 0; i < ratingsA.length; i++) {
    const a = ratingsA[i];
    const b = ratingsB[i];
    if (a === null || a === undefined || b === null || b === undefined) continue;
    if (!isCategory(a))
      issues.push({
        path: ['ratingsA', i],
        message: 'expected a string or finite number',
        code: 'invalid_type',
      });
    if (!isCategory(b))
      issues.push({
        path: ['ratingsB', i],
        message: 'expected a string or finite number',
        code: 'invalid_type',
      });
    pairs.push([a, b]);
  }
  if (pairs.length === 0)
    issues.push({ path: ['ratingsA'], message: 'no subject rated by both raters', code: 'empty' });
  if (issues.length > 0) throw validationError('kappa input', issues);
  const {
    categories,
    index,
    issues: catIssues,
  } = categoryIndex(pairs.flat(), options.categories, 'ratingsA');
  if (catIssues.length > 0) throw validationError('kappa input', catIssues);
  const k = categories.length;
  const table = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  for (const [a, b] of pairs) table[index.get(a)!]![index.get(b)!]!++;
  return cohensKappaFromTable(table, { weights: options.weights ?? 'none', categories });
}

/** The outcome of {@link fleissKappa}. */
export interface FleissKappaResult extends KappaResult {
  /** Raters per subject. */
  readonly raters: number;
  /** Per category: share of all ratings and the category's own kappa (`null` when undefined). */
  readonly perCategory: readonly { category: Category; proportion: number; kappa: number | null }[];
}

/**
 * Fleiss' kappa from a counts table: `counts[i][j]` = raters who put subject i in category j. Every
 * row must sum to the same number of raters (at least 2).
 *
 * @example
 * ```ts
 * // 3 subjects, 3 raters, categories [yes, no]
 * fleissKappaFromCounts([[2, 1], [0, 3], [3, 0]]).kappa; // 0.55
 * ```
 */
export function fleissKappaFromCounts(
  counts: readonly (readonly number[])[],
  options: { categories?: readonly Category[] } = {},
): FleissKappaResult {
  const issues: ValidationIssue[] = [];
  const N = Array.isArray(counts) ? counts.length : 0;
  if (N === 0) issues.push({ path: ['counts'], message: 'expected at least one subject', code: 'empty' });
  const k = N > 0 && Array.isArray(counts[0]) ? counts[0].length : 0;
  let raters = -1;
  for (let i = 0; i < N; i++) {
    const row = counts[i];
    if (!Array.isArray(row) || row.length !== k || k === 0) {
      issues.push({
        path: ['counts', i],
        message: `expected ${k || 'at least one'} category counts`,
        code: 'invalid_row',
      });
      continue;
    }
    let sum = 0;
    row.forEach((v, j) => {
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
        issues.push({
          path: ['counts', i, j],
          message: 'expected a non-negative integer',
          code: 'invalid_count',
        });
      } else sum += v;
    });
    if (raters < 0) raters = sum;
    else if (sum !== raters) {
      issues.push({
        path: ['counts', i],
        message: `every subject needs the same number of raters (${raters}), got ${sum}`,
        code: 'unequal_raters',
      });
    }
  }
  if (issues.length === 0 && raters < 2) {
    issues.push({
      path: ['counts', 0],
      message: 'needs at least 2 raters per subject',
      code: 'too_few_raters',
    });
  }
  if (options.categories && options.categories.length !== k) {
    issues.push({ path: ['categories'], message: `expected ${k} categories`, code: 'invalid_length' });
  }
  if (issues.length > 0) throw validationError('Fleiss kappa input', issues);

  const n = raters;
  const colSums = new Array<number>(k).fill(0);
  const disagreement = new Array<number>(k).fill(0);
  let pSum = 0;
  for (const row of counts) {
    let agree = 0;
    row.forEach((v, j) => {
      agree += v * (v - 1);
      colSums[j]! += v;
      disagreement[j]! += v * (n - v);
    });
    pSum += agree / (n * (n - 1));
  }
  const observed = Math.min(1, pSum / N);
  const proportions = colSums.map((c) => c / (N * n));
  const expected = Math.min(
    1,
    proportions.reduce((s, p) => s + p * p, 0),
  );
  const degenerate = 1 - expected < EPS;
  const kappa = degenerate ? 1 : (observed - expected) / (1 - expected);
  const categories = options.categories ? [...options.categories] : Array.from({ length: k }, (_, i) => i);
  const perCategory = proportions.map((p, j) => {
    const pq = p * (1 - p);
    return {
      category: categories[j]!,
      proportion: p,
      kappa: pq < EPS ? null : 1 - disagreement[j]! / (N * n * (n - 1) * pq),
    };
  });
  return { kappa, observed, expected, n: N, raters: n, categories, degenerate, perCategory };
}

/**
 * Fleiss' kappa for many raters: `subjects[i]` holds the ratings subject i received, one per rater,
 * with the same number of raters for every subject (they need not be the same people). Categories
 * default to the distinct values sorted.
 *
 * @example
 * ```ts
 * fleissKappa([['yes', 'yes', 'no'], ['no', 'no', 'no'], ['yes', 'yes', 'yes']]).kappa; // 0.55
 * ```
 */
export function fleissKappa(
  subjects: readonly (readonly Category[])[],
  options: { categories?: readonly Category[] } = {},
): FleissKappaResult {
  const issues: ValidationIssue[] = [];
  if (!Array.isArray(subjects) || subjects.length === 0) {
    throw validationError('Fleiss kappa input', [
      { path: ['subjects'], message: 'expected at least one subject', code: 'empty' },
    ]);
  }
  subjects.forEach((s, i) => {
    if (!Array.isArray(s)) {
      issues.push({ path: ['subjects', i], message: 'expected an array of ratings', code: 'invalid_type' });
      return;
    }
    s.forEach((v, j) => {
      if (!isCategory(v)) {
        issues.push({
          path: ['subjects', i, j],
          message: 'expected a string or finite number',
          code: 'invalid_type',
        });
      }
    });
  });
  if (issues.length > 0) throw validationError('Fleiss kappa input', issues);
  const {
    categories,
    index,
    issues: catIssues,
  } = categoryIndex(subjects.flat(), options.categories, 'subjects');
  if (catIssues.length > 0) throw validationError('Fleiss kappa input', catIssues);
  const counts = subjects.map((s) => {
    const row = new Array<number>(categories.length).fill(0);
    for (const v of s) row[index.get(v)!]!++;
    return row;
  });
  return fleissKappaFromCounts(counts, { categories });
}

/** Raw agreement among raters, without chance correction. */
export interface PercentAgreement {
  /** Share of subjects on which every rater gave the same rating. */
  readonly unanimous: number;
  /** Mean share of agreeing rater pairs per subject (Fleiss' observed agreement). */
  readonly pairwise: number;
  readonly n: number;
}

/**
 * Percent agreement: the share of subjects all raters rated alike, and the mean pairwise agreement.
 * Subjects with fewer than two ratings are a `VALIDATION` error.
 *
 * @example
 * ```ts
 * percentAgreement([['yes', 'yes'], ['yes', 'no']]); // { unanimous: 0.5, pairwise: 0.5, n: 2 }
 * ```
 */
export function percentAgreement(subjects: readonly (readonly Category[])[]): PercentAgreement {
  if (!Array.isArray(subjects) || subjects.length === 0) {
    throw validationError('agreement input', [
      { path: ['subjects'], message: 'expected at least one subject', code: 'empty' },
    ]);
  }
  let unanimous = 0;
  let pairwise = 0;
  subjects.forEach((s, i) => {
    if (!Array.isArray(s) || s.length < 2 || !s.every(isCategory)) {
      throw validationError('agreement input', [
        {
          path: ['subjects', i],
          message: 'expected at least two ratings (strings or finite numbers)',
          code: 'invalid_subject',
        },
      ]);
    }
    const counts = new Map<Category, number>();
    for (const v of s) counts.set(v, (counts.get(v) ?? 0) + 1);
    if (counts.size === 1) unanimous++;
    let agree = 0;
    for (const c of counts.values()) agree += c * (c - 1);
    pairwise += agree / (s.length * (s.length - 1));
  });
  return { unanimous: unanimous / subjects.length, pairwise: pairwise / subjects.length, n: subjects.length };
}
