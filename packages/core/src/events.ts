import { z } from 'zod';
import type { Clock } from './clock.js';
import { parseInput } from './errors.js';
import type { IdGenerator } from './ids.js';
import { parseTraceparent, type TraceCarrier, TraceCarrierSchema } from './observability/traceContext.js';
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

const ENVELOPE_KEYS = new Set([
  'id',
  'type',
  'tenantId',
  'aggregateId',
  'aggregateType',
  'version',
  'occurredAt',
  'causationId',
  'correlationId',
  'trace',
  'payload',
]);
const EVENT_TYPE = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/;
const WHITESPACE = /\s/;
const nonEmpty = (v: unknown, max = 500) => typeof v === 'string' && v.length > 0 && v.length <= max;

/**
 * The rule of {@link EventEnvelopeSchema} checked by hand, for the hot paths (event creation,
 * appends, outbox writes): `true` only for envelopes the schema accepts. It may say `false` for a
 * few the schema would accept (ids over 500 characters), so callers run zod on a `false` to
 * decide and to explain. Internal: not exported from the package.
 */
export function isWellFormedEnvelope(e: unknown): boolean {
  if (typeof e !== 'object' || e === null || Array.isArray(e)) return false;
  const x = e as Record<string, unknown>;
  for (const k in x) if (!ENVELOPE_KEYS.has(k)) return false;
  if (!nonEmpty(x.id) || typeof x.type !== 'string' || !EVENT_TYPE.test(x.type)) return false;
  if (!nonEmpty(x.tenantId, 200) || WHITESPACE.test(x.tenantId as string)) return false;
  if (!nonEmpty(x.aggregateId) || !nonEmpty(x.aggregateType)) return false;
  if (!Number.isInteger(x.version) || (x.version as number) < 0 || !Number.isInteger(x.occurredAt))
    return false;
  if (x.causationId !== undefined && !nonEmpty(x.causationId)) return false;
  if (x.correlationId !== undefined && !nonEmpty(x.correlationId)) return false;
  if (x.trace !== undefined) {
    const trace = x.trace;
    if (typeof trace !== 'object' || trace === null || Array.isArray(trace)) return false;
    const proto = Object.getPrototypeOf(trace);
    if (proto !== Object.prototype && proto !== null) return false;
    // The rule of TraceCarrierSchema: a valid traceparent, an optional short tracestate, nothing else.
    const t = trace as Record<string, unknown>;
    for (const k in t) if (k !== 'traceparent' && k !== 'tracestate') return false;
    if (typeof t.traceparent !== 'string' || parseTraceparent(t.traceparent) === undefined) return false;
    if (t.tracestate !== undefined && (typeof t.tracestate !== 'string' || t.tracestate.length > 512))
      return false;
  }
  return true;
}

/**
 * Creates a validated event envelope using the injected clock and id generator. The envelope is
 * checked by hand (the rule of {@link EventEnvelopeSchema}); zod runs only to explain a bad one,
 * so a `VALIDATION` error still names every bad field.
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
  if (!isWellFormedEnvelope(event)) parseInput(EventEnvelopeSchema, event, 'event');
  return event;
}

/** Validates an unknown value as an event envelope, throwing `VALIDATION` with field paths. */
export function parseEvent(input: unknown): EventEnvelope {
  return parseInput(EventEnvelopeSchema, input, 'event') as EventEnvelope;
}
