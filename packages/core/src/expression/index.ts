// @threadline/core/rules — the rule (expression) language: parse, compile, print, cache.
export {
  type AndNode,
  type ArrayNode,
  COMPARISON_OPERATORS,
  type ComparisonNode,
  type ComparisonOperator,
  type ExpressionNode,
  type LiteralNode,
  type NotNode,
  type OperandNode,
  type OrNode,
  type PathNode,
  type PathSegment,
  type ScalarValue,
} from './ast.js';
export { createExpressionCache, type ExpressionCache, type ExpressionCacheOptions } from './cache.js';
export { type CompiledExpression, compileExpression, compileExpressionAst } from './compiler.js';
export {
  DEFAULT_MAX_EXPRESSION_DEPTH,
  DEFAULT_MAX_EXPRESSION_LENGTH,
  type ExpressionOptions,
  ExpressionOptionsSchema,
} from './options.js';
export { parseExpression } from './parser.js';
export { printExpression, printPath } from './printer.js';
