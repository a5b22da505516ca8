import {
  AckPolicy,
  DeliverPolicy,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
  jetstream,
  jetstreamManager,
  StorageType,
} from '@nats-io/jetstream';
import { connect, headers, type NatsConnection } from '@nats-io/transport-node';
import {
  consumeEvent,
  type EventBus,
  type EventEnvelope,
  type EventHandler,
  type EventPattern,
  type EventsMatching,
  METRICS,
  noopLogger,
  noopTelemetry,
  parseEvent,
  publishEvents,
  ThreadlineError,
  type Unsubscribe,
} from '@threadline/core';
import { type NatsBusOptions, parseNatsBusOptions } from './options.js';
import { consumerName, eventSubject, patternSubject } from './subjects.js';

/** Where a delivery problem happened, for the `onError` option of {@link NatsBusOptions}. */
export interface NatsBusErrorContext {
  /** `handler`: a handler threw (the event is retried, or dead-lettered after `maxDeliver`); `decode`: a message was not an event (terminated); `consumer`: a consumer stopped or could not start. */
  stage: 'handler' | 'decode' | 'consumer';
  pattern: string;
  /** The consumer's durable name (absent for ephemeral subscriptions). */
  durable?: string;
  eventId?: string;
  eventType?: string;
  /** Deliveries of this message so far, including this one. */
  deliveries?: number;
  /** `true` when the message went to the dead-letter subject. */
  deadLettered?: boolean;
}

/** Counters of a NATS bus since it was created. */
export interface NatsBusStats {
  /** Events accepted by the stream. */
  published: number;
  /** Publishes the stream dropped as duplicates of an event id seen in its duplicate window. */
  duplicates: number;
  /** Handler calls that succeeded (and were acknowledged). */
  delivered: number;
  /** Handler calls that threw. */
  failed: number;
  /** Messages that arrived again after a failure, a timeout or a dead consumer. */
  redelivered: number;
  /** Messages moved to the dead-letter subject after `maxDeliver` failures. */
  deadLettered: number;
  /** Subscriptions currently consuming. */
  subscriptions: number;
}

/** Options of one subscription on a {@link NatsEventBus}. */
export interface NatsSubscribeOptions {
  /**
   * The durable consumer's name. Subscriptions with the same name — in this process or any other —
   * share its messages (each event goes to one of them) and resume where it stopped. Defaults to
   * `<group>__<pattern>__<n>` when the bus has a `group`; without either, the subscription is
   * ephemeral (only events published while it exists, no redelivery).
   */
  durable?: string;
  /** Where a durable consumer created now starts: `new` (default) or `all` retained events. */
  startFrom?: 'new' | 'all';
}

/** An {@link EventBus} on NATS JetStream (see {@link createNatsEventBus}). */
export interface NatsEventBus<E extends EventEnvelope = EventEnvelope> extends EventBus<E> {
  subscribe<P extends EventPattern<E>>(
    pattern: P,
    handler: EventHandler<EventsMatching<E, P & string>>,
    options?: NatsSubscribeOptions,
  ): Unsubscribe;
  /** Resolves when the stream exists and every subscription made so far is consuming. */
  ready(): Promise<void>;
  stats(): NatsBusStats;
  /** Stops every subscription and, when the bus opened the connection, drains and closes it. */
  close(): Promise<void>;
}

interface Subscription {
  pattern: string;
  durable?: string;
  stop: () => void;
  started: Promise<void>;
}

const NS_PER_MS = 1_000_000;

/**
 * Creates an event bus on NATS JetStream. Events are published on
 * `<prefix>.<tenant>.<aggregate>.<event>` with the event id as `Nats-Msg-Id`, so a publisher's
 * retry within the stream's duplicate window is stored once. The stream (and a dead-letter stream)
 * is created idempotently. Durable subscriptions acknowledge each event after its handler
 * settles; a throwing handler's event is redelivered after `retryDelaysMs`, and after
 * `maxDeliver` deliveries it moves to `<prefix>-dead.<tenant>.<aggregate>.<event>` with the error
 * in headers. Within a subscription, events of one aggregate are handled one at a time, in stream
 * order.
 *
 * @example
 * ```ts
 * const bus = createNatsEventBus({ servers: 'nats://127.0.0.1:4222', group: 'billing' });
 * bus.subscribe('case.*', async (e) => invoice(e)); // durable consumer 'billing__case_all__0'
 * await bus.publish(events);
 * ```
 */
export function createNatsEventBus<E extends EventEnvelope = EventEnvelope>(
  options: NatsBusOptions,
): NatsEventBus<E> {
  const config = parseNatsBusOptions(options);
  const { subjectPrefix: prefix, stream } = config;
  const deadStream = `${stream}_DEAD`;
  const deadPrefix = `${prefix}-dead`;
  const counts: Omit<NatsBusStats, 'subscriptions'> = {
    published: 0,
    duplicates: 0,
    delivered: 0,
    failed: 0,
    redelivered: 0,
    deadLettered: 0,
  };
  const subscriptions = new Set<Subscription>();
  const perPattern = new Map<string, number>();
  let closed = false;
  const telemetry = config.telemetry ?? noopTelemetry;
  const log = (config.logger ?? noopLogger).child({ component: 'nats-bus', stream });
  const redeliveries = telemetry.counter(METRICS.redeliveries, { description: 'Deliveries after the first' });

  const report = (error: unknown, context: NatsBusErrorContext) => {
    log[context.stage === 'handler' && !context.deadLettered ? 'warn' : 'error'](
      { ...context, err: error instanceof Error ? error.message : String(error) },
      `NATS bus ${context.stage} problem`,
    );
    try {
      config.onError?.(error, context);
    } catch {
      // A failing error reporter must not stop delivery.
    }
  };

  const connection: Promise<NatsConnection> = options.connection
    ? Promise.resolve(options.connection)
    : connect({ servers: config.servers ?? 'nats://127.0.0.1:4222', name: config.name });
  const setup = connection.then(async (nc) => {
    const jsm = await jetstreamManager(nc);
    await ensureStream(jsm, stream, [`${prefix}.>`], config);
    await ensureStream(jsm, deadStream, [`${deadPrefix}.>`], config);
    return { nc, jsm, js: jetstream(nc) };
  });
  // Keep an early failure from becoming an unhandled rejection; every operation awaits `setup`.
  setup.catch(() => undefined);

  async function deadLetter(js: JetStreamClient, m: JsMsg, event: EventEnvelope | undefined, error: unknown) {
    const h = headers();
    h.set(
      'Threadline-Error',
      error instanceof Error ? error.message.slice(0, 1000) : String(error).slice(0, 1000),
    );
    h.set('Threadline-Subject', m.subject);
    h.set('Threadline-Deliveries', String(m.info.deliveryCount));
    const subject = event
      ? eventSubject(deadPrefix, event.tenantId ?? 'default', event.type)
      : `${deadPrefix}.undecodable`;
    await js.publish(subject, m.data, { headers: h, ...(event ? { msgID: `dead-${event.id}` } : {}) });
  }

  async function handle(
    js: JetStreamClient,
    m: JsMsg,
    pattern: string,
    durable: string | undefined,
    handler: (e: EventEnvelope) => unknown,
  ): Promise<void> {
    let event: EventEnvelope;
    try {
      event = parseEvent(JSON.parse(new TextDecoder().decode(m.data)));
    } catch (error) {
      report(error, { stage: 'decode', pattern, ...(durable ? { durable } : {}) });
      if (durable) {
        await deadLetter(js, m, undefined, error).catch((e: unknown) =>
          report(e, { stage: 'consumer', pattern }),
        );
        m.term('not a Threadline event');
      }
      return;
    }
    const deliveries = durable ? m.info.deliveryCount : 1;
    if (deliveries > 1) {
      counts.redelivered++;
      redeliveries.add(1, { 'messaging.system': 'nats', ...(durable ? { durable } : {}) });
    }
    try {
      await consumeEvent(telemetry, 'nats', event, () => handler(event), {
        'messaging.destination.name': pattern,
        'messaging.delivery_count': deliveries,
        ...(durable ? { 'messaging.consumer.group.name': durable } : {}),
      });
      counts.delivered++;
      if (durable) m.ack();
    } catch (error) {
      counts.failed++;
      const context: NatsBusErrorContext = {
        stage: 'handler',
        pattern,
        eventId: event.id,
        eventType: event.type,
        deliveries,
        ...(durable ? { durable } : {}),
      };
      if (!durable) {
        report(error, context);
        return;
      }
      if (deliveries >= config.maxDeliver) {
        try {
          await deadLetter(js, m, event, error);
          m.term('dead-lettered');
          counts.deadLettered++;
          report(error, { ...context, deadLettered: true });
        } catch (dlError) {
          // Could not park it: let the server redeliver rather than lose it.
          m.nak(config.retryDelaysMs[config.retryDelaysMs.length - 1]);
          report(dlError, { ...context, stage: 'consumer' });
        }
        return;
      }
      report(error, context);
      const delay = config.retryDelaysMs[Math.min(deliveries - 1, config.retryDelaysMs.length - 1)] ?? 0;
      m.nak(delay);
    }
  }

  function consumeLoop(
    messages: AsyncIterable<JsMsg>,
    js: JetStreamClient,
    sub: Subscription,
    handler: (e: EventEnvelope) => unknown,
  ): Promise<void> {
    // Events of one aggregate run one at a time in arrival order; different aggregates overlap up
    // to `maxInFlight`.
    const chains = new Map<string, Promise<void>>();
    const inFlight = new Set<Promise<void>>();
    return (async () => {
      for await (const m of messages) {
        const key = aggregateKey(m);
        const previous = chains.get(key) ?? Promise.resolve();
        const run = previous.then(() => handle(js, m, sub.pattern, sub.durable, handler));
        const tracked = run.finally(() => {
          inFlight.delete(tracked);
          if (chains.get(key) === tracked) chains.delete(key);
        });
        chains.set(key, tracked);
        inFlight.add(tracked);
        if (inFlight.size >= config.maxInFlight) await Promise.race(inFlight);
      }
      await Promise.all(inFlight);
    })();
  }

  function aggregateKey(m: JsMsg): string {
    // The aggregate id travels in a header so ordering needs no decode.
    return m.headers?.get('Threadline-Aggregate') || m.subject;
  }

  async function publishNow(events: readonly EventEnvelope[]): Promise<void> {
    const { js } = await setup;
    await bus.ready();
    // Sent back to back on one connection, so the stream stores them in this order.
    const acks = events.map((e) => {
      const h = headers();
      h.set('Threadline-Aggregate', `${e.aggregateType}:${e.aggregateId}`);
      return js.publish(eventSubject(prefix, e.tenantId ?? 'default', e.type), JSON.stringify(e), {
        msgID: e.id,
        headers: h,
      });
    });
    const results = await Promise.allSettled(acks);
    let firstError: unknown;
    for (const r of results) {
      if (r.status === 'rejected') firstError ??= r.reason;
      else if (r.value.duplicate) counts.duplicates++;
      else counts.published++;
    }
    if (firstError !== undefined) {
      throw new ThreadlineError('ADAPTER', 'NATS JetStream did not accept every event (retry: ids dedupe)', {
        cause: firstError,
      });
    }
  }

  const bus: NatsEventBus<E> = {
    async publish(input) {
      if (closed) throw new ThreadlineError('CONFLICT', 'this NATS bus is closed');
      const events = (Array.isArray(input) ? input : [input]) as readonly EventEnvelope[];
      await publishEvents(telemetry, 'nats', events, (stamped) => publishNow(stamped), {
        'messaging.destination.name': stream,
      });
    },

    subscribe(pattern, handler, subscribeOptions = {}) {
      if (closed) throw new ThreadlineError('CONFLICT', 'this NATS bus is closed');
      const filter = patternSubject(prefix, pattern);
      let durable = subscribeOptions.durable;
      if (durable === undefined && config.group !== undefined) {
        const n = perPattern.get(pattern) ?? 0;
        perPattern.set(pattern, n + 1);
        durable = consumerName(`${config.group}__${pattern}__${n}`);
      }
      let stopIterator: (() => void) | undefined;
      let stopped = false;
      const sub: Subscription = {
        pattern,
        ...(durable ? { durable } : {}),
        stop: () => {
          stopped = true;
          stopIterator?.();
        },
        started: Promise.resolve(),
      };
      sub.started = (async () => {
        const { js, jsm } = await setup;
        const consumer = durable
          ? await (async () => {
              await ensureConsumer(jsm, stream, durable, filter, subscribeOptions.startFrom ?? 'new', config);
              return js.consumers.get(stream, durable);
            })()
          : await js.consumers.get(stream, { filter_subjects: filter, deliver_policy: DeliverPolicy.New });
        if (stopped) return;
        const messages = await consumer.consume({ max_messages: Math.max(16, config.maxInFlight * 2) });
        stopIterator = () => {
          void messages.close();
        };
        if (stopped) {
          stopIterator();
          return;
        }
        consumeLoop(messages, js, sub, handler as (e: EventEnvelope) => unknown).catch((error: unknown) => {
          if (!stopped && !closed)
            report(error, { stage: 'consumer', pattern, ...(durable ? { durable } : {}) });
        });
      })();
      sub.started.catch((error: unknown) =>
        report(error, { stage: 'consumer', pattern, ...(durable ? { durable } : {}) }),
      );
      subscriptions.add(sub);
      return () => {
        if (!subscriptions.delete(sub)) return;
        sub.stop();
      };
    },

    async ready() {
      await setup;
      await Promise.all([...subscriptions].map((s) => s.started));
    },

    stats() {
      return { ...counts, subscriptions: subscriptions.size };
    },

    async close() {
      if (closed) return;
      closed = true;
      for (const s of subscriptions) s.stop();
      subscriptions.clear();
      const nc = await connection.catch(() => undefined);
      if (nc && !options.connection) await nc.drain().catch(() => undefined);
    },
  };
  return bus;
}

async function ensureStream(
  jsm: JetStreamManager,
  name: string,
  subjects: string[],
  config: ReturnType<typeof parseNatsBusOptions>,
): Promise<void> {
  try {
    await jsm.streams.info(name);
    return;
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
  try {
    await jsm.streams.add({
      name,
      subjects,
      storage: StorageType.File,
      duplicate_window: config.duplicateWindowMs * NS_PER_MS,
      max_age: config.maxAgeMs * NS_PER_MS,
    });
  } catch (error) {
    // Another process created it between our look and our add.
    await jsm.streams.info(name).catch(() => {
      throw error;
    });
  }
}

async function ensureConsumer(
  jsm: JetStreamManager,
  stream: string,
  durable: string,
  filter: string,
  startFrom: 'new' | 'all',
  config: ReturnType<typeof parseNatsBusOptions>,
): Promise<void> {
  const settings = {
    ack_wait: config.ackWaitMs * NS_PER_MS,
    // The bus dead-letters at `maxDeliver`; one spare delivery lets it do so after a crash mid-park.
    max_deliver: config.maxDeliver + 1,
    max_ack_pending: Math.max(config.maxInFlight * 4, 16),
  };
  try {
    const info = await jsm.consumers.info(stream, durable);
    if (info.config.filter_subject !== filter) {
      throw new ThreadlineError(
        'CONFIG',
        `durable consumer ${durable} already filters ${info.config.filter_subject}`,
        {
          details: { durable, existing: info.config.filter_subject, wanted: filter },
        },
      );
    }
    await jsm.consumers.update(stream, durable, settings);
    return;
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
  try {
    await jsm.consumers.add(stream, {
      durable_name: durable,
      filter_subject: filter,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: startFrom === 'all' ? DeliverPolicy.All : DeliverPolicy.New,
      ...settings,
    });
  } catch (error) {
    await jsm.consumers.info(stream, durable).catch(() => {
      throw error;
    });
  }
}

function isNotFound(error: unknown): boolean {
  const e = error as { code?: unknown; api_error?: { code?: number }; message?: string };
  if (e?.api_error?.code === 404) return true;
  return typeof e?.message === 'string' && /not found/i.test(e.message);
}
