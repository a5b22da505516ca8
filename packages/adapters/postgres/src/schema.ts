import { ThreadlineError, type ValidationIssue, validationError } from '@threadline/core';

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** Default PostgreSQL schema holding the adapter's tables. */
export const DEFAULT_SCHEMA = 'threadline';

/** Checks the `schema` option; a bad one is a `CONFIG` error (it is spliced into SQL as an identifier). */
export function assertSchemaName(schema: unknown): asserts schema is string {
  if (typeof schema !== 'string' || !SCHEMA_NAME.test(schema)) {
    throw new ThreadlineError(
      'CONFIG',
      `Invalid schema ${JSON.stringify(schema)}: expected lower-case letters, digits or underscore, starting with a letter or underscore, at most 63 characters`,
      { issues: [{ path: ['schema'], message: 'expected a lower-case SQL identifier', code: 'invalid' }] },
    );
  }
}

/** The quoted, schema-qualified names of the adapter's tables. */
export interface Tables {
  schema: string;
  documents: string;
  collectionIndexes: string;
  /** Declared unique and range indexes (migration 2). */
  collectionKeys: string;
  events: string;
  idempotency: string;
  outbox: string;
  migrations: string;
  /** Partition leases with fencing tokens (migration 4). */
  leases: string;
}

/** Table names for `schema` (already validated, so quoting cannot be escaped). */
export function tablesOf(schema: string): Tables {
  const q = (table: string) => `"${schema}"."${table}"`;
  return {
    schema,
    documents: q('documents'),
    collectionIndexes: q('collection_indexes'),
    collectionKeys: q('collection_keys'),
    events: q('events'),
    idempotency: q('idempotency_keys'),
    outbox: q('outbox'),
    migrations: q('migrations'),
    leases: q('leases'),
  };
}

/**
 * PostgreSQL `text` and `jsonb` cannot hold U+0000 and reject unpaired UTF-16 surrogates (or the
 * client silently replaces them). Both are found here, before any SQL, as `VALIDATION` issues
 * with the path of every offending string or key.
 */
export function collectUnstorable(
  value: unknown,
  path: (string | number)[],
  issues: ValidationIssue[],
): void {
  if (issues.length > 20) return;
  if (typeof value === 'string') {
    const problem = unstorableString(value);
    if (problem) issues.push({ path, message: problem, code: 'unsupported_string' });
    return;
  }
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) collectUnstorable(v, [...path, i], issues);
    return;
  }
  if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const problem = unstorableString(k);
      if (problem)
        issues.push({ path: [...path, k], message: `key: ${problem}`, code: 'unsupported_string' });
      collectUnstorable(v, [...path, k], issues);
    }
  }
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function unstorableString(s: string): string | undefined {
  if (s.includes('\u0000')) return 'PostgreSQL cannot store the character U+0000';
  if (LONE_SURROGATE.test(s)) return 'PostgreSQL cannot store an unpaired UTF-16 surrogate';
  return undefined;
}

/** Throws a `VALIDATION` error when `value` holds a string PostgreSQL cannot store. */
export function assertStorable(what: string, value: unknown, path: (string | number)[] = []): void {
  const issues: ValidationIssue[] = [];
  collectUnstorable(value, path, issues);
  if (issues.length > 0) throw validationError(what, issues);
}

// `JSON.stringify` writes U+0000 as `\u0000` and a lone surrogate as `\udXXX` (well-formed
// stringify), so JSON text without these escapes holds nothing PostgreSQL refuses. A literal
// backslash-u in a string can match too; that only costs the full walk.
const SUSPECT_ESCAPE = /\\u(?:0000|d[89a-f])/i;

/**
 * {@link assertStorable} for a value already serialised to `json`: one native scan of the text,
 * and the walk that names the paths only when the scan finds a suspect escape.
 */
export function assertStorableJson(
  what: string,
  value: unknown,
  json: string,
  path: (string | number)[] = [],
): void {
  // Most JSON holds no `\u` escape at all: a plain substring search skips the regex.
  if (json.includes('\\u') && SUSPECT_ESCAPE.test(json)) assertStorable(what, value, path);
}

/** A `bigint` column as a number (`pg` returns strings, PGlite numbers). */
export function toNumber(value: unknown): number {
  return typeof value === 'number' ? value : Number(value);
}
