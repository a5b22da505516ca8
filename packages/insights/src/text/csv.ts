import { ThreadlineError } from '@threadline/core';

/** Options for {@link parseCsv}. */
export interface ParseCsvOptions {
  /** Field separator (one character). Default `,`. */
  readonly separator?: string;
}

/**
 * Parses RFC 4180 CSV text into rows of fields: quoted fields may contain separators, doubled
 * quotes (`""`) and newlines; CRLF and LF line ends are both accepted; a trailing newline does not
 * produce an empty row. Handy for loading labelled exports to train a classifier.
 *
 * @throws ThreadlineError `VALIDATION` for an unterminated quoted field or a quote inside an unquoted field.
 * @example
 * ```ts
 * parseCsv('id,text\n1,"Hello, ""world""\nbye"\n'); // [['id', 'text'], ['1', 'Hello, "world"\nbye']]
 * ```
 */
export function parseCsv(text: string, options: ParseCsvOptions = {}): string[][] {
  if (typeof text !== 'string') {
    throw new ThreadlineError('VALIDATION', 'Invalid csv: expected a string', {
      issues: [{ path: ['text'], message: 'expected a string', code: 'invalid_type' }],
    });
  }
  const sep = options.separator ?? ',';
  if (sep.length !== 1 || sep === '"' || sep === '\n' || sep === '\r') {
    throw new ThreadlineError('VALIDATION', 'Invalid csv options: separator must be one character', {
      issues: [
        {
          path: ['separator'],
          message: 'must be one character other than a quote or newline',
          code: 'custom',
        },
      ],
    });
  }
  const sepCode = sep.charCodeAt(0);
  const rows: string[][] = [];
  let row: string[] = [];
  let i = 0;
  const n = text.length;
  let line = 1;
  if (n === 0) return rows;
  for (;;) {
    // Start of a field.
    let field: string;
    if (i < n && text.charCodeAt(i) === 34) {
      const startLine = line;
      let buf = '';
      let from = ++i;
      for (;;) {
        if (i >= n) {
          throw new ThreadlineError(
            'VALIDATION',
            `Invalid csv: unterminated quoted field starting on line ${startLine}`,
            {
              issues: [{ path: ['text', startLine], message: 'unterminated quoted field', code: 'custom' }],
            },
          );
        }
        const c = text.charCodeAt(i);
        if (c === 34) {
          if (i + 1 < n && text.charCodeAt(i + 1) === 34) {
            buf += text.slice(from, i + 1);
            i += 2;
            from = i;
            continue;
          }
          buf += text.slice(from, i);
          i++;
          break;
        }
        if (c === 10) line++;
        i++;
      }
      field = buf;
      if (i < n) {
        const c = text.charCodeAt(i);
        if (c !== sepCode && c !== 10 && c !== 13) {
          throw new ThreadlineError('VALIDATION', `Invalid csv: text after a closing quote on line ${line}`, {
            issues: [{ path: ['text', line], message: 'text after a closing quote', code: 'custom' }],
          });
        }
      }
    } else {
      const from = i;
      while (i < n) {
        const c = text.charCodeAt(i);
        if (c === sepCode || c === 10 || c === 13) break;
        if (c === 34) {
          throw new ThreadlineError(
            'VALIDATION',
            `Invalid csv: quote inside an unquoted field on line ${line}`,
            {
              issues: [{ path: ['text', line], message: 'quote inside an unquoted field', code: 'custom' }],
            },
          );
        }
        i++;
      }
      field = text.slice(from, i);
    }
    row.push(field);
    if (i >= n) {
      rows.push(row);
      return rows;
    }
    const c = text.charCodeAt(i);
    if (c === sepCode) {
      i++;
      continue;
    }
    // Line end (CRLF or LF or lone CR).
    i += c === 13 && i + 1 < n && text.charCodeAt(i + 1) === 10 ? 2 : 1;
    line++;
    rows.push(row);
    row = [];
    if (i >= n) return rows;
  }
}
