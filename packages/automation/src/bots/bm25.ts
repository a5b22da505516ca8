/**
 * Okapi BM25 over a small in-memory corpus, with phrase boosts. Internal: the retrieval bot is
 * the public face. Terms are lower-cased, accent-free words minus stop words, with a light
 * plural strip so "invoices" finds "invoice".
 */

const STOP_WORDS = new Set(
  (
    'a an and are as at be but by can could do does for from how i if in into is it its me my no not of on or ' +
    'our please so that the their them then there these this to was we what when where which who why will ' +
    'with would you your hi hello thanks thank there'
  ).split(' '),
);

/** Splits text into normalised terms (stop words removed). */
export function terms(text: string): string[] {
  const out: string[] = [];
  for (const raw of rawWords(text)) {
    if (STOP_WORDS.has(raw)) continue;
    out.push(stem(raw));
  }
  return out;
}

/** Splits text into normalised, stemmed words (stop words kept), for phrase matching. */
export function words(text: string): string[] {
  return rawWords(text).map(stem);
}

function rawWords(text: string): string[] {
  return text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w.length > 0);
}

function stem(word: string): string {
  if (word.length > 4 && word.endsWith('ies')) return `${word.slice(0, -3)}y`;
  if (word.length > 3 && word.endsWith('s') && !word.endsWith('ss')) return word.slice(0, -1);
  return word;
}

/** One indexed document. */
export interface Bm25Doc {
  /** term → frequency in the document */
  readonly tf: Map<string, number>;
  readonly length: number;
}

/** An index over documents. */
export interface Bm25Index {
  readonly docs: readonly Bm25Doc[];
  /** term → number of documents containing it */
  readonly df: Map<string, number>;
  readonly avgLength: number;
}

/** Builds an index; `fields` are the texts of one document, each repeated `weight` times. */
export function buildIndex(documents: readonly (readonly { text: string; weight: number }[])[]): Bm25Index {
  const docs: Bm25Doc[] = [];
  const df = new Map<string, number>();
  let total = 0;
  for (const fields of documents) {
    const tf = new Map<string, number>();
    let length = 0;
    for (const field of fields) {
      for (const term of terms(field.text)) {
        tf.set(term, (tf.get(term) ?? 0) + field.weight);
        length += field.weight;
      }
    }
    for (const term of tf.keys()) df.set(term, (df.get(term) ?? 0) + 1);
    docs.push({ tf, length });
    total += length;
  }
  return { docs, df, avgLength: docs.length === 0 ? 0 : total / docs.length };
}

/** Inverse document frequency (the non-negative BM25+ form). */
export function idf(index: Bm25Index, term: string): number {
  const n = index.docs.length;
  const d = index.df.get(term) ?? 0;
  return Math.log(1 + (n - d + 0.5) / (d + 0.5));
}

/** BM25 score of one document for the query terms. */
export function score(
  index: Bm25Index,
  doc: Bm25Doc,
  query: readonly string[],
  k1: number,
  b: number,
): number {
  let s = 0;
  const norm = index.avgLength === 0 ? 1 : 1 - b + (b * doc.length) / index.avgLength;
  for (const term of query) {
    const f = doc.tf.get(term);
    if (f === undefined) continue;
    s += (idf(index, term) * (f * (k1 + 1))) / (f + k1 * norm);
  }
  return s;
}

/** True when `phrase` (its words, in order) occurs in `text`'s words. */
export function containsPhrase(textWords: readonly string[], phraseWords: readonly string[]): boolean {
  if (phraseWords.length === 0 || phraseWords.length > textWords.length) return false;
  outer: for (let i = 0; i + phraseWords.length <= textWords.length; i++) {
    for (let j = 0; j < phraseWords.length; j++) {
      if (textWords[i + j] !== phraseWords[j]) continue outer;
    }
    return true;
  }
  return false;
}
