import type { EventBus, EventHandler, EventPattern, EventsMatching, Unsubscribe } from '../bus.js';
import type { EventEnvelope } from '../events.js';
import { consumeEvent, publishEvents } from './instrument.js';
import type { Telemetry } from './telemetry.js';

/** Options of {@link instrumentBus}. */
export interface InstrumentBusOptions {
  telemetry: Telemetry;
  /** The `messaging.system` attribute (default `threadline`; the in-process bus: `in-process`). */
  system?: string;
}

/**
 * Wraps any {@link EventBus} so publishes run in a producer span that stamps its W3C trace context
 * into the envelopes (`trace`), and every handler runs in a consumer span that is a child of the
 * event's trace: one customer interaction is followed from producer to consumer across the bus.
 * The NATS and Redis buses do this themselves (their `telemetry` option); use this for the
 * in-process bus or a bus of your own. With a disabled telemetry the bus comes back unchanged.
 *
 * @example
 * ```ts
 * const bus = instrumentBus(createInProcessEventBus(), { telemetry, system: 'in-process' });
 * ```
 */
export function instrumentBus<B extends EventBus<E>, E extends EventEnvelope = EventEnvelope>(
  bus: B,
  options: InstrumentBusOptions,
): B {
  const { telemetry } = options;
  if (!telemetry.enabled) return bus;
  const system = options.system ?? 'threadline';
  return new Proxy(bus, {
    get(target, property, receiver) {
      if (property === 'publish') {
        return (events: E | readonly E[]) =>
          publishEvents(
            telemetry,
            system,
            (Array.isArray(events) ? events : [events]) as readonly E[],
            (stamped) => target.publish(stamped),
          );
      }
      if (property === 'subscribe') {
        return <P extends EventPattern<E>>(
          pattern: P,
          handler: EventHandler<EventsMatching<E, P & string>>,
          ...rest: unknown[]
        ): Unsubscribe =>
          (target.subscribe as (...a: unknown[]) => Unsubscribe)(
            pattern,
            (event: EventsMatching<E, P & string>) =>
              consumeEvent(telemetry, system, event, () => handler(event), {
                'messaging.destination.name': pattern,
              }),
            ...rest,
          );
      }
      const value = Reflect.get(target, property, receiver) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}
