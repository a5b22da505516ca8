import { type Logger, LoggerSchema, parseInput, type Telemetry, TelemetrySchema } from '@threadline/core';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { RedisBusErrorContext } from './bus.js';

const TOKEN = /^[A-Za-z0-9_-]+$/;

/** Zod schema of the plain (serialisable) options of {@link createRedisEventBus}. */
export const RedisBusOptionsSchema = z
  .object({
    /** `redis://…` URL (ignored when `client` is given). Default `redis://127.0.0.1:6379`. */
    url: z.string().min(1).optional(),
    /** The first key segment (default `threadline`). */
    keyPrefix: z.string().regex(TOKEN, 'letters, digits, _ and - only').default('threadline'),
    /** The service name durable subscriptions (consumer groups) are named after; without it subscriptions are ephemeral. */
    group: z.string().regex(TOKEN, 'letters, digits, _ and - only').optional(),
    /** This process's consumer name within groups (default: random per bus). */
    consumer: z.string().regex(TOKEN, 'letters, digits, _ and - only').optional(),
    /** Entries another consumer holds unacknowledged this long are claimed (its process is presumed dead; default 30 s). */
    claimIdleMs: z.number().int().min(10).default(30_000),
    /** How often pending entries are checked for retry and claiming (default 1 s). */
    claimIntervalMs: z.number().int().min(5).default(1000),
    /** Deliveries before an entry goes to the dead-letter stream (default 5). */
    maxDeliver: z.number().int().min(1).max(1000).default(5),
    /** Delay before the n-th retry after a handler threw; the last repeats (default 1 s, 5 s, 30 s). */
    retryDelaysMs: z.array(z.number().int().nonnegative()).min(1).default([1000, 5000, 30_000]),
    /** Entries a subscription handles at once (different aggregates only; default 1). */
    maxInFlight: z.number().int().min(1).max(10_000).default(1),
    /** Entries read per call (default 100). */
    batchSize: z.number().int().min(1).max(10_000).default(100),
    /**
     * Durable subscriptions check the seen ids of a read batch in one pipelined round trip and
     * acknowledge handled entries (`SET seen` + `XACK`) in one pipeline per batch (default `true`).
     * `false` makes two round trips per entry, as before 0.2 (kept for comparison).
     */
    pipelineAcks: z.boolean().default(true),
    /** How long a read blocks waiting for entries (default 1 s; bounds how fast `close` returns). */
    blockMs: z.number().int().min(1).max(60_000).default(1000),
    /** How long handled event ids are remembered to skip duplicates (default 24 h). */
    dedupeTtlMs: z.number().int().min(1000).default(86_400_000),
    /** Approximate maximum entries per stream (`XADD MAXLEN ~`); default 1,000,000. */
    maxLen: z.number().int().min(1).default(1_000_000),
    /** How often subscriptions look for streams created since (default 1 s). */
    discoveryIntervalMs: z.number().int().min(5).default(1000),
  })
  .strict();

/** Options for {@link createRedisEventBus}. */
export type RedisBusOptions = z.input<typeof RedisBusOptionsSchema> & {
  /** A client you opened (`new Redis(...)` from `ioredis`); the bus duplicates it for blocking reads and does not close it. */
  client?: Redis;
  /** Called for every handler failure, undecodable entry and consumer problem. */
  onError?: (error: unknown, context: RedisBusErrorContext) => void;
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
export type ParsedRedisBusOptions = z.output<typeof RedisBusOptionsSchema> &
  Pick<RedisBusOptions, 'onError'> & { telemetry: Telemetry | undefined; logger: Logger | undefined };

/** Validates the options (`CONFIG` error naming each bad field). */
export function parseRedisBusOptions(options: RedisBusOptions): ParsedRedisBusOptions {
  const { client: _client, onError, telemetry, logger, ...plain } = options;
  const parsed = parseInput(RedisBusOptionsSchema, plain, 'Redis bus options', 'CONFIG');
  const hooks = parseInput(
    z.object({ telemetry: TelemetrySchema.optional(), logger: LoggerSchema.optional() }),
    { telemetry, logger },
    'Redis bus options',
    'CONFIG',
  );
  const withHooks = { ...parsed, telemetry: hooks.telemetry, logger: hooks.logger };
  return onError ? { ...withHooks, onError } : withHooks;
}
