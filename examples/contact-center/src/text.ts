// Where the customers' words come from: the example's own corpus (`corpus/`), written for the
// demo and shipped with it, so the day reads no files and says nothing about missing data.
import type { Random } from '@threadline/core';
import type { TextSource } from '@threadline/testing';
import { corpusText } from './corpus/build.js';

export { corpusText } from './corpus/build.js';

/** The demo's customer text for a random source: {@link corpusText} with its default size. */
export function loadText(rng: Random): TextSource {
  return corpusText(rng);
}
