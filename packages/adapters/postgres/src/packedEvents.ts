// The packed form of an outbox row's events (row format 2). An `add` of a batch repeats, in every
// envelope, the same eight key names and, mostly, the same tenant: a routing journal's batch of
// 1,000 decisions holds ≈ 5,000 envelopes, ≈ 1.2 MB as an array of objects. Packed, each envelope
// is a positional array and the tenant is written once per row:
//
//   { "v": 2, "t": "<tenant>", "e": [[id, type, aggregateId, aggregateType, version, occurredAt, payload, extra?], …] }
//
// where `extra`, present only when needed, holds the envelope's optional fields (`causationId`,
// `correlationId`, `trace`) and its `tenantId` when it is not the row's. That is ≈ 40 % fewer
// bytes to serialise, send and write, and serialising arrays costs less than objects. Rows are
// unpacked in JavaScript when read (`pending`, `dead`); a split (outboxRows.ts) slices `e` in
// SQL and keeps the row packed. Rows of format 1 (an array of envelopes) and single-event rows
// written before migration 5 are read as they always were.
import { type EventEnvelope, ThreadlineError } from '@threadline/core';

/** `v` of a packed row. */
export const PACKED_FORMAT = 2;

/** One packed envelope. */
type PackedEnvelope = [
  id: string,
  type: string,
  aggregateId: string,
  aggregateType: string,
  version: number,
  occurredAt: number,
  payload: unknown,
  extra?: Partial<Pick<EventEnvelope, 'tenantId' | 'causationId' | 'correlationId' | 'trace'>>,
];

/** A packed row's `events` value. */
interface PackedEvents {
  v: typeof PACKED_FORMAT;
  t: string;
  e: PackedEnvelope[];
}

/**
 * The JSON text of `events` (well-formed envelopes, as `validateOutboxEvents` leaves them) as
 * one row's `events`: packed, or the plain array when an envelope has no `payload` (packing
 * would turn the missing key into `null`).
 */
export function packEvents(events: readonly EventEnvelope[]): string {
  const tenantId = (events[0] as EventEnvelope).tenantId;
  const packed = new Array<PackedEnvelope>(events.length);
  for (let i = 0; i < events.length; i++) {
    const e = events[i] as EventEnvelope;
    if (e.payload === undefined) return JSON.stringify(events);
    let extra: PackedEnvelope[7];
    if (e.tenantId !== tenantId) extra = { tenantId: e.tenantId };
    if (e.causationId !== undefined) (extra ??= {}).causationId = e.causationId;
    if (e.correlationId !== undefined) (extra ??= {}).correlationId = e.correlationId;
    if (e.trace !== undefined) (extra ??= {}).trace = e.trace;
    packed[i] =
      extra === undefined
        ? [e.id, e.type, e.aggregateId, e.aggregateType, e.version, e.occurredAt, e.payload]
        : [e.id, e.type, e.aggregateId, e.aggregateType, e.version, e.occurredAt, e.payload, extra];
  }
  const row: PackedEvents = { v: PACKED_FORMAT, t: tenantId, e: packed };
  return JSON.stringify(row);
}

function corrupt(seq: number, message: string): ThreadlineError {
  return new ThreadlineError('INTERNAL', `Outbox row ${seq} is unreadable: ${message}`, {
    details: { seq },
  });
}

/**
 * The envelopes of a row's `events` as read from the database (parsed JSON): a packed row
 * (format 2) is unpacked, an array of envelopes (format 1) is returned as it is. `seq` names the
 * row in the error a malformed value raises.
 */
export function unpackEvents(value: unknown, seq: number): EventEnvelope[] {
  if (Array.isArray(value)) return value as EventEnvelope[];
  const row = value as Partial<PackedEvents> | null;
  if (typeof row !== 'object' || row === null) throw corrupt(seq, 'expected an array or a packed object');
  if (row.v !== PACKED_FORMAT) throw corrupt(seq, `unknown format ${JSON.stringify(row.v)}`);
  if (typeof row.t !== 'string' || !Array.isArray(row.e)) throw corrupt(seq, 'expected { v, t, e }');
  const t = row.t;
  const packed = row.e;
  const out = new Array<EventEnvelope>(packed.length);
  for (let i = 0; i < packed.length; i++) {
    const p = packed[i];
    if (!Array.isArray(p) || p.length < 7) throw corrupt(seq, `entry ${i} is not a packed envelope`);
    const event: EventEnvelope = {
      id: p[0],
      type: p[1],
      tenantId: t,
      aggregateId: p[2],
      aggregateType: p[3],
      version: p[4],
      occurredAt: p[5],
      payload: p[6],
    };
    const extra = p[7];
    if (extra !== undefined) Object.assign(event, extra);
    out[i] = event;
  }
  return out;
}

/**
 * SQL of the events of the `events` value `eventsSql` (format 1 or 2) with index in
 * `[fromSql, toSql)`, in the same format.
 */
export function sliceEventsSql(eventsSql: string, fromSql: string, toSql: string): string {
  const slice = (array: string) =>
    `(SELECT coalesce(json_agg(e.value ORDER BY e.ord), '[]'::json)
        FROM json_array_elements(${array}) WITH ORDINALITY AS e(value, ord)
       WHERE e.ord > (${fromSql}) AND e.ord <= (${toSql}))`;
  return `(CASE WHEN json_typeof(${eventsSql}) = 'object'
            THEN json_build_object('v', (${eventsSql})->'v', 't', (${eventsSql})->'t', 'e', ${slice(`(${eventsSql})->'e'`)})
            ELSE ${slice(eventsSql)} END)`;
}
