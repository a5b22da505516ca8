// Structural check of a syntax tree that did not come from the parser (built by hand, loaded
// from JSON): the printer and the compiler accept only trees the parser could have produced.
import { ThreadlineError } from '../errors.js';
import {
  COMPARISON_OPERATORS,
  type ExpressionNode,
  FORBIDDEN_SEGMENTS,
  IDENTIFIER_PATTERN,
  KEYWORDS,
} from './ast.js';
import { DEFAULT_MAX_EXPRESSION_DEPTH } from './options.js';

const OPERATORS: ReadonlySet<string> = new Set(COMPARISON_OPERATORS);

function fail(path: readonly (string | number)[], message: string): ThreadlineError {
  return new ThreadlineError(
    'VALIDATION',
    `Invalid expression tree at ${path.join('.') || '(root)'}: ${message}`,
    {
      issues: [{ path, message, code: 'expression_tree' }],
    },
  );
}

function isScalar(value: unknown): boolean {
  return (
    value === null ||
    typeof value === 'string' ||
    typeof value === 'boolean' ||
    (typeof value === 'number' && Number.isFinite(value))
  );
}

/**
 * Throws a `VALIDATION` `ThreadlineError` (with the path of the bad node) unless `node` is a
 * well-formed {@link ExpressionNode}: known node types and operators, finite numbers, `and`/`or`
 * with at least two operands, paths whose first segment is a non-keyword identifier, no
 * forbidden segments, and logical nesting no deeper than `maxDepth` (which also stops cycles).
 */
export function assertExpressionNode(
  node: unknown,
  maxDepth = DEFAULT_MAX_EXPRESSION_DEPTH,
): asserts node is ExpressionNode {
  check(node, [], 0, maxDepth);
}

function check(node: unknown, path: (string | number)[], depth: number, maxDepth: number): void {
  if (typeof node !== 'object' || node === null) throw fail(path, 'expected a node object');
  const n = node as Record<string, unknown>;
  switch (n.type) {
    case 'literal':
      if (!isScalar(n.value))
        throw fail([...path, 'value'], 'expected a string, finite number, boolean or null');
      return;
    case 'array': {
      if (!Array.isArray(n.items)) throw fail([...path, 'items'], 'expected an array');
      n.items.forEach((item, i) => {
        if (!isScalar(item))
          throw fail([...path, 'items', i], 'expected a string, finite number, boolean or null');
      });
      return;
    }
    case 'path': {
      const segments = n.segments;
      if (!Array.isArray(segments) || segments.length === 0) {
        throw fail([...path, 'segments'], 'expected a non-empty array');
      }
      segments.forEach((s, i) => {
        const at = [...path, 'segments', i];
        if (typeof s === 'number') {
          if (i === 0 || !Number.isSafeInteger(s) || s < 0 || Object.is(s, -0)) {
            throw fail(at, 'an index must be a non-negative integer and cannot start a path');
          }
        } else if (typeof s !== 'string') {
          throw fail(at, 'expected a string or an index');
        } else if (FORBIDDEN_SEGMENTS.has(s)) {
          throw fail(at, `path segment '${s}' is not allowed`);
        } else if (i === 0 && (!IDENTIFIER_PATTERN.test(s) || KEYWORDS.has(s.toLowerCase()))) {
          throw fail(at, 'the first segment must be a name that is not a keyword');
        }
      });
      return;
    }
    case 'comparison':
      if (typeof n.operator !== 'string' || !OPERATORS.has(n.operator)) {
        throw fail([...path, 'operator'], `unknown operator ${JSON.stringify(n.operator)}`);
      }
      checkOperand(n.left, [...path, 'left'], maxDepth);
      checkOperand(n.right, [...path, 'right'], maxDepth);
      return;
    case 'not':
      if (depth > maxDepth) throw fail(path, `nested deeper than ${maxDepth} levels`);
      check(n.operand, [...path, 'operand'], depth + 1, maxDepth);
      return;
    case 'and':
    case 'or': {
      if (depth > maxDepth) throw fail(path, `nested deeper than ${maxDepth} levels`);
      const operands = n.operands;
      if (!Array.isArray(operands) || operands.length < 2) {
        throw fail([...path, 'operands'], 'expected an array of at least two operands');
      }
      operands.forEach((o, i) => {
        check(o, [...path, 'operands', i], depth + 1, maxDepth);
      });
      return;
    }
    default:
      throw fail([...path, 'type'], `unknown node type ${JSON.stringify(n.type)}`);
  }
}

function checkOperand(node: unknown, path: (string | number)[], maxDepth: number): void {
  const type = (node as { type?: unknown } | null)?.type;
  if (type !== 'literal' && type !== 'array' && type !== 'path') {
    throw fail(path, 'a comparison operand must be a literal, an array or a path');
  }
  check(node, path, 0, maxDepth);
}
