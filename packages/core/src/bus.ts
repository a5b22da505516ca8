import { EventEmitter } from 'eventemitter3';
import { z } from 'zod';
import { parseInput, ThreadlineError } from './errors.js';
import type { EventEnvelope } from './events.js';

/**
 * A subscription pattern: an exact event type (`case.opened`), a prefix pattern (`case.*`,
 * which matches `case.opened` and `case.sla.breached`) or `*` for everything.
 */
export type EventPattern<E extends EventEnvelope> = E['type'] | `${string}.*` | '*';

type Narrow<E extends EventEnvelope, X> = [Extract<E, X>] extends [never]
  ? string extends E['type']
    ? E
    : never
  : Extract<E, X>;

/** The events a pattern selects, as a type (untyped buses get the plain envelope). */
export type EventsMatching<E extends EventEnvelope, P extends string> = P extends '*'
  ? E
  : P extends `${infer Prefix}.*`
    ? Narrow<E, { type: `${Prefix}.${string}` }>
    : Narrow<E, { type: P }>;

/**
 * A subscriber: the one handler type every Threadline engine and bus accepts. It may return
 * anything (`(e) => seen.push(e)` is fine); a returned promise is awaited where the caller
 * awaits delivery, and a rejection is reported, never swallowed.
 */
export type EventHandler<E extends EventEnvelope> = (event: E) => unknown;

/** Stops a subscription; calling it twice is harmless. Every `subscribe` returns one. */
export type Unsubscribe = () => void;

/** The event-bus port every bus adapter implements. */
export interface EventBus<E extends EventEnvelope = EventEnvelope> {
  /** Publishes events in order. Resolves when the bus has accepted them (in-process: when handlers settled). */
  publish(events: E | readonly E[]): Promise<void>;
  /** Subscribes to a pattern; returns the unsubscribe function. */
  subscribe<P extends EventPattern<E>>(
    pattern: P,
    handler: EventHandler<EventsMatching<E, P & string>>,
  ): Unsubscribe;
  /** Releases resources (connections, consumers). */
  close?(): Promise<void>;
}

/** Payload of the `bus.handler_failed` event the in-process bus emits when a handler throws. */
export interface HandlerFailedPayload {
  eventId: string;
  eventType: string;
  pattern: string;
  error: { name: string; message: string; code?: string };
}

/** The event the in-process bus publishes when a subscriber fails. */
export type HandlerFailedEvent = EventEnvelope<'bus.handler_failed', HandlerFailedPayload>;

/** A failure nobody was subscribed to hear about, kept by the bus. */
export interface DeadLetter {
  event: EventEnvelope;
  pattern: string;
  error: unknown;
}

/** Options for {@link InProcessEventBus}. */
export interface InProcessEventBusOptions {
  /** Called for handler failures that no `bus.handler_failed` subscriber received. */
  onUnhandledError?: (deadLetter: DeadLetter) => void;
  /** How many unheard failures to keep for {@link InProcessEventBus.deadLetters}. Default 1000. */
  maxDeadLetters?: number;
}

const BusOptionsSchema = z
  .object({
    onUnhandledError: z
      .custom<(deadLetter: DeadLetter) => void>((v) => typeof v === 'function', 'expected a function')
      .optional(),
    maxDeadLetters: z.number().int().min(0).optional(),
  })
  .strict();

function describeError(error: unknown): HandlerFailedPayload['error'] {
  if (error instanceof ThreadlineError) return { name: error.name, message: error.message, code: error.code };
  if (error instanceof Error) return { name: error.name, message: error.message };
  return { name: 'Error', message: String(error) };
}

/**
 * The in-process, typed event bus built on eventemitter3. Delivery is synchronous and in order;
 * `publish` resolves when every (possibly async) handler has settled. A handler that throws does
 * not stop delivery to the others: the failure is published as `bus.handler_failed`, and if
 * nobody listens to that, kept as a dead letter and passed to `onUnhandledError`.
 *
 * @example
 * ```ts
 * type Events = EventUnion<{ 'case.opened': { subject: string }; 'case.solved': {} }>;
 * const bus = createInProcessEventBus<Events>();
 * const off = bus.subscribe('case.*', (e) => console.log(e.type));
 * await bus.publish(event);
 * off();
 * ```
 */
export class InProcessEventBus<E extends EventEnvelope = EventEnvelope> implements EventBus<E> {
  readonly #emitter = new EventEmitter();
  readonly #deadLetters: DeadLetter[] = [];
  readonly #options: InProcessEventBusOptions;
  readonly #prefixes = new Map<string, readonly string[]>();

  /** Prefer {@link createInProcessEventBus}. Bad options throw `ThreadlineError` `VALIDATION`. */
  constructor(options: InProcessEventBusOptions = {}) {
    this.#options = parseInput(BusOptionsSchema, options, 'event bus options');
  }

  subscribe<P extends EventPattern<E>>(
    pattern: P,
    handler: EventHandler<EventsMatching<E, P & string>>,
  ): () => void {
    if (typeof pattern !== 'string' || pattern.length === 0 || (pattern !== '*' && pattern.endsWith('.'))) {
      throw new ThreadlineError('VALIDATION', `Invalid subscription pattern "${String(pattern)}"`, {
        issues: [
          {
            path: ['pattern'],
            message: 'expected an event type, "prefix.*" or "*"',
            code: 'invalid_pattern',
          },
        ],
      });
    }
    if (typeof handler !== 'function') {
      throw new ThreadlineError('VALIDATION', 'Event handler must be a function', {
        issues: [{ path: ['handler'], message: 'expected a function', code: 'invalid_type' }],
      });
    }
    const listener = (event: E, pending: Promise<unknown>[]) => {
      try {
        const result = handler(event as EventsMatching<E, P & string>);
        if (result && typeof (result as Promise<void>).then === 'function') {
          pending.push(
            (result as Promise<void>).catch((error: unknown) => this.#fail(event, pattern, error)),
          );
        }
      } catch (error) {
        pending.push(this.#fail(event, pattern, error));
      }
    };
    this.#emitter.on(pattern, listener);
    return () => {
      this.#emitter.off(pattern, listener);
    };
  }

  async publish(events: E | readonly E[]): Promise<void> {
    const list = (Array.isArray(events) ? events : [events]) as readonly E[];
    const pending: Promise<unknown>[] = [];
    for (const event of list) this.#deliver(event, pending);
    // Handlers may publish more failures while settling; wait until nothing is left.
    while (pending.length > 0) await Promise.all(pending.splice(0));
  }

  /** Number of subscriptions (all patterns). */
  listenerCount(): number {
    let n = 0;
    for (const name of this.#emitter.eventNames()) n += this.#emitter.listenerCount(name);
    return n;
  }

  /** Failures that no `bus.handler_failed` subscriber received (most recent last). */
  deadLetters(): readonly DeadLetter[] {
    return this.#deadLetters;
  }

  async close(): Promise<void> {
    this.#emitter.removeAllListeners();
  }

  #deliver(event: E, pending: Promise<unknown>[]): void {
    const type = event.type;
    const emitter = this.#emitter;
    emitter.emit(type, event, pending);
    // Prefix patterns: for `a.b.c` emit `a.*` and `a.b.*` — O(depth), independent of subscriber count.
    let prefixes = this.#prefixes.get(type);
    if (prefixes === undefined) prefixes = this.#prefixesOf(type);
    for (let i = 0; i < prefixes.length; i++) emitter.emit(prefixes[i] as string, event, pending);
    emitter.emit('*', event, pending);
  }

  /** The prefix patterns of an event type, built once per type (a bus sees a few dozen types). */
  #prefixesOf(type: string): readonly string[] {
    const out: string[] = [];
    let dot = type.indexOf('.');
    while (dot !== -1) {
      out.push(`${type.slice(0, dot)}.*`);
      dot = type.indexOf('.', dot + 1);
    }
    // Bounded: types are code-defined, but a caller could mint them; stop caching past a limit.
    if (this.#prefixes.size < 10_000) this.#prefixes.set(type, out);
    return out;
  }

  async #fail(event: E, pattern: string, error: unknown): Promise<void> {
    const failedEvent: HandlerFailedEvent = {
      id: `${event.id}:failed:${pattern}`,
      type: 'bus.handler_failed',
      tenantId: event.tenantId,
      aggregateId: event.aggregateId,
      aggregateType: event.aggregateType,
      version: event.version,
      occurredAt: event.occurredAt,
      causationId: event.id,
      payload: { eventId: event.id, eventType: event.type, pattern, error: describeError(error) },
    };
    if (event.correlationId !== undefined) failedEvent.correlationId = event.correlationId;
    const heard =
      event.type !== 'bus.handler_failed' &&
      (this.#emitter.listenerCount('bus.handler_failed') > 0 || this.#emitter.listenerCount('bus.*') > 0);
    if (heard) {
      const pending: Promise<unknown>[] = [];
      this.#emitter.emit('bus.handler_failed', failedEvent, pending);
      this.#emitter.emit('bus.*', failedEvent, pending);
      await Promise.all(pending);
      return;
    }
    const deadLetter: DeadLetter = { event, pattern, error };
    this.#deadLetters.push(deadLetter);
    const max = this.#options.maxDeadLetters ?? 1000;
    if (this.#deadLetters.length > max) this.#deadLetters.splice(0, this.#deadLetters.length - max);
    this.#options.onUnhandledError?.(deadLetter);
  }
}

/**
 * Creates the in-process, typed event bus (see {@link InProcessEventBus}). Bad options (an unknown
 * key, a negative `maxDeadLetters`) throw `ThreadlineError` `VALIDATION` naming the field.
 *
 * @example
 * ```ts
 * import { createInProcessEventBus, type EventUnion } from '@threadline/core';
 *
 * type Events = EventUnion<{ 'case.opened': { subject: string }; 'case.solved': { by: string } }>;
 * const bus = createInProcessEventBus<Events>();
 * const seen: string[] = [];
 * const off = bus.subscribe('case.*', (e) => seen.push(e.type));
 * await bus.publish({
 *   id: 'e1',
 *   type: 'case.opened',
 *   tenantId: 'default',
 *   aggregateId: 'c1',
 *   aggregateType: 'case',
 *   version: 1,
 *   occurredAt: 0,
 *   payload: { subject: 'Refund' },
 * });
 * off();
 * console.log(seen); // ['case.opened']
 * ```
 */
export function createInProcessEventBus<E extends EventEnvelope = EventEnvelope>(
  options: InProcessEventBusOptions = {},
): InProcessEventBus<E> {
  return new InProcessEventBus<E>(options);
}
