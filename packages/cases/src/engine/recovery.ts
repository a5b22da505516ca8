import {
  type DocumentStore,
  type EventLog,
  type Instant,
  parseInput,
  type StoredDocument,
  TenantIdSchema,
  ThreadlineError,
  type ThreadlineStorage,
  toMillis,
} from '@threadline/core';
import { z } from 'zod';
import type { Case, CaseAuditEntry } from '../case.js';
import { CASE_STATUSES } from '../transitions.js';
import { auditEntry } from './audit.js';
import {
  CASE_COUNTERS_COLLECTION,
  CASE_DEADLINES_COLLECTION,
  CASES_COLLECTION,
  ensureDurable,
} from './durable.js';
import { caseStreamId, markHistoryCommitted, openingEntry, parseHistory } from './history.js';
import { ensureCollection } from './outbox.js';
import { type CaseEntry, DEFAULT_TENANT, type EngineState, insert, lookup } from './state.js';
import { fromStoredState } from './storedState.js';

/** Options of `recover`. */
export interface RecoverOptions {
  /** The tenant whose open cases are rebuilt (default `'default'`); call once per tenant. */
  tenantId?: string;
  /** Documents per `find` page, 1–1000 (default 500). */
  pageSize?: number;
  /**
   * Rebuilds only the cases this returns `true` for (default: every open case). A process that
   * runs a share of the cases (a partition by case id hash) recovers its share alone.
   */
  include?: (caseId: string) => boolean;
}

/** The result of `recover`. */
export interface RecoverResult {
  tenantId: string;
  /** Cases rebuilt by this call (cases already in memory are kept as they are). */
  cases: number;
  /** Deadlines (warnings, breaches, ladder levels) put back into the deadline index. */
  scheduled: number;
  /** Cases whose persisted deadline (`case_deadlines.dueAt`) is at or before the clock's now. */
  due: number;
}

const RecoverOptionsSchema = z
  .object({
    tenantId: TenantIdSchema.optional(),
    pageSize: z.number().int().min(1).max(1000).optional(),
    include: z
      .custom<(caseId: string) => boolean>((v) => typeof v === 'function', 'expected a function')
      .optional(),
  })
  .strict()
  .optional();

const TenantScopeSchema = z.object({ tenantId: TenantIdSchema.optional() }).strict().optional();

/** Statuses of cases that hold live work (every status but `closed`). */
const OPEN_STATUSES = CASE_STATUSES.filter((st) => st !== 'closed');

function needStorage(s: EngineState, what: string): DocumentStore {
  if (s.store === undefined) {
    throw new ThreadlineError('CONFIG', `${what} needs storage: pass \`storage\` to createCaseEngine`, {
      issues: [{ path: ['storage'], message: `required for ${what}`, code: 'invalid_type' }],
    });
  }
  return s.store;
}

async function ready(s: EngineState, store: DocumentStore): Promise<void> {
  if (s.durable !== undefined) await ensureDurable(s, s.durable);
  else await ensureCollection(s, store);
}

/**
 * Rebuilds one case from its stored document: a format-1 document embeds its history; a
 * format-2 document's history is read from its audit stream up to the version it records.
 * Throws `VALIDATION` for an invalid document or stream; changes nothing.
 */
export async function rebuildCase(s: EngineState, doc: StoredDocument): Promise<CaseEntry> {
  const state = doc.engineState as { format?: unknown; streamVersion?: unknown } | undefined;
  if (state?.format === 2) {
    const events = (s.durable as ThreadlineStorage | undefined)?.events;
    const streamVersion = typeof state.streamVersion === 'number' ? state.streamVersion : 0;
    if (events === undefined) {
      throw new ThreadlineError(
        'CONFIG',
        `Case ${doc.id} keeps its history in an audit stream: the engine needs a storage bundle with transactions`,
        { issues: [{ path: ['storage'], message: 'a storage bundle is required', code: 'invalid_type' }] },
      );
    }
    const history = parseHistory(doc.id, await readStream(events, doc, streamVersion));
    const entry: CaseEntry = {
      ...fromStoredState(doc, { audit: history.entries.slice(1), facts: history.facts }),
      storedVersion: doc.version,
    };
    markHistoryCommitted(entry, streamVersion, history.entries.length, history.facts.length);
    return entry;
  }
  // Format 1: the history is embedded; in durable mode the next commit moves it to the stream.
  return { ...fromStoredState(doc), storedVersion: doc.version };
}

function readStream(events: EventLog, doc: StoredDocument, streamVersion: number) {
  if (streamVersion === 0) return Promise.resolve([]);
  return events.readStream(caseStreamId(doc.id), { tenantId: doc.tenantId, limit: streamVersion });
}

/** Puts a rebuilt case into memory and its deadlines into the index; returns the count scheduled. */
export function adopt(s: EngineState, entry: CaseEntry): number {
  let scheduled = 0;
  insert(s, entry.sla.case.tenantId, entry.sla.caseId, entry);
  for (const r of entry.sla.records) {
    s.tracker.reserveSeq(r.seq);
    if (r.nextAt !== undefined && entry.sla.live.includes(r)) {
      s.index.upsert(r);
      scheduled++;
    }
  }
  return scheduled;
}

/**
 * `recover`: rebuilds one tenant's open cases (every status but `closed`) and their deadlines
 * from storage, and continues the tenant's persisted metric sequence counter (`case_counters`). Idempotent: cases already in memory are kept, so a second call rebuilds nothing.
 * All or nothing: an invalid document fails the call before anything is added.
 */
export async function recover(s: EngineState, options?: RecoverOptions): Promise<RecoverResult> {
  const o = parseInput(RecoverOptionsSchema, options, 'recover options');
  const store = needStorage(s, 'recover');
  const tenantId = o?.tenantId ?? DEFAULT_TENANT;
  await ready(s, store);
  const rebuilt: CaseEntry[] = [];
  const seen = new Set<string>();
  for (const status of OPEN_STATUSES) {
    let cursor: string | undefined;
    do {
      const page = await store.find(CASES_COLLECTION, {
        tenantId,
        where: { status },
        limit: o?.pageSize ?? 500,
        ...(cursor === undefined ? {} : { cursor }),
      });
      for (const doc of page.items) {
        if (lookup(s, tenantId, doc.id) !== undefined || seen.has(doc.id)) continue;
        if (o?.include !== undefined && !o.include(doc.id)) continue;
        seen.add(doc.id);
        rebuilt.push(await rebuildCase(s, doc));
      }
      cursor = page.nextCursor;
    } while (cursor !== undefined);
  }
  // The crashed engine's metric counter: new instances continue its numbering exactly.
  const counter =
    s.durable === undefined ? undefined : await store.get(CASE_COUNTERS_COLLECTION, s.seqRow, { tenantId });
  const next = counter?.next;
  if (typeof next === 'number' && Number.isInteger(next) && next > 0) {
    s.tracker.reserveSeq(next - 1);
    if ((s.seqCommitted.get(tenantId) ?? -1) < next) s.seqCommitted.set(tenantId, next);
  }
  let scheduled = 0;
  for (const entry of rebuilt) {
    // A case changed in memory meanwhile (a command during recovery) keeps its live state.
    if (lookup(s, tenantId, entry.sla.caseId) === undefined) scheduled += adopt(s, entry);
  }
  const due =
    s.durable === undefined ? 0 : (await findDueCases(s.durable, { until: s.clock.now(), tenantId })).length;
  return { tenantId, cases: rebuilt.length, scheduled, due };
}

/** Reads a case that is not in memory, without keeping it (`undefined` when not stored). */
async function fromStore(s: EngineState, caseId: string, tenantId: string): Promise<CaseEntry | undefined> {
  const store = needStorage(s, 'reading an evicted case');
  await ready(s, store);
  const doc = await store.get(CASES_COLLECTION, caseId, { tenantId });
  return doc === undefined ? undefined : rebuildCase(s, doc);
}

function caseIdOf(caseId: unknown): string {
  if (typeof caseId !== 'string' || caseId.length === 0) {
    throw new ThreadlineError('VALIDATION', 'Invalid case id', {
      issues: [{ path: ['caseId'], message: 'expected a non-empty string', code: 'invalid_type' }],
    });
  }
  return caseId;
}

/**
 * `loadCase`: the case, brought back into memory from storage if it was evicted (so commands
 * and sync reads work on it); `undefined` when it exists nowhere. A closed case loaded this way
 * leaves memory again after its next committed change.
 */
export async function loadCase(
  s: EngineState,
  caseId: string,
  options?: { tenantId?: string },
): Promise<Case | undefined> {
  const id = caseIdOf(caseId);
  const tenantId = parseInput(TenantScopeSchema, options, 'options')?.tenantId ?? DEFAULT_TENANT;
  const held = lookup(s, tenantId, id);
  if (held !== undefined || s.store === undefined) return held?.sla.case;
  const entry = await fromStore(s, id, tenantId);
  if (entry === undefined) return undefined;
  // Another call may have loaded it while this one read the store.
  const again = lookup(s, tenantId, id);
  if (again !== undefined) return again.sla.case;
  adopt(s, entry);
  return entry.sla.case;
}

/** `readCase`: the case from memory or, when evicted, from storage (not kept in memory). */
export async function readCase(
  s: EngineState,
  caseId: string,
  options?: { tenantId?: string },
): Promise<Case | undefined> {
  const id = caseIdOf(caseId);
  const tenantId = parseInput(TenantScopeSchema, options, 'options')?.tenantId ?? DEFAULT_TENANT;
  const held = lookup(s, tenantId, id);
  if (held !== undefined || s.store === undefined) return held?.sla.case;
  return (await fromStore(s, id, tenantId))?.sla.case;
}

/**
 * `readAudit`: the audit trail (same shape as `getAudit`), from memory or, for an evicted case,
 * from its audit stream. `NOT_FOUND` when the case exists nowhere.
 */
export async function readAudit(
  s: EngineState,
  caseId: string,
  options?: { tenantId?: string },
): Promise<readonly CaseAuditEntry[]> {
  const id = caseIdOf(caseId);
  const tenantId = parseInput(TenantScopeSchema, options, 'options')?.tenantId ?? DEFAULT_TENANT;
  const entry =
    lookup(s, tenantId, id) ?? (s.store === undefined ? undefined : await fromStore(s, id, tenantId));
  if (entry === undefined) {
    throw new ThreadlineError('NOT_FOUND', `No case ${id} in tenant ${tenantId}`, {
      details: { caseId: id, tenantId },
    });
  }
  return [openingEntry(entry), ...(entry.audit ?? []).map(auditEntry)];
}

/** One persisted SLA deadline: the case and the earliest instant it has due work. */
export interface DueCase {
  caseId: string;
  tenantId: string;
  dueAt: number;
}

/** Options of {@link findDueCases}. */
export interface FindDueCasesOptions {
  /** Deadlines at or before this instant are due. */
  until: Instant;
  /** The tenant (default `'default'`). */
  tenantId?: string;
  /** At most this many (default: all), earliest first. */
  limit?: number;
}

const FindDueSchema = z
  .object({
    until: z.union([z.number(), z.date()]),
    tenantId: TenantIdSchema.optional(),
    limit: z.number().int().positive().optional(),
  })
  .strict();

/**
 * Finds the cases with due SLA work in a storage the case engine writes to, earliest first,
 * with one range query on the `case_deadlines` collection (`dueAt` is a declared range index):
 * no case is loaded. Another process (a scheduler, a dashboard) can call it; an engine's own
 * `recover()` uses it to report how much fell due while it was down.
 *
 * @example
 * ```ts
 * const due = await findDueCases(storage, { until: Date.now() });
 * due.map((d) => `${d.caseId} due at ${new Date(d.dueAt).toISOString()}`);
 * ```
 */
export async function findDueCases(
  storage: Pick<ThreadlineStorage, 'documents'>,
  options: FindDueCasesOptions,
): Promise<DueCase[]> {
  const o = parseInput(FindDueSchema, options, 'findDueCases options');
  const until = toMillis(o.until, 'until');
  const out: DueCase[] = [];
  let cursor: string | undefined;
  await storage.documents.defineCollection(CASE_DEADLINES_COLLECTION, {
    indexes: ['caseId'],
    ranges: ['dueAt'],
  });
  do {
    const page = await storage.documents.find(CASE_DEADLINES_COLLECTION, {
      tenantId: o.tenantId ?? DEFAULT_TENANT,
      where: { dueAt: { lte: until } },
      limit: Math.min(1000, o.limit ?? 1000),
      ...(cursor === undefined ? {} : { cursor }),
    });
    for (const d of page.items) {
      out.push({ caseId: d.caseId as string, tenantId: d.tenantId, dueAt: d.dueAt as number });
      if (o.limit !== undefined && out.length >= o.limit) return out;
    }
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  return out;
}
