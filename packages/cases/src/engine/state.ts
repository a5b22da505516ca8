import {
  type Clock,
  createIdGenerator,
  type DeliveryErrorHandler,
  type DocumentStore,
  type EventBus,
  type IdGenerator,
  InProcessEventBus,
  parseInput,
  ThreadlineError,
} from '@threadline/core';
import type { Case, CaseAuditEntry } from '../case.js';
import type { CaseEngineEvent } from '../events.js';
import { type ResolvedRoutingRule, resolveRoutingRules } from '../routingRules.js';
import { DeadlineIndex } from '../sla/deadlineIndex.js';
import type { MetricRecord } from '../sla/metric.js';
import type { CalendarLike } from '../sla/time.js';
import { type CaseSla, type SlaEmit, type SlaFact, SlaTracker } from '../sla/tracker.js';
import {
  buildRules,
  type CaseEngineOptions,
  OptionsSchema,
  resolveDocumentStore,
  toCalendars,
} from './config.js';
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
  /** SLA facts after the opening. */
  later: SlaFact[] | undefined;
  /** Audit entries after the opening. */
  audit: CaseAuditEntry[] | undefined;
  /** Store version of the case document last written or loaded (writes expect it). */
  storedVersion?: number;
  /** How many times stored personal fields were adopted (documents built before are stale). */
  scrubs?: number;
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

/** The case's SLA history: the implied opening fact, then every later one. */
export function historyOf(entry: CaseEntry): SlaFact[] {
  const first: SlaFact = { at: entry.opened.createdAt, case: entry.opened };
  return entry.later === undefined ? [first] : [first, ...entry.later];
}
