// AST → canonical source. The output parses back to an equal tree.
import type { ExpressionNode, OperandNode, PathSegment, ScalarValue } from './ast.js';
import { IDENTIFIER_PATTERN } from './ast.js';
import { type ExpressionOptions, resolveExpressionOptions } from './options.js';
import { assertExpressionNode } from './validate.js';

/**
 * Prints a syntax tree as canonical source: keywords upper case, `==` for equality, strings in
 * double quotes with JSON escapes, parentheses only where precedence needs them. Parsing the
 * result gives back an equal tree. Throws a `VALIDATION` `ThreadlineError` on a malformed tree.
 *
 * @example
 * ```ts
 * printExpression(parseExpression("not (task.lang = 'fr' or task.vip)"));
 * // 'NOT (task.lang == "fr" OR task.vip)'
 * ```
 */
export function printExpression(ast: ExpressionNode, options?: ExpressionOptions): string {
  assertExpressionNode(ast, resolveExpressionOptions(options).maxDepth);
  return print(ast);
}

/** Prints a tree already known to be well formed (parser output); no validation. */
export function printNode(ast: ExpressionNode): string {
  return print(ast);
}

/**
 * Prints path segments in source form: `task.tags[0]`, `worker.skills["first-line"]`.
 *
 * @example
 * ```ts
 * printPath(['worker', 'skills', 'billing']); // 'worker.skills.billing'
 * ```
 */
export function printPath(segments: readonly PathSegment[]): string {
  let out = '';
  for (let i = 0; i < segments.length; i++) {
    const s = segments[i] as PathSegment;
    if (typeof s === 'number') out += `[${s}]`;
    else if (i === 0) out += s;
    else if (IDENTIFIER_PATTERN.test(s)) out += `.${s}`;
    else out += `[${JSON.stringify(s)}]`;
  }
  return out;
}

function printScalar(value: ScalarValue): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') return Object.is(value, -0) ? '-0' : String(value);
  return value ? 'true' : 'false';
}

function printOperand(node: OperandNode): string {
  switch (node.type) {
    case 'literal':
      return printScalar(node.value);
    case 'array':
      return `[${node.items.map(printScalar).join(', ')}]`;
    case 'path':
      return printPath(node.segments);
  }
}

function print(node: ExpressionNode): string {
  switch (node.type) {
    case 'or':
      // An `or` inside an `or` must keep its parentheses to stay a separate node.
      return node.operands.map((o) => (o.type === 'or' ? `(${print(o)})` : print(o))).join(' OR ');
    case 'and':
      return node.operands
        .map((o) => (o.type === 'or' || o.type === 'and' ? `(${print(o)})` : print(o)))
        .join(' AND ');
    case 'not': {
      const o = node.operand;
      return `NOT ${o.type === 'or' || o.type === 'and' ? `(${print(o)})` : print(o)}`;
    }
    case 'comparison':
      return `${printOperand(node.left)} ${node.operator} ${printOperand(node.right)}`;
    default:
      return printOperand(node);
  }
}
