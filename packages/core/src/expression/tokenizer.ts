// Splits rule-language source into tokens. Linear time, no regular-expression backtracking.
import { expressionSyntaxError } from './syntaxError.js';

/** Kinds of token the parser sees. */
export type TokenKind =
  | 'identifier'
  | 'string'
  | 'number'
  | 'operator'
  | '('
  | ')'
  | '['
  | ']'
  | ','
  | '.'
  | 'end';

/** One token: its kind, its value and where it starts and ends in the source. */
export interface Token {
  readonly kind: TokenKind;
  /** Identifier text, decoded string contents, number value or operator spelling. */
  readonly value: string | number;
  /** Offset of the first character. */
  readonly start: number;
  /** Offset after the last character. */
  readonly end: number;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function isIdentStart(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 36;
}

function isIdentPart(c: number): boolean {
  return isIdentStart(c) || isDigit(c);
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13 || c === 11 || c === 12 || c === 0xa0 || c === 0xfeff;
}

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = {
  '"': '"',
  "'": "'",
  '\\': '\\',
  '/': '/',
  n: '\n',
  r: '\r',
  t: '\t',
  b: '\b',
  f: '\f',
  '0': '\0',
};

/**
 * Tokenizes `source`. The last token is always `end`. Throws a `VALIDATION` `ThreadlineError`
 * with line, column and caret snippet on an unknown character, a bad escape or an unterminated
 * string.
 */
export function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  const n = source.length;
  let i = 0;
  while (i < n) {
    const c = source.charCodeAt(i);
    if (isSpace(c)) {
      i++;
      continue;
    }
    const start = i;
    if (isIdentStart(c)) {
      i++;
      while (i < n && isIdentPart(source.charCodeAt(i))) i++;
      tokens.push({ kind: 'identifier', value: source.slice(start, i), start, end: i });
      continue;
    }
    if (isDigit(c) || (c === 45 /* - */ && i + 1 < n && isDigit(source.charCodeAt(i + 1)))) {
      i = scanNumber(source, i);
      const text = source.slice(start, i);
      const value = Number(text);
      if (!Number.isFinite(value))
        throw expressionSyntaxError(source, start, `number ${text} is out of range`);
      tokens.push({ kind: 'number', value, start, end: i });
      continue;
    }
    if (c === 34 || c === 39) {
      const { value, end } = scanString(source, i);
      i = end;
      tokens.push({ kind: 'string', value, start, end });
      continue;
    }
    const next = i + 1 < n ? source.charCodeAt(i + 1) : -1;
    switch (c) {
      case 61 /* = */:
        i += next === 61 ? 2 : 1;
        tokens.push({ kind: 'operator', value: '==', start, end: i });
        continue;
      case 33 /* ! */:
        if (next === 61) {
          i += 2;
          tokens.push({ kind: 'operator', value: '!=', start, end: i });
          continue;
        }
        throw expressionSyntaxError(source, start, "unexpected '!' (use NOT or !=)");
      case 60 /* < */:
      case 62 /* > */:
        {
          const op = c === 60 ? '<' : '>';
          if (c === 60 && next === 62) {
            i += 2;
            tokens.push({ kind: 'operator', value: '!=', start, end: i });
            continue;
          }
          i += next === 61 ? 2 : 1;
          tokens.push({ kind: 'operator', value: next === 61 ? `${op}=` : op, start, end: i });
          continue;
        }
      case 40:
        tokens.push({ kind: '(', value: '(', start, end: ++i });
        continue;
      case 41:
        tokens.push({ kind: ')', value: ')', start, end: ++i });
        continue;
      case 91:
        tokens.push({ kind: '[', value: '[', start, end: ++i });
        continue;
      case 93:
        tokens.push({ kind: ']', value: ']', start, end: ++i });
        continue;
      case 44:
        tokens.push({ kind: ',', value: ',', start, end: ++i });
        continue;
      case 46:
        tokens.push({ kind: '.', value: '.', start, end: ++i });
        continue;
      default:
        throw expressionSyntaxError(source, start, `unexpected character ${JSON.stringify(source[i])}`);
    }
  }
  tokens.push({ kind: 'end', value: '', start: n, end: n });
  return tokens;
}

/** Scans `-?digits(.digits)?([eE][+-]?digits)?` from `i`; returns the offset after it. */
function scanNumber(source: string, i: number): number {
  const n = source.length;
  if (source.charCodeAt(i) === 45) i++;
  while (i < n && isDigit(source.charCodeAt(i))) i++;
  if (i + 1 < n && source.charCodeAt(i) === 46 && isDigit(source.charCodeAt(i + 1))) {
    i += 2;
    while (i < n && isDigit(source.charCodeAt(i))) i++;
  }
  const e = source.charCodeAt(i);
  if (e === 101 || e === 69) {
    let j = i + 1;
    const s = source.charCodeAt(j);
    if (s === 43 || s === 45) j++;
    if (j < n && isDigit(source.charCodeAt(j))) {
      while (j < n && isDigit(source.charCodeAt(j))) j++;
      i = j;
    } else {
      throw expressionSyntaxError(source, i, 'exponent has no digits');
    }
  }
  if (i < n && isIdentStart(source.charCodeAt(i))) {
    throw expressionSyntaxError(source, i, 'a number cannot be followed directly by a name');
  }
  return i;
}

/** Scans a single- or double-quoted string starting at `i`; returns its decoded value and end. */
function scanString(source: string, i: number): { value: string; end: number } {
  const quote = source.charCodeAt(i);
  const open = i;
  const n = source.length;
  i++;
  let value = '';
  let chunkStart = i;
  while (i < n) {
    const c = source.charCodeAt(i);
    if (c === quote) {
      value += source.slice(chunkStart, i);
      return { value, end: i + 1 };
    }
    if (c !== 92 /* \ */) {
      i++;
      continue;
    }
    value += source.slice(chunkStart, i);
    const esc = source[i + 1];
    if (esc === undefined) break;
    if (esc === 'u') {
      const hex = source.slice(i + 2, i + 6);
      if (!/^[0-9a-fA-F]{4}$/.test(hex)) {
        throw expressionSyntaxError(source, i, 'bad \\u escape (expected four hex digits)');
      }
      value += String.fromCharCode(Number.parseInt(hex, 16));
      i += 6;
    } else {
      const simple = SIMPLE_ESCAPES[esc];
      if (simple === undefined) throw expressionSyntaxError(source, i, `unknown escape \\${esc}`);
      value += simple;
      i += 2;
    }
    chunkStart = i;
  }
  throw expressionSyntaxError(source, open, 'unterminated string');
}
