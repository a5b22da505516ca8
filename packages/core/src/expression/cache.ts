import { z } from 'zod';
import { parseInput } from '../errors.js';
import { type CompiledExpression, compileExpression } from './compiler.js';
import { type ExpressionOptions, ExpressionOptionsSchema, resolveExpressionOptions } from './options.js';

/**
 * Options of {@link createExpressionCache}: the safety limits used for every compile, plus the
 * number of compiled expressions kept.
 *
 * @example
 * ```ts
 * const cache = createExpressionCache({ maxEntries: 500, maxDepth: 16 });
 * ```
 */
export interface ExpressionCacheOptions extends ExpressionOptions {
  /** Most compiled expressions kept; the least recently used is dropped first (default 1,000). */
  maxEntries?: number;
}

const CacheOptionsSchema = ExpressionOptionsSchema.extend({
  maxEntries: z.number().int().min(1).optional(),
}).strict();

/**
 * A bounded, least-recently-used cache of compiled expressions keyed by source text.
 *
 * @example
 * ```ts
 * const cache = createExpressionCache();
 * const rule = cache.compile('task.priority > 5'); // compiled
 * cache.compile('task.priority > 5') === rule; // true: reused
 * ```
 */
export interface ExpressionCache {
  /** Returns the compiled expression for `source`, compiling it on first use. Errors are not cached. */
  compile(source: string): CompiledExpression;
  /** Number of compiled expressions held. */
  readonly size: number;
  /** Drops every entry. */
  clear(): void;
}

/**
 * Creates an {@link ExpressionCache}: compile each distinct rule once, however often it is
 * looked up (routing workflows, SLA policies and automations share rules this way).
 *
 * @example
 * ```ts
 * const cache = createExpressionCache({ maxEntries: 10_000 });
 * const matches = cache.compile(queue.targetExpression).evaluate({ task, worker });
 * ```
 */
export function createExpressionCache(options: ExpressionCacheOptions = {}): ExpressionCache {
  const parsed = parseInput(CacheOptionsSchema, options, 'expression cache options');
  const maxEntries = parsed.maxEntries ?? 1_000;
  const compileOptions = resolveExpressionOptions({ maxLength: parsed.maxLength, maxDepth: parsed.maxDepth });
  const entries = new Map<string, CompiledExpression>();
  return {
    compile(source: string): CompiledExpression {
      const hit = entries.get(source);
      if (hit !== undefined) {
        // Re-insert to mark as most recently used (Map keeps insertion order).
        entries.delete(source);
        entries.set(source, hit);
        return hit;
      }
      const compiled = compileExpression(source, compileOptions);
      entries.set(source, compiled);
      if (entries.size > maxEntries) {
        const oldest = entries.keys().next();
        if (!oldest.done) entries.delete(oldest.value);
      }
      return compiled;
    },
    get size() {
      return entries.size;
    },
    clear() {
      entries.clear();
    },
  };
}
