import { EMOTICONS } from './phrases.js';

/** What a {@link Token} is. */
export type TokenKind = 'word' | 'number' | 'emoji' | 'emoticon' | 'punct' | 'mention' | 'url';

/** One token of a message, with its span in the original text (UTF-16 offsets, end exclusive). */
export interface Token {
  /** Normalised text: lower case, curly apostrophes straightened, `#` dropped from hashtags. */
  readonly text: string;
  readonly kind: TokenKind;
  readonly start: number;
  readonly end: number;
  /** True for a word of three or more letters written entirely in capitals. */
  readonly caps: boolean;
}

const EMOTICON_SET = new Map(Object.entries(EMOTICONS));
const EMOTICON_MAX = 4;
// Characters an emoticon can start with (besides x/X/D handled with words).
function isEmoticonStart(c: number): boolean {
  // : ; = ( ) ^ < > -
  return (
    c === 58 || c === 59 || c === 61 || c === 40 || c === 41 || c === 94 || c === 60 || c === 62 || c === 45
  );
}

// Character classes for the Latin range, looked up in one typed-array read on the hot path.
const LETTER = 1;
const UPPER = 2;
const DIGIT = 4;
const SPACE = 8;
const CLASS = new Uint8Array(0x250);
for (let c = 0; c < 0x250; c++) {
  let k = 0;
  if ((c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 0xc0 && c !== 0xd7 && c !== 0xf7)) k |= LETTER;
  if ((c >= 65 && c <= 90) || (c >= 0xc0 && c <= 0xde && c !== 0xd7)) k |= UPPER;
  if (c >= 48 && c <= 57) k |= DIGIT;
  if (c === 32 || c === 10 || c === 13 || c === 9 || c === 0xa0) k |= SPACE;
  CLASS[c] = k;
}

function isLetter(c: number): boolean {
  return c < 0x250 && ((CLASS[c] as number) & LETTER) !== 0;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function isApostrophe(c: number): boolean {
  return c === 39 || c === 0x2019;
}

function isSpace(c: number): boolean {
  return c < 0x250 && ((CLASS[c] as number) & SPACE) !== 0;
}

// Pictographic ranges treated as emoji (BMP symbols and the supplementary planes).
function isEmojiStart(c: number): boolean {
  return (c >= 0xd83c && c <= 0xd83e) || (c >= 0x2600 && c <= 0x27bf) || c === 0x2b50 || c === 0x2b55;
}

function matchEmoticon(text: string, i: number): number {
  const max = Math.min(EMOTICON_MAX, text.length - i);
  for (let len = max; len >= 2; len--) {
    const s = text.slice(i, i + len);
    if (EMOTICON_SET.has(s)) {
      // An emoticon must not run straight into a letter or digit ("(:x" fine, ":Dallas" not).
      const after = i + len < text.length ? text.charCodeAt(i + len) : 32;
      if (isLetter(after) || isDigit(after)) continue;
      return len;
    }
  }
  return 0;
}

// The scanners below each handle one token kind and return the index after it. They are separate
// functions so the main loop stays small: V8 optimises a function after an amount of work that grows
// with its bytecode size, so a small loop reaches optimised code early in a first pass.

function scanUrl(text: string, i: number, n: number, out: Token[]): number {
  let j = i;
  while (j < n && !isSpace(text.charCodeAt(j))) j++;
  out.push({ text: text.slice(i, j), kind: 'url', start: i, end: j, caps: false });
  return j;
}

// HTML entities such as &amp; &lt; &#39; are skipped; a lone '&' too.
function skipEntity(text: string, i: number, n: number): number {
  let j = i + 1;
  while (j < n && j - i < 8 && text.charCodeAt(j) !== 59 && !isSpace(text.charCodeAt(j))) j++;
  return j < n && text.charCodeAt(j) === 59 && j > i + 1 ? j + 1 : i + 1;
}

// Emoticons that start with a letter: xD XD D:. Returns the index after it, or -1.
function scanLetterEmoticon(text: string, c: number, i: number, n: number, out: Token[]): number {
  if ((c === 120 || c === 88) && i + 1 < n && text.charCodeAt(i + 1) === 68) {
    const after = i + 2 < n ? text.charCodeAt(i + 2) : 32;
    const before = i > 0 ? text.charCodeAt(i - 1) : 32;
    if (!isLetter(after) && !isDigit(after) && !isLetter(before)) {
      out.push({ text: text.slice(i, i + 2), kind: 'emoticon', start: i, end: i + 2, caps: false });
      return i + 2;
    }
  }
  if (c === 68 && i + 1 < n && text.charCodeAt(i + 1) === 58) {
    const before = i > 0 ? text.charCodeAt(i - 1) : 32;
    const after = i + 2 < n ? text.charCodeAt(i + 2) : 32;
    if (!isLetter(before) && !isDigit(before) && (isSpace(after) || i + 2 >= n)) {
      out.push({ text: 'D:', kind: 'emoticon', start: i, end: i + 2, caps: false });
      return i + 2;
    }
  }
  return -1;
}

// Words, hashtags (`#` dropped) and mentions.
function scanWord(text: string, c: number, i: number, n: number, isTag: boolean, out: Token[]): number {
  const start = i;
  let j = isTag ? i + 1 : i;
  let letters = 0;
  let upper = 0;
  while (j < n) {
    const d = text.charCodeAt(j);
    const k = d < 0x250 ? (CLASS[d] as number) : 0;
    if ((k & LETTER) !== 0) {
      letters++;
      if ((k & UPPER) !== 0) upper++;
      j++;
    } else if ((k & DIGIT) !== 0 || d === 95) {
      j++;
    } else if ((isApostrophe(d) || d === 45) && j + 1 < n && isLetter(text.charCodeAt(j + 1))) {
      j++;
    } else break;
  }
  const raw = text.slice(isTag ? start + 1 : start, j);
  if (c === 64) {
    out.push({ text: raw.toLowerCase(), kind: 'mention', start, end: j, caps: false });
  } else {
    let word = upper === 0 ? raw : raw.toLowerCase();
    if (word.indexOf('\u2019') >= 0) word = word.replace(/\u2019/g, "'");
    out.push({ text: word, kind: 'word', start, end: j, caps: letters >= 3 && upper === letters });
  }
  return j;
}

function scanNumber(text: string, i: number, n: number, out: Token[]): number {
  let j = i + 1;
  while (j < n) {
    const d = text.charCodeAt(j);
    if (isDigit(d)) j++;
    else if ((d === 46 || d === 44 || d === 58) && j + 1 < n && isDigit(text.charCodeAt(j + 1))) j++;
    else break;
  }
  out.push({ text: text.slice(i, j), kind: 'number', start: i, end: j, caps: false });
  return j;
}

// One emoji with its variation selector, zero-width joiner sequence and skin-tone modifiers.
function scanEmoji(text: string, i: number, n: number, out: Token[]): number {
  const cp = text.codePointAt(i) as number;
  let j = i + (cp > 0xffff ? 2 : 1);
  while (j < n) {
    const d = text.charCodeAt(j);
    if (d === 0xfe0f || d === 0x200d) j++;
    else if (d === 0xd83c && j + 1 < n) {
      const e = text.charCodeAt(j + 1);
      if (e >= 0xdffb && e <= 0xdfff) j += 2;
      else break;
    } else break;
  }
  out.push({ text: String.fromCodePoint(cp), kind: 'emoji', start: i, end: j, caps: false });
  return j;
}

/**
 * Splits a message into words, numbers, emoji, emoticons, punctuation, \@mentions and URLs, keeping
 * the span of every token. Hashtags become words ("#fail" → "fail"), HTML entities (`&amp;`) are
 * skipped, contractions stay one word ("don't").
 *
 * @example
 * ```ts
 * tokenize("Still NOT fixed :(").map((t) => t.text); // ['still', 'not', 'fixed', ':(']
 * ```
 */
export function tokenize(text: string): Token[] {
  const out: Token[] = [];
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (isSpace(c)) {
      i++;
      continue;
    }
    if (
      (c === 104 || c === 119) &&
      (text.startsWith('http://', i) || text.startsWith('https://', i) || text.startsWith('www.', i))
    ) {
      i = scanUrl(text, i, n, out);
      continue;
    }
    if (c === 38) {
      i = skipEntity(text, i, n);
      continue;
    }
    if (c === 120 || c === 88 || c === 68) {
      const j = scanLetterEmoticon(text, c, i, n, out);
      if (j > 0) {
        i = j;
        continue;
      }
    }
    const isTag = (c === 35 || c === 64) && i + 1 < n && isLetter(text.charCodeAt(i + 1));
    if (isLetter(c) || isTag) {
      i = scanWord(text, c, i, n, isTag, out);
      continue;
    }
    if (isDigit(c)) {
      i = scanNumber(text, i, n, out);
      continue;
    }
    if (isEmoticonStart(c)) {
      const len = matchEmoticon(text, i);
      if (len > 0) {
        out.push({ text: text.slice(i, i + len), kind: 'emoticon', start: i, end: i + len, caps: false });
        i += len;
        continue;
      }
    }
    if (isEmojiStart(c)) {
      i = scanEmoji(text, i, n, out);
      continue;
    }
    if (c === 33 || c === 63 || c === 46 || c === 44 || c === 59 || c === 58) {
      out.push({ text: text[i] as string, kind: 'punct', start: i, end: i + 1, caps: false });
      i++;
      continue;
    }
    // Anything else (symbols, other scripts' marks) is skipped; surrogate pairs as a whole.
    i += c >= 0xd800 && c <= 0xdbff ? 2 : 1;
  }
  return out;
}
