// AST → a tree of specialised closures. Paths are resolved to segment arrays once; comparisons
// against literals get closures that test the literal's type up front; `evaluate` allocates
// nothing on the common paths.
import type {
  ComparisonNode,
  ComparisonOperator,
  ExpressionNode,
  OperandNode,
  PathSegment,
  ScalarValue,
} from './ast.js';
import { type ExpressionOptions, resolveExpressionOptions } from './options.js';
import { parseExpression } from './parser.js';
import { printNode, printPath } from './printer.js';
import {
  containsValue,
  equalValues,
  hasValue,
  inValues,
  member,
  normalize,
  orderValues,
} from './semantics.js';
import { assertExpressionNode } from './validate.js';

/**
 * A compiled expression: evaluate it as often as you like; it is immutable and safe to share.
 *
 * @example
 * ```ts
 * const rule: CompiledExpression = compileExpression('task.priority > 5');
 * rule.evaluate({ task: { priority: 7 } }); // true
 * rule.references; // ['task.priority']
 * ```
 */
export interface CompiledExpression {
  /** The canonical source of the expression (see `printExpression`). */
  readonly source: string;
  /** The syntax tree (deeply frozen). */
  readonly ast: ExpressionNode;
  /** Every path the expression reads, in source form, once each, in order of first appearance. */
  readonly references: readonly string[];
  /** The same paths as segment arrays (`[['task', 'tags', 0]]`), aligned with `references`. */
  readonly paths: readonly (readonly PathSegment[])[];
  /**
   * Evaluates against a context object (roots such as `task`, `worker` are its own properties).
   * Always returns a boolean and never throws: missing paths read as `null`, and a context
   * whose reading throws (a throwing getter, a revoked proxy) makes the result `false`.
   */
  evaluate(context: unknown): boolean;
}

type Predicate = (context: unknown) => boolean;
type Reader = (context: unknown) => unknown;
type Obj = Record<PathSegment, unknown>;

const hasOwn = Object.prototype.hasOwnProperty;

/**
 * Parses and compiles rule-language source into a {@link CompiledExpression}. Compile once,
 * evaluate many times (or use `createExpressionCache`). Throws a `ThreadlineError` with code
 * `VALIDATION` and `details: { line, column, snippet }` on bad source.
 *
 * @example
 * ```ts
 * const rule = compileExpression('task.language == "fr" AND worker.skills.billing >= 3');
 * rule.evaluate({ task: { language: 'fr' }, worker: { skills: { billing: 4 } } }); // true
 * rule.references; // ['task.language', 'worker.skills.billing']
 * ```
 */
export function compileExpression(source: string, options?: ExpressionOptions): CompiledExpression {
  return buildCompiled(parseExpression(source, options));
}

/**
 * Compiles a syntax tree (for example one built in code or stored as JSON) after checking its
 * shape; throws a `VALIDATION` `ThreadlineError` naming the bad node otherwise.
 *
 * @example
 * ```ts
 * const rule = compileExpressionAst({
 *   type: 'comparison',
 *   operator: 'IN',
 *   left: { type: 'literal', value: 'vip' },
 *   right: { type: 'path', segments: ['task', 'tags'] },
 * });
 * rule.source; // '"vip" IN task.tags'
 * ```
 */
export function compileExpressionAst(ast: ExpressionNode, options?: ExpressionOptions): CompiledExpression {
  const { maxDepth } = resolveExpressionOptions(options);
  assertExpressionNode(ast, maxDepth);
  return buildCompiled(copyNode(ast));
}

/** A frozen copy holding only the fields the tree types declare (extra keys are dropped). */
function copyNode(node: ExpressionNode): ExpressionNode {
  switch (node.type) {
    case 'literal':
      return Object.freeze({ type: 'literal', value: node.value });
    case 'array':
      return Object.freeze({ type: 'array', items: Object.freeze([...node.items]) });
    case 'path':
      return Object.freeze({ type: 'path', segments: Object.freeze([...node.segments]) });
    case 'comparison':
      return Object.freeze({
        type: 'comparison',
        operator: node.operator,
        left: copyNode(node.left) as OperandNode,
        right: copyNode(node.right) as OperandNode,
      });
    case 'not':
      return Object.freeze({ type: 'not', operand: copyNode(node.operand) });
    case 'and':
    case 'or':
      return Object.freeze({ type: node.type, operands: Object.freeze(node.operands.map(copyNode)) });
  }
}

function buildCompiled(ast: ExpressionNode): CompiledExpression {
  const predicate = compileNode(ast);
  const paths: (readonly PathSegment[])[] = [];
  const references: string[] = [];
  collectPaths(ast, paths, references, new Set());
  const evaluate = (context: unknown): boolean => {
    try {
      return predicate(context);
    } catch {
      return false;
    }
  };
  return Object.freeze({
    source: printNode(ast),
    ast,
    references: Object.freeze(references),
    paths: Object.freeze(paths),
    evaluate,
  });
}

function collectPaths(
  node: ExpressionNode,
  paths: (readonly PathSegment[])[],
  references: string[],
  seen: Set<string>,
): void {
  switch (node.type) {
    case 'path': {
      const text = printPath(node.segments);
      if (!seen.has(text)) {
        seen.add(text);
        references.push(text);
        paths.push(node.segments);
      }
      return;
    }
    case 'comparison':
      collectPaths(node.left, paths, references, seen);
      collectPaths(node.right, paths, references, seen);
      return;
    case 'not':
      collectPaths(node.operand, paths, references, seen);
      return;
    case 'and':
    case 'or':
      for (const o of node.operands) collectPaths(o, paths, references, seen);
      return;
    default:
      return;
  }
}

// ---------------------------------------------------------------------------------------------
// Readers: one closure per path, specialised for short paths.

// Each property load below is its own inline-cache site in V8, so a site only ever sees the keys
// at one position of a path; a shared `step(target, key)` helper would see every key of every
// path and go megamorphic (about 4× slower). The own-property test comes before the load so an
// inherited getter is never invoked.
function compileReader(segments: readonly PathSegment[]): Reader {
  const s = segments.slice();
  const k0 = s[0] as PathSegment;
  const k1 = s[1] as PathSegment;
  const k2 = s[2] as PathSegment;
  const k3 = s[3] as PathSegment;
  switch (s.length) {
    case 1:
      return (c) => {
        if (typeof c !== 'object' || c === null || !hasOwn.call(c, k0)) return null;
        return normalize((c as Obj)[k0]);
      };
    case 2:
      return (c) => {
        if (typeof c !== 'object' || c === null || !hasOwn.call(c, k0)) return null;
        const v0 = (c as Obj)[k0];
        if (typeof v0 !== 'object' || v0 === null || !hasOwn.call(v0, k1)) return null;
        return normalize((v0 as Obj)[k1]);
      };
    case 3:
      return (c) => {
        if (typeof c !== 'object' || c === null || !hasOwn.call(c, k0)) return null;
        const v0 = (c as Obj)[k0];
        if (typeof v0 !== 'object' || v0 === null || !hasOwn.call(v0, k1)) return null;
        const v1 = (v0 as Obj)[k1];
        if (typeof v1 !== 'object' || v1 === null || !hasOwn.call(v1, k2)) return null;
        return normalize((v1 as Obj)[k2]);
      };
    case 4:
      return (c) => {
        if (typeof c !== 'object' || c === null || !hasOwn.call(c, k0)) return null;
        const v0 = (c as Obj)[k0];
        if (typeof v0 !== 'object' || v0 === null || !hasOwn.call(v0, k1)) return null;
        const v1 = (v0 as Obj)[k1];
        if (typeof v1 !== 'object' || v1 === null || !hasOwn.call(v1, k2)) return null;
        const v2 = (v1 as Obj)[k2];
        if (typeof v2 !== 'object' || v2 === null || !hasOwn.call(v2, k3)) return null;
        return normalize((v2 as Obj)[k3]);
      };
    default:
      return (c) => {
        let v: unknown = c;
        for (let i = 0; i < s.length; i++) {
          const k = s[i] as PathSegment;
          if (typeof v !== 'object' || v === null || !hasOwn.call(v, k)) return null;
          v = (v as Obj)[k];
        }
        return normalize(v);
      };
  }
}

function constantOf(node: OperandNode): unknown {
  return node.type === 'literal' ? node.value : node.type === 'array' ? node.items : undefined;
}

function compileOperand(node: OperandNode): Reader {
  if (node.type === 'path') return compileReader(node.segments);
  const value = constantOf(node);
  return () => value;
}

// ---------------------------------------------------------------------------------------------
// Predicates.

function compileNode(node: ExpressionNode): Predicate {
  switch (node.type) {
    case 'and':
      return compileAnd(node.operands.map(compileNode));
    case 'or':
      return compileOr(node.operands.map(compileNode));
    case 'not': {
      const inner = compileNode(node.operand);
      return (c) => !inner(c);
    }
    case 'comparison':
      return compileComparison(node);
    case 'path': {
      const read = compileReader(node.segments);
      return (c) => read(c) === true;
    }
    case 'literal': {
      const value = node.value === true;
      return () => value;
    }
    case 'array':
      return () => false;
  }
}

function compileAnd(ps: Predicate[]): Predicate {
  const [a, b, d, e] = ps as [Predicate, Predicate, Predicate?, Predicate?];
  switch (ps.length) {
    case 2:
      return (c) => a(c) && b(c);
    case 3: {
      const d3 = d as Predicate;
      return (c) => a(c) && b(c) && d3(c);
    }
    case 4: {
      const d4 = d as Predicate;
      const e4 = e as Predicate;
      return (c) => a(c) && b(c) && d4(c) && e4(c);
    }
    default:
      return (c) => {
        for (let i = 0; i < ps.length; i++) if (!(ps[i] as Predicate)(c)) return false;
        return true;
      };
  }
}

function compileOr(ps: Predicate[]): Predicate {
  const [a, b, d, e] = ps as [Predicate, Predicate, Predicate?, Predicate?];
  switch (ps.length) {
    case 2:
      return (c) => a(c) || b(c);
    case 3: {
      const d3 = d as Predicate;
      return (c) => a(c) || b(c) || d3(c);
    }
    case 4: {
      const d4 = d as Predicate;
      const e4 = e as Predicate;
      return (c) => a(c) || b(c) || d4(c) || e4(c);
    }
    default:
      return (c) => {
        for (let i = 0; i < ps.length; i++) if ((ps[i] as Predicate)(c)) return true;
        return false;
      };
  }
}

/** The generic semantics of each operator over two values (the reference for every specialisation). */
export function applyOperator(operator: ComparisonOperator, a: unknown, b: unknown): boolean {
  switch (operator) {
    case '==':
      return equalValues(a, b);
    case '!=':
      return !equalValues(a, b);
    case '>':
    case '>=':
    case '<':
    case '<=':
      return orderValues(operator, a, b);
    case 'IN':
      return inValues(a, b);
    case 'NOT IN':
      return !inValues(a, b);
    case 'HAS':
      return hasValue(a, b);
    case 'NOT HAS':
      return !hasValue(a, b);
    case 'CONTAINS':
      return containsValue(a, b);
    case 'NOT CONTAINS':
      return !containsValue(a, b);
  }
}

function compileComparison(node: ComparisonNode): Predicate {
  const { operator, left, right } = node;
  if (left.type === 'path' && right.type === 'literal') {
    const special = pathVsScalar(operator, compileReader(left.segments), right.value);
    if (special) return special;
  }
  if (left.type === 'path' && right.type === 'array' && (operator === 'IN' || operator === 'NOT IN')) {
    const read = compileReader(left.segments);
    const set = new Set<unknown>(right.items);
    // Items are scalars, so only a scalar value can equal one; Set lookup matches `===` on them
    // (NaN cannot be written as a literal).
    if (operator === 'IN') {
      return (c) => {
        const v = read(c);
        return (typeof v !== 'object' || v === null) && set.has(v);
      };
    }
    return (c) => {
      const v = read(c);
      return !((typeof v !== 'object' || v === null) && set.has(v));
    };
  }
  if (left.type === 'literal' && right.type === 'path' && (operator === 'IN' || operator === 'NOT IN')) {
    const read = compileReader(right.segments);
    const value = left.value;
    if (operator === 'IN') {
      return (c) => {
        const v = read(c);
        return Array.isArray(v) && member(v, value);
      };
    }
    return (c) => {
      const v = read(c);
      return !(Array.isArray(v) && member(v, value));
    };
  }
  const a = compileOperand(left);
  const b = compileOperand(right);
  return (c) => applyOperator(operator, a(c), b(c));
}

function pathVsScalar(operator: ComparisonOperator, read: Reader, lit: ScalarValue): Predicate | undefined {
  switch (operator) {
    case '==':
      return (c) => read(c) === lit;
    case '!=':
      return (c) => read(c) !== lit;
    case '>':
    case '>=':
    case '<':
    case '<=':
      if (typeof lit === 'number') return numberOrder(operator, read, lit);
      if (typeof lit === 'string') return stringOrder(operator, read, lit);
      return () => false;
    default:
      return undefined;
  }
}

function numberOrder(operator: '>' | '>=' | '<' | '<=', read: Reader, lit: number): Predicate {
  switch (operator) {
    case '>':
      return (c) => {
        const v = read(c);
        return typeof v === 'number' && v > lit;
      };
    case '>=':
      return (c) => {
        const v = read(c);
        return typeof v === 'number' && v >= lit;
      };
    case '<':
      return (c) => {
        const v = read(c);
        return typeof v === 'number' && v < lit;
      };
    case '<=':
      return (c) => {
        const v = read(c);
        return typeof v === 'number' && v <= lit;
      };
  }
}

function stringOrder(operator: '>' | '>=' | '<' | '<=', read: Reader, lit: string): Predicate {
  switch (operator) {
    case '>':
      return (c) => {
        const v = read(c);
        return typeof v === 'string' && v > lit;
      };
    case '>=':
      return (c) => {
        const v = read(c);
        return typeof v === 'string' && v >= lit;
      };
    case '<':
      return (c) => {
        const v = read(c);
        return typeof v === 'string' && v < lit;
      };
    case '<=':
      return (c) => {
        const v = read(c);
        return typeof v === 'string' && v <= lit;
      };
  }
}
