import { z } from 'zod';
import { parseInput } from '../errors.js';

/**
 * One logging method, pino style: structured fields first, then an optional message
 * (`log.info({ taskId }, 'task submitted')`), or a message alone (`log.warn('slow poll')`).
 */
export interface LogFn {
  (fields: Record<string, unknown>, message?: string): void;
  (message: string): void;
}

/**
 * The structured logger Threadline packages write to: the subset of pino's interface they use,
 * so a pino (or pino-compatible) logger can be passed as is. The default is {@link noopLogger}:
 * library code never logs through `console`.
 *
 * @example
 * ```ts
 * import pino from 'pino';
 * const relay = createOutboxRelay({ storage, bus, logger: pino() });
 * ```
 */
export interface Logger {
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
  /** A logger that adds `bindings` to every record it writes. */
  child(bindings: Record<string, unknown>): Logger;
}

const noop = (): void => undefined;

/** The silent default logger: every method does nothing and `child` returns itself. */
export const noopLogger: Logger = Object.freeze({
  debug: noop,
  info: noop,
  warn: noop,
  error: noop,
  child: () => noopLogger,
});

const LOGGER_METHODS = ['debug', 'info', 'warn', 'error', 'child'] as const;

/** Zod schema accepting any object with the {@link Logger} methods (for option schemas). */
export const LoggerSchema = z.custom<Logger>(
  (v) =>
    typeof v === 'object' &&
    v !== null &&
    LOGGER_METHODS.every((m) => typeof (v as Record<string, unknown>)[m] === 'function'),
  'expected a logger with debug, info, warn, error and child methods',
);

/**
 * Validates a logger option (`VALIDATION` error naming the missing methods' field) and returns it,
 * or {@link noopLogger} when none was given.
 */
export function resolveLogger(logger: unknown, path = 'logger'): Logger {
  if (logger === undefined) return noopLogger;
  return parseInput(z.object({ [path]: LoggerSchema }), { [path]: logger }, 'logger')[path] as Logger;
}

/** One record kept by {@link createMemoryLogger}. */
export interface LogRecord {
  level: 'debug' | 'info' | 'warn' | 'error';
  /** The child bindings and the record's own fields, merged (the record's win). */
  fields: Record<string, unknown>;
  message?: string;
}

/** A {@link Logger} that keeps its records in memory, for tests and diagnostics. */
export interface MemoryLogger extends Logger {
  /** Every record written through this logger or its children, oldest first. */
  readonly records: LogRecord[];
}

/**
 * Creates a logger that keeps records in memory (children share the parent's list).
 *
 * @example
 * ```ts
 * const logger = createMemoryLogger();
 * logger.child({ component: 'relay' }).warn({ attempts: 3 }, 'publish failed');
 * logger.records[0]; // { level: 'warn', fields: { component: 'relay', attempts: 3 }, message: 'publish failed' }
 * ```
 */
export function createMemoryLogger(): MemoryLogger {
  const records: LogRecord[] = [];
  const make = (bindings: Record<string, unknown>): MemoryLogger => {
    const at =
      (level: LogRecord['level']): LogFn =>
      (first: Record<string, unknown> | string, message?: string) => {
        const record: LogRecord =
          typeof first === 'string'
            ? { level, fields: { ...bindings }, message: first }
            : { level, fields: { ...bindings, ...first } };
        if (typeof first !== 'string' && message !== undefined) record.message = message;
        records.push(record);
      };
    return {
      records,
      debug: at('debug'),
      info: at('info'),
      warn: at('warn'),
      error: at('error'),
      child: (more) => make({ ...bindings, ...more }),
    };
  };
  return make({});
}
