import type { EventEnvelope } from '../events.js';
import type { TelemetryAttributes } from './otelApi.js';
import type { Telemetry } from './telemetry.js';

/** Metric names Threadline records (see docs/architecture.md §11). */
export const METRICS = {
  /** Counter: commands run, by `engine`, `command` and `outcome` (`ok` | `error`). */
  commands: 'threadline.commands',
  /** Counter: events a bus accepted, by `messaging.system`. */
  published: 'threadline.bus.published',
  /** Counter: events handed to handlers, by `messaging.system` and `outcome`. */
  consumed: 'threadline.bus.consumed',
  /** Counter: deliveries after the first (a failure, a timeout or a dead consumer), by `messaging.system`. */
  redeliveries: 'threadline.bus.redeliveries',
  /** Histogram (ms): an event's age (`clock.now() − occurredAt`) when the outbox relay published it. */
  relayLag: 'threadline.relay.lag',
  /** Gauge (ms): age of the oldest pending outbox entry as of the relay's last poll. */
  relayPendingAge: 'threadline.relay.pending_age',
  /** Gauge: outbox entries pending as of the relay's last poll. */
  relayPending: 'threadline.relay.pending',
  /** Counter: outbox publish attempts that failed, by `outcome` (`retry` | `dead_letter`). */
  relayFailures: 'threadline.relay.failures',
  /** Counter: lease changes, by `lease` and `change` (`acquired` | `renewed` | `lost` | `released`). */
  leaseChanges: 'threadline.lease.changes',
  /** Gauge: tasks waiting, by `queue` (and the engine's own attributes, e.g. `partition`). */
  queueDepth: 'threadline.routing.queue_depth',
} as const;

/**
 * Wraps the named methods of `target` (an engine instance) so each call runs in a span named
 * `<engine>.<method>` and counts in {@link METRICS.commands}. With a disabled telemetry nothing
 * is wrapped: the methods stay exactly as they were, at no cost. Behaviour is unchanged either
 * way: results and errors pass through.
 *
 * @example
 * ```ts
 * instrumentMethods(engine, telemetry, 'routing', ['submitTask', 'acceptReservation']);
 * ```
 */
export function instrumentMethods<T extends object>(
  target: T,
  telemetry: Telemetry,
  engine: string,
  methods: readonly (keyof T & string)[],
  attributes: TelemetryAttributes = {},
): void {
  if (!telemetry.enabled) return;
  const commands = telemetry.counter(METRICS.commands, {
    description: 'Engine commands run',
    unit: '{command}',
  });
  for (const method of methods) {
    const original = target[method];
    if (typeof original !== 'function') continue;
    const spanName = `${engine}.${method}`;
    const ok = { ...attributes, engine, command: method, outcome: 'ok' };
    const failed = { ...attributes, engine, command: method, outcome: 'error' };
    const spanAttributes = { ...attributes, 'threadline.engine': engine, 'threadline.command': method };
    const wrapped = function (this: unknown, ...args: unknown[]) {
      return telemetry.span(
        spanName,
        () => {
          let result: unknown;
          try {
            result = (original as (...a: unknown[]) => unknown).apply(this, args);
          } catch (error) {
            commands.add(1, failed);
            throw error;
          }
          if (result instanceof Promise) {
            return result.then(
              (value) => {
                commands.add(1, ok);
                return value;
              },
              (error: unknown) => {
                commands.add(1, failed);
                throw error;
              },
            );
          }
          commands.add(1, ok);
          return result;
        },
        { attributes: spanAttributes },
      );
    };
    Object.defineProperty(target, method, { value: wrapped, configurable: true, writable: true });
  }
}

/**
 * Returns the events with the active trace context in each envelope that has none (`trace`
 * field), so consumers continue the producer's trace. Events that carry a trace keep it; with no
 * active span (or a disabled telemetry) the same array comes back.
 */
export function stampTrace<E extends EventEnvelope>(
  telemetry: Telemetry,
  events: readonly E[],
): readonly E[] {
  if (!telemetry.enabled) return events;
  const trace = telemetry.currentTrace();
  if (trace === undefined) return events;
  let out: E[] | undefined;
  for (let i = 0; i < events.length; i++) {
    const e = events[i] as E;
    if (e.trace !== undefined) continue;
    out ??= events.slice();
    out[i] = { ...e, trace };
  }
  return out ?? events;
}

/**
 * Runs a bus handler for one event inside a consumer span whose parent is the event's `trace`
 * (the producer's context), named `<system> consume <event type>`, and counts it.
 */
export function consumeEvent<R>(
  telemetry: Telemetry,
  system: string,
  event: EventEnvelope,
  fn: () => R,
  attributes: TelemetryAttributes = {},
): R {
  if (!telemetry.enabled) return fn();
  const consumed = telemetry.counter(METRICS.consumed, { description: 'Events handed to handlers' });
  const base = { 'messaging.system': system, ...attributes };
  return telemetry.span(
    `${system} consume ${event.type}`,
    () => {
      let result: R;
      try {
        result = fn();
      } catch (error) {
        consumed.add(1, { ...base, outcome: 'error' });
        throw error;
      }
      if (result instanceof Promise) {
        return result.then(
          (v: unknown) => {
            consumed.add(1, { ...base, outcome: 'ok' });
            return v;
          },
          (error: unknown) => {
            consumed.add(1, { ...base, outcome: 'error' });
            throw error;
          },
        ) as R;
      }
      consumed.add(1, { ...base, outcome: 'ok' });
      return result;
    },
    {
      kind: 'consumer',
      parent: event.trace,
      attributes: {
        ...base,
        'messaging.operation.type': 'process',
        'messaging.message.id': event.id,
        'threadline.event.type': event.type,
        'threadline.tenant': event.tenantId,
      },
    },
  );
}

/**
 * Publishes events inside a producer span named `<system> publish`, with the span's context
 * stamped into envelopes that carry no trace yet, and counts them once `publish` resolves.
 */
export async function publishEvents<E extends EventEnvelope>(
  telemetry: Telemetry,
  system: string,
  events: readonly E[],
  publish: (stamped: readonly E[]) => Promise<void>,
  attributes: TelemetryAttributes = {},
): Promise<void> {
  if (!telemetry.enabled) return publish(events);
  const base = { 'messaging.system': system, ...attributes };
  await telemetry.span(
    `${system} publish`,
    async () => {
      await publish(stampTrace(telemetry, events));
      telemetry.counter(METRICS.published, { description: 'Events a bus accepted' }).add(events.length, base);
    },
    {
      kind: 'producer',
      attributes: {
        ...base,
        'messaging.operation.type': 'send',
        'messaging.batch.message_count': events.length,
      },
    },
  );
}
