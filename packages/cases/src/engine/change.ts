import { ThreadlineError } from '@threadline/core';
import { type Draft, enablePatches, type Patch, produceWithPatches } from 'immer';
import { type ActorInput, actorId, type Case } from '../case.js';
import { pickRoutingRule } from '../routingRules.js';
import { toHistoryFact } from '../sla/caseVersions.js';
import type { SlaFact } from '../sla/tracker.js';
import type { CaseStatus } from '../transitions.js';
import { ScalarAudit, scalarPatches } from './audit.js';
import { commit, queue } from './outbox.js';
import type { CaseEntry, EngineState } from './state.js';

// Changes inside arrays and objects record immer patches in the case's audit trail.
enablePatches();

/**
 * Deep-freezes plain objects and arrays in place (what immer's `freeze(value, true)` does for
 * them; class instances, Maps and Sets are left as they are) and returns the value. A plain
 * loop: immer's walk costs several microseconds per case, on every `openCase`.
 */
export function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value;
  if (!Array.isArray(value)) {
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) return value;
  }
  Object.freeze(value);
  for (const key in value) deepFreeze((value as Record<string, unknown>)[key]);
  return value;
}

/** `ILLEGAL_TRANSITION` when the case is closed. */
export function assertOpen(entry: CaseEntry, what: string): void {
  if (entry.sla.case.status === 'closed') {
    throw new ThreadlineError('ILLEGAL_TRANSITION', `Cannot ${what} closed case ${entry.sla.case.id}`, {
      details: { caseId: entry.sla.case.id, from: 'closed' },
    });
  }
}

/**
 * `VALIDATION` (path `at`) for a change before the case's latest recorded change. Fired
 * deadlines do not count: a change before them retracts them (see `SlaTracker.apply`).
 */
export function checkTime(entry: CaseEntry, at: number): void {
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

/**
 * The top-level scalar fields of a case that a change may set directly. A change that only sets
 * these (status, priority, assignee, message instants …) skips immer's drafts: the next version
 * is one shallow copy and the audit keeps the changed fields (see `audit.ts`), from which the
 * `replace` patches immer would record are built on demand.
 */
export type ScalarChanges = {
  -readonly [K in keyof Pick<
    Case,
    | 'status'
    | 'priority'
    | 'team'
    | 'assignee'
    | 'subject'
    | 'type'
    | 'solvedAt'
    | 'closedAt'
    | 'reopenCount'
    | 'mergedInto'
    | 'followUpOf'
    | 'lastCustomerMessageAt'
    | 'lastAgentReplyAt'
  >]?: Case[K];
};

/** A case's keys in the order `openCase` creates them (and every later version keeps). */
export const CASE_KEYS: readonly (keyof Case)[] = [
  'id',
  'tenantId',
  'customerId',
  'subject',
  'status',
  'priority',
  'channel',
  'type',
  'team',
  'assignee',
  'attributes',
  'customer',
  'createdAt',
  'updatedAt',
  'version',
  'solvedAt',
  'closedAt',
  'reopenCount',
  'mergedInto',
  'mergedFrom',
  'followUpOf',
  'followUps',
  'escalations',
  'lastCustomerMessageAt',
  'lastAgentReplyAt',
];

/** `true` when `c` has exactly {@link CASE_KEYS}, in that order. */
function isCanonical(c: Case): boolean {
  let i = 0;
  for (const key in c) if (key !== CASE_KEYS[i++]) return false;
  return i === CASE_KEYS.length;
}

const or = <T>(value: T | undefined, fallback: T): T => (value === undefined ? fallback : value);

/**
 * The next version as one object literal in the case's key order. V8 copies a frozen object
 * through a spread or `Object.assign` about fifteen times slower than it builds this literal, and
 * every case version is frozen. A case with other keys (or another order) takes the spread.
 */
function nextVersion(base: Case, at: number, f: ScalarChanges): Record<string, unknown> {
  if (!isCanonical(base)) return { ...base, updatedAt: at, ...f, version: base.version + 1 };
  return {
    id: base.id,
    tenantId: base.tenantId,
    customerId: base.customerId,
    subject: or(f.subject, base.subject),
    status: or(f.status, base.status),
    priority: or(f.priority, base.priority),
    channel: base.channel,
    type: or(f.type, base.type),
    team: or(f.team, base.team),
    assignee: or(f.assignee, base.assignee),
    attributes: base.attributes,
    customer: base.customer,
    createdAt: base.createdAt,
    updatedAt: at,
    version: base.version + 1,
    solvedAt: or(f.solvedAt, base.solvedAt),
    closedAt: or(f.closedAt, base.closedAt),
    reopenCount: or(f.reopenCount, base.reopenCount),
    mergedInto: or(f.mergedInto, base.mergedInto),
    mergedFrom: base.mergedFrom,
    followUpOf: or(f.followUpOf, base.followUpOf),
    followUps: base.followUps,
    escalations: base.escalations,
    lastCustomerMessageAt: or(f.lastCustomerMessageAt, base.lastCustomerMessageAt),
    lastAgentReplyAt: or(f.lastAgentReplyAt, base.lastAgentReplyAt),
  };
}

const NO_CHANGES: unknown[] = Object.freeze([]) as unknown as unknown[];

/**
 * The next version of a case from scalar field changes, and the fields whose value changed as
 * the flat `key, old, new` list a compact audit entry keeps (an assignment of the value already
 * there changes nothing). Every value the new version shares with the old one is already frozen,
 * so a shallow freeze freezes it whole.
 */
export function scalarVersion(base: Case, at: number, fields: ScalarChanges): [Case, unknown[]] {
  const next = nextVersion(base, at, fields);
  const changed: unknown[] = [];
  const old = base as unknown as Record<string, unknown>;
  for (const key in fields) {
    if (key === 'updatedAt' || key === 'version' || Object.is(old[key], next[key])) continue;
    changed.push(key, old[key], next[key]);
  }
  // Kept for the case's life: an exact-length copy, not the push-grown list (16 slots and more).
  return [Object.freeze(next) as unknown as Case, changed.length === 0 ? NO_CHANGES : changed.slice()];
}

/**
 * The next version of a case from scalar field changes, with the patches immer's
 * `produceWithPatches` records for the same assignments (`updatedAt`, the fields, `version`, in
 * that order; an assignment of the value already there records nothing).
 */
export function produceScalar(base: Case, at: number, fields: ScalarChanges): [Case, Patch[], Patch[]] {
  const [next, changed] = scalarVersion(base, at, fields);
  const [patches, inverse] = scalarPatches(
    new ScalarAudit(next.version, at, '', '', null, base.updatedAt, changed),
  );
  return [next, patches, inverse];
}

/**
 * Produces the next case version, records the patches in the audit trail and the fact in the SLA
 * history, and lets the tracker react. `changes` is either scalar field changes (the hot path:
 * one shallow copy) or an immer recipe (for changes inside arrays and objects). Validation
 * happens before, so a failed command leaves nothing half-written.
 */
export function change(
  s: EngineState,
  entry: CaseEntry,
  action: string,
  actor: ActorInput,
  reason: string | null,
  changes: ScalarChanges | ((draft: Draft<Case>) => void),
  message?: SlaFact['message'],
  atInput?: number,
): void {
  const at = atInput ?? s.clock.now();
  checkTime(entry, at);
  // Due work before this instant happens first (breaches keep their own instants).
  s.tracker.catchUp(entry.sla, at);
  let next: Case;
  const audit = (entry.audit ??= []);
  if (typeof changes === 'function') {
    const [produced, patches, inversePatches] = produceWithPatches(entry.sla.case, (d) => {
      d.updatedAt = at;
      changes(d);
      d.version += 1;
    });
    next = produced;
    audit.push({ version: next.version, at, actor: actorId(actor), action, reason, patches, inversePatches });
  } else {
    // The hot path: the audit keeps the changed fields; `getAudit` builds the patches.
    const base = entry.sla.case;
    const [produced, changed] = scalarVersion(base, at, changes);
    next = produced;
    audit.push(new ScalarAudit(next.version, at, actorId(actor), action, reason, base.updatedAt, changed));
  }
  const fact: SlaFact = message === undefined ? { at, case: next } : { at, case: next, message };
  // The history keeps the version number only: the version itself is rebuilt from the audit.
  (entry.later ??= []).push(toHistoryFact(fact));
  s.tracker.apply(entry.sla, fact);
}

/** A status change (or reopening) with its event; routing rules run after it. */
export function statusChange(
  s: EngineState,
  entry: CaseEntry,
  to: CaseStatus,
  actor: ActorInput,
  reason: string | null,
  reopening: boolean,
  at?: number,
): void {
  const from = entry.sla.case.status;
  change(
    s,
    entry,
    reopening ? 'case.reopened' : 'case.status_changed',
    actor,
    reason,
    statusFields(entry.sla.case, to, reopening, at ?? s.clock.now()),
    undefined,
    at,
  );
  const c = entry.sla.case;
  if (reopening) {
    queue(s, 'case.reopened', entry.sla, entry.sla.lastAt, {
      from,
      to,
      actor: actorId(actor),
      reason,
      reopenCount: c.reopenCount,
    });
  } else {
    queue(s, 'case.status_changed', entry.sla, entry.sla.lastAt, {
      from,
      to,
      actor: actorId(actor),
      reason,
    });
  }
  afterChange(s, entry, false);
}

/** The fields a status change sets (the instant is the change's own). */
function statusFields(c: Case, to: CaseStatus, reopening: boolean, now: number): ScalarChanges {
  const fields: ScalarChanges = { status: to };
  if (to === 'solved') fields.solvedAt = now;
  if (to === 'closed') fields.closedAt = now;
  if (reopening) {
    fields.reopenCount = c.reopenCount + 1;
    fields.solvedAt = null;
  }
  return fields;
}

/** After a change: apply routing rules, then (by default) commit. */
export function afterChange(s: EngineState, entry: CaseEntry, commitNow = true): void {
  route(s, entry, entry.sla.lastAt);
  if (commitNow) commit(s, entry);
}

/** Applies the first matching routing rule, if any, as a `case.escalated` change. */
export function route(s: EngineState, entry: CaseEntry, at: number): void {
  const rule = pickRoutingRule(s.routing, entry.sla.case);
  if (rule === undefined) return;
  const fromTeam = entry.sla.case.team;
  const escalation = { rule: rule.id, team: rule.team, fromTeam, reason: rule.reason, at };
  change(
    s,
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
  queue(s, 'case.escalated', entry.sla, at, { ...escalation, assignee: rule.assignee });
}
