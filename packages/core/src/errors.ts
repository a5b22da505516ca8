import type { z } from 'zod';

/** Every error code Threadline raises. Codes are stable: match on them, not on messages. */
export const ERROR_CODES = [
  'VALIDATION',
  'NOT_FOUND',
  'CONFLICT',
  'ILLEGAL_TRANSITION',
  'FORBIDDEN',
  'UNAUTHENTICATED_WEBHOOK',
  'CAPACITY',
  'ADAPTER',
  'CONFIG',
  'TIMEOUT',
  'UNSUPPORTED',
  'INTERNAL',
  'NOT_OWNER',
] as const;

/** A stable error code (see {@link ERROR_CODES}). */
export type ErrorCode = (typeof ERROR_CODES)[number];

/** One problem found while validating input: where it is and what is wrong. */
export interface ValidationIssue {
  /** Path of the offending field, e.g. `['capacity', 'chat']`. Empty for the value itself. */
  readonly path: readonly (string | number)[];
  /** Human-readable description of the problem. */
  readonly message: string;
  /** Machine-readable kind of problem (zod issue code or a Threadline-specific one). */
  readonly code: string;
}

/** Options accepted by the {@link ThreadlineError} constructor. */
export interface ThreadlineErrorOptions {
  /** The underlying error, if any. */
  cause?: unknown;
  /** Field-level problems for `VALIDATION` and `CONFIG` errors. */
  issues?: readonly ValidationIssue[];
  /** Extra structured data (ids, versions, positions) useful to callers. */
  details?: Readonly<Record<string, unknown>>;
}

/**
 * The one error class every Threadline package throws.
 *
 * @example
 * ```ts
 * try {
 *   await store.put('cases', doc, { expectedVersion: 3 });
 * } catch (e) {
 *   if (isThreadlineError(e, 'CONFLICT')) retry();
 *   else throw e;
 * }
 * ```
 */
export class ThreadlineError extends Error {
  /** Stable code for programmatic handling. */
  readonly code: ErrorCode;
  /** Field-level problems (validation and configuration errors); empty otherwise. */
  readonly issues: readonly ValidationIssue[];
  /** Extra structured data. */
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: ErrorCode, message: string, options: ThreadlineErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ThreadlineError';
    this.code = code;
    this.issues = options.issues ?? [];
    this.details = options.details ?? {};
  }

  /** Path of the first offending field, if this error carries issues. */
  get path(): readonly (string | number)[] | undefined {
    return this.issues[0]?.path;
  }

  /** A plain JSON form, safe to log or send over the wire. */
  toJSON(): {
    name: string;
    code: ErrorCode;
    message: string;
    issues: readonly ValidationIssue[];
    details: Readonly<Record<string, unknown>>;
  } {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      issues: this.issues,
      details: this.details,
    };
  }
}

/**
 * Type guard for {@link ThreadlineError}, optionally narrowing to one code.
 *
 * @example
 * ```ts
 * if (isThreadlineError(err, 'NOT_FOUND')) return null;
 * ```
 */
export function isThreadlineError(error: unknown, code?: ErrorCode): error is ThreadlineError {
  if (!(error instanceof ThreadlineError)) return false;
  return code === undefined || error.code === code;
}

function formatPath(path: readonly (string | number)[]): string {
  if (path.length === 0) return '(root)';
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

/** Converts zod issues into Threadline {@link ValidationIssue}s, prefixing an optional base path. */
export function issuesFromZod(
  issues: readonly z.core.$ZodIssue[],
  basePath: readonly (string | number)[] = [],
): ValidationIssue[] {
  return issues.map((issue) => ({
    path: [...basePath, ...issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p))],
    message: issue.message,
    code: issue.code,
  }));
}

/** Builds a `VALIDATION` (or `CONFIG`) error whose message names every bad field. */
export function validationError(
  what: string,
  issues: readonly ValidationIssue[],
  code: 'VALIDATION' | 'CONFIG' = 'VALIDATION',
  cause?: unknown,
): ThreadlineError {
  const list = issues.map((i) => `${formatPath(i.path)}: ${i.message}`).join('; ');
  return new ThreadlineError(code, `Invalid ${what}: ${list}`, { issues, cause });
}

/**
 * Parses `input` with a zod schema and returns the typed result, or throws a
 * `ThreadlineError` whose issues carry the path of every bad field.
 *
 * @example
 * ```ts
 * const task = parseInput(TaskInputSchema, raw, 'task');
 * ```
 */
export function parseInput<S extends z.ZodType>(
  schema: S,
  input: unknown,
  what: string,
  code: 'VALIDATION' | 'CONFIG' = 'VALIDATION',
): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw validationError(what, issuesFromZod(result.error.issues), code, result.error);
}
