import {
  type DeliveryErrorHandler,
  type EventEnvelope,
  type EventHandler,
  type EventsMatching,
  reportDeliveryFailure,
  ThreadlineError,
  type Unsubscribe,
} from '@threadline/core';
import {
  ROUTING_EVENT_TYPES,
  type RoutingEvent,
  type RoutingEventMap,
  type RoutingEventPattern,
  type RoutingEventType,
} from './events.js';
import { currentTime, type RoutingState } from './state.js';

const EVENT_TYPES = new Set<string>(ROUTING_EVENT_TYPES);
/** `reservation.created` → `reservation.*`: the prefix pattern each type is delivered to. */
const PREFIX_PATTERN = new Map<string, string>(
  ROUTING_EVENT_TYPES.map((type) => [type, `${type.slice(0, type.indexOf('.'))}.*`]),
);
const PREFIX_PATTERNS = new Set(PREFIX_PATTERN.values());

/**
 * Adds a subscriber for an exact event type, a `prefix.*` pattern or `*`; returns the function
 * that removes it. Events are delivered after the operation that caused them has finished.
 */
export function subscribe<P extends RoutingEventPattern>(
  s: RoutingState,
  pattern: P,
  handler: EventHandler<EventsMatching<RoutingEvent, P>>,
): Unsubscribe {
  if (typeof handler !== 'function') {
    throw new ThreadlineError('VALIDATION', 'Event handler must be a function', {
      issues: [{ path: ['handler'], message: 'expected a function', code: 'invalid_type' }],
    });
  }
  const key = pattern as string;
  if (key !== '*' && !EVENT_TYPES.has(key) && !PREFIX_PATTERNS.has(key)) {
    throw new ThreadlineError('VALIDATION', `Unknown routing event pattern "${String(pattern)}"`, {
      issues: [
        {
          path: ['pattern'],
          message: `expected a routing event type, one of ${[...PREFIX_PATTERNS].join(', ')}, or "*"`,
          code: 'invalid_value',
        },
      ],
    });
  }
  const listener = isolated(s.delivery, handler as (event: RoutingEvent) => unknown);
  s.emitter.on(key, listener);
  s.listenerCounts.set(key, (s.listenerCounts.get(key) ?? 0) + 1);
  syncWanted(s);
  let active = true;
  return () => {
    if (!active) return;
    active = false;
    s.emitter.off(key, listener);
    s.listenerCounts.set(key, (s.listenerCounts.get(key) ?? 1) - 1);
    syncWanted(s);
  };
}

/** Recomputes which event types are delivered, after a subscription or a bus changed. */
export function syncWanted(s: RoutingState): void {
  // A journal commits every event to the outbox, listened to or not.
  s.wantsEverything = s.bus !== undefined || s.journal !== null || (s.listenerCounts.get('*') ?? 0) > 0;
  s.wanted.clear();
  for (const type of ROUTING_EVENT_TYPES) {
    if (
      (s.listenerCounts.get(type) ?? 0) > 0 ||
      (s.listenerCounts.get(PREFIX_PATTERN.get(type) as string) ?? 0) > 0
    )
      s.wanted.add(type);
  }
}

/**
 * True when an event of `type` would be delivered (a bus, or a subscriber for it, its prefix or
 * `*`): hot paths skip building payloads nobody reads.
 */
export function wants(s: RoutingState, type: RoutingEventType): boolean {
  return s.wantsEverything || s.wanted.has(type);
}

/**
 * Queues an event for delivery when the current operation ends. `version` is the aggregate's
 * version after this event: callers count it on the aggregate (`++t.version`) whether or not
 * anyone listens, so versions never depend on who subscribed.
 */
export function emit<T extends RoutingEventType>(
  s: RoutingState,
  type: T,
  aggregateType: 'task' | 'reservation' | 'worker',
  aggregateId: string,
  version: number,
  payload: RoutingEventMap[T],
): void {
  if (!wants(s, type)) return;
  const event = {
    id: s.ids.next('evt'),
    type,
    tenantId: s.tenantId,
    aggregateId,
    aggregateType,
    version,
    occurredAt: currentTime(s),
    payload,
  } as EventEnvelope<T, RoutingEventMap[T]>;
  s.outbox.push(event as unknown as RoutingEvent);
}

/** Runs an operation; the outermost one delivers the events queued meanwhile. */
export function run<R>(s: RoutingState, fn: () => R): R {
  s.depth++;
  try {
    return fn();
  } finally {
    s.depth--;
    if (s.depth === 0) flush(s);
  }
}

/**
 * Delivery failures of one engine. Shared by the states a `restore` replaces (subscriptions carry
 * over and keep counting into the same object).
 */
export interface DeliveryCounters {
  publishFailures: number;
  handlerFailures: number;
  readonly onError: DeliveryErrorHandler<RoutingEvent> | undefined;
}

const failed = reportDeliveryFailure<RoutingEvent>;

/**
 * Wraps a subscriber so that neither a throw nor a rejected promise escapes into the emitter:
 * eventemitter3 stops at the first listener that throws, which would skip the other subscribers
 * and the rest of the batch, and make a command that already changed state throw.
 */
function isolated(
  d: DeliveryCounters,
  handler: (event: RoutingEvent) => unknown,
): (event: RoutingEvent) => void {
  const reject = (event: RoutingEvent) => (error: unknown) => failed(d, 'subscriber', error, [event]);
  return (event) => {
    try {
      const result = handler(event);
      if (
        result !== null &&
        typeof result === 'object' &&
        typeof (result as Promise<unknown>).then === 'function'
      ) {
        (result as Promise<unknown>).then(undefined, reject(event));
      }
    } catch (error) {
      failed(d, 'subscriber', error, [event]);
    }
  };
}

/** Publishes a batch to the connected bus; a throw or a rejection is counted and reported, never raised. */
function publish(s: RoutingState, bus: NonNullable<RoutingState['bus']>, batch: RoutingEvent[]): void {
  try {
    const result = bus.publish(batch) as unknown;
    if (
      result !== null &&
      typeof result === 'object' &&
      typeof (result as Promise<unknown>).then === 'function'
    ) {
      (result as Promise<unknown>).then(undefined, (error: unknown) =>
        failed(s.delivery, 'bus', error, batch),
      );
    }
  } catch (error) {
    failed(s.delivery, 'bus', error, batch);
  }
}

/**
 * Delivers queued events: to the bus, then to subscribers of the type, its prefix and `*`.
 * Failures (see {@link DeliveryCounters}) never interrupt it: every subscriber gets every event.
 */
export function flush(s: RoutingState): void {
  while (s.outbox.length > 0) {
    const batch = s.outbox.splice(0);
    // With a journal, events wait for their batch to commit (see `journal/journal.ts`).
    if (s.journal !== null) s.journal.capture(batch);
    else deliver(s, batch);
  }
}

/** Delivers a batch: to the bus, then to subscribers of each event's type, its prefix and `*`. */
export function deliver(s: RoutingState, batch: RoutingEvent[]): void {
  if (s.bus) publish(s, s.bus, batch);
  deliverToSubscribers(s, batch);
}

/**
 * Delivers a committed batch to the engine's own subscribers only. With a journal the events are
 * in the outbox too, and a bus gets them from there (`createOutboxRelay({ storage, bus })`), once
 * per relay claim and retried with backoff, instead of twice.
 */
export function deliverToSubscribers(s: RoutingState, batch: RoutingEvent[]): void {
  for (const event of batch) {
    s.emitter.emit(event.type, event);
    s.emitter.emit(PREFIX_PATTERN.get(event.type) as string, event);
    s.emitter.emit('*', event);
  }
}
