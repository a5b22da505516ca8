// The person-request detector as it was before the trie gate (every pattern run on every
// message): the oracle the property test compares the built-in detector with.

import { RULES } from '../src/handoff/personRequestRules.js';
import type { PersonRequestResult } from '../src/index.js';

type Language = keyof typeof RULES;
const ALL: Language[] = ['en', 'es', 'fr', 'de', 'pt'];

function normalise(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[’‘`´]/g, "'")
    .replace(/\s+/g, ' ')
    .trim();
}

function matchUnnegated(text: string, re: RegExp, negation: RegExp): string | undefined {
  const global = new RegExp(re.source, re.flags.includes('g') ? re.flags : `${re.flags}g`);
  for (const m of text.matchAll(global)) {
    if (!negation.test(text.slice(0, m.index))) return m[0];
  }
  return undefined;
}

/** The reference detector (no extra phrases). */
export function referenceDetector(languages: Language[] = ALL) {
  return (text: string, context: { language?: string } = {}): PersonRequestResult => {
    const plain = normalise(text);
    const hint = context.language?.toLowerCase().split('-')[0];
    const order =
      hint !== undefined && (languages as string[]).includes(hint)
        ? languages.filter((l) => l === hint || l === 'en')
        : languages;
    for (const lang of order) {
      const rules = RULES[lang];
      for (const re of rules.requests) {
        const phrase = matchUnnegated(plain, re, rules.negation);
        if (phrase !== undefined) return { requested: true, language: lang, phrase };
      }
    }
    return { requested: false };
  };
}
