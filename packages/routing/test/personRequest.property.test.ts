import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RULES } from '../src/handoff/personRequestRules.js';
import { NOT_ASCII, WordTrie } from '../src/handoff/wordTrie.js';
import { createPersonRequestDetector, PERSON_REQUEST_LANGUAGES } from '../src/index.js';
import { referenceDetector } from './personRequestReference.js';

// Every literal word of every pattern (so random messages hit the patterns often), plus noise.
const PATTERN_WORDS = [
  ...new Set(
    Object.values(RULES).flatMap((r) =>
      [...r.requests, r.negation].flatMap(
        (re) => re.source.replace(/\\[bdsw]/g, ' ').match(/[a-z']+/g) ?? [],
      ),
    ),
  ),
];
const NOISE = [
  'my',
  'order',
  'bot',
  'useless',
  'please',
  'thanks',
  '47',
  'agent47',
  'agent_x',
  'Kundendienst',
];
const SEPARATORS = [
  ' ',
  ' ',
  ' ',
  '  ',
  '\t',
  '\n',
  ', ',
  '. ',
  '! ',
  '? ',
  "'",
  '’',
  '`',
  '-',
  '',
  ' 4',
  ';',
];
// Characters beyond ASCII that normalising changes or keeps: accents, a decomposable letter, the
// Kelvin sign (lower-cases to `k`), curly quotes, non-breaking space, a letter with no ASCII form.
const ODD = ['é', 'à', 'ñ', 'ã', 'ü', 'K', '’', '´', '\u00a0', 'ß', 'Ü'];

// Strings each request pattern matches (its `\b` and `(?! ?\d)` dropped: the surrounding
// parts of a message decide whether they hold), so random messages often ask for a person.
const PHRASES = Object.values(RULES).flatMap((r) =>
  r.requests.map((re) => {
    const source = re.source
      .replace(/\\b/g, '')
      .replace(/\(\?! \?\\d\)/g, '')
      .replace(/^\^/, '')
      .replace(/\$$/, '');
    return fc.stringMatching(new RegExp(`^${source}$`));
  }),
);
const word = fc.oneof(
  { weight: 3, arbitrary: fc.oneof(...PHRASES) },
  { weight: 6, arbitrary: fc.constantFrom(...PATTERN_WORDS) },
  { weight: 1, arbitrary: fc.constantFrom(...NOISE) },
  { weight: 1, arbitrary: fc.string({ maxLength: 4 }) },
);
const styled = fc
  .tuple(
    word,
    fc.constantFrom('as is', 'upper', 'capital', 'accent', 'odd'),
    fc.nat(),
    fc.constantFrom(...ODD),
  )
  .map(([w, style, at, odd]) => {
    if (style === 'upper') return w.toUpperCase();
    if (style === 'capital') return w.charAt(0).toUpperCase() + w.slice(1);
    if (style === 'accent') return w.replace('e', 'é').replace('a', 'á');
    if (style === 'odd') {
      const i = w.length === 0 ? 0 : at % w.length;
      return w.slice(0, i) + odd + w.slice(i);
    }
    return w;
  });
const message = fc
  .array(fc.tuple(styled, fc.constantFrom(...SEPARATORS)), { maxLength: 10 })
  .map((parts) => parts.map(([w, sep]) => w + sep).join(''));
const hint = fc.constantFrom(undefined, 'en', 'es', 'fr-CA', 'DE', 'pt-BR', 'xx', '');

describe('person-request detector: the trie gate agrees with running every pattern', () => {
  const detect = createPersonRequestDetector();
  const reference = referenceDetector();

  it('on random messages built from the patterns’ words', () => {
    fc.assert(
      fc.property(message, hint, (text, language) => {
        const context = language === undefined ? {} : { language };
        expect(detect(text, context)).toEqual(reference(text, context));
      }),
      { numRuns: 4000, seed: 15_2026 },
    );
  });

  it('on whole messages that are one pattern’s phrase (the whole-message forms)', () => {
    const single = fc.tuple(fc.oneof(...PHRASES), fc.constantFrom('', '!', ' ', '?', ' 7', '.'));
    fc.assert(
      fc.property(single, hint, ([phrase, end], language) => {
        const context = language === undefined ? {} : { language };
        expect(detect(phrase + end, context)).toEqual(reference(phrase + end, context));
      }),
      { numRuns: 3000, seed: 11 },
    );
  });

  it('on requests that must match, glued, cased and accented', () => {
    const requests = fc.constantFrom(
      'let me talk to a human',
      'je veux parler a unhumain',
      'passe-moi unquelqu’un',
      'Ich möchte mit einem Mitarbeiter sprechen',
      'LIVE CHAT!',
      'me transfere para um atendente',
      'quiero hablar con un ser humano',
    );
    fc.assert(
      fc.property(requests, fc.constantFrom('', 'ok. ', 'no. ', 'Hi,\t'), hint, (text, prefix, language) => {
        const context = language === undefined ? {} : { language };
        expect(detect(prefix + text, context)).toEqual(reference(prefix + text, context));
      }),
      { numRuns: 500, seed: 7 },
    );
    expect(detect('je veux parler a unhumain', {}).requested).toBe(true);
  });

  it('with a subset of languages', () => {
    const languages = fc.subarray([...PERSON_REQUEST_LANGUAGES], { minLength: 1 });
    fc.assert(
      fc.property(languages, message, hint, (langs, text, language) => {
        const context = language === undefined ? {} : { language };
        const ours = createPersonRequestDetector({ languages: langs });
        expect(ours(text, context)).toEqual(referenceDetector(langs)(text, context));
      }),
      { numRuns: 800, seed: 99 },
    );
  });
});

describe('WordTrie', () => {
  const words = fc.uniqueArray(fc.stringMatching(/^[a-z0-9_]{1,6}$/), { minLength: 1, maxLength: 12 });
  const text = fc.string({
    unit: fc.constantFrom('a', 'b', 'A', '_', '1', ' ', '-', "'", 'é', 'ab', 'Ba'),
    maxLength: 30,
  });

  it('ORs the masks of the whole-word tokens it holds, as splitting on non-word characters does', () => {
    fc.assert(
      fc.property(words, text, (list, t) => {
        const trie = new WordTrie(list.map((w, i) => [w, 1 << (i % 30)] as const));
        const tokens = t.toLowerCase().split(/[^a-z0-9_]+/);
        let expected = 0;
        list.forEach((w, i) => {
          if (tokens.includes(w)) expected |= 1 << (i % 30);
        });
        // `toLowerCase` may turn a character beyond ASCII into ASCII; the trie folds ASCII only.
        const asciiExpected = t
          .split(/[^A-Za-z0-9_]+/)
          .map((x) => x.toLowerCase())
          .reduce((m, tok) => m | list.reduce((a, w, i) => (w === tok ? a | (1 << (i % 30)) : a), 0), 0);
        expect(trie.scan(t)).toBe(asciiExpected);
        if (/^[\x00-\x7f]*$/.test(t)) expect(trie.scanAscii(t)).toBe(expected);
        else expect(trie.scanAscii(t)).toBe(NOT_ASCII);
      }),
      { numRuns: 2000, seed: 3 },
    );
  });

  it('refuses empty and upper-case words', () => {
    expect(() => new WordTrie([['', 1]])).toThrow(TypeError);
    expect(() => new WordTrie([['Agent', 1]])).toThrow(/lower-case/);
  });
});
