import { codeAt, isDigit, isSpace, isWordChar } from './chars.js';

/** A run of digit groups separated by short separator sequences, e.g. `(415) 555-2671`. */
export interface NumericRun {
  /** Index of the first character (a `+`, `(` or digit). */
  start: number;
  /**
   * `-1` when the run starts on a token boundary; otherwise the code of the character it is glued
   * to (`#` in `#4111…`, `=` in `ref=4111…`). Detectors decide which glue they accept.
   */
  glued: number;
  /** Index after the last digit. */
  end: number;
  /** Number of digit groups. */
  count: number;
  /**
   * Group bounds, flat: group `i` is `[bounds[2i], bounds[2i+1])`. The array is reused between
   * runs (no per-group allocation), so visitors must not keep it.
   */
  bounds: number[];
  /** Total number of digits. */
  digits: number;
  /** The run starts with `+`. */
  plus: boolean;
  /** Distinct separator characters used between groups (`' '`, `-`, `.`, `(`, `)`). */
  separators: string;
  /**
   * The run ends on a token boundary: it is not followed by a word character, `%`, `/`, `@` or a
   * decimal/time continuation such as `.50`, `,000` or `:30`.
   */
  closed: boolean;
}

const BOUNDS: number[] = [];

/** Length of group `i` of a run. */
export function groupLength(run: NumericRun, i: number): number {
  return (run.bounds[2 * i + 1] as number) - (run.bounds[2 * i] as number);
}

/** The digits of group `i` as a number. */
export function groupValue(text: string, run: NumericRun, i: number): number {
  return Number(text.slice(run.bounds[2 * i], run.bounds[2 * i + 1]));
}

function isSeparator(c: number): boolean {
  return isSpace(c) || c === 45 /* - */ || c === 46 /* . */ || c === 40 /* ( */ || c === 41 /* ) */;
}

// Characters that may stand before a number without making it part of a larger token.
function isOpeningBoundary(text: string, i: number): boolean {
  const c = codeAt(text, i - 1);
  if (c === -1) return true;
  if (isWordChar(c)) return false;
  // An ellipsis ends a sentence ("…an hour...919-675-0985"); a single dot glues (`v1.2`).
  if (c === 46 && codeAt(text, i - 2) === 46) return true;
  // `SKU-415-555`, `v1.2`, `/status/123`, `#123`, `$12`, `=123`: glued to a token before it.
  if (c === 45 || c === 46 || c === 47 || c === 35 || c === 36 || c === 61 || c === 64 || c === 43)
    return false;
  if (c === 8364 /* € */ || c === 163 /* £ */ || c === 165 /* ¥ */ || c === 92 /* \ */) return false;
  return true;
}

/**
 * Scans `text` once and calls `visit` for every numeric run. `maxSeparator` is the longest
 * separator sequence allowed between groups. A run glued to a letter or digit before it is skipped
 * whole; one glued to punctuation (`#123`, `v1.2`, `$12`) is visited with `glued` set, so each
 * detector decides; `closed` tells whether the run also ends on a boundary.
 */
export function scanNumericRuns(
  text: string,
  maxSeparator: number,
  allowPlus: boolean,
  visit: (run: NumericRun) => void,
): void {
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    const plus = allowPlus && c === 43 && isDigit(codeAt(text, i + 1));
    const paren = c === 40 && isDigit(codeAt(text, i + 1));
    if (!isDigit(c) && !plus && !paren) {
      i++;
      continue;
    }
    const start = i;
    const bounded = isOpeningBoundary(text, start);
    const before = codeAt(text, start - 1);
    let j = plus || paren ? i + 1 : i;
    const bounds = BOUNDS;
    bounds.length = 0;
    let digits = 0;
    let separators = '';
    for (;;) {
      const g = j;
      while (j < n && isDigit(text.charCodeAt(j))) j++;
      bounds.push(g, j);
      digits += j - g;
      let k = j;
      while (k < n && k - j < maxSeparator && isSeparator(text.charCodeAt(k))) k++;
      if (k === j || !isDigit(codeAt(text, k))) break;
      for (let s = j; s < k; s++) {
        const ch =
          text[s] === '\u00a0' || text[s] === '\t' || text[s] === '\u202f' ? ' ' : (text[s] as string);
        if (!separators.includes(ch)) separators += ch;
      }
      j = k;
    }
    const end = j;
    i = end;
    // Glued to a word (`ORD4111…`, `x2`): part of that token, never a number of its own.
    if (!bounded && isWordChar(before)) continue;
    const next = codeAt(text, end);
    let closed = true;
    if (next !== -1) {
      if (isWordChar(next) || next === 37 /* % */ || next === 47 /* / */ || next === 64 /* @ */)
        closed = false;
      // `12.50`, `1,234`, `10:30` continue with a digit after one punctuation mark.
      if ((next === 46 || next === 44 || next === 58) && isDigit(codeAt(text, end + 1))) closed = false;
    }
    visit({
      start,
      glued: bounded ? -1 : before,
      end,
      count: bounds.length / 2,
      bounds,
      digits,
      plus,
      separators,
      closed,
    });
  }
}

/** The digits of a run as one string. */
export function runDigits(text: string, run: NumericRun): string {
  let s = '';
  for (let i = 0; i < run.count; i++) s += text.slice(run.bounds[2 * i], run.bounds[2 * i + 1]);
  return s;
}
