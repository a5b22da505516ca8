import type { EventBus, Unsubscribe } from '../bus.js';
import type { EventEnvelope } from '../events.js';

/** Type of the event an erasure commits with its tombstone (through the outbox). */
export const CUSTOMER_ERASED_EVENT_TYPE = 'customer.erased';

/**
 * Payload of `customer.erased`: ids only, never personal data. Engines in other processes use it
 * to drop the customer from what they hold in memory (routing, cases, caches).
 */
export interface CustomerErasedPayload {
  /** The customer whose erasure was asked for. */
  customerId: string;
  /** Every id erased as the same person: the customer and its declared aliases, sorted. */
  customerIds: string[];
  /** When the erasure ran (epoch milliseconds). */
  erasedAt: number;
}

/** The `customer.erased` event (aggregate: the customer). */
export type CustomerErasedEvent = EventEnvelope<'customer.erased', CustomerErasedPayload>;

/** The erasure an engine is told about by a `customer.erased` event (see {@link onCustomerErased}). */
export interface CustomerErasedNotice {
  /** The event's id (the dedupe key: a redelivery carries the same one). */
  eventId: string;
  tenantId: string;
  customerId: string;
  /** The customer and every alias erased with it. */
  customerIds: ReadonlySet<string>;
  erasedAt: number;
}

/** Options for {@link onCustomerErased}. */
export interface OnCustomerErasedOptions {
  /** How many delivered event ids are remembered to drop redeliveries (default 1,000). */
  remember?: number;
  /** Passed to the bus's `subscribe` (e.g. `{ durable: 'node-1_erasures' }` on NATS or Redis). */
  subscribeOptions?: Record<string, unknown>;
}

/**
 * A bus to hear `customer.erased` on: core's `EventBus`, or a durable bus whose `subscribe` takes
 * options (a consumer per process, so that every process hears every erasure).
 */
export type ErasureEventSource =
  | Pick<EventBus, 'subscribe'>
  | {
      subscribe(
        pattern: string,
        handler: (event: EventEnvelope) => unknown,
        options?: { durable?: string; startFrom?: 'new' | 'all' },
      ): Unsubscribe;
    };

/** Reads a `customer.erased` event into a notice; `undefined` when it is not one. */
export function customerErasedNotice(event: EventEnvelope): CustomerErasedNotice | undefined {
  if (event.type !== CUSTOMER_ERASED_EVENT_TYPE) return undefined;
  const p = event.payload as Partial<CustomerErasedPayload> | null;
  if (p === null || typeof p !== 'object' || typeof p.customerId !== 'string') return undefined;
  const ids = Array.isArray(p.customerIds)
    ? p.customerIds.filter((id): id is string => typeof id === 'string')
    : [];
  return {
    eventId: event.id,
    tenantId: event.tenantId,
    customerId: p.customerId,
    customerIds: new Set([p.customerId, ...ids]),
    erasedAt: typeof p.erasedAt === 'number' ? p.erasedAt : event.occurredAt,
  };
}

/**
 * Subscribes a running engine (in any process) to erasures: `listener` runs once per
 * `customer.erased` event the bus delivers (the outbox relay delivers at least once; a
 * redelivery of an event id already handled is dropped). The handler's promise is the bus
 * handler's: a rejection makes a durable bus deliver the event again. Returns the unsubscribe
 * function.
 *
 * @example
 * ```ts
 * const stop = onCustomerErased(bus, async (notice) => {
 *   for (const id of notice.customerIds) profileCache.delete(id);
 * });
 * ```
 */
export function onCustomerErased(
  bus: ErasureEventSource,
  listener: (notice: CustomerErasedNotice) => void | Promise<void>,
  options: OnCustomerErasedOptions = {},
): Unsubscribe {
  const remember = Math.max(1, options.remember ?? 1_000);
  const seen = new Set<string>();
  const subscribe = bus.subscribe as (
    pattern: string,
    handler: (event: EventEnvelope) => unknown,
    subscribeOptions?: Record<string, unknown>,
  ) => Unsubscribe;
  return subscribe.call(
    bus,
    CUSTOMER_ERASED_EVENT_TYPE,
    async (event: EventEnvelope) => {
      const notice = customerErasedNotice(event);
      if (notice === undefined || seen.has(notice.eventId)) return;
      await listener(notice);
      // Remembered only once handled: a failed handling is retried on redelivery.
      seen.add(notice.eventId);
      if (seen.size > remember) seen.delete(seen.values().next().value as string);
    },
    ...(options.subscribeOptions === undefined ? [] : [options.subscribeOptions]),
  );
}
