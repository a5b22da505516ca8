import { type EventEnvelope, type StoredEvent, ThreadlineError } from '@threadline/core';
import { z } from 'zod';
import type { CaseAuditEntry } from '../case.js';
import { auditEntry, type KeptAudit } from './audit.js';
import type { CaseEntry } from './state.js';
import {
  type StoredAudit,
  StoredAuditSchema,
  type StoredFact,
  StoredFactSchema,
  storeFact,
} from './storedState.js';

/** Stream ids of case audit streams start with this prefix: `case:<caseId>` (per tenant). */
export const CASE_STREAM_PREFIX = 'case:';

/** Event type of an audit entry in a case's audit stream. */
export const AUDIT_RECORDED = 'case.audit_recorded';
/** Event type of an SLA fact (a message, an acknowledgement) in a case's audit stream. */
export const SLA_FACT_RECORDED = 'case.sla_fact_recorded';

/** The audit stream of a case (one per case and tenant). */
export function caseStreamId(caseId: string): string {
  return `${CASE_STREAM_PREFIX}${caseId}`;
}

const ROOT_PATH: readonly never[] = Object.freeze([]);
const OPEN_INVERSE = Object.freeze([
  Object.freeze({ op: 'replace' as const, path: ROOT_PATH as never[], value: undefined }),
]);

/** The implied opening audit entry of a case (version 1: the whole opened case). */
export function openingEntry(entry: Pick<CaseEntry, 'opened' | 'openedBy'>): CaseAuditEntry {
  return {
    version: entry.opened.version,
    at: entry.opened.createdAt,
    actor: entry.openedBy,
    action: 'case.opened',
    reason: null,
    patches: [{ op: 'replace', path: ROOT_PATH as never[], value: entry.opened }],
    inversePatches: OPEN_INVERSE,
  };
}

/**
 * The audit-stream events a case has not committed yet: its audit entries (the opening one
 * first) after `auditCommitted` and its SLA facts after `factsCommitted`, in the order they
 * happened. Every payload carries
 * the case's `customerId` (the path declared for erasure). Event ids are derived from the stream
 * position, so a rebuilt batch (a retry, a recovered engine) produces the same ids.
 */
export function pendingHistory(entry: CaseEntry): EventEnvelope[] {
  const c = entry.sla.case;
  const out: EventEnvelope[] = [];
  let version = entry.streamVersion ?? 0;
  const envelope = (type: string, at: number, payload: unknown): EventEnvelope => {
    version++;
    return {
      id: `${c.tenantId}/${caseStreamId(c.id)}/${version}`,
      type,
      tenantId: c.tenantId,
      aggregateId: c.id,
      aggregateType: 'case',
      version,
      occurredAt: at,
      payload,
    } as EventEnvelope;
  };
  const audit = entry.audit ?? [];
  const facts = entry.later ?? [];
  let i = entry.auditCommitted ?? 0;
  let j = entry.factsCommitted ?? 0;
  // Chronological, whatever the batch boundaries: audit entry `v` (which makes case version `v`)
  // before the facts recorded on version `v`, those before entry `v + 1`. A batch cut elsewhere
  // (a crash, a recovered engine, another flush timing) then writes the same stream.
  while (i <= audit.length || j < facts.length) {
    const a =
      i > audit.length ? undefined : i === 0 ? openingEntry(entry) : auditEntry(audit[i - 1] as KeptAudit);
    const f = j < facts.length ? (facts[j] as NonNullable<CaseEntry['later']>[number]) : undefined;
    if (a !== undefined && (f === undefined || a.version <= f.version)) {
      out.push(envelope(AUDIT_RECORDED, a.at, { customerId: c.customerId, entry: toJson(a) }));
      i++;
    } else if (f !== undefined) {
      out.push(envelope(SLA_FACT_RECORDED, f.at, { customerId: c.customerId, fact: storeFact(f) }));
      j++;
    }
  }
  return out;
}

/** Marks the history (by default all of it) as committed at stream version `streamVersion`. */
export function markHistoryCommitted(
  entry: CaseEntry,
  streamVersion: number,
  auditCommitted = (entry.audit?.length ?? 0) + 1,
  factsCommitted = entry.later?.length ?? 0,
): void {
  entry.streamVersion = streamVersion;
  entry.auditCommitted = auditCommitted;
  entry.factsCommitted = factsCommitted;
}

/** Audit entries hold frozen immer values; the stream stores plain JSON. */
function toJson(a: CaseAuditEntry): unknown {
  return JSON.parse(JSON.stringify(a));
}

const AuditPayload = z.object({ customerId: z.string(), entry: StoredAuditSchema }).passthrough();
const FactPayload = z.object({ customerId: z.string(), fact: StoredFactSchema }).passthrough();

/** A case history read back from its audit stream. */
export interface StreamHistory {
  /** Every audit entry, the opening one first. */
  entries: StoredAudit[];
  /** SLA facts after the opening, in order. */
  facts: StoredFact[];
}

/**
 * Splits a case's audit-stream events into audit entries and SLA facts. Events of other types
 * are ignored (room for later additions); a malformed payload is `VALIDATION` naming the event.
 */
export function parseHistory(caseId: string, events: readonly StoredEvent[]): StreamHistory {
  const entries: StoredAudit[] = [];
  const facts: StoredFact[] = [];
  for (const e of events) {
    if (e.type !== AUDIT_RECORDED && e.type !== SLA_FACT_RECORDED) continue;
    const parsed = (e.type === AUDIT_RECORDED ? AuditPayload : FactPayload).safeParse(e.payload);
    if (!parsed.success) {
      throw new ThreadlineError(
        'VALIDATION',
        `Invalid audit stream of case ${caseId}: event ${e.streamVersion} (${e.type})`,
        {
          issues: parsed.error.issues.map((i) => ({
            path: ['events', e.streamVersion, ...(i.path as (string | number)[])],
            message: i.message,
            code: i.code,
          })),
        },
      );
    }
    if ('entry' in parsed.data) entries.push(parsed.data.entry as StoredAudit);
    else facts.push((parsed.data as { fact: StoredFact }).fact);
  }
  return { entries, facts };
}
