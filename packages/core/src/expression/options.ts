import { z } from 'zod';
import { parseInput } from '../errors.js';

/** Default longest accepted source, in UTF-16 code units. */
export const DEFAULT_MAX_EXPRESSION_LENGTH = 10_000;
/** Default deepest accepted nesting of parentheses and `NOT`. */
export const DEFAULT_MAX_EXPRESSION_DEPTH = 64;

/**
 * Safety limits for parsing and compiling an expression.
 *
 * @example
 * ```ts
 * compileExpression(source, { maxLength: 2_000, maxDepth: 16 });
 * ```
 */
export interface ExpressionOptions {
  /** Longest accepted source in UTF-16 code units (default 10,000; at most 1,000,000). */
  maxLength?: number;
  /** Deepest accepted nesting of parentheses and `NOT` (default 64; at most 256). */
  maxDepth?: number;
}

/** Zod schema of {@link ExpressionOptions}. */
export const ExpressionOptionsSchema = z
  .object({
    maxLength: z.number().int().min(1).max(1_000_000).optional(),
    maxDepth: z.number().int().min(1).max(256).optional(),
  })
  .strict();

/** Options with defaults filled in. */
export interface ResolvedExpressionOptions {
  readonly maxLength: number;
  readonly maxDepth: number;
}

const DEFAULTS: ResolvedExpressionOptions = {
  maxLength: DEFAULT_MAX_EXPRESSION_LENGTH,
  maxDepth: DEFAULT_MAX_EXPRESSION_DEPTH,
};

/** Validates options (a `VALIDATION` error names the bad field) and fills in defaults. */
export function resolveExpressionOptions(options: ExpressionOptions | undefined): ResolvedExpressionOptions {
  if (options === undefined) return DEFAULTS;
  const parsed = parseInput(ExpressionOptionsSchema, options, 'expression options');
  return {
    maxLength: parsed.maxLength ?? DEFAULT_MAX_EXPRESSION_LENGTH,
    maxDepth: parsed.maxDepth ?? DEFAULT_MAX_EXPRESSION_DEPTH,
  };
}
