import { parseInput, TenantIdSchema, ThreadlineError, toMillis } from '@threadline/core';
import { z } from 'zod';
import {
  type AssignInput,
  AssignInputSchema,
  actorId,
  type Case,
  type CasePriority,
  CasePrioritySchema,
  type ChangeContext,
  ChangeContextSchema,
  type OpenCaseInput,
  OpenCaseInputSchema,
  type RecordMessageInput,
} from '../case.js';
import type { CaseEngineEventPayloads } from '../events.js';
import { toHistoryFact } from '../sla/caseVersions.js';
import { SLA_METRICS, type SlaMetricName } from '../sla/metric.js';
import { CaseSla, type SlaFact } from '../sla/tracker.js';
import { assertTransition, type CaseStatus } from '../transitions.js';
import { afterChange, assertOpen, change, checkTime, deepFreeze, route, statusChange } from './change.js';
import { caseStatus, changeContext, messageInput, openInput, optionalContext } from './input.js';
import { commit, queue } from './outbox.js';
import {
  assertWritable,
  type CaseEntry,
  DEFAULT_TENANT,
  type EngineState,
  entryOf,
  insert,
  lookup,
} from './state.js';

// Shared frozen empties keep a freshly opened case small (a million of them are expected);
// immer copies on write, so sharing is safe.
const EMPTY_LIST: readonly never[] = Object.freeze([]);
const EMPTY_RECORD: Readonly<Record<string, unknown>> = Object.freeze({});

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

const TenantScopeSchema = z.object({ tenantId: TenantIdSchema.optional() }).strict().optional();
const OptionalContextSchema = ChangeContextSchema.partial().strict().optional();

function mergeInto(target: Record<string, unknown>, patch: Record<string, unknown>): void {
  for (const [k, v] of Object.entries(patch)) {
    if (v === undefined) delete target[k];
    else target[k] = v;
  }
}

/** `openCase`: a new case in status `new`, with its SLA metrics and routing rule applied. */
export function openCase(s: EngineState, input: OpenCaseInput): Case {
  assertWritable(s);
  const i = openInput(input);
  const id = i.id ?? s.ids.next('case');
  const tenantId = i.tenantId ?? DEFAULT_TENANT;
  if (lookup(s, tenantId, id) !== undefined) {
    throw new ThreadlineError('CONFLICT', `Case ${id} already exists`, {
      details: { caseId: id, tenantId },
    });
  }
  const at = s.clock.now();
  const c: Case = deepFreeze({
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
  });
  const actor = actorId(i.actor);
  const fact: SlaFact = { at, case: c };
  const sla = new CaseSla(c, at);
  queue(s, 'case.opened', sla, at, { case: c, actor });
  s.tracker.open(fact, sla);
  const entry: CaseEntry = { sla, opened: c, openedBy: actor, later: undefined, audit: undefined };
  insert(s, tenantId, id, entry);
  route(s, entry, at);
  commit(s, entry);
  return entry.sla.case;
}

/** `transition`: a move along the transition table. */
export function transition(s: EngineState, caseId: string, status: CaseStatus, context: ChangeContext): Case {
  assertWritable(s);
  const to = caseStatus(status);
  const ctx = changeContext(context);
  const entry = entryOf(s, caseId, ctx.tenantId);
  const from = entry.sla.case.status;
  assertTransition(from, to, caseId);
  const reopening = from === 'solved' && to === 'open';
  statusChange(s, entry, to, ctx.actor, ctx.reason ?? null, reopening);
  commit(s, entry);
  return entry.sla.case;
}

/** `reopen`: `solved → open`. */
export function reopen(s: EngineState, caseId: string, context: ChangeContext): Case {
  assertWritable(s);
  const ctx = changeContext(context);
  const entry = entryOf(s, caseId, ctx.tenantId);
  if (entry.sla.case.status !== 'solved') {
    throw new ThreadlineError(
      'ILLEGAL_TRANSITION',
      `Case ${caseId} is ${entry.sla.case.status}; only solved cases reopen`,
      {
        details: { caseId, from: entry.sla.case.status, to: 'open' },
      },
    );
  }
  statusChange(s, entry, 'open', ctx.actor, ctx.reason ?? null, true);
  commit(s, entry);
  return entry.sla.case;
}

/** `assign`: new assignee and/or team. */
export function assign(s: EngineState, caseId: string, target: AssignInput, context: ChangeContext): Case {
  assertWritable(s);
  const t = parseInput(AssignInputSchema, target, 'assignment');
  const ctx = changeContext(context);
  const entry = entryOf(s, caseId, ctx.tenantId);
  assertOpen(entry, 'assign');
  const before = entry.sla.case;
  const from = { assignee: before.assignee, team: before.team };
  const to = {
    assignee: t.assignee === undefined ? before.assignee : t.assignee,
    team: t.team === undefined ? before.team : t.team,
  };
  change(s, entry, 'case.assigned', ctx.actor, ctx.reason ?? null, {
    assignee: to.assignee,
    team: to.team,
  });
  queue(s, 'case.assigned', entry.sla, entry.sla.lastAt, {
    from,
    to,
    actor: actorId(ctx.actor),
    reason: ctx.reason ?? null,
  });
  afterChange(s, entry);
  return entry.sla.case;
}

/** `setPriority`: the SLA policy is re-applied. */
export function setPriority(
  s: EngineState,
  caseId: string,
  priority: CasePriority,
  context: ChangeContext,
): Case {
  assertWritable(s);
  const p = parseInput(CasePrioritySchema, priority, 'priority');
  const ctx = changeContext(context);
  const entry = entryOf(s, caseId, ctx.tenantId);
  assertOpen(entry, 'change the priority of');
  const from = entry.sla.case.priority;
  change(s, entry, 'case.priority_changed', ctx.actor, ctx.reason ?? null, { priority: p });
  queue(s, 'case.priority_changed', entry.sla, entry.sla.lastAt, {
    from,
    to: p,
    actor: actorId(ctx.actor),
    reason: ctx.reason ?? null,
  });
  afterChange(s, entry);
  return entry.sla.case;
}

/** `update`: subject, type, attributes or customer snapshot. */
export function update(
  s: EngineState,
  caseId: string,
  changes: UpdateCaseInput,
  context: ChangeContext,
): Case {
  assertWritable(s);
  const u = parseInput(UpdateCaseInputSchema, changes, 'case changes');
  const ctx = changeContext(context);
  const entry = entryOf(s, caseId, ctx.tenantId);
  assertOpen(entry, 'update');
  change(s, entry, 'case.updated', ctx.actor, ctx.reason ?? null, (d) => {
    if (u.subject !== undefined) d.subject = u.subject;
    if (u.type !== undefined) d.type = u.type;
    if (u.attributes !== undefined) mergeInto(d.attributes as Record<string, unknown>, u.attributes);
    if (u.customer !== undefined) mergeInto(d.customer as Record<string, unknown>, u.customer);
  });
  queue(s, 'case.updated', entry.sla, entry.sla.lastAt, {
    fields: Object.keys(u),
    actor: actorId(ctx.actor),
    reason: ctx.reason ?? null,
  });
  afterChange(s, entry);
  return entry.sla.case;
}

/** `recordMessage`: a message, possibly backdated with `at`. */
export function recordMessage(
  s: EngineState,
  caseId: string,
  message: RecordMessageInput,
  context?: Partial<ChangeContext>,
): Case {
  assertWritable(s);
  const m = messageInput(message);
  const ctx = optionalContext(context, OptionalContextSchema);
  const entry = entryOf(s, caseId, ctx?.tenantId);
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
  const now = s.clock.now();
  const at = m.at === undefined ? now : toMillis(m.at, 'at');
  if (at > now) {
    throw new ThreadlineError('VALIDATION', 'Invalid message: at is in the future', {
      issues: [{ path: ['at'], message: 'must not be after the clock', code: 'too_big' }],
    });
  }
  checkTime(entry, at);
  const actor = ctx?.actor ?? (m.author === 'customer' ? c0.customerId : m.author);
  if (m.public && m.author === 'agent' && c0.status === 'new') {
    statusChange(s, entry, 'open', actor, 'agent replied', false, at);
  } else if (m.public && m.author === 'customer' && (c0.status === 'pending' || c0.status === 'solved')) {
    statusChange(s, entry, 'open', actor, 'customer replied', c0.status === 'solved', at);
  }
  const payload: CaseEngineEventPayloads['case.message_recorded'] = { author: m.author, public: m.public };
  if (m.messageId !== undefined) payload.messageId = m.messageId;
  change(
    s,
    entry,
    'case.message_recorded',
    actor,
    null,
    !m.public
      ? {}
      : m.author === 'customer'
        ? { lastCustomerMessageAt: at }
        : m.author === 'agent'
          ? { lastAgentReplyAt: at }
          : {},
    { author: m.author, public: m.public },
    at,
  );
  queue(s, 'case.message_recorded', entry.sla, at, payload);
  afterChange(s, entry);
  return entry.sla.case;
}

/** `merge`: the source closes into the target. */
export function merge(
  s: EngineState,
  sourceId: string,
  targetId: string,
  context?: Partial<ChangeContext>,
): { source: Case; target: Case } {
  assertWritable(s);
  const ctx = optionalContext(context, OptionalContextSchema);
  // Both cases are looked up in the one tenant: a case of another tenant is NOT_FOUND.
  const source = entryOf(s, sourceId, ctx?.tenantId);
  const target = entryOf(s, targetId, ctx?.tenantId);
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
  const at = s.clock.now();
  checkTime(source, at);
  checkTime(target, at);
  const from = source.sla.case.status;
  change(s, source, 'case.merged', actor, reason, {
    status: 'closed',
    closedAt: at,
    mergedInto: targetId,
  });
  queue(s, 'case.merged', source.sla, at, { sourceId, targetId, actor: actorId(actor), reason });
  queue(s, 'case.status_changed', source.sla, at, {
    from,
    to: 'closed',
    actor: actorId(actor),
    reason,
  });
  change(s, target, 'case.duplicate_attached', actor, reason, (d) => {
    d.mergedFrom.push(sourceId);
  });
  queue(s, 'case.duplicate_attached', target.sla, at, {
    sourceId,
    targetId,
    actor: actorId(actor),
    reason,
  });
  commit(s, source);
  commit(s, target);
  return { source: source.sla.case, target: target.sla.case };
}

/** `linkFollowUp`: a new case linked to a closed one. */
export function linkFollowUp(s: EngineState, closedCaseId: string, input: Partial<OpenCaseInput> = {}): Case {
  assertWritable(s);
  const scope = parseInput(TenantScopeSchema, { tenantId: input?.tenantId }, 'case');
  // The closed case is looked up in `input.tenantId`; the follow-up opens in the same tenant.
  const entry = entryOf(s, closedCaseId, scope?.tenantId);
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
  const at = s.clock.now();
  checkTime(entry, at);
  const created = openCase(s, merged);
  const fresh = entryOf(s, created.id, created.tenantId);
  change(s, fresh, 'case.follow_up_linked', actorId(merged.actor), null, { followUpOf: closedCaseId });
  change(s, entry, 'case.follow_up_linked', actorId(merged.actor), null, (d) => {
    d.followUps.push(created.id);
  });
  queue(s, 'case.follow_up_linked', entry.sla, at, {
    caseId: closedCaseId,
    followUpId: created.id,
    actor: actorId(merged.actor),
  });
  commit(s, fresh);
  commit(s, entry);
  return fresh.sla.case;
}

/** `acknowledgeEscalation`: stops a metric's ladder. */
export function acknowledgeEscalation(
  s: EngineState,
  caseId: string,
  metric: SlaMetricName,
  context: ChangeContext,
): boolean {
  assertWritable(s);
  const mtr = parseInput(z.enum(SLA_METRICS), metric, 'metric');
  const ctx = changeContext(context);
  const entry = entryOf(s, caseId, ctx.tenantId);
  const at = s.clock.now();
  checkTime(entry, at);
  // Catching up on due work never ends a metric or acknowledges a ladder, so check first.
  const live = entry.sla.live[SLA_METRICS.indexOf(mtr)];
  if (live === undefined || live.ladder < 0) {
    throw new ThreadlineError('NOT_FOUND', `Case ${caseId} has no running escalation ladder for ${mtr}`, {
      details: { caseId, metric: mtr },
    });
  }
  if (!s.tracker.canAcknowledge(entry.sla, mtr)) return false;
  const fact: SlaFact = { at, case: entry.sla.case, ack: { metric: mtr, actor: actorId(ctx.actor) } };
  (entry.later ??= []).push(toHistoryFact(fact));
  s.tracker.apply(entry.sla, fact);
  commit(s, entry);
  return true;
}
