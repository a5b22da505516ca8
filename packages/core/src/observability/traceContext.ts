import { z } from 'zod';

/**
 * W3C trace context as it travels in an event envelope's `trace` field: `traceparent`
 * (`00-<32 hex trace id>-<16 hex span id>-<2 hex flags>`) and the optional vendor `tracestate`.
 */
export interface TraceCarrier {
  traceparent: string;
  tracestate?: string;
}

/** The parts of a `traceparent` header. */
export interface TraceParent {
  traceId: string;
  spanId: string;
  /** Trace flags; bit 0 is "sampled". */
  traceFlags: number;
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const ALL_ZERO = /^0+$/;

/**
 * Parses a W3C `traceparent` value; `undefined` when it is malformed, uses version `ff`, or has
 * an all-zero trace or span id (the spec's invalid values). Future versions parse by their first
 * four fields, as the spec asks.
 */
export function parseTraceparent(value: string): TraceParent | undefined {
  const m = TRACEPARENT.exec(value.trim());
  if (!m) return undefined;
  const [, version, traceId, spanId, flags, rest] = m as unknown as [
    string,
    string,
    string,
    string,
    string,
    string?,
  ];
  if (version === 'ff' || (version === '00' && rest !== undefined)) return undefined;
  if (ALL_ZERO.test(traceId) || ALL_ZERO.test(spanId)) return undefined;
  return { traceId, spanId, traceFlags: Number.parseInt(flags, 16) };
}

/** Formats a version-00 `traceparent` value. */
export function formatTraceparent(parent: TraceParent): string {
  return `00-${parent.traceId}-${parent.spanId}-${(parent.traceFlags & 0xff).toString(16).padStart(2, '0')}`;
}

/** Zod schema of an envelope's `trace` field: a valid `traceparent`, an optional `tracestate`. */
export const TraceCarrierSchema = z
  .object({
    traceparent: z
      .string()
      .refine(
        (v) => parseTraceparent(v) !== undefined,
        'expected a W3C traceparent (00-<trace id>-<span id>-<flags>)',
      ),
    tracestate: z.string().max(512).optional(),
  })
  .strict();
