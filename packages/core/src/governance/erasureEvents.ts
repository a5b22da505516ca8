import type { EventEnvelope } from '../events.js';
import type { EventLog, StoredEvent } from '../ports/eventLog.js';
import type { Outbox } from '../ports/outbox.js';
import { type Json, readPath, refersTo, updatePath } from './jsonPath.js';
import type { StoredPersonalDataDeclaration } from './personalData.js';

/** How event payloads are matched and rewritten for one erasure (built from options and declarations). */
export interface EventEraser {
  /** True when the event refers to one of the erased customers. */
  matches(event: { type: string; aggregateId: string; payload: unknown; streamId?: string }): boolean;
  /** The payload with the listed fields erased and every other string redacted. */
  rewrite(event: { type: string; payload: unknown }): unknown;
}

/** What the erasure did to outbox rows not yet delivered. */
export type OutboxErasureOutcome = { status: 'redacted'; entries: number } | { status: 'not_configured' };

/** Inputs of {@link createEventEraser}. */
export interface EventEraserInput {
  customerIds: ReadonlySet<string>;
  customerPaths: readonly string[];
  matchAggregate: boolean;
  fields: readonly string[];
  redactStrings: boolean;
  declarations: readonly StoredPersonalDataDeclaration[];
  erase: (value: Json) => Json;
  redactText: (text: string) => string;
}

/**
 * Builds the matcher and rewriter for one erasure: an event matches when its aggregate is an
 * erased customer, when a configured customer path holds one (a single id or an array of ids),
 * when a declared stream prefix's paths do, or when a declared event type's paths do.
 */
export function createEventEraser(input: EventEraserInput): EventEraser {
  const { customerIds: ids } = input;
  const streams = input.declarations.flatMap((d) => d.streams);
  const types = input.declarations.flatMap((d) => d.events);
  const redactDeep = (value: Json): Json => {
    if (typeof value === 'string') return input.redactText(value);
    if (Array.isArray(value)) return value.map(redactDeep);
    if (typeof value === 'object' && value !== null) {
      const out: Record<string, Json> = {};
      for (const [k, v] of Object.entries(value)) out[k] = redactDeep(v);
      return out;
    }
    return value;
  };
  return {
    matches(event) {
      if (input.matchAggregate && ids.has(event.aggregateId)) return true;
      const payload = event.payload;
      if (input.customerPaths.some((p) => refersTo(readPath(payload, p), ids))) return true;
      for (const s of streams) {
        if (
          event.streamId?.startsWith(s.streamPrefix) &&
          s.customerPaths.some((p) => refersTo(readPath(payload, p), ids))
        )
          return true;
      }
      return types.some(
        (t) =>
          event.type.startsWith(t.typePrefix) &&
          t.customerPaths.some((p) => refersTo(readPath(payload, p), ids)),
      );
    },
    rewrite(event) {
      let payload = structuredClone(event.payload) as Json;
      if (typeof payload === 'object' && payload !== null && !Array.isArray(payload)) {
        const target = payload as Record<string, Json>;
        for (const f of input.fields) updatePath(target, f, input.erase);
        for (const t of types) {
          if (!event.type.startsWith(t.typePrefix)) continue;
          for (const f of t.fields) updatePath(target, f, input.erase);
        }
      }
      if (input.redactStrings) payload = redactDeep(payload);
      return payload;
    },
  };
}

/**
 * Rewrites the matching events of the log (through `EventLog.redactEvents`); `seen` is shown
 * every event of the tenant the scan reads (the erasure collects the streams it fences).
 */
export async function eraseLoggedEvents(
  events: EventLog,
  tenantId: string,
  eraser: EventEraser,
  seen?: (event: StoredEvent) => void,
): Promise<number> {
  const redactEvents = events.redactEvents?.bind(events);
  if (redactEvents === undefined) return 0;
  return redactEvents(
    {
      tenantId,
      match: (e: StoredEvent) => {
        seen?.(e);
        return eraser.matches(e);
      },
    },
    (e) => eraser.rewrite(e),
  );
}

/** How many pending rows are read per look at the outbox (grows until the whole outbox is seen). */
const OUTBOX_PAGE = 1000;

/**
 * Outbox rows not yet delivered still hold the customer's events. The port has no rewrite, so each
 * matching row is replaced: a copy of its event with the same id (the relay's dedupe key) and an
 * erased payload is added, then the original row is marked published. The copy is delivered
 * after rows written later (it joins the end of the outbox), and a relay that read the original
 * before this ran may still deliver it once; both are documented in the README.
 */
export async function eraseOutboxRows(
  outbox: Outbox,
  tenantId: string,
  eraser: EventEraser,
): Promise<number> {
  // An outbox that keeps entries after publishing rewrites them in place, whatever their status.
  const redactEvents = outbox.redactEvents?.bind(outbox);
  if (redactEvents !== undefined)
    return redactEvents({ tenantId, match: (e) => eraser.matches(e) }, (e) => eraser.rewrite(e));
  let limit = OUTBOX_PAGE;
  let rows = await outbox.pending(limit);
  while (rows.length >= limit) {
    limit *= 4;
    rows = await outbox.pending(limit);
  }
  const hits = rows.filter((r) => r.event.tenantId === tenantId && eraser.matches(r.event));
  if (hits.length === 0) return 0;
  const copies: EventEnvelope[] = hits.map(
    (r) => ({ ...r.event, payload: eraser.rewrite(r.event) }) as EventEnvelope,
  );
  await outbox.add(copies);
  await outbox.markPublished(hits.map((r) => r.seq));
  return hits.length;
}
