import type { NatsConnection } from '@nats-io/transport-node';
import { type Logger, LoggerSchema, parseInput, type Telemetry, TelemetrySchema } from '@threadline/core';
import { z } from 'zod';
import type { NatsBusErrorContext } from './bus.js';

const TOKEN = /^[A-Za-z0-9_-]+$/;

/** Zod schema of the plain (serialisable) options of {@link createNatsEventBus}. */
export const NatsBusOptionsSchema = z
  .object({
    /** Server URL(s) to connect to (ignored when `connection` is given). Default `nats://127.0.0.1:4222`. */
    servers: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).optional(),
    /** Connection name shown by the server. */
    name: z.string().min(1).default('threadline'),
    /** The JetStream stream holding the events (default `THREADLINE`). */
    stream: z.string().regex(TOKEN, 'letters, digits, _ and - only').default('THREADLINE'),
    /** The first subject token (default `threadline`). */
    subjectPrefix: z.string().regex(TOKEN, 'letters, digits, _ and - only').default('threadline'),
    /** The stream's publish dedupe window (default 2 minutes). */
    duplicateWindowMs: z.number().int().min(1000).default(120_000),
    /** How long the stream keeps events (default 7 days). */
    maxAgeMs: z
      .number()
      .int()
      .min(1000)
      .default(7 * 86_400_000),
    /** The service name durable subscriptions are named after; without it subscriptions are ephemeral. */
    group: z.string().regex(TOKEN, 'letters, digits, _ and - only').optional(),
    /** How long the server waits for an acknowledgement before redelivering (default 30 s). */
    ackWaitMs: z.number().int().min(100).default(30_000),
    /** Deliveries before an event goes to the dead-letter subject (default 5). */
    maxDeliver: z.number().int().min(1).max(1000).default(5),
    /** Delay before the n-th redelivery after a handler failure; the last repeats (default 1 s, 5 s, 30 s). */
    retryDelaysMs: z.array(z.number().int().nonnegative()).min(1).default([1000, 5000, 30_000]),
    /** Messages a subscription handles at once (different aggregates only; default 1). */
    maxInFlight: z.number().int().min(1).max(10_000).default(1),
  })
  .strict();

/** Options for {@link createNatsEventBus}. */
export type NatsBusOptions = z.input<typeof NatsBusOptionsSchema> & {
  /** A connection you opened (`connect` from `@nats-io/transport-node`); the bus does not close it. */
  connection?: NatsConnection;
  /** Called for every handler failure, undecodable message and consumer problem. */
  onError?: (error: unknown, context: NatsBusErrorContext) => void;
  /**
   * Tracing and metrics (default: none): publishes in producer spans that stamp W3C trace context
   * into the envelopes, handlers in consumer spans that continue the producer's trace, and
   * `threadline.bus.*` counters (published, consumed, redeliveries). See `createTelemetry`.
   */
  telemetry?: Telemetry;
  /** Structured logger for handler failures, dead letters and consumer problems (default: silent). */
  logger?: Logger;
};

/** Validated options. */
export type ParsedNatsBusOptions = z.output<typeof NatsBusOptionsSchema> &
  Pick<NatsBusOptions, 'onError'> & { telemetry: Telemetry | undefined; logger: Logger | undefined };

/** Validates the options (`CONFIG` error naming each bad field). */
export function parseNatsBusOptions(options: NatsBusOptions): ParsedNatsBusOptions {
  const { connection: _connection, onError, telemetry, logger, ...plain } = options;
  const parsed = parseInput(NatsBusOptionsSchema, plain, 'NATS bus options', 'CONFIG');
  const hooks = parseInput(
    z.object({ telemetry: TelemetrySchema.optional(), logger: LoggerSchema.optional() }),
    { telemetry, logger },
    'NATS bus options',
    'CONFIG',
  );
  const withHooks = { ...parsed, telemetry: hooks.telemetry, logger: hooks.logger };
  return onError ? { ...withHooks, onError } : withHooks;
}
