/** Letters, digits and `_`: the characters a regular expression's `\b` treats as word characters. */
const ALPHABET = 37;

/** Slot of an ASCII character in a trie row (`-1`: not a word character). Upper case folds to lower. */
function slot(code: number): number {
  if (code >= 97 && code <= 122) return code - 97;
  if (code >= 65 && code <= 90) return code - 65;
  if (code >= 48 && code <= 57) return 26 + code - 48;
  return code === 95 ? 36 : -1;
}

/** What {@link WordTrie.scanAscii} returns for text with a character beyond ASCII. */
export const NOT_ASCII = -1;

/**
 * A precompiled trie of whole words, each tagged with a bit mask, scanned over a text in one
 * pass without building a string: the text is split into tokens at non-word characters (as
 * `\b` sees them: anything but ASCII letters, digits and `_`), and the masks of the tokens that
 * are words of the trie are OR-ed together. Matching ignores ASCII case.
 *
 * @example
 * ```ts
 * const trie = new WordTrie([['agent', 1], ['persona', 2]]);
 * trie.scan('talk to an Agent!'); // 1
 * trie.scan('agents'); // 0 (whole words only)
 * ```
 */
export class WordTrie {
  /** Child row per node and slot (`0`: none; the root is row 0, never a child). */
  readonly #next: Int32Array;
  /** The mask of the word ending at each node (0: no word ends there). */
  readonly #mask: Int32Array;

  constructor(words: Iterable<readonly [string, number]>) {
    const next: number[] = new Array(ALPHABET).fill(0);
    const mask: number[] = [0];
    for (const [word, bits] of words) {
      if (word.length === 0) throw new TypeError('WordTrie words must not be empty');
      let node = 0;
      for (let i = 0; i < word.length; i++) {
        const code = word.charCodeAt(i);
        const c = slot(code);
        if (c < 0 || (code >= 65 && code <= 90)) {
          throw new TypeError(`WordTrie word "${word}" must be lower-case letters, digits or _`);
        }
        let child = next[node * ALPHABET + c] as number;
        if (child === 0) {
          child = mask.length;
          mask.push(0);
          for (let k = 0; k < ALPHABET; k++) next.push(0);
          next[node * ALPHABET + c] = child;
        }
        node = child;
      }
      mask[node] = (mask[node] as number) | bits;
    }
    this.#next = Int32Array.from(next);
    this.#mask = Int32Array.from(mask);
  }

  /** The OR of the masks of every whole-word token of `text` found in the trie. */
  scan(text: string): number {
    return this.#run(text, false);
  }

  /**
   * As {@link scan}, but gives up with {@link NOT_ASCII} at the first character beyond ASCII
   * (for callers that normalise such text first).
   */
  scanAscii(text: string): number {
    return this.#run(text, true);
  }

  #run(text: string, asciiOnly: boolean): number {
    const next = this.#next;
    const mask = this.#mask;
    let found = 0;
    // -1 once the current token left the trie (it can no longer be a word).
    let node = 0;
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i);
      if (asciiOnly && code > 127) return NOT_ASCII;
      const c = slot(code);
      if (c >= 0) {
        if (node >= 0) node = (next[node * ALPHABET + c] as number) || -1;
        continue;
      }
      if (node > 0) found |= mask[node] as number;
      node = 0;
    }
    if (node > 0) found |= mask[node] as number;
    return found;
  }
}
