import {
  type EventBus,
  type EventHandler,
  type EventPattern,
  type EventsMatching,
  type Instant,
  instrumentMethods,
  type Unsubscribe,
} from '@threadline/core';
import type {
  AssignInput,
  Case,
  CaseAuditEntry,
  CasePriority,
  ChangeContext,
  OpenCaseInput,
  RecordMessageInput,
} from './case.js';
import type { UpdateCaseInput } from './engine/commands.js';
import * as commands from './engine/commands.js';
import type { CaseEngineOptions } from './engine/config.js';
import { hookErasedCases } from './engine/erasure.js';
import { flush, isolated, slaEmitter } from './engine/outbox.js';
import { type LoadOptions, type LoadResult, load } from './engine/persistence.js';
import type { CaseEngineStats, TenantScope } from './engine/queries.js';
import * as queries from './engine/queries.js';
import {
  type CaseEngineRules,
  type RecomputeOptions,
  type RecomputeResult,
  recompute,
  updateRules,
} from './engine/recompute.js';
import {
  loadCase,
  type RecoverOptions,
  type RecoverResult,
  readAudit,
  readCase,
  recover,
} from './engine/recovery.js';
import { createEngineState, type EngineState } from './engine/state.js';
import { CASE_COMMANDS } from './engine/telemetry.js';
import { advanceTo, nextDeadline } from './engine/time.js';
import type { CaseEngineEvent } from './events.js';
import type { SlaMetricInstance, SlaMetricName } from './sla/metric.js';
import type { CaseStatus } from './transitions.js';

export type { UpdateCaseInput } from './engine/commands.js';
export type { CaseEngineOptions } from './engine/config.js';
export type { LoadOptions, LoadResult } from './engine/persistence.js';
export type { CaseEngineStats, TenantScope } from './engine/queries.js';
export type { CaseEngineRules, RecomputeOptions, RecomputeResult } from './engine/recompute.js';
export type { RecoverOptions, RecoverResult } from './engine/recovery.js';

/**
 * The case engine: case lifecycle with an immer-patch audit trail, SLA metrics on business
 * calendars, escalation ladders and rule-triggered escalation to specialist teams. State lives
 * in memory; deadlines are data in an indexed heap, so `advanceTo` costs O(log n) per due item.
 * Create it with {@link createCaseEngine}. A facade: each method validates its input in the
 * module that owns the concept (`engine/commands.ts`, `engine/time.ts`, `engine/queries.ts`,
 * `engine/recompute.ts`, `engine/persistence.ts`).
 */
export class CaseEngine {
  readonly #s: EngineState;

  constructor(options: CaseEngineOptions) {
    this.#s = createEngineState(options, slaEmitter);
    // With storage and a bus, an erasure in another process reaches the cases in memory.
    hookErasedCases(this, this.#s, options.bus);
    if (options.telemetry) {
      instrumentMethods(this, options.telemetry, 'cases', CASE_COMMANDS, options.telemetryAttributes ?? {});
    }
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
    return commands.openCase(this.#s, input);
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
    return commands.transition(this.#s, caseId, status, context);
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
    return commands.reopen(this.#s, caseId, context);
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
    return commands.assign(this.#s, caseId, target, context);
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
    return commands.setPriority(this.#s, caseId, priority, context);
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
    return commands.update(this.#s, caseId, changes, context);
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
    return commands.recordMessage(this.#s, caseId, message, context);
  }

  /**
   * Merges a duplicate into a target: the source closes with `mergedInto` (its SLA metrics are
   * canceled), the target records it in `mergedFrom`.
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
    return commands.merge(this.#s, sourceId, targetId, context);
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
    return commands.linkFollowUp(this.#s, closedCaseId, input);
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
    return commands.acknowledgeEscalation(this.#s, caseId, metric, context);
  }

  // ---------------------------------------------------------------- time

  /**
   * Synchronously fires every warning, breach and escalation level due at or before `now` (a
   * `Date` or epoch ms), in deadline order; results arrive as events, nothing is returned. A `now`
   * earlier than the latest one seen is a no-op. `stats().fired` counts the items processed so
   * far. Cost: O(log n) per due item. Fits core's `Scheduler` (`scheduler.add(engine)`).
   *
   * @example
   * ```ts
   * engine.advanceTo(clock.now());
   * ```
   */
  advanceTo(now: Instant): void {
    advanceTo(this.#s, now);
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
    return nextDeadline(this.#s);
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
    return queries.getCase(this.#s, id, options);
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
    return queries.getSla(this.#s, caseId, options);
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
    return queries.getAudit(this.#s, caseId, options);
  }

  /** Counts of cases, live metric instances and scheduled deadlines. */
  stats(): CaseEngineStats {
    return queries.stats(this.#s);
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
    return recompute(this.#s, caseId, options);
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
  updateRules(rules: CaseEngineRules): void {
    updateRules(this.#s, rules);
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
  ): Unsubscribe {
    const s = this.#s;
    const off = (s.bus as EventBus<CaseEngineEvent>).subscribe(pattern, isolated(s, handler));
    s.subscribers++;
    let active = true;
    return () => {
      if (!active) return;
      active = false;
      s.subscribers--;
      off();
    };
  }

  /**
   * Waits until every event publication and store write so far has finished; rejects with an
   * `ADAPTER` error if a store write failed (reported once). A refused publish does not reject:
   * it is counted in `stats().publishFailures` and reported to the `onError` option.
   *
   * @example
   * ```ts
   * engine.openCase(input);
   * await engine.flush();
   * ```
   */
  flush(): Promise<void> {
    return flush(this.#s);
  }

  /**
   * Rebuilds one tenant's open cases (every status but `closed`) and their SLA deadlines from
   * storage after a crash or in a fresh process: case documents, their audit streams (or the
   * history embedded in documents written before the audit streams), metric records and the
   * deadline index. Idempotent (cases already in memory are kept); publishes nothing. Then
   * `advanceTo` fires exactly the warnings, breaches and escalations the previous engine had not
   * committed. `due` counts cases whose persisted deadline had passed (one range query on
   * `case_deadlines`). Call it with the rules the previous engine ran with.
   *
   * @example
   * ```ts
   * const engine = createCaseEngine({ clock, calendars, policies, storage });
   * await engine.recover(); // tenant 'default'; { tenantId, cases, scheduled, due }
   * engine.advanceTo(clock.now()); // fires what fell due while the process was down
   * ```
   */
  recover(options?: RecoverOptions): Promise<RecoverResult> {
    return recover(this.#s, options);
  }

  /**
   * The case, loaded back into memory when it was evicted (closed cases leave memory once their
   * closing change committed), so commands and sync reads work on it; `undefined` when it
   * exists nowhere. A closed case loaded this way leaves memory again after its next change.
   *
   * @example
   * ```ts
   * await engine.loadCase(closedId);
   * const next = engine.linkFollowUp(closedId, { subject: 'Refund not received' });
   * ```
   */
  loadCase(caseId: string, options?: TenantScope): Promise<Case | undefined> {
    return loadCase(this.#s, caseId, options);
  }

  /**
   * The case from memory, or from storage when it was evicted (without keeping it in memory).
   *
   * @example
   * ```ts
   * const closed = await engine.readCase('case-1');
   * ```
   */
  readCase(caseId: string, options?: TenantScope): Promise<Case | undefined> {
    return readCase(this.#s, caseId, options);
  }

  /**
   * The audit trail in `getAudit`'s shape, from memory or, for an evicted case, read from its
   * audit stream `case:<id>`. `NOT_FOUND` when the case exists nowhere.
   *
   * @example
   * ```ts
   * (await engine.readAudit('case-1')).map((e) => e.action);
   * ```
   */
  readAudit(caseId: string, options?: TenantScope): Promise<readonly CaseAuditEntry[]> {
    return readAudit(this.#s, caseId, options);
  }

  /**
   * Rebuilds the in-memory state of one tenant's cases from the store (cases, SLA metric
   * instances with their paused time, warnings, breaches and ladder levels, the deadline index,
   * SLA history and audit trail), reading the `cases` collection page by page with `find`.
   * Call it on start-up, before new commands, with the rules the previous engine ran with; it
   * publishes nothing. Afterwards `getSla`, `nextDeadline` and `advanceTo` behave as they did in
   * the engine that wrote the documents. A case already in memory is `CONFLICT`; an invalid
   * document is `VALIDATION`; either way nothing is loaded. Unlike {@link CaseEngine.recover}
   * it also loads closed cases and is not idempotent; prefer `recover`.
   *
   * @example
   * ```ts
   * const engine = createCaseEngine({ clock, calendars, policies, storage });
   * await engine.load(); // tenant 'default'
   * await engine.load({ tenantId: 'acme' });
   * engine.advanceTo(clock.now()); // fires what fell due while the process was down
   * ```
   */
  load(options?: LoadOptions): Promise<LoadResult> {
    return load(this.#s, options);
  }
}

/**
 * Creates a case engine: the main entry point of this package.
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
