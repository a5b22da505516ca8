// Recursive-descent parser: source → frozen AST. Precedence as in SQL: comparisons bind
// tightest, then NOT, then AND, then OR.

import { z } from 'zod';
import { parseInput } from '../errors.js';
import {
  type ComparisonOperator,
  type ExpressionNode,
  FORBIDDEN_SEGMENTS,
  KEYWORDS,
  type OperandNode,
  type PathSegment,
  type ScalarValue,
} from './ast.js';
import { type ExpressionOptions, resolveExpressionOptions } from './options.js';
import { expressionSyntaxError } from './syntaxError.js';
import { type Token, tokenize } from './tokenizer.js';

const SourceSchema = z.string();

/**
 * Parses rule-language source into its syntax tree (deeply frozen).
 *
 * Throws a `ThreadlineError` with code `VALIDATION` and `details: { line, column, snippet }`
 * on any syntax error, a forbidden path segment (`__proto__`, `constructor`, `prototype`), or a
 * source longer or more deeply nested than the limits in `options`.
 *
 * @example
 * ```ts
 * const ast = parseExpression('"vip" IN task.tags OR task.priority >= 8');
 * // { type: 'or', operands: [ { type: 'comparison', operator: 'IN', ... }, ... ] }
 * ```
 */
export function parseExpression(source: string, options?: ExpressionOptions): ExpressionNode {
  const text = parseInput(SourceSchema, source, 'expression source');
  const { maxLength, maxDepth } = resolveExpressionOptions(options);
  if (text.length > maxLength) {
    throw expressionSyntaxError(text, maxLength, `expression is longer than ${maxLength} characters`);
  }
  return new Parser(text, tokenize(text), maxDepth).parse();
}

function isKeyword(token: Token, word: string): boolean {
  return token.kind === 'identifier' && (token.value as string).toLowerCase() === word;
}

function describe(token: Token): string {
  switch (token.kind) {
    case 'end':
      return 'end of input';
    case 'string':
      return `string ${JSON.stringify(token.value)}`;
    case 'number':
      return `number ${token.value}`;
    case 'identifier':
      return KEYWORDS.has((token.value as string).toLowerCase())
        ? `keyword ${(token.value as string).toUpperCase()}`
        : `name '${token.value}'`;
    default:
      return `'${token.value}'`;
  }
}

class Parser {
  private pos = 0;
  private depth = 0;

  constructor(
    private readonly source: string,
    private readonly tokens: readonly Token[],
    private readonly maxDepth: number,
  ) {}

  parse(): ExpressionNode {
    if (this.peek().kind === 'end') throw this.error(this.peek(), 'expression is empty');
    const node = this.parseOr();
    const next = this.peek();
    if (next.kind !== 'end') throw this.error(next, `unexpected ${describe(next)}`);
    return node;
  }

  private peek(ahead = 0): Token {
    // The last token is always `end`, so clamping keeps every lookahead defined.
    return this.tokens[Math.min(this.pos + ahead, this.tokens.length - 1)] as Token;
  }

  private take(): Token {
    const t = this.peek();
    if (t.kind !== 'end') this.pos++;
    return t;
  }

  private error(token: Token, problem: string) {
    return expressionSyntaxError(this.source, token.start, problem);
  }

  private enter(token: Token): void {
    if (++this.depth > this.maxDepth) {
      throw this.error(token, `expression is nested deeper than ${this.maxDepth} levels`);
    }
  }

  private parseOr(): ExpressionNode {
    const first = this.parseAnd();
    if (!isKeyword(this.peek(), 'or')) return first;
    const operands = [first];
    while (isKeyword(this.peek(), 'or')) {
      this.take();
      operands.push(this.parseAnd());
    }
    return Object.freeze({ type: 'or', operands: Object.freeze(operands) });
  }

  private parseAnd(): ExpressionNode {
    const first = this.parseNot();
    if (!isKeyword(this.peek(), 'and')) return first;
    const operands = [first];
    while (isKeyword(this.peek(), 'and')) {
      this.take();
      operands.push(this.parseNot());
    }
    return Object.freeze({ type: 'and', operands: Object.freeze(operands) });
  }

  private parseNot(): ExpressionNode {
    const t = this.peek();
    if (isKeyword(t, 'not')) {
      this.take();
      this.enter(t);
      const operand = this.parseNot();
      this.depth--;
      return Object.freeze({ type: 'not', operand });
    }
    if (t.kind === '(') {
      this.take();
      this.enter(t);
      const inner = this.parseOr();
      this.depth--;
      const close = this.peek();
      if (close.kind !== ')') throw this.error(close, `expected ')' but found ${describe(close)}`);
      this.take();
      return inner;
    }
    return this.parseComparison();
  }

  private parseComparison(): ExpressionNode {
    const left = this.parseOperand();
    const operator = this.parseOperator();
    if (operator === undefined) return left;
    const right = this.parseOperand();
    const after = this.peek();
    if (after.kind === 'operator' || this.operatorKeywordAt(after)) {
      throw this.error(after, `comparisons cannot be chained; combine them with AND or OR`);
    }
    return Object.freeze({ type: 'comparison', operator, left, right });
  }

  private operatorKeywordAt(t: Token): boolean {
    return isKeyword(t, 'in') || isKeyword(t, 'has') || isKeyword(t, 'contains') || isKeyword(t, 'not');
  }

  private parseOperator(): ComparisonOperator | undefined {
    const t = this.peek();
    if (t.kind === 'operator') {
      this.take();
      return t.value as ComparisonOperator;
    }
    if (isKeyword(t, 'in')) return this.take() && 'IN';
    if (isKeyword(t, 'has')) return this.take() && 'HAS';
    if (isKeyword(t, 'contains')) return this.take() && 'CONTAINS';
    if (isKeyword(t, 'not')) {
      const next = this.peek(1);
      const op = isKeyword(next, 'in')
        ? 'NOT IN'
        : isKeyword(next, 'has')
          ? 'NOT HAS'
          : isKeyword(next, 'contains')
            ? 'NOT CONTAINS'
            : undefined;
      if (op === undefined) {
        throw this.error(next, `expected IN, HAS or CONTAINS after NOT but found ${describe(next)}`);
      }
      this.take();
      this.take();
      return op;
    }
    return undefined;
  }

  private parseOperand(): OperandNode {
    const t = this.peek();
    switch (t.kind) {
      case 'string':
      case 'number':
        this.take();
        return Object.freeze({ type: 'literal', value: t.value });
      case '[':
        return this.parseArray();
      case 'identifier': {
        const word = (t.value as string).toLowerCase();
        if (word === 'true' || word === 'false' || word === 'null') {
          this.take();
          return Object.freeze({ type: 'literal', value: word === 'null' ? null : word === 'true' });
        }
        if (KEYWORDS.has(word)) throw this.error(t, `expected a value but found ${describe(t)}`);
        return this.parsePath();
      }
      default:
        throw this.error(t, `expected a value but found ${describe(t)}`);
    }
  }

  private parseArray(): OperandNode {
    this.take();
    const items: ScalarValue[] = [];
    while (this.peek().kind !== ']') {
      items.push(this.parseScalar());
      const sep = this.peek();
      if (sep.kind === ',') this.take();
      else if (sep.kind !== ']') throw this.error(sep, `expected ',' or ']' but found ${describe(sep)}`);
    }
    this.take();
    return Object.freeze({ type: 'array', items: Object.freeze(items) });
  }

  private parseScalar(): ScalarValue {
    const t = this.peek();
    if (t.kind === 'string' || t.kind === 'number') {
      this.take();
      return t.value;
    }
    if (t.kind === 'identifier') {
      const word = (t.value as string).toLowerCase();
      if (word === 'true' || word === 'false' || word === 'null') {
        this.take();
        return word === 'null' ? null : word === 'true';
      }
    }
    throw this.error(t, `array items must be string, number, boolean or null literals; found ${describe(t)}`);
  }

  private parsePath(): OperandNode {
    const first = this.take();
    const segments: PathSegment[] = [this.checkSegment(first, first.value as string)];
    for (;;) {
      const t = this.peek();
      if (t.kind === '.') {
        this.take();
        const name = this.peek();
        if (name.kind !== 'identifier') {
          throw this.error(name, `expected a property name after '.' but found ${describe(name)}`);
        }
        this.take();
        segments.push(this.checkSegment(name, name.value as string));
      } else if (t.kind === '[') {
        this.take();
        const key = this.peek();
        if (key.kind === 'number') {
          if (!Number.isSafeInteger(key.value) || (key.value as number) < 0 || Object.is(key.value, -0)) {
            throw this.error(key, 'an index must be a non-negative integer');
          }
          segments.push(key.value as number);
        } else if (key.kind === 'string') {
          segments.push(this.checkSegment(key, key.value as string));
        } else {
          throw this.error(key, `expected an index or a quoted name after '[' but found ${describe(key)}`);
        }
        this.take();
        const close = this.peek();
        if (close.kind !== ']') throw this.error(close, `expected ']' but found ${describe(close)}`);
        this.take();
      } else {
        return Object.freeze({ type: 'path', segments: Object.freeze(segments) });
      }
    }
  }

  private checkSegment(token: Token, name: string): string {
    if (FORBIDDEN_SEGMENTS.has(name)) throw this.error(token, `path segment '${name}' is not allowed`);
    return name;
  }
}
