import { compileExpression, isThreadlineError, ThreadlineError } from '@threadline/core';
import { z } from 'zod';

/** What conditions see: the case as `case.*` and the customer snapshot as `customer.*`. */
export interface RuleContext {
  case: Record<string, unknown>;
  customer: Record<string, unknown>;
}

/** A condition: rule-language source (the JSON form) or a predicate function. */
export type ConditionInput = string | ((context: RuleContext) => boolean);

/** Zod schema for {@link ConditionInput}. */
export const ConditionSchema = z.union([
  z.string().min(1).max(10_000),
  z.custom<(context: RuleContext) => boolean>((v) => typeof v === 'function', {
    message: 'expected a rule-language string or a function',
  }),
]);

/** A compiled condition. */
export type Condition = (context: RuleContext) => boolean;

/**
 * Compiles a condition once. A function is used as is (only `true` counts as a match); a string is
 * compiled with the rule language of `@threadline/core` (`case.type == "security" AND
 * customer.tier == "enterprise"`). A bad condition is a `CONFIG` error naming `path`, with the
 * rule language's line and column in the message.
 *
 * @example
 * ```ts
 * const isVip = compileCondition('customer.tier == "vip"', ['policies', 0, 'when']);
 * isVip({ case: {}, customer: { tier: 'vip' } }); // true
 * ```
 */
export function compileCondition(input: ConditionInput, path: readonly (string | number)[]): Condition {
  if (typeof input === 'function') return (ctx) => input(ctx) === true;
  try {
    const compiled = compileExpression(input);
    return (ctx) => compiled.evaluate(ctx);
  } catch (error) {
    const message = isThreadlineError(error) ? error.message : String(error);
    throw new ThreadlineError('CONFIG', `Invalid condition at ${path.join('.')}: ${message}`, {
      cause: error,
      issues: [{ path, message, code: 'invalid_expression' }],
    });
  }
}
