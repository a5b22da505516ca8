import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  COMPARISON_OPERATORS,
  compileExpression,
  compileExpressionAst,
  type ExpressionNode,
  type OperandNode,
  parseExpression,
  printExpression,
  type ScalarValue,
  ThreadlineError,
} from '../src/index.js';

const KEYWORDS = new Set(['and', 'or', 'not', 'in', 'has', 'contains', 'true', 'false', 'null']);
const FORBIDDEN = new Set(['__proto__', 'constructor', 'prototype']);

const identifier = fc
  .stringMatching(/^[A-Za-z_$][A-Za-z0-9_$]{0,6}$/)
  .filter((s) => !KEYWORDS.has(s.toLowerCase()) && !FORBIDDEN.has(s));

const scalar: fc.Arbitrary<ScalarValue> = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 8 }),
  fc.integer({ min: -1000, max: 1000 }),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
  fc.constant(null),
);

const segment = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 6 }).filter((s) => !FORBIDDEN.has(s)),
  identifier,
  fc.nat({ max: 20 }),
);

const operand: fc.Arbitrary<OperandNode> = fc.oneof(
  scalar.map((value) => ({ type: 'literal' as const, value })),
  fc.array(scalar, { maxLength: 4 }).map((items) => ({ type: 'array' as const, items })),
  fc
    .tuple(identifier, fc.array(segment, { maxLength: 3 }))
    .map(([root, rest]) => ({ type: 'path' as const, segments: [root, ...rest] })),
);

const { tree } = fc.letrec<{ tree: ExpressionNode }>((tie) => ({
  tree: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    operand,
    fc
      .tuple(fc.constantFrom(...COMPARISON_OPERATORS), operand, operand)
      .map(([operator, left, right]) => ({ type: 'comparison' as const, operator, left, right })),
    tie('tree').map((operand) => ({ type: 'not' as const, operand })),
    fc
      .array(tie('tree'), { minLength: 2, maxLength: 4 })
      .map((operands) => ({ type: 'and' as const, operands })),
    fc
      .array(tie('tree'), { minLength: 2, maxLength: 4 })
      .map((operands) => ({ type: 'or' as const, operands })),
  ),
}));

/** Arbitrary JSON-ish contexts, including the keys the generated paths use. */
const value: fc.Arbitrary<unknown> = fc.oneof(
  scalar,
  fc.array(scalar, { maxLength: 4 }),
  fc.dictionary(fc.constantFrom('a', 'b', 'x', '0'), scalar, { maxKeys: 3 }),
);

function onlyThreadlineErrors(source: string): void {
  try {
    const compiled = compileExpression(source);
    expect(typeof compiled.evaluate({})).toBe('boolean');
  } catch (e) {
    if (!(e instanceof ThreadlineError)) throw e;
    expect(e.code).toBe('VALIDATION');
    expect(e.details).toMatchObject({ line: expect.any(Number), column: expect.any(Number) });
  }
}

describe('fuzzing the rule language', () => {
  it('random strings never throw anything but a ThreadlineError', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 200 }), onlyThreadlineErrors), {
      seed: 1,
      numRuns: 3000,
    });
  });

  it('random token soups never throw anything but a ThreadlineError', () => {
    const piece = fc.constantFrom(
      'a',
      'task.tags',
      'x[0]',
      'y["k"]',
      '.',
      '[',
      ']',
      '(',
      ')',
      ',',
      '==',
      '=',
      '!=',
      '<>',
      '>',
      '>=',
      '<',
      '<=',
      '!',
      'AND',
      'or',
      'Not',
      'IN',
      'has',
      'CONTAINS',
      'true',
      'null',
      '"s"',
      "'t\\n'",
      '"\\u00',
      '-',
      '1',
      '-2.5e3',
      '1e',
      '__proto__',
      ' ',
      '\n',
      '\t',
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 40 }), (pieces) => onlyThreadlineErrors(pieces.join(' '))),
      { seed: 2, numRuns: 3000 },
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 40 }), (pieces) => onlyThreadlineErrors(pieces.join(''))),
      { seed: 3, numRuns: 3000 },
    );
  });

  it('pathological inputs stay fast (no hang, no stack overflow)', () => {
    const inputs = [
      '('.repeat(10_000),
      'NOT '.repeat(2_500),
      'a AND '.repeat(1_666),
      `${'a AND '.repeat(1_600)}a`,
      `${'a OR '.repeat(2_000)}a`,
      `"${'\\'.repeat(9_000)}`,
      `x IN [${'1,'.repeat(4_900)}1]`,
      `a${'.b'.repeat(4_990)}`,
      `a${'[0]'.repeat(2_490)}`,
    ];
    const start = performance.now();
    for (const input of inputs) onlyThreadlineErrors(input);
    expect(compileExpression(`${'a OR '.repeat(1_990)}a`).evaluate({ a: false })).toBe(false);
    // Generous bound: catches accidental quadratic or exponential behaviour, not speed.
    expect(performance.now() - start).toBeLessThan(5_000);
  });

  it('random trees print and parse back to the same tree', () => {
    fc.assert(
      fc.property(tree, (ast) => {
        const source = printExpression(ast);
        const reparsed = parseExpression(source);
        expect(reparsed).toEqual(ast);
        expect(printExpression(reparsed)).toBe(source);
      }),
      { seed: 4, numRuns: 2000 },
    );
  });

  it('compiled trees never throw and agree between source and tree compilation', () => {
    fc.assert(
      fc.property(tree, fc.dictionary(identifier, value, { maxKeys: 4 }), (ast, context) => {
        const fromTree = compileExpressionAst(ast);
        const fromSource = compileExpression(fromTree.source);
        const result = fromTree.evaluate(context);
        expect(typeof result).toBe('boolean');
        expect(fromSource.evaluate(context)).toBe(result);
        expect(fromSource.references).toEqual(fromTree.references);
      }),
      { seed: 5, numRuns: 1000 },
    );
  });

  it('specialised comparisons agree with the generic semantics', () => {
    // `a OP b` (both paths) uses the generic operator; `a OP <literal>` and `<literal> OP b`
    // use specialised closures. All three must agree for every value.
    const literalOperand = fc.oneof(
      scalar.map((v) => ({ type: 'literal' as const, value: v })),
      fc.array(scalar, { maxLength: 4 }).map((items) => ({ type: 'array' as const, items })),
    );
    fc.assert(
      fc.property(
        fc.constantFrom(...COMPARISON_OPERATORS),
        value,
        literalOperand,
        fc.boolean(),
        (operator, a, lit, literalOnRight) => {
          const litValue = lit.type === 'literal' ? lit.value : lit.items;
          const path = (name: string): OperandNode => ({ type: 'path', segments: [name] });
          const generic = compileExpressionAst({
            type: 'comparison',
            operator,
            left: literalOnRight ? path('a') : path('b'),
            right: literalOnRight ? path('b') : path('a'),
          });
          const special = compileExpressionAst({
            type: 'comparison',
            operator,
            left: literalOnRight ? path('a') : lit,
            right: literalOnRight ? lit : path('a'),
          });
          const context = { a, b: litValue };
          expect(special.evaluate(context)).toBe(generic.evaluate(context));
        },
      ),
      { seed: 6, numRuns: 5000 },
    );
  });
});
