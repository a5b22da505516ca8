/**
 * Detecting "the customer asks for a person" in a chat message: phrase-level patterns per
 * language (a request verb or construction plus a word for a human), with negations and
 * mentions that are not requests left alone ("my travel agent booked this", "the agent was
 * rude", "agent 47", "I don't need a human").
 *
 * Every bot turn runs the detector, and almost no message asks for a person, so the common
 * answer must be cheap: one pass over the text through a precompiled trie of the words every
 * pattern needs (`TRIGGERS`) says which languages could match at all; ASCII text is scanned as
 * it is (no normalised copy); only a language whose words occur runs its patterns.
 */
import { type LanguageRules, RULES, TRIGGERS } from './personRequestRules.js';
import { NOT_ASCII, WordTrie } from './wordTrie.js';

/** What a detector found; `language` and `phrase` say which pattern matched. */
export interface PersonRequestResult {
  requested: boolean;
  language?: string;
  phrase?: string;
}

/** What the engine tells a detector besides the text (the conversation's language, if known). */
export interface PersonRequestContext {
  /** BCP 47 tag such as `fr` or `pt-BR`; only the primary subtag is used by the built-in detector. */
  language?: string;
}

/**
 * Decides whether a customer's message asks for a person. The engine option
 * `personRequestDetector` takes one; a plain boolean answer is fine.
 */
export type PersonRequestDetector = (
  text: string,
  context: PersonRequestContext,
) => boolean | PersonRequestResult;

/** Languages the built-in detector knows. */
export type PersonRequestLanguage = 'en' | 'es' | 'fr' | 'de' | 'pt';

/** Every language the built-in detector knows, in the order it checks them. */
export const PERSON_REQUEST_LANGUAGES: readonly PersonRequestLanguage[] = ['en', 'es', 'fr', 'de', 'pt'];

/** Options for {@link createPersonRequestDetector}. */
export interface PersonRequestDetectorOptions {
  /** Languages to check (default: all of {@link PERSON_REQUEST_LANGUAGES}). */
  languages?: readonly PersonRequestLanguage[];
  /**
   * More phrases that count as a request: a string matches as whole words anywhere in the
   * message, ignoring case and accents; a RegExp is tested on the original text.
   */
  extraPhrases?: readonly (string | RegExp)[];
}

/** Lower case, accents removed, curly apostrophes straightened, whitespace collapsed. */
function normalise(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[’‘`´]/g, "'")
    .replace(/\s+/g, ' ')
    .trim();
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Finds the first match of the global `re` whose clause has no negation before it. */
function matchUnnegated(text: string, re: RegExp, negation: RegExp): string | undefined {
  re.lastIndex = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    // An empty match would not advance `lastIndex` (none of the patterns can match empty).
    if (m[0].length === 0) re.lastIndex++;
    if (!negation.test(text.slice(0, m.index))) return m[0];
  }
  return undefined;
}

/** A language's patterns made global once (for `matchUnnegated`) and its bit in the trie masks. */
interface CompiledLanguage {
  lang: PersonRequestLanguage;
  bit: number;
  requests: RegExp[];
  negation: RegExp;
}

function compileLanguage(lang: PersonRequestLanguage, bit: number, rules: LanguageRules): CompiledLanguage {
  return {
    lang,
    bit,
    requests: rules.requests.map(
      (re) => new RegExp(re.source, re.flags.includes('g') ? re.flags : `${re.flags}g`),
    ),
    negation: rules.negation,
  };
}

/**
 * Creates the built-in person-request detector. With `context.language` set to a language it
 * knows, it checks that language and English (customers mix them); otherwise every configured
 * language. A negation earlier in the same clause ("I don't need a human", "je ne veux pas
 * parler à un conseiller") cancels a request.
 *
 * @example
 * ```ts
 * import { createPersonRequestDetector } from '@threadline/routing';
 *
 * const detect = createPersonRequestDetector({ extraPhrases: ['talk to Sam'] });
 * detect('quiero hablar con una persona', {}).requested; // true
 * detect('my travel agent booked this', {}).requested; // false
 * ```
 */
export function createPersonRequestDetector(
  options: PersonRequestDetectorOptions = {},
): (text: string, context?: PersonRequestContext) => PersonRequestResult {
  const languages = [...(options.languages ?? PERSON_REQUEST_LANGUAGES)];
  for (const lang of languages) {
    if (!Object.hasOwn(RULES, lang)) throw new TypeError(`Unknown person-request language "${lang}"`);
  }
  const extras = (options.extraPhrases ?? []).map((p) =>
    typeof p === 'string' ? new RegExp(`(?:^|\\b)${escapeRegExp(normalise(p))}(?:\\b|$)`) : p,
  );
  const rawExtras = (options.extraPhrases ?? []).map((p) => typeof p !== 'string');
  const compiled = languages.map((lang, i) => compileLanguage(lang, 1 << i, RULES[lang]));
  const trie = new WordTrie(compiled.flatMap((c) => TRIGGERS[c.lang].map((w) => [w, c.bit] as const)));
  // Per hint (a configured language), the languages checked: that one and English.
  const byHint = new Map(
    compiled.map((c) => [c.lang as string, compiled.filter((x) => x.lang === c.lang || x.lang === 'en')]),
  );
  const NO: PersonRequestResult = { requested: false };
  return (text, context = {}) => {
    let plain: string | undefined;
    if (extras.length > 0) {
      plain = normalise(text);
      for (let i = 0; i < extras.length; i++) {
        const re = extras[i] as RegExp;
        const found = (rawExtras[i] ? text : plain).match(re);
        if (found) return { requested: true, phrase: found[0] };
      }
    }
    // Which languages' words occur: ASCII text tokenises the same before and after
    // normalising (only case and whitespace change), so it is scanned as given.
    let present = plain === undefined ? trie.scanAscii(text) : trie.scan(plain);
    if (present === NOT_ASCII) {
      plain = normalise(text);
      present = trie.scan(plain);
    }
    if (present === 0) return { ...NO };
    const language = context.language;
    const hint = language === undefined ? undefined : language.toLowerCase().split('-')[0];
    const order = (hint === undefined ? undefined : byHint.get(hint)) ?? compiled;
    for (const c of order) {
      if ((present & c.bit) === 0) continue;
      plain ??= normalise(text);
      for (const re of c.requests) {
        const phrase = matchUnnegated(plain, re, c.negation);
        if (phrase !== undefined) return { requested: true, language: c.lang, phrase };
      }
    }
    return { ...NO };
  };
}
