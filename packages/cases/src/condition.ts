import { ThreadlineError } from '@threadline/core';
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
 * Compiles a condition once. A function is used as is (its result is coerced to a boolean);
 * a string is compiled with the rule language. A bad condition is a `CONFIG` error naming `path`.
 */
export function compileCondition(input: ConditionInput, path: readonly (string | number)[]): Condition {
  if (typeof input === 'function') return (ctx) => input(ctx) === true;
  throw new ThreadlineError('CONFIG', `Rule-language conditions are not available yet at ${path.join('.')}`, {
    issues: [
      { path, message: 'rule-language strings need @threadline/core compileExpression', code: 'unsupported' },
    ],
  });
}
