// The syntax tree of the rule language. Plain, JSON-serialisable objects.

/** A scalar literal value: what a string, number, boolean or `null` literal denotes. */
export type ScalarValue = string | number | boolean | null;

/** One step of a path: a property name (`.name`, `["name"]`) or an array index (`[0]`). */
export type PathSegment = string | number;

/**
 * A scalar literal: `"fr"`, `'fr'`, `5`, `-1.5e3`, `true`, `false`, `null`.
 *
 * @example
 * ```ts
 * const node: LiteralNode = { type: 'literal', value: 'fr' };
 * ```
 */
export interface LiteralNode {
  readonly type: 'literal';
  readonly value: ScalarValue;
}

/**
 * An array literal of scalars: `["fr", "de"]`, `[1, 2, 3]`, `[]`.
 *
 * @example
 * ```ts
 * const node: ArrayNode = { type: 'array', items: ['fr', 'de'] };
 * ```
 */
export interface ArrayNode {
  readonly type: 'array';
  readonly items: readonly ScalarValue[];
}

/**
 * A path into the evaluation context: `task.language`, `task.tags[0]`, `worker.skills["first-line"]`.
 * The first segment is always a property name.
 *
 * @example
 * ```ts
 * const node: PathNode = { type: 'path', segments: ['task', 'tags', 0] };
 * ```
 */
export interface PathNode {
  readonly type: 'path';
  readonly segments: readonly PathSegment[];
}

/**
 * A value: what may stand on either side of a comparison. Standing alone as a condition, an
 * operand is true exactly when its value is the boolean `true`.
 *
 * @example
 * ```ts
 * const vip: OperandNode = { type: 'path', segments: ['task', 'vip'] };
 * ```
 */
export type OperandNode = LiteralNode | ArrayNode | PathNode;

/**
 * Every comparison operator, in canonical spelling (`=` parses as `==`; keywords are upper case).
 *
 * @example
 * ```ts
 * const ops = COMPARISON_OPERATORS; // ['==', '!=', '>', ...]
 * ```
 */
export const COMPARISON_OPERATORS = [
  '==',
  '!=',
  '>',
  '>=',
  '<',
  '<=',
  'IN',
  'NOT IN',
  'HAS',
  'NOT HAS',
  'CONTAINS',
  'NOT CONTAINS',
] as const;

/**
 * A comparison operator (see {@link COMPARISON_OPERATORS}).
 *
 * @example
 * ```ts
 * const op: ComparisonOperator = 'NOT IN';
 * ```
 */
export type ComparisonOperator = (typeof COMPARISON_OPERATORS)[number];

/**
 * A comparison between two operands: `task.priority > 5`, `"vip" IN task.tags`.
 *
 * @example
 * ```ts
 * const node: ComparisonNode = {
 *   type: 'comparison',
 *   operator: '>',
 *   left: { type: 'path', segments: ['task', 'priority'] },
 *   right: { type: 'literal', value: 5 },
 * };
 * ```
 */
export interface ComparisonNode {
  readonly type: 'comparison';
  readonly operator: ComparisonOperator;
  readonly left: OperandNode;
  readonly right: OperandNode;
}

/**
 * Logical negation: `NOT x`.
 *
 * @example
 * ```ts
 * const node: NotNode = { type: 'not', operand: { type: 'path', segments: ['task', 'vip'] } };
 * ```
 */
export interface NotNode {
  readonly type: 'not';
  readonly operand: ExpressionNode;
}

/**
 * Conjunction of two or more conditions: `a AND b AND c` is one node with three operands.
 *
 * @example
 * ```ts
 * const node: AndNode = { type: 'and', operands: [a, b, c] };
 * ```
 */
export interface AndNode {
  readonly type: 'and';
  readonly operands: readonly ExpressionNode[];
}

/**
 * Disjunction of two or more conditions: `a OR b OR c` is one node with three operands.
 *
 * @example
 * ```ts
 * const node: OrNode = { type: 'or', operands: [a, b] };
 * ```
 */
export interface OrNode {
  readonly type: 'or';
  readonly operands: readonly ExpressionNode[];
}

/**
 * Any node of a rule-language syntax tree. The root of a parsed expression is one of these.
 *
 * @example
 * ```ts
 * const ast: ExpressionNode = parseExpression('task.language == "fr" AND task.priority > 5');
 * ast.type; // 'and'
 * ```
 */
export type ExpressionNode = ComparisonNode | NotNode | AndNode | OrNode | OperandNode;

/** Words with a meaning in the language (compared case-insensitively); they cannot start a path. */
export const KEYWORDS: ReadonlySet<string> = new Set([
  'and',
  'or',
  'not',
  'in',
  'has',
  'contains',
  'true',
  'false',
  'null',
]);

/** Path segments that are rejected anywhere in a path, so no prototype can be reached. */
export const FORBIDDEN_SEGMENTS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** A name that may be written as `.name` (and, unless a keyword, as the first segment). */
export const IDENTIFIER_PATTERN = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
