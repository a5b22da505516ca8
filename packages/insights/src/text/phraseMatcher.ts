import { type Token, tokenize } from './tokenizer.js';

/** One phrase found in a text. */
export interface PhraseMatch {
  /** The phrase as configured. */
  readonly phrase: string;
  /** UTF-16 span in the text (end exclusive). */
  readonly start: number;
  readonly end: number;
}

interface Compiled {
  readonly phrase: string;
  readonly words: readonly { readonly text: string; readonly prefix: boolean }[];
}

/** Finds configured phrases in texts on word boundaries (case-insensitive; `word*` = prefix). */
export interface PhraseMatcher {
  find(text: string): PhraseMatch[];
  findInTokens(tokens: readonly Token[]): PhraseMatch[];
}

/** Splits a phrase into matchable words the same way {@link tokenize} splits text. */
function compile(phrase: string): Compiled | undefined {
  const words: { text: string; prefix: boolean }[] = [];
  for (const t of tokenize(phrase)) {
    if (t.kind !== 'word' && t.kind !== 'number') continue;
    words.push({ text: t.text, prefix: false });
  }
  // Re-attach `*` prefixes: the tokenizer drops the marker, so read it from the raw phrase.
  const raw = phrase
    .toLowerCase()
    .split(/\s+/)
    .filter((w) => w.length > 0);
  if (raw.length === words.length) {
    raw.forEach((w, i) => {
      if (w.endsWith('*')) (words[i] as { prefix: boolean }).prefix = true;
    });
  }
  return words.length === 0 ? undefined : { phrase, words };
}

/**
 * Compiles phrases into a matcher indexed by first word.
 *
 * @example
 * ```ts
 * createPhraseMatcher(['good morning', 'refund*']).find('Good morning! Any refunds?');
 * ```
 */
export function createPhraseMatcher(phrases: readonly string[]): PhraseMatcher {
  const byFirst = new Map<string, Compiled[]>();
  const prefixFirst: Compiled[] = [];
  for (const p of phrases) {
    const c = compile(p);
    if (!c) continue;
    const first = c.words[0] as { text: string; prefix: boolean };
    if (first.prefix) prefixFirst.push(c);
    else {
      let list = byFirst.get(first.text);
      if (!list) byFirst.set(first.text, (list = []));
      list.push(c);
    }
  }
  for (const list of byFirst.values()) list.sort((a, b) => b.words.length - a.words.length);
  const findInTokens = (tokens: readonly Token[]): PhraseMatch[] => {
    const out: PhraseMatch[] = [];
    for (let i = 0; i < tokens.length; i++) {
      const t = tokens[i] as Token;
      if (t.kind !== 'word' && t.kind !== 'number') continue;
      const exact = byFirst.get(t.text);
      for (const list of exact ? [exact, prefixFirst] : [prefixFirst]) {
        for (const c of list) {
          let k = i;
          let ok = true;
          for (const w of c.words) {
            const tok = tokens[k];
            if (
              !tok ||
              (tok.kind !== 'word' && tok.kind !== 'number') ||
              (w.prefix ? !tok.text.startsWith(w.text) : tok.text !== w.text)
            ) {
              ok = false;
              break;
            }
            k++;
          }
          if (ok) out.push({ phrase: c.phrase, start: t.start, end: (tokens[k - 1] as Token).end });
        }
      }
    }
    return out;
  };
  return { findInTokens, find: (text: string) => findInTokens(tokenize(text)) };
}
