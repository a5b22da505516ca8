import { parseInput, ThreadlineError } from '@threadline/core';
import { applyPatches, freeze } from 'immer';
import { z } from 'zod';
import type { Case, CaseAuditEntry } from '../case.js';
import type { HistoryFact } from '../sla/caseVersions.js';
import { METRIC_STATES, MetricRecord, SLA_METRICS, type SlaMetricName } from '../sla/metric.js';
import { CaseSla } from '../sla/tracker.js';
import { auditEntry, type KeptAudit } from './audit.js';

/** The stored form of one metric instance: every field of the live record, so nothing is recomputed. */
const StoredRecordSchema = z
  .object({
    seq: z.number().int().nonnegative(),
    metric: z.enum(SLA_METRICS),
    cycle: z.number().int().positive(),
    // Documents written before the American spelling carry `cancelled`; they still load.
    state: z.preprocess((v) => (v === 'cancelled' ? 'canceled' : v), z.enum(METRIC_STATES)),
    live: z.boolean(),
    target: z.number(),
    calendar: z.string().nullable(),
    policyId: z.string(),
    startedAt: z.number(),
    dueAt: z.number(),
    pausedMs: z.number(),
    pausedAt: z.number().optional(),
    warnBudget: z.number().optional(),
    warnAt: z.number().optional(),
    warnedAt: z.number().optional(),
    breachedAt: z.number().optional(),
    achievedAt: z.number().optional(),
    canceledAt: z.number().optional(),
    /** Legacy spelling of `canceledAt` (read, never written). */
    cancelledAt: z.number().optional(),
    team: z.string().nullable(),
    ladder: z.number().int(),
    level: z.number().int().nonnegative(),
    acknowledged: z.boolean(),
    nextAt: z.number().optional(),
  })
  .strict();

const MessageSchema = z
  .object({ author: z.enum(['customer', 'agent', 'bot', 'system']), public: z.boolean() })
  .strict();

/** One SLA fact after the opening: the case is referenced by its version. */
const StoredFactSchema = z
  .object({
    at: z.number(),
    version: z.number().int().positive(),
    message: MessageSchema.optional(),
    ack: z
      .object({ metric: z.enum(SLA_METRICS), actor: z.string() })
      .strict()
      .optional(),
  })
  .strict();

const PatchSchema = z
  .object({
    op: z.enum(['add', 'remove', 'replace']),
    path: z.array(z.union([z.string(), z.number()])),
    value: z.unknown().optional(),
  })
  .strict();

const StoredAuditSchema = z
  .object({
    version: z.number().int().positive(),
    at: z.number(),
    actor: z.string(),
    action: z.string(),
    reason: z.string().nullable(),
    patches: z.array(PatchSchema),
    inversePatches: z.array(PatchSchema),
  })
  .strict();

/**
 * Zod schema of the engine state kept in every case document (field `engineState`). Format 1
 * embeds the SLA history (`facts`) and the audit trail (`audit`); format 2 (written with a
 * transactional storage bundle) keeps them in the case's audit stream (`case:<id>`, see
 * `history.ts`) and records how far that stream goes (`streamVersion`).
 */
export const StoredEngineStateSchema = z
  .object({
    format: z.union([z.literal(1), z.literal(2)]),
    /** Format 2: the version of the case's audit stream this document matches. */
    streamVersion: z.number().int().nonnegative().optional(),
    opened: z.record(z.string(), z.unknown()),
    openedBy: z.string(),
    lastAt: z.number(),
    /** Latest deadline fired after `lastAt` (older documents count fired deadlines in `lastAt`). */
    firedAt: z.number().optional(),
    /** Ladder levels per metric ordinal as of the latest recorded change (absent: none). */
    committedLevels: z.array(z.number().int().nonnegative()).optional(),
    /** Events published for the case (absent in older documents: the case version is used). */
    events: z.number().int().nonnegative().optional(),
    firstReplyDone: z.boolean(),
    awaitingReply: z.boolean(),
    agentReplied: z.boolean(),
    policyId: z.string().nullable(),
    records: z.array(StoredRecordSchema),
    facts: z.array(StoredFactSchema).default([]),
    audit: z.array(StoredAuditSchema).default([]),
  })
  .strict();

/** One SLA fact as stored (in a format-1 document or in an audit-stream event). */
export type StoredFact = z.infer<typeof StoredFactSchema>;
/** One audit entry as stored (in a format-1 document or in an audit-stream event). */
export type StoredAudit = z.infer<typeof StoredAuditSchema>;
export { StoredAuditSchema, StoredFactSchema };

/** The engine state stored with each case document, from which `load` rebuilds the case exactly. */
export type StoredEngineState = z.input<typeof StoredEngineStateSchema>;

/** What the engine keeps per case (the parts that are persisted). */
export interface PersistedCase {
  sla: CaseSla;
  opened: Case;
  openedBy: string;
  later: HistoryFact[] | undefined;
  audit: KeptAudit[] | undefined;
}

type StoredRecord = z.infer<typeof StoredRecordSchema>;

function storeRecord(rec: MetricRecord, live: boolean): StoredRecord {
  const out: StoredRecord = {
    seq: rec.seq,
    metric: rec.metric,
    cycle: rec.cycle,
    state: rec.state,
    live,
    target: rec.target,
    calendar: rec.calendar,
    policyId: rec.policyId,
    startedAt: rec.startedAt,
    dueAt: rec.dueAt,
    pausedMs: rec.pausedMs,
    team: rec.team,
    ladder: rec.ladder,
    level: rec.level,
    acknowledged: rec.acknowledged,
  };
  if (rec.pausedAt !== undefined) out.pausedAt = rec.pausedAt;
  if (rec.warnBudget !== undefined) out.warnBudget = rec.warnBudget;
  if (rec.warnAt !== undefined) out.warnAt = rec.warnAt;
  if (rec.warnedAt !== undefined) out.warnedAt = rec.warnedAt;
  if (rec.breachedAt !== undefined) out.breachedAt = rec.breachedAt;
  if (rec.achievedAt !== undefined) out.achievedAt = rec.achievedAt;
  if (rec.canceledAt !== undefined) out.canceledAt = rec.canceledAt;
  if (rec.nextAt !== undefined) out.nextAt = rec.nextAt;
  return out;
}

/**
 * Captures a case's full engine state (metric records with their deadlines and ladder levels,
 * the SLA history and the audit trail) as JSON for the case document.
 */
export function toStoredState(entry: PersistedCase, streamVersion?: number): StoredEngineState {
  const sla = entry.sla;
  const live = new Set(sla.live.filter((r): r is MetricRecord => r !== undefined));
  const head = {
    format: (streamVersion === undefined ? 1 : 2) as 1 | 2,
    opened: entry.opened as unknown as Record<string, unknown>,
    openedBy: entry.openedBy,
    lastAt: sla.lastAt,
    ...(sla.firedAt === undefined ? {} : { firedAt: sla.firedAt }),
    ...(sla.committedLevels === undefined ? {} : { committedLevels: sla.committedLevels }),
    events: sla.events,
    firstReplyDone: sla.firstReplyDone,
    awaitingReply: sla.awaitingReply,
    agentReplied: sla.agentReplied,
    policyId: sla.policyId,
    records: sla.records.map((r) => storeRecord(r, live.has(r))),
  };
  // Format 2: the history lives in the audit stream, so the document does not grow with it.
  if (streamVersion !== undefined) return { ...head, streamVersion };
  return {
    ...head,
    facts: (entry.later ?? []).map(storeFact),
    audit: (entry.audit ?? []).map(auditEntry) as StoredAudit[],
  };
}

/** The stored form of one SLA fact: the case is referenced by its version. */
export function storeFact(f: HistoryFact): StoredFact {
  const out: StoredFact = { at: f.at, version: f.version };
  if (f.message !== undefined) out.message = f.message;
  if (f.ack !== undefined) out.ack = f.ack;
  return out;
}

/**
 * Rebuilds a case's engine state from its document: the case versions come from the opening
 * snapshot plus the audit patches, the metric records are restored field by field.
 * Invalid documents are `VALIDATION` errors naming `engineState.<field>`.
 */
export function fromStoredState(
  doc: { id: string; tenantId: string; engineState?: unknown },
  history?: { audit: StoredAudit[]; facts: StoredFact[] },
): PersistedCase {
  const parsed = parseInput(StoredEngineStateSchema, doc.engineState, `stored case ${doc.id} engineState`);
  // A format-2 document's history comes from its audit stream (read by the caller).
  const s = parsed.format === 2 && history !== undefined ? { ...parsed, ...history } : parsed;
  const opened = freeze(s.opened as unknown as Case, true);
  const versions = new Map<number, Case>([[opened.version, opened]]);
  let current = opened;
  for (const a of s.audit) {
    current = freeze(applyPatches(current, a.patches as never) as Case, true);
    versions.set(a.version, current);
  }
  const caseAt = (version: number): Case => {
    const c = versions.get(version);
    if (c === undefined) {
      throw new ThreadlineError('VALIDATION', `Invalid stored case ${doc.id}: no case version ${version}`, {
        issues: [
          {
            path: ['engineState', 'facts'],
            message: `unknown case version ${version}`,
            code: 'invalid_value',
          },
        ],
      });
    }
    return c;
  };
  if (current.id !== doc.id || current.tenantId !== doc.tenantId) {
    throw new ThreadlineError(
      'VALIDATION',
      `Invalid stored case ${doc.id}: its state belongs to another case`,
      {
        issues: [
          {
            path: ['engineState', 'opened'],
            message: 'id or tenantId differ from the document',
            code: 'invalid_value',
          },
        ],
      },
    );
  }
  const sla = new CaseSla(current, s.lastAt);
  sla.firstReplyDone = s.firstReplyDone;
  sla.awaitingReply = s.awaitingReply;
  sla.agentReplied = s.agentReplied;
  sla.policyId = s.policyId;
  sla.firedAt = s.firedAt;
  sla.committedLevels = s.committedLevels;
  sla.events = s.events ?? current.version;
  for (const r of s.records) {
    const rec = new MetricRecord(
      r.seq,
      current.id,
      r.metric,
      r.cycle,
      r.startedAt,
      r.target,
      r.calendar,
      r.policyId,
      r.team,
    );
    rec.tenantId = current.tenantId;
    rec.state = r.state;
    rec.dueAt = r.dueAt;
    rec.pausedMs = r.pausedMs;
    rec.pausedAt = r.pausedAt;
    rec.warnBudget = r.warnBudget;
    rec.warnAt = r.warnAt;
    rec.warnedAt = r.warnedAt;
    rec.breachedAt = r.breachedAt;
    rec.achievedAt = r.achievedAt;
    rec.canceledAt = r.canceledAt ?? r.cancelledAt;
    rec.ladder = r.ladder;
    rec.level = r.level;
    rec.acknowledged = r.acknowledged;
    rec.nextAt = r.nextAt;
    sla.records.push(rec);
    if (r.live) sla.live[SLA_METRICS.indexOf(r.metric as SlaMetricName)] = rec;
  }
  const later: HistoryFact[] = s.facts.map((f) => {
    caseAt(f.version);
    const fact: HistoryFact = { at: f.at, version: f.version };
    if (f.message !== undefined) fact.message = f.message;
    if (f.ack !== undefined) fact.ack = f.ack;
    return fact;
  });
  return {
    sla,
    opened,
    openedBy: s.openedBy,
    later: later.length === 0 ? undefined : later,
    audit: s.audit.length === 0 ? undefined : (s.audit as CaseAuditEntry[]),
  };
}
