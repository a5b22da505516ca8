import { ThreadlineError } from '@threadline/core';

/** The SLA metrics. */
export const SLA_METRICS = [
  'first_reply',
  'next_reply',
  'periodic_update',
  'pausable_update',
  'resolution',
  'requester_wait',
  'agent_work',
  'team_ownership',
] as const;

/** An SLA metric name. */
export type SlaMetricName = (typeof SLA_METRICS)[number];

/** States of one metric instance. */
export const METRIC_STATES = [
  'active',
  'paused',
  'achieved',
  'breached',
  'achieved_late',
  'canceled',
] as const;

/** A metric instance state. */
export type MetricState = (typeof METRIC_STATES)[number];

/**
 * The metric state machine as an explicit table: `active ⇄ paused → achieved | breached →
 * achieved_late`, and `canceled` from any live state. `achieved`, `achieved_late` and `canceled`
 * are final.
 *
 * @example
 * ```ts
 * METRIC_TRANSITIONS.breached; // ['achieved_late', 'canceled']
 * ```
 */
export const METRIC_TRANSITIONS: Readonly<Record<MetricState, readonly MetricState[]>> = Object.freeze({
  active: ['paused', 'achieved', 'breached', 'canceled'],
  paused: ['active', 'achieved', 'canceled'],
  breached: ['achieved_late', 'canceled'],
  achieved: [],
  achieved_late: [],
  canceled: [],
});

/**
 * Whether a metric may move `from → to`.
 *
 * @example
 * ```ts
 * canMoveMetric('paused', 'breached'); // false: a paused clock cannot breach
 * ```
 */
export function canMoveMetric(from: MetricState, to: MetricState): boolean {
  return METRIC_TRANSITIONS[from].includes(to);
}

/** Whether a state is final. */
export function isFinalMetricState(state: MetricState): boolean {
  return state === 'achieved' || state === 'achieved_late' || state === 'canceled';
}

/**
 * One metric instance as returned by `getSla`. Instants are epoch ms; `target` and `pausedMs`
 * are counted in the metric's own time (business ms for business-time targets).
 */
export interface SlaMetricInstance {
  metric: SlaMetricName;
  state: MetricState;
  /** Target in counted milliseconds. */
  target: number;
  /** The due instant. While paused: the due instant as of the pause (it moves on resume). */
  dueAt: number;
  startedAt: number;
  /** Counted time spent paused (business ms for business-time targets). */
  pausedMs: number;
  warnedAt?: number;
  breachedAt?: number;
  achievedAt?: number;
  /** 1 for the first instance of this metric on the case, then 2, 3… (next reply, reopened resolution). */
  cycle: number;
  /** `business` time on `calendar`, or `calendar` time. */
  time: 'business' | 'calendar';
  calendar?: string;
  /** The SLA policy that set the target. */
  policyId: string;
  /** When the current pause began (paused instances only). */
  pausedAt?: number;
  canceledAt?: number;
  /** The team whose ownership time is measured (`team_ownership` only). */
  team?: string;
  /** The warning instant, when a warning is configured. */
  warnAt?: number;
}

/**
 * The internal, compact, mutable record of one metric instance. Optional instants are
 * `undefined` rather than `NaN` (an unset field then costs no boxed number); it also carries its
 * deadline-index slot.
 */
export class MetricRecord {
  /** Creation order, the deterministic tie-break in the deadline index. */
  readonly seq: number;
  readonly caseId: string;
  /** The case's tenant (set by the tracker; the engine finds the case by tenant and id). */
  tenantId = 'default';
  readonly metric: SlaMetricName;
  readonly cycle: number;
  state: MetricState = 'active';
  target: number;
  calendar: string | null;
  policyId: string;
  readonly startedAt: number;
  dueAt: number;
  pausedMs = 0;
  pausedAt: number | undefined = undefined;
  /** Counted time budget after which the warning fires (undefined: no warning). */
  warnBudget: number | undefined = undefined;
  warnAt: number | undefined = undefined;
  warnedAt: number | undefined = undefined;
  breachedAt: number | undefined = undefined;
  achievedAt: number | undefined = undefined;
  canceledAt: number | undefined = undefined;
  team: string | null;
  /** Escalation ladder index (-1: none) and the next level to fire. */
  ladder = -1;
  level = 0;
  acknowledged = false;
  /** The next instant this record needs attention (warning, breach, ladder level); none: undefined. */
  nextAt: number | undefined = undefined;
  /** Slot in the deadline index (-1: not indexed). */
  heapIndex = -1;

  constructor(
    seq: number,
    caseId: string,
    metric: SlaMetricName,
    cycle: number,
    startedAt: number,
    target: number,
    calendar: string | null,
    policyId: string,
    team: string | null,
  ) {
    this.seq = seq;
    this.caseId = caseId;
    this.metric = metric;
    this.cycle = cycle;
    this.startedAt = startedAt;
    this.dueAt = startedAt;
    this.target = target;
    this.calendar = calendar;
    this.policyId = policyId;
    this.team = team;
  }

  /** Moves to `to`, enforcing the state machine. */
  move(to: MetricState): void {
    if (!canMoveMetric(this.state, to)) {
      throw new ThreadlineError(
        'ILLEGAL_TRANSITION',
        `SLA metric ${this.metric} of case ${this.caseId} cannot move from ${this.state} to ${to}`,
        { details: { caseId: this.caseId, metric: this.metric, from: this.state, to } },
      );
    }
    this.state = to;
  }

  /**
   * Withdraws a breach that a backdated change shows never happened (the reply came in time).
   * Not a move of the state machine: the breach is erased, as if the deadline had not fired yet.
   */
  retractBreach(): void {
    if (this.state !== 'breached') return;
    this.state = 'active';
    this.breachedAt = undefined;
  }

  /** A deep copy (for what-if recomputation). */
  clone(): MetricRecord {
    const r = new MetricRecord(
      this.seq,
      this.caseId,
      this.metric,
      this.cycle,
      this.startedAt,
      this.target,
      this.calendar,
      this.policyId,
      this.team,
    );
    r.state = this.state;
    r.dueAt = this.dueAt;
    r.pausedMs = this.pausedMs;
    r.pausedAt = this.pausedAt;
    r.warnBudget = this.warnBudget;
    r.warnAt = this.warnAt;
    r.warnedAt = this.warnedAt;
    r.breachedAt = this.breachedAt;
    r.achievedAt = this.achievedAt;
    r.canceledAt = this.canceledAt;
    r.ladder = this.ladder;
    r.level = this.level;
    r.acknowledged = this.acknowledged;
    r.nextAt = this.nextAt;
    return r;
  }

  /** The public, plain-JSON view. */
  toInstance(): SlaMetricInstance {
    const out: SlaMetricInstance = {
      metric: this.metric,
      state: this.state,
      target: this.target,
      dueAt: this.dueAt,
      startedAt: this.startedAt,
      pausedMs: this.pausedMs,
      cycle: this.cycle,
      time: this.calendar === null ? 'calendar' : 'business',
      policyId: this.policyId,
    };
    if (this.calendar !== null) out.calendar = this.calendar;
    if (this.warnedAt !== undefined) out.warnedAt = this.warnedAt;
    if (this.breachedAt !== undefined) out.breachedAt = this.breachedAt;
    if (this.achievedAt !== undefined) out.achievedAt = this.achievedAt;
    if (this.pausedAt !== undefined) out.pausedAt = this.pausedAt;
    if (this.canceledAt !== undefined) out.canceledAt = this.canceledAt;
    if (this.warnAt !== undefined) out.warnAt = this.warnAt;
    if (this.team !== null) out.team = this.team;
    return out;
  }
}
