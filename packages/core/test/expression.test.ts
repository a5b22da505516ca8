import { describe, expect, it } from 'vitest';
import {
  compileExpression,
  compileExpressionAst,
  createExpressionCache,
  type ExpressionNode,
  isThreadlineError,
  parseExpression,
  printExpression,
  ThreadlineError,
} from '../src/index.js';

const ctx = {
  task: {
    language: 'fr',
    priority: 7,
    tags: ['vip', 'billing'],
    preferredAgents: ['a1', 'a2'],
    subject: 'Refund for order 42',
    vip: true,
    nested: { list: [{ name: 'x' }, { name: 'y' }] },
    empty: null,
    'first-line': 'yes',
  },
  worker: { id: 'a2', skills: { billing: 4, sales: 0, legacy: null } },
  case: { status: 'open' },
};

function ev(source: string, context: unknown = ctx): boolean {
  return compileExpression(source).evaluate(context);
}

function syntaxError(source: string): ThreadlineError {
  try {
    compileExpression(source);
  } catch (e) {
    if (e instanceof ThreadlineError) return e;
    throw e;
  }
  throw new Error(`expected ${source} to fail`);
}

describe('compileExpression: the documented examples', () => {
  it.each([
    ['task.language == "fr" AND task.priority > 5', true],
    ['worker.skills.billing >= 3', true],
    ['"vip" IN task.tags', true],
    ['task.tags HAS "vip"', true],
    ['worker.id IN task.preferredAgents', true],
    ['NOT (case.status == "pending")', true],
    ['task.language == "de" OR task.priority > 8', false],
  ])('%s → %s', (source, expected) => {
    expect(ev(source)).toBe(expected);
  });

  it('returns evaluate, ast and references', () => {
    const r = compileExpression(
      'task.language == "fr" AND worker.skills.billing >= 3 AND task.language != "x"',
    );
    expect(r.references).toEqual(['task.language', 'worker.skills.billing']);
    expect(r.paths).toEqual([
      ['task', 'language'],
      ['worker', 'skills', 'billing'],
    ]);
    expect(r.ast.type).toBe('and');
    expect(r.source).toBe('task.language == "fr" AND worker.skills.billing >= 3 AND task.language != "x"');
    expect(Object.isFrozen(r.ast)).toBe(true);
  });

  it('lists indexed and quoted paths in source form', () => {
    const r = compileExpression('task.tags[0] == "vip" OR task["first-line"] == "yes" OR x.y[2]["a b"]');
    expect(r.references).toEqual(['task.tags[0]', 'task["first-line"]', 'x.y[2]["a b"]']);
  });
});

describe('operators', () => {
  it.each([
    ['task.priority == 7', true],
    ['task.priority = 7', true],
    ['task.priority != 7', false],
    ['task.priority <> 7', false],
    ['task.priority > 7', false],
    ['task.priority >= 7', true],
    ['task.priority < 8', true],
    ['task.priority <= 6', false],
    ['task.language < "ge"', true],
    ['task.language >= "fr"', true],
    ['task.language IN ["de", "fr"]', true],
    ['task.language NOT IN ["de", "fr"]', false],
    ['task.language NOT IN ["de"]', true],
    ['task.tags NOT HAS "spam"', true],
    ['task.tags HAS "spam"', false],
    ['task.subject CONTAINS "order"', true],
    ['task.subject CONTAINS "Order"', false],
    ['task.subject NOT CONTAINS "order"', false],
    ['task.tags CONTAINS "billing"', true],
    ['worker.skills HAS "billing"', true],
    ['worker.skills HAS "sales"', true],
    ['worker.skills HAS "legacy"', false],
    ['worker.skills HAS "toString"', false],
    ['task.vip', true],
    ['NOT task.vip', false],
    ['task.language', false],
    ['true', true],
    ['false OR task.vip', true],
    ['task.nested.list[1].name == "y"', true],
    ['task["first-line"] == \'yes\'', true],
    ['task.tags == ["vip", "billing"]', true],
    ['task.tags == ["billing", "vip"]', false],
    ['task.tags[5] == null', true],
    ['[1, 2] == [1, 2]', true],
    ['1 IN [1, 2]', true],
    ['task.priority IN [7.0]', true],
    ['task.tags[0] IN task.tags', true],
    ['worker.id == task.preferredAgents[1]', true],
    ['task.priority > worker.skills.billing', true],
  ])('%s → %s', (source, expected) => {
    expect(ev(source)).toBe(expected);
  });

  it('keywords are case-insensitive', () => {
    expect(ev('task.vip and not (task.priority < 2) Or FALSE')).toBe(true);
    expect(ev('"vip" in task.tags AND task.tags Has "billing" and task.subject contains "42"')).toBe(true);
    expect(ev('task.language not in ["fr"]')).toBe(false);
    expect(ev('task.empty == NULL AND TRUE')).toBe(true);
  });
});

describe('precedence (SQL): comparisons, then NOT, then AND, then OR', () => {
  it('AND binds tighter than OR', () => {
    expect(parseExpression('a OR b AND c')).toEqual({
      type: 'or',
      operands: [
        { type: 'path', segments: ['a'] },
        {
          type: 'and',
          operands: [
            { type: 'path', segments: ['b'] },
            { type: 'path', segments: ['c'] },
          ],
        },
      ],
    });
    expect(ev('true OR true AND false')).toBe(true);
    expect(ev('(true OR true) AND false')).toBe(false);
  });

  it('NOT binds tighter than AND and looser than comparisons', () => {
    expect(parseExpression('NOT a == 1 AND b')).toEqual({
      type: 'and',
      operands: [
        {
          type: 'not',
          operand: {
            type: 'comparison',
            operator: '==',
            left: { type: 'path', segments: ['a'] },
            right: { type: 'literal', value: 1 },
          },
        },
        { type: 'path', segments: ['b'] },
      ],
    });
    expect(ev('NOT false AND false')).toBe(false);
    expect(ev('NOT NOT true')).toBe(true);
  });

  it('keeps parenthesised groups as separate nodes', () => {
    const ast = parseExpression('(a AND b) AND c');
    expect(ast.type === 'and' && ast.operands[0]?.type).toBe('and');
  });
});

describe('literals', () => {
  it('parses strings with both quotes and escapes', () => {
    expect(parseExpression(`'it\\'s' == "a\\"b\\\\c\\n\\t\\u00e9\\/"`)).toEqual({
      type: 'comparison',
      operator: '==',
      left: { type: 'literal', value: "it's" },
      right: { type: 'literal', value: 'a"b\\c\n\té/' },
    });
  });

  it('parses numbers, booleans, null and arrays', () => {
    expect(parseExpression('x IN [1, -2.5, 3e2, 1E-2, true, false, null, "s", \'t\',]')).toEqual({
      type: 'comparison',
      operator: 'IN',
      left: { type: 'path', segments: ['x'] },
      right: { type: 'array', items: [1, -2.5, 300, 0.01, true, false, null, 's', 't'] },
    });
    expect(parseExpression('x == []')).toMatchObject({ right: { type: 'array', items: [] } });
  });

  it('allows keywords as property names after a dot', () => {
    expect(parseExpression('task.in == task.not.and')).toEqual({
      type: 'comparison',
      operator: '==',
      left: { type: 'path', segments: ['task', 'in'] },
      right: { type: 'path', segments: ['task', 'not', 'and'] },
    });
  });
});

describe('semantics of missing paths and cross-type comparisons', () => {
  it('reads missing paths as null', () => {
    expect(ev('task.missing == null')).toBe(true);
    expect(ev('task.missing.deeper[3] == null')).toBe(true);
    expect(ev('task.language.length == null')).toBe(true);
    expect(ev('nothing == null', undefined)).toBe(true);
    expect(ev('nothing == null', 42)).toBe(true);
    expect(ev('task.missing != "fr"')).toBe(true);
    expect(ev('task.missing > 1')).toBe(false);
    expect(ev('task.missing < 1')).toBe(false);
    expect(ev('task.missing IN ["a"]')).toBe(false);
    expect(ev('task.missing NOT IN ["a"]')).toBe(true);
    expect(ev('"a" IN task.missing')).toBe(false);
    expect(ev('task.missing HAS "a"')).toBe(false);
    expect(ev('task.missing CONTAINS "a"')).toBe(false);
  });

  it('never orders or equates values of different types', () => {
    expect(ev('task.priority == "7"')).toBe(false);
    expect(ev('task.priority != "7"')).toBe(true);
    expect(ev('task.priority > "1"')).toBe(false);
    expect(ev('task.priority < "9"')).toBe(false);
    expect(ev('task.language > 1')).toBe(false);
    expect(ev('task.vip > false')).toBe(false);
    expect(ev('task.vip == 1')).toBe(false);
    expect(ev('task.tags > 1')).toBe(false);
    expect(ev('"7" IN [7]')).toBe(false);
    expect(ev('task.subject CONTAINS 42')).toBe(false);
    expect(ev('"vip" IN "vip"')).toBe(false);
    expect(ev('null > null')).toBe(false);
  });

  it('reads own properties only', () => {
    class Task {
      get secret() {
        return 'x';
      }
    }
    const proto = { inherited: 'yes' };
    const child = Object.create(proto) as Record<string, unknown>;
    child.own = 'yes';
    expect(ev('t.own == "yes"', { t: child })).toBe(true);
    expect(ev('t.inherited == null', { t: child })).toBe(true);
    expect(ev('t.toString == null', { t: {} })).toBe(true);
    expect(ev('t.hasOwnProperty == null', { t: {} })).toBe(true);
    expect(ev('t.secret == null', { t: new Task() })).toBe(true);
    expect(ev('t.length == 2', { t: [1, 2] })).toBe(true);
  });

  it('never throws while evaluating', () => {
    const throwing = {
      get task() {
        throw new Error('boom');
      },
    };
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const r = compileExpression('task.a == 1');
    expect(r.evaluate(throwing)).toBe(false);
    expect(r.evaluate(proxy)).toBe(false);
    expect(r.evaluate(null)).toBe(false);
    expect(ev('a == b', { a: cyclic, b: cyclic })).toBe(true);
    const other: Record<string, unknown> = {};
    other.self = other;
    expect(ev('a == b', { a: cyclic, b: other })).toBe(false);
    expect(ev('a.f == null', { a: { f: () => 1 } })).toBe(true);
  });
});

describe('errors', () => {
  it('are VALIDATION ThreadlineErrors with line, column and a caret snippet', () => {
    const e = syntaxError('task.language == "fr"\n  AND task.priority >> 5');
    expect(isThreadlineError(e, 'VALIDATION')).toBe(true);
    expect(e.details).toMatchObject({ line: 2, column: 22 });
    expect(e.details.snippet).toBe('  AND task.priority >> 5\n                     ^');
    expect(e.message).toContain('line 2, column 22');
    expect(e.message).toContain('  AND task.priority >> 5\n                     ^');
  });

  it.each([
    ['', 1, 'empty'],
    ['   ', 4, 'empty'],
    ['a ==', 5, 'expected a value'],
    ['(a == 1', 8, "expected ')'"],
    ['a == 1)', 7, 'unexpected'],
    ['"abc', 1, 'unterminated'],
    ["'a\\qb'", 3, 'unknown escape'],
    ['"\\u12"', 2, '\\u escape'],
    ['a == 1 == 2', 8, 'chained'],
    ['a NOT b', 7, 'after NOT'],
    ['a # 1', 3, 'unexpected character'],
    ['a ! b', 3, "'!'"],
    ['a.1', 3, 'property name'],
    ['a[-1]', 3, 'non-negative'],
    ['a[1.5]', 3, 'non-negative'],
    ['a[b]', 3, 'index or a quoted name'],
    ['a IN [b]', 7, 'array items'],
    ['a IN [1 2]', 9, "',' or ']'"],
    ['AND a', 1, 'expected a value'],
    ['a == 1e999', 6, 'out of range'],
    ['a == 1e', 7, 'exponent'],
    ['a == 5abc', 7, 'followed directly'],
    ['a.__proto__ == 1', 3, '__proto__'],
    ['constructor', 1, 'constructor'],
    ['a["prototype"].b', 3, 'prototype'],
    ['a.constructor.prototype', 3, 'constructor'],
  ])('%j fails at column %i (%s)', (source, column, fragment) => {
    const e = syntaxError(source);
    expect(e.code).toBe('VALIDATION');
    expect(e.details.column).toBe(column);
    expect(e.message).toContain(fragment);
  });

  it('rejects non-string source with the field path', () => {
    expect(() => compileExpression(42 as unknown as string)).toThrowError(ThreadlineError);
  });

  it('bounds input length and nesting depth', () => {
    expect(syntaxError('a'.repeat(10_001)).message).toContain('longer than 10000');
    expect(compileExpression('a'.repeat(10_000)).references).toHaveLength(1);
    const deep = `${'('.repeat(65)}true${')'.repeat(65)}`;
    expect(syntaxError(deep).message).toContain('deeper than 64');
    expect(compileExpression(`${'('.repeat(64)}true${')'.repeat(64)}`).evaluate({})).toBe(true);
    expect(syntaxError(`${'NOT '.repeat(65)}true`).message).toContain('deeper than 64');
    expect(() => compileExpression('a == 1 AND b', { maxLength: 5 })).toThrowError(/longer than 5/);
    expect(() => compileExpression('((a))', { maxDepth: 1 })).toThrowError(/deeper than 1/);
    expect(() => compileExpression('a', { maxDepth: 0 })).toThrowError(ThreadlineError);
    expect(() => compileExpression('a', { maxDepth: 1000 })).toThrowError(/maxDepth/);
  });

  it('shortens long lines in the snippet around the error', () => {
    const e = syntaxError(`${'a == 1 AND '.repeat(30)}b >> 1`);
    const [line, caret] = String(e.details.snippet).split('\n');
    expect(line?.length).toBeLessThanOrEqual(82);
    expect(line?.[caret?.indexOf('^') ?? -1]).toBe('>');
  });
});

describe('printExpression', () => {
  it('prints canonical source with minimal parentheses', () => {
    expect(printExpression(parseExpression("not (task.lang = 'fr' or task.vip)"))).toBe(
      'NOT (task.lang == "fr" OR task.vip)',
    );
    expect(printExpression(parseExpression('(a or b) and (c and d) or not not e'))).toBe(
      '(a OR b) AND (c AND d) OR NOT NOT e',
    );
    expect(printExpression(parseExpression('x not in [1,"a",null]'))).toBe('x NOT IN [1, "a", null]');
  });

  it('prints every tree the parser accepts, up to the nesting limit', () => {
    let source = 'z';
    for (let i = 0; i < 64; i++) source = `v${i} ${i % 2 === 0 ? 'AND' : 'OR'} (${source})`;
    const ast = parseExpression(source);
    expect(parseExpression(printExpression(ast))).toEqual(ast);
    const deepNot = `${'NOT '.repeat(64)}x`;
    expect(printExpression(parseExpression(deepNot))).toBe(deepNot);
    const deeper = `${'NOT '.repeat(100)}x`;
    expect(printExpression(parseExpression(deeper, { maxDepth: 100 }), { maxDepth: 100 })).toBe(deeper);
    expect(() => printExpression(parseExpression(deeper, { maxDepth: 100 }))).toThrowError(/deeper than 64/);
  });

  it('rejects malformed trees with the path of the bad node', () => {
    const bad = { type: 'and', operands: [{ type: 'path', segments: ['a'] }] } as unknown as ExpressionNode;
    expect(() => printExpression(bad)).toThrowError(/operands/);
    const proto = {
      type: 'comparison',
      operator: '==',
      left: { type: 'path', segments: ['a', '__proto__'] },
      right: { type: 'literal', value: 1 },
    } as unknown as ExpressionNode;
    expect(() => printExpression(proto)).toThrowError(/__proto__/);
    const nan = { type: 'literal', value: Number.NaN } as unknown as ExpressionNode;
    expect(() => printExpression(nan)).toThrowError(ThreadlineError);
    const cyclic: { type: 'not'; operand: unknown } = { type: 'not', operand: null };
    cyclic.operand = cyclic;
    expect(() => printExpression(cyclic as ExpressionNode)).toThrowError(/deeper/);
  });
});

describe('compileExpressionAst and createExpressionCache', () => {
  it('compiles a hand-built tree', () => {
    const r = compileExpressionAst({
      type: 'comparison',
      operator: 'IN',
      left: { type: 'literal', value: 'vip' },
      right: { type: 'path', segments: ['task', 'tags'] },
    });
    expect(r.source).toBe('"vip" IN task.tags');
    expect(r.evaluate(ctx)).toBe(true);
    const fromJson = JSON.parse(
      '{"type":"path","segments":["task","vip"],"__proto__":{"polluted":true},"extra":1}',
    ) as ExpressionNode;
    const compiled = compileExpressionAst(fromJson);
    expect(compiled.ast).toEqual({ type: 'path', segments: ['task', 'vip'] });
    expect(Object.getPrototypeOf(compiled.ast)).toBe(Object.prototype);
    expect(compiled.evaluate(ctx)).toBe(true);
    expect(() =>
      compileExpressionAst({ type: 'path', segments: ['and'] } as unknown as ExpressionNode),
    ).toThrowError(ThreadlineError);
  });

  it('compiles each source once and evicts the least recently used', () => {
    const cache = createExpressionCache({ maxEntries: 2 });
    const a = cache.compile('a');
    expect(cache.compile('a')).toBe(a);
    cache.compile('b');
    cache.compile('a');
    cache.compile('c');
    expect(cache.size).toBe(2);
    expect(cache.compile('a')).toBe(a);
    expect(() => cache.compile('a ==')).toThrowError(ThreadlineError);
    expect(cache.size).toBe(2);
    cache.clear();
    expect(cache.size).toBe(0);
    expect(() => createExpressionCache({ maxEntries: 0 })).toThrowError(/maxEntries/);
  });
});
