import { consumeEvent, type EventEnvelope, METRICS, parseEvent, type Telemetry } from '@threadline/core';
import type { Redis } from 'ioredis';
import type { RedisBusErrorContext, RedisBusStats } from './bus.js';
import { deadKey, familyOf, registryKey, streamMatches, typeMatches } from './keys.js';
import type { ParsedRedisBusOptions } from './options.js';

/** One stream entry as ioredis returns it: `[id, [field, value, …]]`. */
type Entry = [string, string[]];

/** What a subscription needs from its bus. */
export interface SubscriptionContext {
  client: Redis;
  config: ParsedRedisBusOptions;
  counts: Omit<RedisBusStats, 'subscriptions'>;
  report: (error: unknown, context: RedisBusErrorContext) => void;
  consumer: string;
  telemetry: Telemetry;
}

/** Event ids a subscription handled lately, checked before Redis (duplicates within a read batch). */
const RECENT_IDS = 10_000;

/** A running subscription: its loop, and how to stop it. */
export interface RunningSubscription {
  readonly pattern: string;
  readonly durable: string | undefined;
  /** Resolves once the subscription reads (its groups exist, its start id is fixed). */
  readonly started: Promise<void>;
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Starts reading the streams a pattern can match: with a consumer group (`durable`) entries are
 * acknowledged after their handler settles, failed ones are retried after the configured delays
 * and dead-lettered after `maxDeliver`, entries another consumer left unacknowledged for
 * `claimIdleMs` are claimed, and handled ids are remembered for `dedupeTtlMs` so a duplicate entry
 * (a publisher's retry) is skipped; without one, entries are read from the subscription's start.
 */
export function startSubscription(
  ctx: SubscriptionContext,
  pattern: string,
  handler: (event: EventEnvelope) => unknown,
  durable: string | undefined,
  startFrom: 'new' | 'all',
): RunningSubscription {
  const { client, config, counts } = ctx;
  const prefix = config.keyPrefix;
  const reader = client.duplicate();
  // A blocked read keeps the loop from seeing `stop`; disconnecting the reader ends it.
  reader.on('error', () => undefined);
  let stopped = false;
  let signalStop: () => void = () => undefined;
  const stopSignal = new Promise<void>((r) => {
    signalStop = r;
  });
  const positions = new Map<string, string>(); // stream key → last id read (ephemeral) or '>' (group)
  let startId = '0';
  let lastDiscovery = 0;
  const retries = new Map<string, { key: string; id: string; deliveries: number; dueAt: number }>();
  const chains = new Map<string, Promise<void>>();
  const inFlight = new Set<Promise<void>>();
  const redeliveries = ctx.telemetry.counter(METRICS.redeliveries, {
    description: 'Deliveries after the first',
  });
  // Pipelined acknowledgements: `SET seen` + `XACK` of handled entries, flushed in one round trip
  // per read batch (or every `batchSize` entries) instead of one per entry.
  let acks = client.pipeline();
  let ackCount = 0;
  let ackFlush: Promise<void> = Promise.resolve();
  const recent = new Set<string>();
  // Seen flags prefetched for a read batch: entry id → handled before by the group.
  const seenBefore = new Map<string, boolean>();
  const where = (extra: Partial<RedisBusErrorContext> = {}): RedisBusErrorContext => ({
    stage: 'consumer',
    pattern,
    ...(durable ? { durable } : {}),
    ...extra,
  });

  async function discover(): Promise<void> {
    lastDiscovery = Date.now();
    const keys = await client.smembers(registryKey(prefix));
    for (const key of keys.sort()) {
      if (positions.has(key) || !streamMatches(prefix, key, pattern)) continue;
      if (durable) {
        try {
          await client.xgroup('CREATE', key, durable, startId, 'MKSTREAM');
        } catch (error) {
          if (!String((error as Error).message).includes('BUSYGROUP')) throw error;
        }
        positions.set(key, '>');
      } else positions.set(key, startId);
    }
  }

  const started = (async () => {
    if (startFrom === 'new') {
      // Stream ids are server milliseconds: everything added from now on sorts after the last
      // possible id of the previous millisecond (an entry added in this very millisecond may be
      // `<now>-0`, which a start id of `<now>-0` would skip, since reads return ids after it).
      const [seconds, micros] = await client.time();
      const now = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
      startId = `${now - 1}-18446744073709551615`;
    }
    await discover();
  })();

  async function handle(key: string, id: string, fields: string[], deliveries: number): Promise<void> {
    // Read just before `stop`: leave it (a group's entry stays pending for another consumer).
    if (stopped) return;
    let event: EventEnvelope;
    try {
      const json = fields[fields.indexOf('event') + 1];
      event = parseEvent(JSON.parse(json ?? ''));
    } catch (error) {
      ctx.report(error, where({ stage: 'decode' }));
      if (durable) {
        await client
          .multi()
          .xadd(`${prefix}:dead:undecodable`, '*', ...fields, 'stream', key, 'entry', id)
          .xack(key, durable, id)
          .exec();
      }
      return;
    }
    if (!typeMatches(event.type, pattern)) {
      if (durable) await client.xack(key, durable, id);
      return;
    }
    const seen = durable ? `${prefix}:seen:${durable}:${event.id}` : '';
    if (durable) {
      const prefetched = seenBefore.get(id);
      seenBefore.delete(id);
      // Handled here lately, or by the group as of the batch's prefetch; else ask Redis.
      let duplicate = recent.has(event.id) || prefetched === true;
      if (!duplicate && prefetched === undefined) duplicate = (await client.exists(seen)) === 1;
      if (duplicate) {
        counts.duplicates++;
        if (config.pipelineAcks) queueAck(key, id);
        else await client.xack(key, durable, id);
        return;
      }
    }
    if (deliveries > 1) {
      counts.redelivered++;
      redeliveries.add(1, { 'messaging.system': 'redis', ...(durable ? { durable } : {}) });
    }
    try {
      await consumeEvent(ctx.telemetry, 'redis', event, () => handler(event), {
        'messaging.destination.name': pattern,
        'messaging.delivery_count': deliveries,
        ...(durable ? { 'messaging.consumer.group.name': durable } : {}),
      });
      counts.delivered++;
      if (durable && config.pipelineAcks) {
        remember(event.id);
        queueAck(key, id, seen);
      } else if (durable)
        await client.multi().set(seen, '1', 'PX', config.dedupeTtlMs).xack(key, durable, id).exec();
    } catch (error) {
      counts.failed++;
      const context = where({ stage: 'handler', eventId: event.id, eventType: event.type, deliveries });
      if (!durable) {
        ctx.report(error, context);
        return;
      }
      if (deliveries >= config.maxDeliver) {
        const message = error instanceof Error ? error.message : String(error);
        await client
          .multi()
          .xadd(
            deadKey(prefix, event.tenantId ?? 'default', familyOf(event.type)),
            '*',
            'event',
            JSON.stringify(event),
            'error',
            message.slice(0, 1000),
            'deliveries',
            String(deliveries),
            'group',
            durable,
          )
          .xack(key, durable, id)
          .exec();
        counts.deadLettered++;
        ctx.report(error, { ...context, deadLettered: true });
        return;
      }
      ctx.report(error, context);
      const delay = config.retryDelaysMs[Math.min(deliveries - 1, config.retryDelaysMs.length - 1)] ?? 0;
      retries.set(`${key} ${id}`, { key, id, deliveries, dueAt: Date.now() + delay });
    }
  }

  function remember(eventId: string): void {
    recent.add(eventId);
    if (recent.size > RECENT_IDS) recent.delete(recent.values().next().value as string);
  }

  function queueAck(key: string, id: string, seen?: string): void {
    if (seen !== undefined) acks.set(seen, '1', 'PX', config.dedupeTtlMs);
    acks.xack(key, durable as string, id);
    ackCount++;
    if (ackCount >= config.batchSize) void flushAcks();
  }

  /** Sends the queued acknowledgements in one round trip; resolves when Redis answered. */
  function flushAcks(): Promise<void> {
    if (ackCount === 0) return ackFlush;
    const batch = acks;
    acks = client.pipeline();
    ackCount = 0;
    const previous = ackFlush;
    ackFlush = (async () => {
      await previous;
      try {
        const results = (await batch.exec()) ?? [];
        const failed = results.find(([error]) => error !== null);
        if (failed) ctx.report(failed[0], where());
      } catch (error) {
        // Unacknowledged entries stay pending: another read claims and dedupes them.
        ctx.report(error, where());
      }
    })();
    return ackFlush;
  }

  /** One `EXISTS` round trip for a read batch's event ids (durable subscriptions). */
  async function prefetchSeen(entries: readonly Entry[]): Promise<void> {
    const pipe = client.pipeline();
    const ids: string[] = [];
    for (const [id, fields] of entries) {
      const json = fields[fields.indexOf('event') + 1];
      const match = json === undefined ? null : /"id":"((?:[^"\\]|\\.)*)"/.exec(json);
      if (!match) continue; // undecodable or odd: handle() checks it alone
      let eventId: string;
      try {
        eventId = JSON.parse(`"${match[1]}"`) as string;
      } catch {
        continue;
      }
      ids.push(id);
      pipe.exists(`${prefix}:seen:${durable}:${eventId}`);
    }
    if (ids.length === 0) return;
    const results = (await pipe.exec()) ?? [];
    ids.forEach((id, i) => {
      const [error, value] = results[i] ?? [new Error('no reply'), 0];
      if (error === null) seenBefore.set(id, value === 1);
    });
  }

  async function dispatch(key: string, entry: Entry, deliveries: number): Promise<void> {
    // One aggregate at a time in stream order; different aggregates overlap up to maxInFlight.
    const [id, fields] = entry;
    const aggregate = fields[fields.indexOf('aggregate') + 1] ?? key;
    const previous = chains.get(aggregate) ?? Promise.resolve();
    const run = previous.then(() =>
      handle(key, id, fields, deliveries).catch((error: unknown) => ctx.report(error, where())),
    );
    const tracked = run.finally(() => {
      inFlight.delete(tracked);
      if (chains.get(aggregate) === tracked) chains.delete(aggregate);
    });
    chains.set(aggregate, tracked);
    inFlight.add(tracked);
    if (inFlight.size >= config.maxInFlight) await Promise.race([...inFlight, stopSignal]);
  }

  async function deliveriesOf(key: string, id: string): Promise<number> {
    const rows = (await client.xpending(key, durable as string, 'IDLE', 0, id, id, 1)) as [
      string,
      string,
      number,
      number,
    ][];
    return rows[0]?.[3] ?? 1;
  }

  async function retryAndClaim(): Promise<void> {
    if (!durable) return;
    const now = Date.now();
    for (const [ref, r] of retries) {
      if (r.dueAt > now) continue;
      retries.delete(ref);
      const claimed = (await client.xclaim(r.key, durable, ctx.consumer, 0, r.id)) as Entry[];
      for (const entry of claimed) await dispatch(r.key, entry, r.deliveries + 1);
    }
    for (const key of positions.keys()) {
      // Entries a dead (or stuck) consumer took and never acknowledged.
      const result = (await client.xautoclaim(
        key,
        durable,
        ctx.consumer,
        config.claimIdleMs,
        '0-0',
        'COUNT',
        100,
      )) as [string, Entry[]];
      for (const entry of result[1] ?? []) {
        if (!entry || entry[1] === null) continue; // deleted by trimming
        await dispatch(key, entry, await deliveriesOf(key, entry[0]));
      }
    }
  }

  const loop = (async () => {
    await started;
    let lastClaim = Date.now();
    while (!stopped) {
      try {
        if (Date.now() - lastDiscovery >= config.discoveryIntervalMs) await discover();
        if (
          durable &&
          Date.now() - lastClaim >=
            Math.min(config.claimIntervalMs, ...config.retryDelaysMs.map((d) => Math.max(d, 5)))
        ) {
          lastClaim = Date.now();
          await retryAndClaim();
        }
        if (positions.size === 0) {
          await sleep(Math.min(config.discoveryIntervalMs, 50));
          continue;
        }
        const keys = [...positions.keys()];
        const ids = keys.map((k) => positions.get(k) as string);
        const block = Math.min(config.blockMs, durable && retries.size > 0 ? 20 : config.blockMs);
        const result = (
          durable
            ? await reader.xreadgroup(
                'GROUP',
                durable,
                ctx.consumer,
                'COUNT',
                config.batchSize,
                'BLOCK',
                block,
                'STREAMS',
                ...keys,
                ...ids,
              )
            : await reader.xread('COUNT', config.batchSize, 'BLOCK', block, 'STREAMS', ...keys, ...ids)
        ) as [string, Entry[]][] | null;
        if (durable && config.pipelineAcks) {
          await prefetchSeen((result ?? []).flatMap(([, entries]) => entries));
        }
        for (const [key, entries] of result ?? []) {
          for (const entry of entries) {
            if (stopped) break;
            if (!durable) positions.set(key, entry[0]);
            await dispatch(key, entry, 1);
          }
        }
        if (durable && config.pipelineAcks) {
          // Acknowledge what this batch handled before reading the next (one round trip).
          await Promise.race([Promise.all(inFlight), stopSignal]);
          await flushAcks();
        }
      } catch (error) {
        if (stopped) break;
        ctx.report(error, where());
        await sleep(100);
      }
    }
  })();

  return {
    pattern,
    durable,
    started,
    async stop() {
      if (stopped) return;
      stopped = true;
      signalStop();
      reader.disconnect();
      // Handlers still running finish on their own; a hung one must not hang `close`.
      await loop.catch(() => undefined);
      await flushAcks();
    },
  };
}
