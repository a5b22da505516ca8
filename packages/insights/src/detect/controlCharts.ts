import { parseInput } from '@threadline/core';
import { z } from 'zod';

/** Options of {@link EwmaDetector}. */
export interface EwmaOptions {
  /** Smoothing weight of the newest value, in (0, 1]. Default 0.3. */
  lambda?: number;
  /** Control limit in standard deviations of the EWMA statistic. Default 3. */
  limit?: number;
}

/** Serialisable state of an {@link EwmaDetector}. */
export interface EwmaState {
  lambda: number;
  limit: number;
  statistic: number;
}

const EwmaSchema = z
  .object({ lambda: z.number().gt(0).max(1).optional(), limit: z.number().finite().positive().optional() })
  .strict();

/**
 * Creates an {@link EwmaDetector}.
 *
 * @example
 * ```ts
 * const ewma = createEwmaDetector({ lambda: 0.3 });
 * ewma.update(6); // true
 * ```
 */
export function createEwmaDetector(options: EwmaOptions = {}): EwmaDetector {
  return new EwmaDetector(options);
}

/**
 * Upper one-sided EWMA control chart on standardised residuals `z = (x − μ)/σ`:
 * `S = λz + (1 − λ)S`, alarm when `S > L·√(λ/(2 − λ))`.
 *
 * @example
 * ```ts
 * const ewma = createEwmaDetector({ lambda: 0.3, limit: 3 });
 * ewma.update(0.4); // false
 * ewma.update(6);   // true
 * ```
 */
export class EwmaDetector {
  readonly lambda: number;
  readonly limit: number;
  /** Current EWMA statistic. */
  statistic = 0;
  private readonly threshold: number;

  constructor(options: EwmaOptions = {}) {
    const o = parseInput(EwmaSchema, options, 'EWMA options', 'CONFIG');
    this.lambda = o.lambda ?? 0.3;
    this.limit = o.limit ?? 3;
    this.threshold = this.limit * Math.sqrt(this.lambda / (2 - this.lambda));
  }

  /** Feeds one standardised residual; returns true when the chart signals. */
  update(z: number): boolean {
    this.statistic = this.lambda * z + (1 - this.lambda) * this.statistic;
    return this.statistic > this.threshold;
  }

  /** Plain JSON state. */
  toJSON(): EwmaState {
    return { lambda: this.lambda, limit: this.limit, statistic: this.statistic };
  }

  /** Restores a detector from {@link EwmaDetector.toJSON}. */
  static fromJSON(state: EwmaState): EwmaDetector {
    const d = new EwmaDetector({ lambda: state.lambda, limit: state.limit });
    d.statistic = state.statistic;
    return d;
  }
}

/** Options of {@link CusumDetector}. */
export interface CusumOptions {
  /** Reference value (allowance) in standard deviations. Default 0.5 (detects ~1σ shifts). */
  k?: number;
  /** Decision interval in standard deviations. Default 5. */
  h?: number;
}

/** Serialisable state of a {@link CusumDetector}. */
export interface CusumState {
  k: number;
  h: number;
  statistic: number;
}

const CusumSchema = z
  .object({ k: z.number().finite().nonnegative().optional(), h: z.number().finite().positive().optional() })
  .strict();

/**
 * Creates a {@link CusumDetector}.
 *
 * @example
 * ```ts
 * const cusum = createCusumDetector({ k: 0.5, h: 5 });
 * cusum.update(6); // true
 * ```
 */
export function createCusumDetector(options: CusumOptions = {}): CusumDetector {
  return new CusumDetector(options);
}

/**
 * Upper one-sided tabular CUSUM on standardised residuals: `C = max(0, C + z − k)`, alarm when
 * `C > h`, after which the sum restarts at 0.
 *
 * @example
 * ```ts
 * const cusum = createCusumDetector({ k: 0.5, h: 5 });
 * [2, 2, 2, 2].map((z) => cusum.update(z)); // [false, false, false, true]
 * ```
 */
export class CusumDetector {
  readonly k: number;
  readonly h: number;
  /** Current cumulative sum. */
  statistic = 0;

  constructor(options: CusumOptions = {}) {
    const o = parseInput(CusumSchema, options, 'CUSUM options', 'CONFIG');
    this.k = o.k ?? 0.5;
    this.h = o.h ?? 5;
  }

  /** Feeds one standardised residual; returns true when the chart signals (and resets). */
  update(z: number): boolean {
    this.statistic = Math.max(0, this.statistic + z - this.k);
    if (this.statistic > this.h) {
      this.statistic = 0;
      return true;
    }
    return false;
  }

  /** Plain JSON state. */
  toJSON(): CusumState {
    return { k: this.k, h: this.h, statistic: this.statistic };
  }

  /** Restores a detector from {@link CusumDetector.toJSON}. */
  static fromJSON(state: CusumState): CusumDetector {
    const d = new CusumDetector({ k: state.k, h: state.h });
    d.statistic = state.statistic;
    return d;
  }
}
