// Character-class helpers shared by the hand-written PII scanners. Working on char codes keeps
// every scanner a single left-to-right pass with bounded look-around (no regex backtracking).

/** `0`–`9`. */
export function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** ASCII letter. */
export function isAsciiLetter(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

/** ASCII upper-case letter. */
export function isUpper(c: number): boolean {
  return c >= 65 && c <= 90;
}

const LETTER = /\p{L}/u;

/** Any letter (Unicode-aware for non-ASCII code units). */
export function isLetter(c: number): boolean {
  if (c < 128) return isAsciiLetter(c);
  return LETTER.test(String.fromCharCode(c));
}

/** Letter, digit or underscore: a character that continues a word. */
export function isWordChar(c: number): boolean {
  return isDigit(c) || isLetter(c) || c === 95;
}

/** Whitespace a scanner may treat as a separator (space, tab, no-break spaces). */
export function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 0xa0 || c === 0x202f;
}

/** The code at `i`, or -1 outside the text. */
export function codeAt(text: string, i: number): number {
  return i >= 0 && i < text.length ? text.charCodeAt(i) : -1;
}
