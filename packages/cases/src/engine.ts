import {
  BusinessCalendar,
  type BusinessCalendarConfig,
  type Clock,
  createIdGenerator,
  type DocumentStore,
  type EventBus,
  type EventHandler,
  type EventPattern,
  type EventsMatching,
  type IdGenerator,
  InProcessEventBus,
  type Instant,
  isThreadlineError,
  parseInput,
  TenantIdSchema,
  ThreadlineError,
  toMillis,
} from '@threadline/core';
import { type Draft, enablePatches, freeze, produceWithPatches } from 'immer';
import { z } from 'zod';
import {
  type ActorInput,
  type AssignInput,
  AssignInputSchema,
  actorId,
  type Case,
  type CaseAuditEntry,
  type CasePriority,
  CasePrioritySchema,
  CaseStatusSchema,
  type ChangeContext,
  ChangeContextSchema,
  type OpenCaseInput,
  OpenCaseInputSchema,
  type RecordMessageInput,
  RecordMessageInputSchema,
} from './case.js';
import type { EscalationLadderInput } from './escalation.js';
import { resolveLadders } from './escalation.js';
import type { CaseEngineEvent, CaseEngineEventPayloads, CaseEngineEventType } from './events.js';
import { fromStoredState, type PersistedCase, toStoredState } from './persistence.js';
import {
  pickRoutingRule,
  type ResolvedRoutingRule,
  type RoutingRuleInput,
  resolveRoutingRules,
} from './routingRules.js';
import { DeadlineIndex } from './sla/deadlineIndex.js';
import { type MetricRecord, SLA_METRICS, type SlaMetricInstance, type SlaMetricName } from './sla/metric.js';
import { resolvePolicies, type SlaPolicyInput } from './sla/policy.js';
import type { CalendarLike } from './sla/time.js';
import { TimeMeasures } from './sla/time.js';
import { type CaseSla, type SlaEmit, type SlaFact, type SlaRules, SlaTracker } from './sla/tracker.js';
import { assertTransition, type CaseStatus } from './transitions.js';

enablePatches();

// Shared frozen empties and patch constants keep a freshly opened case small (a million of
// them are expected); immer copies on write, so sharing is safe.
const EMPTY_LIST: readonly never[] = Object.freeze([]);
const EMPTY_RECORD: Readonly<Record<string, unknown>> = Object.freeze({});
const ROOT_PATH: readonly never[] = Object.freeze([]);
const OPEN_INVERSE = Object.freeze([
  Object.freeze({ op: 'replace' as const, path: ROOT_PATH as never[], value: undefined }),
]);

/** Options of {@link createCaseEngine}. */
export interface CaseEngineOptions {
  /** Time source; the engine never reads the system time itself. */
  clock: Clock;
  /** Id generator for cases and events (default: time-ordered ids from `clock`). */
  ids?: IdGenerator;
  /**
   * Named business calendars: `BusinessCalendar` instances (or anything with the same two methods)
   * or their JSON configurations (`{ timeZone, hours, shifts?, breaks?, holidays? }`).
   */
  calendars: Record<string, CalendarLike | BusinessCalendarConfig>;
  /** SLA policies, ordered: the first whose condition matches applies. */
  policies: SlaPolicyInput[];
  /** Escalation ladders per metric, ordered: the first matching ladder applies. */
  escalations?: EscalationLadderInput[];
  /** Rule-triggered escalations to specialist teams, ordered: first match wins. */
  routingRules?: RoutingRuleInput[];
  /** Where case documents are persisted (collection `cases`); state stays in memory either way. */
  store?: DocumentStore;
  /** Where events go; default an in-process bus (see `subscribe`). */
  bus?: EventBus;
}

/** Selects the tenant of the case a query reads (default `'default'`). */
export interface TenantScope {
  /** The case's tenant; a case of another tenant is `NOT_FOUND`. Default `'default'`. */
  tenantId?: string;
}

/** Options of `recompute`. */
export interface RecomputeOptions {
  /** The case's tenant (default `'default'`). */
  tenantId?: string;
  /** Policies to use instead of the engine's. */
  policies?: SlaPolicyInput[];
  /** Calendars to use instead of the engine's (same names replace, others are kept). */
  calendars?: Record<string, CalendarLike | BusinessCalendarConfig>;
  /** Escalation ladders to use instead of the engine's. */
  escalations?: EscalationLadderInput[];
  /**
   * `true`: the rules applied from the case's first event (history replayed under them).
   * `false` (default): history replayed under the engine's rules, then the given rules applied
   * now, as a live policy change would (paused time survives).
   */
  backdate?: boolean;
  /** Replay up to this instant (default: the clock's now). */
  until?: Instant;
  /**
   * Replace the case's live SLA state with the result (only with the engine's own rules, i.e. after
   * `updateRules`; no `policies`/`calendars`/`escalations` may be given). Publishes `sla.recomputed`.
   */
  apply?: boolean;
}

/** The result of `recompute`. */
export interface RecomputeResult {
  caseId: string;
  /** Every metric instance as it would be. */
  metrics: SlaMetricInstance[];
  /** The SLA and escalation events the replay produced (not published). */
  events: { type: string; at: number; payload: unknown }[];
  applied: boolean;
}

/** Options of `load`. */
export interface LoadOptions {
  /** The tenant whose cases are loaded (default `'default'`); call once per tenant. */
  tenantId?: string;
  /** Documents per `find` page, 1–1000 (default 500). */
  pageSize?: number;
}

/** The result of `load`. */
export interface LoadResult {
  tenantId: string;
  /** Cases rebuilt. */
  cases: number;
  /** Deadlines (warnings, breaches, ladder levels) put back into the deadline index. */
  scheduled: number;
}

const LoadOptionsSchema = z
  .object({
    tenantId: TenantIdSchema.optional(),
    pageSize: z.number().int().min(1).max(1000).optional(),
  })
  .strict()
  .optional();

const CASE_INDEXES = ['customerId', 'status', 'team', 'assignee'] as const;

/** Counts for monitoring. */
export interface CaseEngineStats {
  cases: number;
  /** Metric instances not yet achieved or cancelled. */
  liveMetrics: number;
  /** Entries in the deadline index. */
  scheduled: number;
  /** Warnings, breaches and ladder levels `advanceTo` has processed since the engine was created. */
  fired: number;
}

/**
 * One case's state. The opening fact and audit entry are implied by `opened` (a million freshly
 * opened cases then carry no history or audit arrays at all).
 */
interface CaseEntry extends PersistedCase {
  sla: CaseSla;
  opened: Case;
  openedBy: string;
  /** SLA facts after the opening. */
  later: SlaFact[] | undefined;
  /** Audit entries after the opening. */
  audit: CaseAuditEntry[] | undefined;
}

function historyOf(entry: CaseEntry): SlaFact[] {
  const first: SlaFact = { at: entry.opened.createdAt, case: entry.opened };
  return entry.later === undefined ? [first] : [first, ...entry.later];
}

const UpdateCaseInputSchema = z
  .object({
    subject: z.string().min(1).max(2000).optional(),
    type: z.string().min(1).max(200).nullable().optional(),
    attributes: z.record(z.string(), z.unknown()).optional(),
    customer: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();

/** Input of `update`: fields to change (`attributes` and `customer` are merged shallowly; `undefined` values delete). */
export type UpdateCaseInput = z.input<typeof UpdateCaseInputSchema>;

const isCalendarLike = (v: unknown): v is CalendarLike =>
  typeof v === 'object' &&
  v !== null &&
  typeof (v as CalendarLike).addBusinessTime === 'function' &&
  typeof (v as CalendarLike).businessTimeBetween === 'function';

const CalendarsSchema = z.record(
  z.string().min(1),
  z.custom<CalendarLike | BusinessCalendarConfig>(
    (v) => isCalendarLike(v) || (typeof v === 'object' && v !== null),
    {
      message: 'expected a BusinessCalendar or a BusinessCalendar configuration',
    },
  ),
);

/** Builds `BusinessCalendar`s from JSON configurations; errors name `calendars.<name>.<field>`. */
function toCalendars(
  input: Record<string, CalendarLike | BusinessCalendarConfig>,
): Record<string, CalendarLike> {
  const out: Record<string, CalendarLike> = {};
  for (const [name, value] of Object.entries(input)) {
    if (isCalendarLike(value)) {
      out[name] = value;
      continue;
    }
    try {
      out[name] = BusinessCalendar.from(value);
    } catch (error) {
      if (!isThreadlineError(error)) throw error;
      const issues = error.issues.map((i) => ({ ...i, path: ['calendars', name, ...i.path] }));
      throw new ThreadlineError('CONFIG', `Invalid calendar "${name}": ${error.message}`, {
        cause: error,
        issues,
      });
    }
  }
  return out;
}

const OptionsSchema = z
  .object({
    clock: z.custom<Clock>(
      (v) => typeof v === 'object' && v !== null && typeof (v as Clock).now === 'function',
      {
        message: 'expected a Clock with now()',
      },
    ),
    ids: z
      .custom<IdGenerator>(
        (v) => typeof v === 'object' && v !== null && typeof (v as IdGenerator).next === 'function',
        {
          message: 'expected an IdGenerator with next()',
        },
      )
      .optional(),
    calendars: CalendarsSchema,
    policies: z.array(z.unknown()),
    escalations: z.array(z.unknown()).optional(),
    routingRules: z.array(z.unknown()).optional(),
    store: z
      .custom<DocumentStore>(
        (v) => typeof v === 'object' && v !== null && typeof (v as DocumentStore).put === 'function',
        {
          message: 'expected a DocumentStore',
        },
      )
      .optional(),
    bus: z
      .custom<EventBus>(
        (v) => typeof v === 'object' && v !== null && typeof (v as EventBus).publish === 'function',
        {
          message: 'expected an EventBus',
        },
      )
      .optional(),
  })
  .strict();

const RecomputeOptionsSchema = z
  .object({
    policies: z.array(z.unknown()).optional(),
    calendars: CalendarsSchema.optional(),
    escalations: z.array(z.unknown()).optional(),
    backdate: z.boolean().optional(),
    until: z.union([z.date(), z.number().finite()]).optional(),
    apply: z.boolean().optional(),
    tenantId: TenantIdSchema.optional(),
  })
  .strict();

const TenantScopeSchema = z.object({ tenantId: TenantIdSchema.optional() }).strict().optional();
const DEFAULT_TENANT = 'default';

const OptionalContextSchema = ChangeContextSchema.partial().strict().optional();

function buildRules(
  calendars: Record<string, CalendarLike>,
  policies: unknown,
  escalations: unknown,
): SlaRules {
  const measures = new TimeMeasures(new Map(Object.entries(calendars)));
  return {
    measures,
    policies: resolvePolicies(policies, measures),
    ladders: resolveLadders(escalations ?? [], measures),
  };
}

/**
 * The case engine: case lifecycle with an immer-patch audit trail, SLA metrics on business
 * calendars, escalation ladders and rule-triggered escalation to specialist teams. State lives
 * in memory; deadlines are data in an indexed heap, so `advanceTo` costs O(log n) per due item.
 * Create it with {@link createCaseEngine}.
 */
export class CaseEngine {
  readonly #clock: Clock;
  readonly #ids: IdGenerator;
  readonly #bus: EventBus;
  readonly #ownBus: InProcessEventBus | undefined;
  readonly #store: DocumentStore | undefined;
  #calendars: Record<string, CalendarLike>;
  #policies: unknown;
  #escalations: unknown;
  #routing: ResolvedRoutingRule[];
  readonly #index = new DeadlineIndex<MetricRecord>();
  readonly #tracker: SlaTracker;
  /** Cases by tenant, then by id: nothing crosses tenants. */
  readonly #cases = new Map<string, Map<string, CaseEntry>>();
  #caseCount = 0;
  #outbox: CaseEngineEvent[] = [];
  #writes: Promise<void> = Promise.resolve();
  readonly #inFlight = new Set<Promise<void>>();
  #failures: unknown[] = [];
  #collectionReady = false;
  #fired = 0;
  /** Subscriptions made through `subscribe` (events are only built when someone listens). */
  #subscribers = 0;

  constructor(options: CaseEngineOptions) {
    const o = parseInput(OptionsSchema, options, 'case engine options', 'CONFIG');
    this.#clock = o.clock;
    this.#ids = o.ids ?? createIdGenerator({ clock: o.clock });
    this.#store = o.store;
    if (o.bus === undefined) this.#ownBus = new InProcessEventBus();
    this.#bus = o.bus ?? (this.#ownBus as InProcessEventBus);
    this.#calendars = toCalendars(o.calendars);
    this.#policies = o.policies;
    this.#escalations = o.escalations ?? [];
    this.#routing = resolveRoutingRules(o.routingRules ?? []);
    this.#tracker = new SlaTracker(
      buildRules(this.#calendars, this.#policies, this.#escalations),
      this.#index,
      this.#emitSla,
    );
  }

  // ---------------------------------------------------------------- commands

  /**
   * Opens a case (status `new`), applies the first matching SLA policy and routing rule.
   *
   * @example
   * ```ts
   * const c = engine.openCase({ customerId: 'cus-1', subject: 'Refund', priority: 'high', channel: 'email' });
   * ```
   */
  openCase(input: OpenCaseInput): Case {
    const i = parseInput(OpenCaseInputSchema, input, 'case');
    const id = i.id ?? this.#ids.next('case');
    const tenantId = i.tenantId ?? DEFAULT_TENANT;
    if (this.#lookup(tenantId, id) !== undefined) {
      throw new ThreadlineError('CONFLICT', `Case ${id} already exists`, {
        details: { caseId: id, tenantId },
      });
    }
    const at = this.#clock.now();
    const c: Case = freeze(
      {
        id,
        tenantId,
        customerId: i.customerId,
        subject: i.subject,
        status: 'new',
        priority: i.priority,
        channel: i.channel,
        type: i.type ?? null,
        team: i.team ?? null,
        assignee: i.assignee ?? null,
        attributes: i.attributes ?? EMPTY_RECORD,
        customer: i.customer ?? EMPTY_RECORD,
        createdAt: at,
        updatedAt: at,
        version: 1,
        solvedAt: null,
        closedAt: null,
        reopenCount: 0,
        mergedInto: null,
        mergedFrom: EMPTY_LIST,
        followUpOf: null,
        followUps: EMPTY_LIST,
        escalations: EMPTY_LIST,
        lastCustomerMessageAt: null,
        lastAgentReplyAt: null,
      },
      true,
    );
    const actor = actorId(i.actor);
    const fact: SlaFact = { at, case: c };
    this.#queue('case.opened', c, at, { case: c, actor });
    const sla = this.#tracker.open(fact);
    const entry: CaseEntry = { sla, opened: c, openedBy: actor, later: undefined, audit: undefined };
    this.#insert(tenantId, id, entry);
    this.#route(entry, at);
    this.#commit(entry);
    return entry.sla.case;
  }

  /**
   * Moves a case along the transition table; an illegal move is `ILLEGAL_TRANSITION` and changes nothing.
   *
   * @example
   * ```ts
   * engine.transition(c.id, 'pending', { actor: 'agent-7', reason: 'asked for order number' });
   * ```
   */
  transition(caseId: string, status: CaseStatus, context: ChangeContext): Case {
    const to = parseInput(CaseStatusSchema, status, 'status');
    const ctx = parseInput(ChangeContextSchema, context, 'change context');
    const entry = this.#entry(caseId, ctx.tenantId);
    const from = entry.sla.case.status;
    assertTransition(from, to, caseId);
    const reopening = from === 'solved' && to === 'open';
    this.#statusChange(entry, to, ctx.actor, ctx.reason ?? null, reopening);
    this.#commit(entry);
    return entry.sla.case;
  }

  /**
   * Reopens a solved case (a closed case cannot reopen: open a follow-up with `linkFollowUp`).
   *
   * @example
   * ```ts
   * engine.reopen(c.id, { actor: 'cus-1', reason: 'still broken' });
   * ```
   */
  reopen(caseId: string, context: ChangeContext): Case {
    const ctx = parseInput(ChangeContextSchema, context, 'change context');
    const entry = this.#entry(caseId, ctx.tenantId);
    if (entry.sla.case.status !== 'solved') {
      throw new ThreadlineError(
        'ILLEGAL_TRANSITION',
        `Case ${caseId} is ${entry.sla.case.status}; only solved cases reopen`,
        {
          details: { caseId, from: entry.sla.case.status, to: 'open' },
        },
      );
    }
    this.#statusChange(entry, 'open', ctx.actor, ctx.reason ?? null, true);
    this.#commit(entry);
    return entry.sla.case;
  }

  /**
   * Changes the assignee and/or team (`null` clears). SLA clocks keep running; team ownership
   * time (OLA) starts a new instance for the new team.
   *
   * @example
   * ```ts
   * engine.assign(c.id, { assignee: 'agent-7', team: 'billing' }, { actor: 'lead-1', reason: 'billing question' });
   * ```
   */
  assign(caseId: string, target: AssignInput, context: ChangeContext): Case {
    const t = parseInput(AssignInputSchema, target, 'assignment');
    const ctx = parseInput(ChangeContextSchema, context, 'change context');
    const entry = this.#entry(caseId, ctx.tenantId);
    this.#assertOpen(entry, 'assign');
    const before = entry.sla.case;
    const from = { assignee: before.assignee, team: before.team };
    const to = {
      assignee: t.assignee === undefined ? before.assignee : t.assignee,
      team: t.team === undefined ? before.team : t.team,
    };
    this.#change(entry, 'case.assigned', ctx.actor, ctx.reason ?? null, (d) => {
      d.assignee = to.assignee;
      d.team = to.team;
    });
    this.#queue('case.assigned', entry.sla.case, entry.sla.lastAt, {
      from,
      to,
      actor: actorId(ctx.actor),
      reason: ctx.reason ?? null,
    });
    this.#afterChange(entry);
    return entry.sla.case;
  }

  /**
   * Changes the priority; the SLA policy is re-applied (targets change, paused time survives).
   *
   * @example
   * ```ts
   * engine.setPriority(c.id, 'urgent', { actor: 'lead-1', reason: 'outage' });
   * ```
   */
  setPriority(caseId: string, priority: CasePriority, context: ChangeContext): Case {
    const p = parseInput(CasePrioritySchema, priority, 'priority');
    const ctx = parseInput(ChangeContextSchema, context, 'change context');
    const entry = this.#entry(caseId, ctx.tenantId);
    this.#assertOpen(entry, 'change the priority of');
    const from = entry.sla.case.priority;
    this.#change(entry, 'case.priority_changed', ctx.actor, ctx.reason ?? null, (d) => {
      d.priority = p;
    });
    this.#queue('case.priority_changed', entry.sla.case, entry.sla.lastAt, {
      from,
      to: p,
      actor: actorId(ctx.actor),
      reason: ctx.reason ?? null,
    });
    this.#afterChange(entry);
    return entry.sla.case;
  }

  /**
   * Changes subject, type, attributes or the customer snapshot; policies and routing rules are
   * re-evaluated.
   *
   * @example
   * ```ts
   * engine.update(c.id, { type: 'security', attributes: { product: 'vault' } }, { actor: 'agent-7' });
   * ```
   */
  update(caseId: string, changes: UpdateCaseInput, context: ChangeContext): Case {
    const u = parseInput(UpdateCaseInputSchema, changes, 'case changes');
    const ctx = parseInput(ChangeContextSchema, context, 'change context');
    const entry = this.#entry(caseId, ctx.tenantId);
    this.#assertOpen(entry, 'update');
    this.#change(entry, 'case.updated', ctx.actor, ctx.reason ?? null, (d) => {
      if (u.subject !== undefined) d.subject = u.subject;
      if (u.type !== undefined) d.type = u.type;
      if (u.attributes !== undefined) mergeInto(d.attributes as Record<string, unknown>, u.attributes);
      if (u.customer !== undefined) mergeInto(d.customer as Record<string, unknown>, u.customer);
    });
    this.#queue('case.updated', entry.sla.case, entry.sla.lastAt, {
      fields: Object.keys(u),
      actor: actorId(ctx.actor),
      reason: ctx.reason ?? null,
    });
    this.#afterChange(entry);
    return entry.sla.case;
  }

  /**
   * Records a message on the case. Public agent replies achieve reply metrics (and move a `new`
   * case to `open`); a public customer message starts the next-reply clock and moves a `pending`
   * case back to `open` or reopens a `solved` one. Messages on closed cases are `ILLEGAL_TRANSITION`.
   *
   * @example
   * ```ts
   * engine.recordMessage(c.id, { author: 'agent', public: true });
   * ```
   */
  recordMessage(caseId: string, message: RecordMessageInput, context?: Partial<ChangeContext>): Case {
    const m = parseInput(RecordMessageInputSchema, message, 'message');
    const ctx = parseInput(OptionalContextSchema, context, 'change context');
    const entry = this.#entry(caseId, ctx?.tenantId);
    const c0 = entry.sla.case;
    if (c0.status === 'closed') {
      throw new ThreadlineError(
        'ILLEGAL_TRANSITION',
        `Case ${caseId} is closed; open a follow-up with linkFollowUp`,
        {
          details: { caseId, from: 'closed' },
        },
      );
    }
    const now = this.#clock.now();
    const at = m.at === undefined ? now : toMillis(m.at, 'at');
    if (at > now) {
      throw new ThreadlineError('VALIDATION', 'Invalid message: at is in the future', {
        issues: [{ path: ['at'], message: 'must not be after the clock', code: 'too_big' }],
      });
    }
    this.#checkTime(entry, at);
    const actor = ctx?.actor ?? (m.author === 'customer' ? c0.customerId : m.author);
    if (m.public && m.author === 'agent' && c0.status === 'new') {
      this.#statusChange(entry, 'open', actor, 'agent replied', false, at);
    } else if (m.public && m.author === 'customer' && (c0.status === 'pending' || c0.status === 'solved')) {
      this.#statusChange(entry, 'open', actor, 'customer replied', c0.status === 'solved', at);
    }
    const payload: CaseEngineEventPayloads['case.message_recorded'] = { author: m.author, public: m.public };
    if (m.messageId !== undefined) payload.messageId = m.messageId;
    this.#change(
      entry,
      'case.message_recorded',
      actor,
      null,
      (d) => {
        if (!m.public) return;
        if (m.author === 'customer') d.lastCustomerMessageAt = at;
        else if (m.author === 'agent') d.lastAgentReplyAt = at;
      },
      { author: m.author, public: m.public },
      at,
    );
    this.#queue('case.message_recorded', entry.sla.case, at, payload);
    this.#afterChange(entry);
    return entry.sla.case;
  }

  /**
   * Merges a duplicate into a target: the source closes with `mergedInto` (its SLA metrics are
   * cancelled), the target records it in `mergedFrom`.
   *
   * @example
   * ```ts
   * engine.merge(duplicate.id, original.id, { actor: 'agent-7', reason: 'same order' });
   * ```
   */
  merge(
    sourceId: string,
    targetId: string,
    context?: Partial<ChangeContext>,
  ): { source: Case; target: Case } {
    const ctx = parseInput(OptionalContextSchema, context, 'change context');
    // Both cases are looked up in the one tenant: a case of another tenant is NOT_FOUND.
    const source = this.#entry(sourceId, ctx?.tenantId);
    const target = this.#entry(targetId, ctx?.tenantId);
    if (sourceId === targetId) {
      throw new ThreadlineError('VALIDATION', 'A case cannot be merged into itself', {
        issues: [{ path: ['targetId'], message: 'must differ from sourceId', code: 'invalid_value' }],
      });
    }
    for (const [e, name] of [
      [source, 'source'],
      [target, 'target'],
    ] as const) {
      if (e.sla.case.status === 'closed') {
        throw new ThreadlineError(
          'ILLEGAL_TRANSITION',
          `The ${name} case ${e.sla.case.id} is closed and cannot be merged`,
          {
            details: { caseId: e.sla.case.id, from: 'closed' },
          },
        );
      }
    }
    const actor = ctx?.actor ?? 'system';
    const reason = ctx?.reason ?? null;
    const at = this.#clock.now();
    this.#checkTime(source, at);
    this.#checkTime(target, at);
    const from = source.sla.case.status;
    this.#change(source, 'case.merged', actor, reason, (d) => {
      d.status = 'closed';
      d.closedAt = at;
      d.mergedInto = targetId;
    });
    this.#queue('case.merged', source.sla.case, at, { sourceId, targetId, actor: actorId(actor), reason });
    this.#queue('case.status_changed', source.sla.case, at, {
      from,
      to: 'closed',
      actor: actorId(actor),
      reason,
    });
    this.#change(target, 'case.duplicate_attached', actor, reason, (d) => {
      d.mergedFrom.push(sourceId);
    });
    this.#queue('case.duplicate_attached', target.sla.case, at, {
      sourceId,
      targetId,
      actor: actorId(actor),
      reason,
    });
    this.#commit(source);
    this.#commit(target);
    return { source: source.sla.case, target: target.sla.case };
  }

  /**
   * Opens a follow-up to a closed case: the new case links back (`followUpOf`) and inherits the
   * customer, channel, priority, type and team unless given.
   *
   * @example
   * ```ts
   * const next = engine.linkFollowUp(closed.id, { subject: 'Refund not received' });
   * ```
   */
  linkFollowUp(closedCaseId: string, input: Partial<OpenCaseInput> = {}): Case {
    const scope = parseInput(TenantScopeSchema, { tenantId: input?.tenantId }, 'case');
    // The closed case is looked up in `input.tenantId`; the follow-up opens in the same tenant.
    const entry = this.#entry(closedCaseId, scope?.tenantId);
    const old = entry.sla.case;
    if (old.status !== 'closed') {
      throw new ThreadlineError(
        'ILLEGAL_TRANSITION',
        `Case ${closedCaseId} is ${old.status}; follow-ups link to closed cases`,
        {
          details: { caseId: closedCaseId, from: old.status },
        },
      );
    }
    const base: OpenCaseInput = {
      customerId: old.customerId,
      subject: `Follow-up: ${old.subject}`.slice(0, 2000),
      priority: old.priority,
      channel: old.channel,
      tenantId: old.tenantId,
      customer: old.customer as Record<string, unknown>,
    };
    if (old.type !== null) base.type = old.type;
    if (old.team !== null) base.team = old.team;
    const merged = { ...base, ...input } as OpenCaseInput;
    parseInput(OpenCaseInputSchema, merged, 'case');
    const at = this.#clock.now();
    this.#checkTime(entry, at);
    const created = this.openCase(merged);
    const fresh = this.#entry(created.id, created.tenantId);
    this.#change(fresh, 'case.follow_up_linked', actorId(merged.actor), null, (d) => {
      d.followUpOf = closedCaseId;
    });
    this.#change(entry, 'case.follow_up_linked', actorId(merged.actor), null, (d) => {
      d.followUps.push(created.id);
    });
    this.#queue('case.follow_up_linked', entry.sla.case, at, {
      caseId: closedCaseId,
      followUpId: created.id,
      actor: actorId(merged.actor),
    });
    this.#commit(fresh);
    this.#commit(entry);
    return fresh.sla.case;
  }

  /**
   * Acknowledges the escalation ladder of a live metric: no further levels fire. Returns `false`
   * when it was already acknowledged; `NOT_FOUND` when the metric has no live ladder.
   *
   * @example
   * ```ts
   * engine.acknowledgeEscalation(c.id, 'first_reply', { actor: 'lead-1' });
   * ```
   */
  acknowledgeEscalation(caseId: string, metric: SlaMetricName, context: ChangeContext): boolean {
    const mtr = parseInput(z.enum(SLA_METRICS), metric, 'metric');
    const ctx = parseInput(ChangeContextSchema, context, 'change context');
    const entry = this.#entry(caseId, ctx.tenantId);
    const at = this.#clock.now();
    this.#checkTime(entry, at);
    // Catching up on due work never ends a metric or acknowledges a ladder, so check first.
    const live = entry.sla.live[SLA_METRICS.indexOf(mtr)];
    if (live === undefined || live.ladder < 0) {
      throw new ThreadlineError('NOT_FOUND', `Case ${caseId} has no running escalation ladder for ${mtr}`, {
        details: { caseId, metric: mtr },
      });
    }
    if (!this.#tracker.canAcknowledge(entry.sla, mtr)) return false;
    const fact: SlaFact = { at, case: entry.sla.case, ack: { metric: mtr, actor: actorId(ctx.actor) } };
    (entry.later ??= []).push(fact);
    this.#tracker.apply(entry.sla, fact);
    this.#commit(entry);
    return true;
  }

  // ---------------------------------------------------------------- time

  /**
   * Fires every warning, breach and escalation level due at or before `now`, in time order.
   * `stats().fired` counts the items processed so far. Cost: O(log n) per due item. Fits core's
   * `Scheduler` (`scheduler.add(engine)`).
   *
   * @example
   * ```ts
   * engine.advanceTo(clock.now());
   * ```
   */
  advanceTo(now: Instant): void {
    const until = toMillis(now, 'now');
    let n = 0;
    const touched = new Set<CaseEntry>();
    for (;;) {
      const rec = this.#index.peek();
      if (rec === undefined || rec.nextAt === undefined || rec.nextAt > until) break;
      const entry = this.#lookup(rec.tenantId, rec.caseId) as CaseEntry;
      this.#tracker.fire(entry.sla, rec);
      touched.add(entry);
      n++;
    }
    for (const entry of touched) this.#commit(entry);
    this.#fired += n;
  }

  /**
   * The earliest instant at which `advanceTo` has work, or `null`.
   *
   * @example
   * ```ts
   * const due = engine.nextDeadline(); // feed a Scheduler, or poll
   * ```
   */
  nextDeadline(): number | null {
    return this.#index.peek()?.nextAt ?? null;
  }

  // ---------------------------------------------------------------- queries

  /**
   * The case, or `undefined` (also for a case of another tenant than `options.tenantId`, default `'default'`).
   *
   * @example
   * ```ts
   * engine.getCase('case-1')?.status;
   * engine.getCase('case-1', { tenantId: 'acme' }); // another tenant's case with the same id
   * ```
   */
  getCase(id: string, options?: TenantScope): Case | undefined {
    const o = parseInput(TenantScopeSchema, options, 'options');
    return this.#lookup(o?.tenantId ?? DEFAULT_TENANT, id)?.sla.case;
  }

  /**
   * Every SLA metric instance of the case (live and finished, oldest first).
   *
   * @example
   * ```ts
   * engine.getSla(c.id).find((m) => m.metric === 'first_reply')?.dueAt;
   * ```
   */
  getSla(caseId: string, options?: TenantScope): SlaMetricInstance[] {
    const o = parseInput(TenantScopeSchema, options, 'options');
    return this.#entry(caseId, o?.tenantId).sla.records.map((r) => r.toInstance());
  }

  /**
   * The case's audit trail: one entry per change with immer patches and inverse patches.
   *
   * @example
   * ```ts
   * engine.getAudit(c.id).map((e) => `${e.action} by ${e.actor}`);
   * ```
   */
  getAudit(caseId: string, options?: TenantScope): readonly CaseAuditEntry[] {
    const o = parseInput(TenantScopeSchema, options, 'options');
    const entry = this.#entry(caseId, o?.tenantId);
    const opening: CaseAuditEntry = {
      version: 1,
      at: entry.opened.createdAt,
      actor: entry.openedBy,
      action: 'case.opened',
      reason: null,
      patches: [{ op: 'replace', path: ROOT_PATH as never[], value: entry.opened }],
      inversePatches: OPEN_INVERSE,
    };
    return entry.audit === undefined ? [opening] : [opening, ...entry.audit];
  }

  /** Counts of cases, live metric instances and scheduled deadlines. */
  stats(): CaseEngineStats {
    let live = 0;
    for (const byId of this.#cases.values())
      for (const e of byId.values()) for (const r of e.sla.live) if (r !== undefined) live++;
    return { cases: this.#caseCount, liveMetrics: live, scheduled: this.#index.size, fired: this.#fired };
  }

  // ---------------------------------------------------------------- rules

  /**
   * Replays the case's history under (new) rules and returns the resulting metric instances.
   * Without `apply` nothing changes (a what-if); with unchanged rules it reproduces the live result.
   *
   * @example
   * ```ts
   * const whatIf = engine.recompute(c.id, { policies: stricterPolicies, backdate: true });
   * ```
   */
  recompute(caseId: string, options: RecomputeOptions = {}): RecomputeResult {
    const o = parseInput(RecomputeOptionsSchema, options, 'recompute options');
    const entry = this.#entry(caseId, o.tenantId);
    const backdate = o.backdate ?? false;
    const changesRules = o.policies !== undefined || o.calendars !== undefined || o.escalations !== undefined;
    if (o.apply === true && changesRules) {
      throw new ThreadlineError(
        'VALIDATION',
        'recompute with apply uses the engine rules: call updateRules first',
        {
          issues: [
            {
              path: ['apply'],
              message: 'cannot be combined with policies, calendars or escalations',
              code: 'invalid_combination',
            },
          ],
        },
      );
    }
    const until = o.until === undefined ? this.#clock.now() : toMillis(o.until, 'until');
    const live = this.#tracker.rules;
    const next = changesRules
      ? buildRules(
          { ...this.#calendars, ...toCalendars(o.calendars ?? {}) },
          o.policies ?? this.#policies,
          o.escalations ?? this.#escalations,
        )
      : live;
    const events: RecomputeResult['events'] = [];
    const emit: SlaEmit = (type, _state, at, payload) => {
      events.push({ type, at, payload });
    };
    const tracker = new SlaTracker(backdate ? next : live, null, emit);
    const [first, ...rest] = historyOf(entry);
    const state = tracker.open(first as SlaFact);
    for (const fact of rest) tracker.apply(state, fact);
    if (!backdate && next !== live) {
      tracker.rules = next;
      tracker.apply(state, { at: Math.max(until, state.lastAt), case: state.case });
    }
    tracker.catchUp(state, until);
    const metrics = state.records.map((r) => r.toInstance());
    if (o.apply === true) {
      for (const r of entry.sla.live) if (r !== undefined) this.#index.remove(r);
      entry.sla = this.#adopt(state, entry);
      this.#queue('sla.recomputed', entry.sla.case, until, { metrics, backdate });
      this.#commit(entry);
    }
    return { caseId, metrics, events, applied: o.apply === true };
  }

  /**
   * Replaces the engine's rules. Cases pick the new rules up on their next change; call
   * `recompute(caseId, { apply: true })` to re-apply them at once.
   *
   * @example
   * ```ts
   * engine.updateRules({ policies: newPolicies });
   * ```
   */
  updateRules(rules: {
    policies?: SlaPolicyInput[];
    calendars?: Record<string, CalendarLike | BusinessCalendarConfig>;
    escalations?: EscalationLadderInput[];
    routingRules?: RoutingRuleInput[];
  }): void {
    const r = parseInput(
      z
        .object({
          policies: z.array(z.unknown()).optional(),
          calendars: CalendarsSchema.optional(),
          escalations: z.array(z.unknown()).optional(),
          routingRules: z.array(z.unknown()).optional(),
        })
        .strict(),
      rules,
      'rules',
      'CONFIG',
    );
    const calendars = { ...this.#calendars, ...toCalendars(r.calendars ?? {}) };
    const policies = r.policies ?? this.#policies;
    const escalations = r.escalations ?? this.#escalations;
    // Build everything first so a bad rule changes nothing.
    const built = buildRules(calendars, policies, escalations);
    const routing = r.routingRules === undefined ? this.#routing : resolveRoutingRules(r.routingRules);
    this.#calendars = calendars;
    this.#policies = policies;
    this.#escalations = escalations;
    this.#routing = routing;
    this.#tracker.rules = built;
  }

  // ---------------------------------------------------------------- events & persistence

  /**
   * Subscribes to engine events on the engine's bus; returns the unsubscribe function.
   *
   * @example
   * ```ts
   * const off = engine.subscribe('sla.*', (e) => console.log(e.type, e.payload));
   * ```
   */
  subscribe<P extends EventPattern<CaseEngineEvent>>(
    pattern: P,
    handler: EventHandler<EventsMatching<CaseEngineEvent, P & string>>,
  ): () => void {
    const off = (this.#bus as EventBus<CaseEngineEvent>).subscribe(pattern, handler);
    this.#subscribers++;
    let active = true;
    return () => {
      if (!active) return;
      active = false;
      this.#subscribers--;
      off();
    };
  }

  /**
   * Waits until every event publication and store write so far has finished; rejects with an
   * `ADAPTER` error if any failed (failures are reported once).
   *
   * @example
   * ```ts
   * engine.openCase(input);
   * await engine.flush();
   * ```
   */
  async flush(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.all([...this.#inFlight]);
    if (this.#failures.length > 0) {
      const failures = this.#failures.splice(0);
      throw new ThreadlineError(
        'ADAPTER',
        `Case engine: ${failures.length} publication(s) or write(s) failed`,
        {
          cause: failures[0],
          details: { failures },
        },
      );
    }
  }

  /**
   * Rebuilds the in-memory state of one tenant's cases from the store (cases, SLA metric
   * instances with their paused time, warnings, breaches and ladder levels, the deadline index,
   * SLA history and audit trail), reading the `cases` collection page by page with `find`.
   * Call it on start-up, before new commands, with the rules the previous engine ran with; it
   * publishes nothing. Afterwards `getSla`, `nextDeadline` and `advanceTo` behave as they did in
   * the engine that wrote the documents. A case already in memory is `CONFLICT`; an invalid
   * document is `VALIDATION`; either way nothing is loaded.
   *
   * @example
   * ```ts
   * const engine = createCaseEngine({ clock, calendars, policies, store });
   * await engine.load(); // tenant 'default'
   * await engine.load({ tenantId: 'acme' });
   * engine.advanceTo(clock.now()); // fires what fell due while the process was down
   * ```
   */
  async load(options?: LoadOptions): Promise<LoadResult> {
    const o = parseInput(LoadOptionsSchema, options, 'load options');
    const store = this.#store;
    if (store === undefined) {
      throw new ThreadlineError('CONFIG', 'load needs a store: pass `store` to createCaseEngine', {
        issues: [{ path: ['store'], message: 'required for load', code: 'invalid_type' }],
      });
    }
    const tenantId = o?.tenantId ?? DEFAULT_TENANT;
    await this.#ensureCollection(store);
    const loaded: CaseEntry[] = [];
    const seen = new Set<string>();
    let cursor: string | undefined;
    do {
      const page = await store.find('cases', {
        tenantId,
        limit: o?.pageSize ?? 500,
        ...(cursor === undefined ? {} : { cursor }),
      });
      for (const doc of page.items) {
        if (this.#lookup(tenantId, doc.id) !== undefined || seen.has(doc.id)) {
          throw new ThreadlineError('CONFLICT', `Case ${doc.id} is already loaded`, {
            details: { caseId: doc.id, tenantId },
          });
        }
        seen.add(doc.id);
        loaded.push(fromStoredState(doc));
      }
      cursor = page.nextCursor;
    } while (cursor !== undefined);
    // Everything validated: now change the engine.
    let scheduled = 0;
    for (const entry of loaded) {
      this.#insert(tenantId, entry.sla.caseId, entry);
      for (const r of entry.sla.records) {
        this.#tracker.reserveSeq(r.seq);
        if (r.nextAt !== undefined && entry.sla.live.includes(r)) {
          this.#index.upsert(r);
          scheduled++;
        }
      }
    }
    return { tenantId, cases: loaded.length, scheduled };
  }

  // ---------------------------------------------------------------- internals

  readonly #emitSla: SlaEmit = (type, state, at, payload) => {
    this.#queue(type, state.case, at, payload as CaseEngineEventPayloads[typeof type]);
  };

  #wantsEvents(): boolean {
    return this.#ownBus === undefined || this.#subscribers > 0;
  }

  #queue<K extends CaseEngineEventType>(
    type: K,
    c: Case,
    at: number,
    payload: CaseEngineEventPayloads[K],
  ): void {
    if (!this.#wantsEvents()) return;
    this.#outbox.push({
      id: this.#ids.next('evt'),
      type,
      tenantId: c.tenantId,
      aggregateId: c.id,
      aggregateType: 'case',
      version: c.version,
      occurredAt: at,
      payload,
    } as CaseEngineEvent);
  }

  #lookup(tenantId: string, caseId: string): CaseEntry | undefined {
    return this.#cases.get(tenantId)?.get(caseId);
  }

  #insert(tenantId: string, caseId: string, entry: CaseEntry): void {
    let byId = this.#cases.get(tenantId);
    if (byId === undefined) {
      byId = new Map();
      this.#cases.set(tenantId, byId);
    }
    byId.set(caseId, entry);
    this.#caseCount++;
  }

  #entry(caseId: string, tenantId: string = DEFAULT_TENANT): CaseEntry {
    if (typeof caseId !== 'string' || caseId.length === 0) {
      throw new ThreadlineError('VALIDATION', 'Invalid case id', {
        issues: [{ path: ['caseId'], message: 'expected a non-empty string', code: 'invalid_type' }],
      });
    }
    const e = this.#lookup(tenantId, caseId);
    if (e === undefined) {
      throw new ThreadlineError('NOT_FOUND', `No case ${caseId} in tenant ${tenantId}`, {
        details: { caseId, tenantId },
      });
    }
    return e;
  }

  #assertOpen(entry: CaseEntry, what: string): void {
    if (entry.sla.case.status === 'closed') {
      throw new ThreadlineError('ILLEGAL_TRANSITION', `Cannot ${what} closed case ${entry.sla.case.id}`, {
        details: { caseId: entry.sla.case.id, from: 'closed' },
      });
    }
  }

  #checkTime(entry: CaseEntry, at: number): void {
    if (at < entry.sla.lastAt) {
      throw new ThreadlineError(
        'VALIDATION',
        `Case ${entry.sla.case.id} already has changes up to ${entry.sla.lastAt}; cannot record a change at ${at}`,
        {
          issues: [{ path: ['at'], message: "before the case's latest recorded change", code: 'too_small' }],
        },
      );
    }
  }

  #statusChange(
    entry: CaseEntry,
    to: CaseStatus,
    actor: ActorInput,
    reason: string | null,
    reopening: boolean,
    at?: number,
  ): void {
    const from = entry.sla.case.status;
    this.#change(
      entry,
      reopening ? 'case.reopened' : 'case.status_changed',
      actor,
      reason,
      (d) => {
        d.status = to;
        const now = d.updatedAt;
        if (to === 'solved') d.solvedAt = now;
        if (to === 'closed') d.closedAt = now;
        if (reopening) {
          d.reopenCount += 1;
          d.solvedAt = null;
        }
      },
      undefined,
      at,
    );
    const c = entry.sla.case;
    if (reopening) {
      this.#queue('case.reopened', c, entry.sla.lastAt, {
        from,
        to,
        actor: actorId(actor),
        reason,
        reopenCount: c.reopenCount,
      });
    } else {
      this.#queue('case.status_changed', c, entry.sla.lastAt, { from, to, actor: actorId(actor), reason });
    }
    this.#afterChange(entry, false);
  }

  /**
   * Produces the next case version with immer, records the patches in the audit trail and the
   * fact in the SLA history, and lets the tracker react. Validation happens before, so a failed
   * command leaves nothing half-written.
   */
  #change(
    entry: CaseEntry,
    action: string,
    actor: ActorInput,
    reason: string | null,
    recipe: (draft: Draft<Case>) => void,
    message?: SlaFact['message'],
    atInput?: number,
  ): void {
    const at = atInput ?? this.#clock.now();
    this.#checkTime(entry, at);
    // Due work before this instant happens first (breaches keep their own instants).
    this.#tracker.catchUp(entry.sla, at);
    const [next, patches, inversePatches] = produceWithPatches(entry.sla.case, (d) => {
      d.updatedAt = at;
      recipe(d);
      d.version += 1;
    });
    (entry.audit ??= []).push({
      version: next.version,
      at,
      actor: actorId(actor),
      action,
      reason,
      patches,
      inversePatches,
    });
    const fact: SlaFact = message === undefined ? { at, case: next } : { at, case: next, message };
    (entry.later ??= []).push(fact);
    this.#tracker.apply(entry.sla, fact);
  }

  /** After a change: apply routing rules, commit. */
  #afterChange(entry: CaseEntry, commit = true): void {
    this.#route(entry, entry.sla.lastAt);
    if (commit) this.#commit(entry);
  }

  #route(entry: CaseEntry, at: number): void {
    const rule = pickRoutingRule(this.#routing, entry.sla.case);
    if (rule === undefined) return;
    const fromTeam = entry.sla.case.team;
    const escalation = { rule: rule.id, team: rule.team, fromTeam, reason: rule.reason, at };
    this.#change(
      entry,
      'case.escalated',
      'system',
      rule.reason,
      (d) => {
        d.team = rule.team;
        d.assignee = rule.assignee;
        d.escalations.push(escalation);
      },
      undefined,
      at,
    );
    this.#queue('case.escalated', entry.sla.case, at, { ...escalation, assignee: rule.assignee });
  }

  /** Rebuilds a live case state from a replayed one (used by `recompute` with `apply`). */
  #adopt(state: CaseSla, entry: CaseEntry): CaseSla {
    state.case = entry.sla.case;
    state.lastAt = Math.max(state.lastAt, entry.sla.lastAt);
    for (const r of state.live) if (r !== undefined && r.nextAt !== undefined) this.#index.upsert(r);
    return state;
  }

  /** Publishes queued events and persists the case (in order, in the background; see `flush`). */
  #commit(entry: CaseEntry): void {
    const events = this.#outbox;
    if (events.length > 0) {
      this.#outbox = [];
      // Publish now (the in-process bus delivers synchronously); track the promise for flush().
      let published: Promise<void>;
      try {
        published = this.#bus.publish(events);
      } catch (error) {
        published = Promise.reject(error);
      }
      this.#track(published);
    }
    this.#persist(entry);
  }

  #persist(entry: CaseEntry): void {
    const store = this.#store;
    if (store === undefined) return;
    const c = entry.sla.case;
    // Built now: the records are mutable and the write happens later.
    const doc = {
      ...c,
      sla: entry.sla.records.map((r) => r.toInstance()),
      engineState: toStoredState(entry),
    } as unknown as Parameters<DocumentStore['put']>[1];
    this.#enqueue(async () => {
      await this.#ensureCollection(store);
      await store.put('cases', doc);
    });
  }

  async #ensureCollection(store: DocumentStore): Promise<void> {
    if (this.#collectionReady) return;
    await store.defineCollection('cases', { indexes: CASE_INDEXES });
    this.#collectionReady = true;
  }

  #enqueue(task: () => Promise<void>): void {
    this.#writes = this.#writes.then(task).catch((error: unknown) => {
      this.#failures.push(error);
    });
    this.#track(this.#writes);
  }

  #track(p: Promise<void>): void {
    const tracked = p.then(
      () => {
        this.#inFlight.delete(tracked);
      },
      (error: unknown) => {
        this.#inFlight.delete(tracked);
        this.#failures.push(error);
      },
    );
    this.#inFlight.add(tracked);
  }
}

function mergeInto(target: Record<string, unknown>, patch: Record<string, unknown>): void {
  for (const [k, v] of Object.entries(patch)) {
    if (v === undefined) delete target[k];
    else target[k] = v;
  }
}

/**
 * Creates a case engine.
 *
 * @example
 * ```ts
 * const engine = createCaseEngine({
 *   clock: new ManualClock(Date.UTC(2026, 0, 5, 9)),
 *   calendars: { support: BusinessCalendar.from({ timeZone: 'Europe/Paris', hours: { mon: [['09:00', '17:00']] } }) },
 *   policies: [{ id: 'default', calendar: 'support', targets: { first_reply: { normal: { hours: 4 } } } }],
 * });
 * ```
 */
export function createCaseEngine(options: CaseEngineOptions): CaseEngine {
  return new CaseEngine(options);
}
