import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { tokenize } from '../src/index.js';

describe('tokenize', () => {
  it('splits words, numbers, emoticons, emoji, punctuation, mentions and URLs with spans', () => {
    const text = '@united Don’t #fail me: 3 hrs :( 😡!! see https://t.co/x &amp; bye';
    const toks = tokenize(text);
    expect(toks.map((t) => [t.kind, t.text])).toEqual([
      ['mention', 'united'],
      ['word', "don't"],
      ['word', 'fail'],
      ['word', 'me'],
      ['punct', ':'],
      ['number', '3'],
      ['word', 'hrs'],
      ['emoticon', ':('],
      ['emoji', '😡'],
      ['punct', '!'],
      ['punct', '!'],
      ['word', 'see'],
      ['url', 'https://t.co/x'],
      ['word', 'bye'],
    ]);
    for (const t of toks) expect(text.slice(t.start, t.end).length).toBeGreaterThan(0);
  });

  it('marks ALL-CAPS words of three or more letters', () => {
    expect(tokenize('This is UNACCEPTABLE OK').map((t) => t.caps)).toEqual([false, false, true, false]);
  });

  it('produces ordered, non-overlapping spans for any input', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (s) => {
        let last = 0;
        for (const t of tokenize(s)) {
          if (t.start < last || t.end <= t.start || t.end > s.length) return false;
          last = t.end;
        }
        return true;
      }),
      { seed: 3, numRuns: 100 },
    );
  });
});
