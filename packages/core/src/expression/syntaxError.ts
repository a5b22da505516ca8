import { ThreadlineError } from '../errors.js';

/** Widest source excerpt shown in a snippet; longer lines are cut around the error column. */
const SNIPPET_WIDTH = 80;

/** Line (1-based) and column (1-based, in UTF-16 code units) of an offset in `source`. */
export function lineColumn(
  source: string,
  offset: number,
): { line: number; column: number; lineStart: number } {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(offset, source.length);
  for (let i = 0; i < end; i++) {
    if (source.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: end - lineStart + 1, lineStart };
}

/**
 * The source line holding `offset` and a caret line under the offending column, e.g.
 * ```
 * task.priority >> 5
 *                ^
 * ```
 * Tabs are kept in the caret line so the caret lines up; long lines are cut around the column.
 */
export function caretSnippet(source: string, offset: number): string {
  const { lineStart } = lineColumn(source, offset);
  let lineEnd = source.indexOf('\n', lineStart);
  if (lineEnd < 0) lineEnd = source.length;
  let text = source.slice(lineStart, lineEnd).replace(/\r$/, '');
  let caretAt = Math.min(offset, source.length) - lineStart;
  if (text.length > SNIPPET_WIDTH) {
    const from = Math.max(0, Math.min(caretAt - SNIPPET_WIDTH / 2, text.length - SNIPPET_WIDTH));
    const cut = text.slice(from, from + SNIPPET_WIDTH);
    text = `${from > 0 ? '…' : ''}${cut}${from + SNIPPET_WIDTH < text.length ? '…' : ''}`;
    caretAt = caretAt - from + (from > 0 ? 1 : 0);
  }
  let pad = '';
  for (let i = 0; i < caretAt; i++) pad += text[i] === '\t' ? '\t' : ' ';
  return `${text}\n${pad}^`;
}

/**
 * Builds the `VALIDATION` error for a problem at `offset` of an expression's source: the message
 * names line and column and ends with the caret snippet; `details` holds `{ line, column, snippet }`.
 */
export function expressionSyntaxError(source: string, offset: number, problem: string): ThreadlineError {
  const { line, column } = lineColumn(source, offset);
  const snippet = caretSnippet(source, offset);
  return new ThreadlineError(
    'VALIDATION',
    `Invalid expression at line ${line}, column ${column}: ${problem}\n${snippet}`,
    {
      issues: [{ path: [], message: problem, code: 'expression_syntax' }],
      details: { line, column, snippet, offset },
    },
  );
}
