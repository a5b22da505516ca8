import { randomBytes } from 'node:crypto';
import {
  type EventBus,
  type EventEnvelope,
  type EventHandler,
  type EventPattern,
  type EventsMatching,
  noopLogger,
  noopTelemetry,
  publishEvents,
  ThreadlineError,
  type Unsubscribe,
} from '@threadline/core';
import { Redis } from 'ioredis';
import { familyOf, registryKey, streamKey } from './keys.js';
import { parseRedisBusOptions, type RedisBusOptions } from './options.js';
import { type RunningSubscription, startSubscription } from './subscription.js';

/** Where a delivery problem happened, for the `onError` option. */
export interface RedisBusErrorContext {
  /** `handler`: a handler threw (retried, or dead-lettered after `maxDeliver`); `decode`: an entry was not an event (dead-lettered); `consumer`: a read, claim or acknowledgement failed. */
  stage: 'handler' | 'decode' | 'consumer';
  pattern: string;
  /** The consumer group (absent for ephemeral subscriptions). */
  durable?: string;
  eventId?: string;
  eventType?: string;
  /** Deliveries of this entry so far, including this one. */
  deliveries?: number;
  /** `true` when the entry went to the dead-letter stream. */
  deadLettered?: boolean;
}

/** Counters of a Redis bus since it was created. */
export interface RedisBusStats {
  /** Events added to streams. */
  published: number;
  /** Entries skipped because a handler of the group had already handled their event id. */
  duplicates: number;
  /** Handler calls that succeeded. */
  delivered: number;
  /** Handler calls that threw. */
  failed: number;
  /** Entries handled again after a failure or a dead consumer. */
  redelivered: number;
  /** Entries moved to a dead-letter stream. */
  deadLettered: number;
  /** Subscriptions currently reading. */
  subscriptions: number;
}

/** Options of one subscription on a {@link RedisEventBus}. */
export interface RedisSubscribeOptions {
  /**
   * The consumer group. Subscriptions with the same group — in this process or another — share
   * its entries and resume where it stopped. Defaults to `<group>__<pattern>__<n>` when the bus has
   * a `group`; without either the subscription is ephemeral (entries added while it exists).
   */
  durable?: string;
  /** Where a group created now starts: `new` (default) or `all` entries still in the streams. */
  startFrom?: 'new' | 'all';
}

/** An {@link EventBus} on Redis Streams (see {@link createRedisEventBus}). */
export interface RedisEventBus<E extends EventEnvelope = EventEnvelope> extends EventBus<E> {
  subscribe<P extends EventPattern<E>>(
    pattern: P,
    handler: EventHandler<EventsMatching<E, P & string>>,
    options?: RedisSubscribeOptions,
  ): Unsubscribe;
  /** Resolves when every subscription made so far is reading. */
  ready(): Promise<void>;
  stats(): RedisBusStats;
  /** Stops every subscription and, when the bus opened the connection, closes it. */
  close(): Promise<void>;
}

/**
 * Creates an event bus on Redis Streams: one stream per tenant and event family
 * (`threadline:<tenant>:<family>`, trimmed to about `maxLen` entries), consumer groups for
 * durable subscriptions shared across processes, `XAUTOCLAIM` of entries a dead consumer left,
 * retries with backoff and a dead-letter stream after `maxDeliver`, and dedupe on handling by
 * event id (remembered for `dedupeTtlMs`), since a stream stores a publisher's retry twice.
 *
 * @example
 * ```ts
 * const bus = createRedisEventBus({ url: 'redis://127.0.0.1:6379', group: 'billing' });
 * bus.subscribe('case.*', async (e) => invoice(e)); // consumer group 'billing__case_all__0'
 * await bus.publish(events);
 * ```
 */
export function createRedisEventBus<E extends EventEnvelope = EventEnvelope>(
  options: RedisBusOptions,
): RedisEventBus<E> {
  const config = parseRedisBusOptions(options);
  const client =
    options.client ??
    new Redis(config.url ?? 'redis://127.0.0.1:6379', { lazyConnect: false, maxRetriesPerRequest: 3 });
  if (!options.client) client.on('error', () => undefined); // reconnects; commands report failures
  const consumer = config.consumer ?? `c-${randomBytes(6).toString('hex')}`;
  const counts: Omit<RedisBusStats, 'subscriptions'> = {
    published: 0,
    duplicates: 0,
    delivered: 0,
    failed: 0,
    redelivered: 0,
    deadLettered: 0,
  };
  const telemetry = config.telemetry ?? noopTelemetry;
  const log = (config.logger ?? noopLogger).child({ component: 'redis-bus', keyPrefix: config.keyPrefix });
  const report = (error: unknown, context: RedisBusErrorContext) => {
    log[context.stage === 'handler' && !context.deadLettered ? 'warn' : 'error'](
      { ...context, err: error instanceof Error ? error.message : String(error) },
      `Redis bus ${context.stage} problem`,
    );
    try {
      config.onError?.(error, context);
    } catch {
      // A failing error reporter must not stop delivery.
    }
  };
  const subscriptions = new Set<RunningSubscription>();
  const perPattern = new Map<string, number>();
  let closed = false;

  async function publishNow(events: readonly EventEnvelope[]): Promise<void> {
    await bus.ready();
    const keys = new Set<string>();
    const batch = client.multi();
    for (const e of events) {
      const key = streamKey(config.keyPrefix, e.tenantId ?? 'default', familyOf(e.type));
      keys.add(key);
      batch.xadd(
        key,
        'MAXLEN',
        '~',
        config.maxLen,
        '*',
        'event',
        JSON.stringify(e),
        'aggregate',
        `${e.aggregateType}:${e.aggregateId}`,
      );
    }
    batch.sadd(registryKey(config.keyPrefix), ...keys);
    let results: [Error | null, unknown][] | null;
    try {
      results = await batch.exec();
    } catch (error) {
      throw new ThreadlineError('ADAPTER', 'Redis did not accept the events (retry: handlers dedupe by id)', {
        cause: error,
      });
    }
    const failed = results?.find(([error]) => error !== null);
    if (!results || failed) {
      throw new ThreadlineError('ADAPTER', 'Redis did not accept the events (retry: handlers dedupe by id)', {
        cause: failed?.[0],
      });
    }
    counts.published += events.length;
  }

  const bus: RedisEventBus<E> = {
    async publish(input) {
      if (closed) throw new ThreadlineError('CONFLICT', 'this Redis bus is closed');
      const events = (Array.isArray(input) ? input : [input]) as readonly EventEnvelope[];
      if (events.length === 0) return;
      await publishEvents(telemetry, 'redis', events, publishNow);
    },

    subscribe(pattern, handler, subscribeOptions = {}) {
      if (closed) throw new ThreadlineError('CONFLICT', 'this Redis bus is closed');
      let durable = subscribeOptions.durable;
      if (durable === undefined && config.group !== undefined) {
        const n = perPattern.get(pattern) ?? 0;
        perPattern.set(pattern, n + 1);
        durable = `${config.group}__${pattern.replace(/\*/g, 'all').replace(/[^A-Za-z0-9_.-]/g, '_')}__${n}`;
      }
      const sub = startSubscription(
        { client, config, counts, report, consumer, telemetry },
        pattern,
        handler as (e: EventEnvelope) => unknown,
        durable,
        subscribeOptions.startFrom ?? 'new',
      );
      sub.started.catch((error: unknown) =>
        report(error, { stage: 'consumer', pattern, ...(durable ? { durable } : {}) }),
      );
      subscriptions.add(sub);
      return () => {
        if (!subscriptions.delete(sub)) return;
        void sub.stop();
      };
    },

    async ready() {
      await Promise.all([...subscriptions].map((s) => s.started.catch(() => undefined)));
    },

    stats() {
      return { ...counts, subscriptions: subscriptions.size };
    },

    async close() {
      if (closed) return;
      closed = true;
      await Promise.all([...subscriptions].map((s) => s.stop()));
      subscriptions.clear();
      if (!options.client) await client.quit().catch(() => undefined);
    },
  };
  return bus;
}
