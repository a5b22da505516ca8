import { z } from 'zod';
import type { Clock } from './clock.js';
import { parseInput } from './errors.js';
import type { IdGenerator } from './ids.js';
import { type TraceCarrier, TraceCarrierSchema } from './observability/traceContext.js';
import { DEFAULT_TENANT, TenantIdSchema } from './schemas/common.js';

/** Event type names: `<aggregate>.<past_tense_verb>` in snake case, e.g. `case.opened`. */
export const EventTypeSchema = z
  .string()
  .regex(/^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/, 'event type must look like "aggregate.past_tense_verb"');

/** Zod schema for the event envelope every Threadline event travels in. */
export const EventEnvelopeSchema = z
  .object({
    id: z.string().min(1),
    type: EventTypeSchema,
    tenantId: TenantIdSchema,
    aggregateId: z.string().min(1),
    aggregateType: z.string().min(1),
    version: z.number().int().nonnegative(),
    occurredAt: z.number().int(),
    causationId: z.string().min(1).optional(),
    correlationId: z.string().min(1).optional(),
    /** W3C trace context carried across the bus (`traceparent`, `tracestate`). */
    trace: TraceCarrierSchema.optional(),
    payload: z.unknown(),
  })
  .strict();

/**
 * The envelope of every event. `T` is the event type literal and `P` its JSON payload.
 * `version` is the aggregate's version after the event.
 */
export interface EventEnvelope<T extends string = string, P = unknown> {
  id: string;
  type: T;
  tenantId: string;
  aggregateId: string;
  aggregateType: string;
  version: number;
  occurredAt: number;
  causationId?: string;
  correlationId?: string;
  /** W3C trace context of the operation that produced the event (see `@threadline/core/observability`). */
  trace?: TraceCarrier;
  payload: P;
}

/** Builds a discriminated union of envelopes from a map of event type → payload. */
export type EventUnion<M extends Record<string, unknown>> = {
  [K in keyof M & string]: EventEnvelope<K, M[K]>;
}[keyof M & string];

/** Input for {@link createEvent}. */
export interface CreateEventInput<T extends string, P> {
  type: T;
  aggregateId: string;
  aggregateType: string;
  payload: P;
  /** The aggregate's version after this event: 1 for its first event, one more for each later one. */
  version: number;
  tenantId?: string;
  id?: string;
  occurredAt?: number;
  causationId?: string;
  correlationId?: string;
  /** W3C trace context to carry (usually stamped by an instrumented bus, see `stampTrace`). */
  trace?: TraceCarrier;
}

/**
 * Creates a validated event envelope using the injected clock and id generator.
 *
 * @example
 * ```ts
 * const event = createEvent({ clock, ids }, {
 *   type: 'case.opened', aggregateType: 'case', aggregateId: 'c1', payload: { subject: 'Refund' },
 * });
 * ```
 */
export function createEvent<T extends string, P>(
  deps: { clock: Clock; ids: IdGenerator },
  input: CreateEventInput<T, P>,
): EventEnvelope<T, P> {
  const event: EventEnvelope<T, P> = {
    id: input.id ?? deps.ids.next('evt'),
    type: input.type,
    tenantId: input.tenantId ?? DEFAULT_TENANT,
    aggregateId: input.aggregateId,
    aggregateType: input.aggregateType,
    version: input.version,
    occurredAt: input.occurredAt ?? deps.clock.now(),
    payload: input.payload,
  };
  if (input.causationId !== undefined) event.causationId = input.causationId;
  if (input.correlationId !== undefined) event.correlationId = input.correlationId;
  if (input.trace !== undefined) event.trace = input.trace;
  parseInput(EventEnvelopeSchema, event, 'event');
  return event;
}

/** Validates an unknown value as an event envelope, throwing `VALIDATION` with field paths. */
export function parseEvent(input: unknown): EventEnvelope {
  return parseInput(EventEnvelopeSchema, input, 'event') as EventEnvelope;
}
