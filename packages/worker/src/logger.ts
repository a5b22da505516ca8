/**
 * A structured logger, pino-compatible: `logger.info({ partition: 3 }, 'partition acquired')`.
 * Pass a pino instance (or anything with these methods); the node is silent without one.
 */
export interface WorkerLogger {
  debug(fields: Record<string, unknown>, message: string): void;
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

/** The logger used when none is given: it drops everything. */
export const silentLogger: WorkerLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
