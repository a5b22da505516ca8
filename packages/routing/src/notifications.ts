import type { EventEnvelope } from '@threadline/core';
import {
  ROUTING_EVENT_TYPES,
  type RoutingEvent,
  type RoutingEventMap,
  type RoutingEventType,
} from './events.js';
import { currentTime, type RoutingState } from './state.js';

export const ROUTING_EVENT_SET = new Set<string>(ROUTING_EVENT_TYPES);

export function syncWantsEverything(s: RoutingState): void {
  s.wantsEverything = s.bus !== undefined || (s.listenerCounts.get('*') ?? 0) > 0;
}

/** True when an event of `type` would be delivered (a bus, or a listener for it or for `*`). */
export function wants(s: RoutingState, type: RoutingEventType): boolean {
  return s.wantsEverything || (s.listenerCounts.get(type) ?? 0) > 0;
}

export function emit<T extends RoutingEventType>(
  s: RoutingState,
  type: T,
  aggregateType: string,
  aggregateId: string,
  payload: RoutingEventMap[T],
): void {
  if (!wants(s, type)) return;
  const event = {
    id: s.ids.next('evt'),
    type,
    tenantId: s.tenantId,
    aggregateId,
    aggregateType,
    version: 0,
    occurredAt: currentTime(s),
    payload,
  } as EventEnvelope<T, RoutingEventMap[T]>;
  s.outbox.push(event as unknown as RoutingEvent);
}

export function run<R>(s: RoutingState, fn: () => R): R {
  s.depth++;
  try {
    return fn();
  } finally {
    s.depth--;
    if (s.depth === 0) flush(s);
  }
}

export function flush(s: RoutingState): void {
  while (s.outbox.length > 0) {
    const batch = s.outbox.splice(0);
    if (s.bus) void s.bus.publish(batch);
    for (const event of batch) {
      s.emitter.emit(event.type, event);
      s.emitter.emit('*', event);
    }
  }
}
