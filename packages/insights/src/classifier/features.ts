import { type Token, tokenize } from '../text/tokenizer.js';

/** How text becomes hashed features. Stored in the model so prediction uses the same recipe. */
export interface FeatureConfig {
  /** log2 of the number of hash buckets (feature space size). */
  readonly bucketBits: number;
  /** Largest word n-gram (1 = unigrams only). */
  readonly wordNgrams: number;
  /** Character n-gram sizes inside words (padded with spaces), or `[0, 0]` for none. */
  readonly charNgrams: readonly [number, number];
}

/** A sparse, L2-normalised feature vector: sorted unique indices and their values. */
export interface SparseVector {
  readonly indices: Int32Array;
  readonly values: Float32Array;
}

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

function hashString(s: string, seed: number): number {
  let h = (FNV_OFFSET ^ seed) >>> 0;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, FNV_PRIME);
  }
  return h >>> 0;
}

function mix(a: number, b: number): number {
  let h = Math.imul(a ^ (b + 0x9e3779b9 + (a << 6) + (a >>> 2)), 0x85ebca6b);
  h ^= h >>> 13;
  return h >>> 0;
}

// The token stream used for features: words, numbers collapsed to a shape, emoji, emoticons,
// `!` and `?`, and placeholders for mentions and URLs.
function featureTokens(tokens: readonly Token[]): string[] {
  const out: string[] = [];
  for (const t of tokens) {
    switch (t.kind) {
      case 'word':
      case 'emoji':
      case 'emoticon':
        out.push(t.text);
        break;
      case 'number':
        out.push('<num>');
        break;
      case 'mention':
        out.push('<at>');
        break;
      case 'url':
        out.push('<url>');
        break;
      case 'punct':
        if (t.text === '!' || t.text === '?') out.push(t.text);
        break;
    }
  }
  return out;
}

// Scratch space reused across calls (single-threaded JS): per-bucket counts and touched buckets.
let scratchBits = -1;
let scratchCounts = new Float32Array(0);
let scratchTouched = new Int32Array(1024);

/**
 * Turns a text into a hashed bag of word n-grams and in-word character n-grams, with log-scaled
 * counts and unit L2 norm.
 */
export function extractFeatures(text: string, config: FeatureConfig): SparseVector {
  const mask = (1 << config.bucketBits) - 1;
  if (scratchBits !== config.bucketBits) {
    scratchBits = config.bucketBits;
    scratchCounts = new Float32Array(1 << config.bucketBits);
  }
  const counts = scratchCounts;
  let touched = scratchTouched;
  let u = 0;
  const add = (h: number): void => {
    const b = h & mask;
    if (counts[b] === 0) {
      if (u === touched.length) {
        const grown = new Int32Array(touched.length * 2);
        grown.set(touched);
        touched = scratchTouched = grown;
      }
      touched[u++] = b;
    }
    counts[b] = (counts[b] as number) + 1;
  };
  const words = featureTokens(tokenize(text));
  const wordHashes = new Uint32Array(words.length);
  for (let i = 0; i < words.length; i++) {
    const h = hashString(words[i] as string, 1);
    wordHashes[i] = h;
    add(h);
  }
  for (let n = 2; n <= config.wordNgrams; n++) {
    for (let i = 0; i + n <= words.length; i++) {
      let h = n * 0x27d4eb2d;
      for (let k = 0; k < n; k++) h = mix(h, wordHashes[i + k] as number);
      add(h);
    }
  }
  const cmin = config.charNgrams[0];
  const cmax = config.charNgrams[1];
  if (cmin > 0) {
    for (const w of words) {
      if (w.length < 2 || w.charCodeAt(0) === 60) continue;
      // The word padded with a space on each side; every n-gram is a prefix chain from a start.
      const len = w.length + 2;
      for (let i = 0; i + cmin <= len; i++) {
        let h = 0x9747b28c;
        for (let n = 1; n <= cmax && i + n <= len; n++) {
          const p = i + n - 1;
          const c = p === 0 || p === len - 1 ? 32 : w.charCodeAt(p - 1);
          h ^= c;
          h = Math.imul(h, FNV_PRIME);
          if (n >= cmin) add(h);
        }
      }
    }
  }
  const indices = touched.slice(0, u).sort();
  const values = new Float32Array(u);
  let norm = 0;
  for (let i = 0; i < u; i++) {
    const b = indices[i] as number;
    const v = 1 + Math.log(counts[b] as number);
    counts[b] = 0;
    values[i] = v;
    norm += v * v;
  }
  if (norm > 0) {
    const inv = 1 / Math.sqrt(norm);
    for (let i = 0; i < u; i++) values[i] = (values[i] as number) * inv;
  }
  return { indices, values };
}
