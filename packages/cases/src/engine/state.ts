import {
  type Clock,
  createIdGenerator,
  type DeliveryErrorHandler,
  type DocumentStore,
  type EventBus,
  type IdGenerator,
  InProcessEventBus,
  parseInput,
  resolveBusOption,
  ThreadlineError,
  type ThreadlineStorage,
} from '@threadline/core';
import type { Case } from '../case.js';
import type { CaseEngineEvent } from '../events.js';
import { type ResolvedRoutingRule, resolveRoutingRules } from '../routingRules.js';
import { type HistoryFact, replayFacts } from '../sla/caseVersions.js';
import { DeadlineIndex } from '../sla/deadlineIndex.js';
import type { MetricRecord } from '../sla/metric.js';
import type { CalendarLike } from '../sla/time.js';
import { type CaseSla, type SlaEmit, type SlaFact, SlaTracker } from '../sla/tracker.js';
import type { KeptAudit } from './audit.js';
import {
  buildRules,
  type CaseEngineOptions,
  OptionsSchema,
  resolveDocumentStore,
  toCalendars,
} from './config.js';
import { slaSeqRow } from './durable.js';
import type { PersistedCase } from './storedState.js';

/** The tenant of calls that name none. */
export const DEFAULT_TENANT = 'default';

/**
 * One case's state. The opening fact and audit entry are implied by `opened` (a million freshly
 * opened cases then carry no history or audit arrays at all).
 */
export interface CaseEntry extends PersistedCase {
  sla: CaseSla;
  opened: Case;
  openedBy: string;
  /** SLA facts after the opening (case versions by number; rebuilt from the audit when replayed). */
  later: HistoryFact[] | undefined;
  /** Audit entries after the opening (scalar changes compact: see `audit.ts`). */
  audit: KeptAudit[] | undefined;
  /** Store version of the case document last written or loaded (writes expect it). */
  storedVersion?: number;
  /** How many times stored personal fields were adopted (documents built before are stale). */
  scrubs?: number;
  /** Durable mode: the committed version of the case's audit stream (`case:<id>`). */
  streamVersion?: number;
  /** Durable mode: audit entries in the stream, the opening one included. */
  auditCommitted?: number;
  /** Durable mode: SLA facts in the stream. */
  factsCommitted?: number;
  /** Durable mode: the due instant in the case's committed deadline row (`undefined`: none written). */
  dueCommitted?: number | null;
  /** Durable mode: commit batches holding this case that have not finished yet. */
  pendingBatches?: number;
}

/** Durable mode: the changes of the commands since the last commit, committed in one transaction. */
export interface CommitBatch {
  readonly entries: Set<CaseEntry>;
  events: CaseEngineEvent[];
}

/**
 * Everything a case engine holds, shared by the engine's modules (commands, time, queries,
 * recompute, outbox, persistence). Internal: the public class is a facade over it.
 */
export interface EngineState {
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly bus: EventBus;
  /** The engine's own bus when none was injected (events are then built only for subscribers). */
  readonly ownBus: InProcessEventBus | undefined;
  readonly store: DocumentStore | undefined;
  /**
   * Set when `storage` is a bundle whose document store has transactions: each batch of changes
   * commits the case documents, audit-stream appends, deadline rows and outbox rows in one
   * transaction, and events are delivered only after it (see `durable.ts`).
   */
  readonly durable: ThreadlineStorage | undefined;
  /** Durable mode: the batch waiting to commit (commands join it until it starts). */
  batch: CommitBatch | undefined;
  /** Durable mode: set once a commit failed; commands then refuse (`ADAPTER`) until a fresh engine recovers. */
  broken: ThreadlineError | undefined;
  /**
   * Durable mode: the metric sequence counter (`tracker.nextSeq`) last committed per tenant, so a
   * batch writes the `case_counters` row only when it moved.
   */
  seqCommitted: Map<string, number>;
  /** Durable mode: the id of this engine's metric counter rows (`sla-seq`, or `sla-seq:<engineId>`). */
  readonly seqRow: string;
  /** Durable mode: whether closed cases leave memory once committed (option `evictClosed`). */
  readonly evictClosed: boolean;
  /** Memory mode (no transactional storage): whether closed cases stay in memory (option `retainClosed`). */
  readonly retainClosed: boolean;
  /** Closed cases removed from memory since the engine started. */
  evicted: number;
  /** Durable mode: whether the cases collections and the personal-data declaration are in place. */
  durableReady: Promise<void> | undefined;
  calendars: Record<string, CalendarLike>;
  policies: unknown;
  escalations: unknown;
  routing: ResolvedRoutingRule[];
  readonly index: DeadlineIndex<MetricRecord>;
  readonly tracker: SlaTracker;
  /** Cases by tenant, then by id: nothing crosses tenants. */
  readonly cases: Map<string, Map<string, CaseEntry>>;
  caseCount: number;
  /** Events of the command in progress, published together on commit. */
  outbox: CaseEngineEvent[];
  writes: Promise<void>;
  readonly inFlight: Set<Promise<void>>;
  failures: unknown[];
  collectionReady: boolean;
  /** Deadline items `advanceTo` has processed. */
  fired: number;
  /** The latest instant `advanceTo` was called with (`-Infinity` before the first call). */
  horizon: number;
  /** Subscriptions made through `subscribe`. */
  subscribers: number;
  /** Bus publishes that threw or rejected. */
  publishFailures: number;
  /** Subscriber calls that threw or rejected. */
  handlerFailures: number;
  readonly onError: DeliveryErrorHandler<CaseEngineEvent> | undefined;
}

/** Validates the options and builds a fresh engine state. */
export function createEngineState(
  options: CaseEngineOptions,
  emit: (s: EngineState) => SlaEmit,
): EngineState {
  const o = parseInput(OptionsSchema, options, 'case engine options', 'CONFIG');
  const store = resolveDocumentStore(o.storage, o.store);
  // Core's one rule: a bus and a storage that commits events (transactions and an outbox) → the
  // bus gets events only through the outbox relay. The engine then commits in batches (durable
  // mode) and publishes only to its own bus, for `subscribe`, when none was injected.
  const { delivery } = resolveBusOption<EventBus>('case engine', o.bus, {
    storage: o.storage !== undefined && store === o.storage.documents ? o.storage : undefined,
  });
  const durable = delivery === 'outbox' ? o.storage : undefined;
  const ownBus = o.bus === undefined ? new InProcessEventBus() : undefined;
  const calendars = toCalendars(o.calendars);
  const policies = o.policies;
  const escalations = o.escalations ?? [];
  const index = new DeadlineIndex<MetricRecord>();
  const state = {
    clock: o.clock,
    ids: o.ids ?? createIdGenerator({ clock: o.clock }),
    bus: o.bus ?? (ownBus as InProcessEventBus),
    ownBus,
    store,
    durable,
    batch: undefined,
    broken: undefined,
    seqCommitted: new Map(),
    seqRow: slaSeqRow(o.engineId),
    evicted: 0,
    evictClosed: o.evictClosed ?? true,
    retainClosed: o.retainClosed ?? true,
    durableReady: undefined,
    calendars,
    policies,
    escalations,
    routing: resolveRoutingRules(o.routingRules ?? []),
    index,
    cases: new Map(),
    caseCount: 0,
    outbox: [],
    writes: Promise.resolve(),
    inFlight: new Set(),
    failures: [],
    collectionReady: false,
    fired: 0,
    horizon: Number.NEGATIVE_INFINITY,
    subscribers: 0,
    publishFailures: 0,
    handlerFailures: 0,
    onError: o.onError,
  } as Omit<EngineState, 'tracker'> as EngineState;
  (state as { tracker: SlaTracker }).tracker = new SlaTracker(
    buildRules(calendars, policies, escalations),
    index,
    emit(state),
  );
  return state;
}

/** The case with this id in this tenant, if any. */
export function lookup(s: EngineState, tenantId: string, caseId: string): CaseEntry | undefined {
  return s.cases.get(tenantId)?.get(caseId);
}

/** Adds a case to its tenant's map. */
export function insert(s: EngineState, tenantId: string, caseId: string, entry: CaseEntry): void {
  let byId = s.cases.get(tenantId);
  if (byId === undefined) {
    byId = new Map();
    s.cases.set(tenantId, byId);
  }
  byId.set(caseId, entry);
  s.caseCount++;
}

/**
 * Removes a case from memory: once its closing change committed (durable mode) or was published
 * (memory mode with `retainClosed: false`), counted; or a new case whose id turned out to be
 * taken in the store (not counted as evicted).
 */
export function evict(s: EngineState, entry: CaseEntry, counted = true): void {
  const c = entry.sla.case;
  const byId = s.cases.get(c.tenantId);
  if (byId?.get(c.id) !== entry) return;
  byId.delete(c.id);
  if (byId.size === 0) s.cases.delete(c.tenantId);
  for (const r of entry.sla.records) s.index.remove(r);
  s.caseCount--;
  if (counted) s.evicted++;
}

/** Durable mode: `ADAPTER` once a commit failed (memory is then ahead of the store). */
export function assertWritable(s: EngineState): void {
  if (s.broken !== undefined) throw s.broken;
}

/** The case, or `NOT_FOUND` (`VALIDATION` for a malformed id). */
export function entryOf(s: EngineState, caseId: string, tenantId: string = DEFAULT_TENANT): CaseEntry {
  if (typeof caseId !== 'string' || caseId.length === 0) {
    throw new ThreadlineError('VALIDATION', 'Invalid case id', {
      issues: [{ path: ['caseId'], message: 'expected a non-empty string', code: 'invalid_type' }],
    });
  }
  const e = lookup(s, tenantId, caseId);
  if (e === undefined) {
    throw new ThreadlineError('NOT_FOUND', `No case ${caseId} in tenant ${tenantId}`, {
      details: { caseId, tenantId },
    });
  }
  return e;
}

/**
 * The case's SLA history: the implied opening fact, then every later one with the case version it
 * saw (rebuilt from the opening snapshot and the audit patches).
 */
export function historyOf(entry: CaseEntry): SlaFact[] {
  return replayFacts(entry, entry.later);
}
