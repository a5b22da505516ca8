import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseCsv, tokenize } from '../src/index.js';

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

describe('parseCsv', () => {
  it('parses quoted fields with separators, doubled quotes and newlines', () => {
    const csv = 'id,text\r\n1,"Hello, ""world""\nbye"\n2,plain\n';
    expect(parseCsv(csv)).toEqual([
      ['id', 'text'],
      ['1', 'Hello, "world"\nbye'],
      ['2', 'plain'],
    ]);
    expect(parseCsv('a;b', { separator: ';' })).toEqual([['a', 'b']]);
    expect(parseCsv('')).toEqual([]);
    expect(parseCsv('a,,\n')).toEqual([['a', '', '']]);
  });

  it('round-trips any table written with RFC 4180 quoting', () => {
    const field = fc.string({ maxLength: 12 }).map((s) => s.replace(/\r/g, ''));
    fc.assert(
      fc.property(
        fc.array(fc.array(field, { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 8 }),
        (rows) => {
          const encode = (f: string): string =>
            /[",\n]/.test(f) || f === '' ? `"${f.replace(/"/g, '""')}"` : f;
          const text = `${rows.map((r) => r.map(encode).join(',')).join('\n')}\n`;
          expect(parseCsv(text)).toEqual(rows);
        },
      ),
      { seed: 11, numRuns: 300 },
    );
  });

  it('rejects malformed CSV with VALIDATION errors', () => {
    expect(() => parseCsv('a,"unterminated\n')).toThrow(expect.objectContaining({ code: 'VALIDATION' }));
    expect(() => parseCsv('a,b"c')).toThrow(/quote inside an unquoted field/);
    expect(() => parseCsv('"a"b')).toThrow(/after a closing quote/);
    expect(() => parseCsv('a', { separator: '::' })).toThrow(
      expect.objectContaining({ path: ['separator'] }),
    );
    expect(() => parseCsv(5 as unknown as string)).toThrow(expect.objectContaining({ path: ['text'] }));
  });
});
