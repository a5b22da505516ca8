import type { Case } from '../case.js';
import { caseRuleView } from '../case.js';
import { type ResolvedLadder, resolveActions } from '../escalation.js';
import type { DeadlineIndex } from './deadlineIndex.js';
import type { SlaEventPayloads } from './events.js';
import { MetricRecord, SLA_METRICS, type SlaMetricName } from './metric.js';
import { type ResolvedPolicy, type ResolvedTarget, selectPolicy } from './policy.js';
import type { TimeMeasures } from './time.js';

/** The rules an SLA tracker applies. */
export interface SlaRules {
  policies: readonly ResolvedPolicy[];
  ladders: readonly ResolvedLadder[];
  measures: TimeMeasures;
}

/** One SLA-relevant fact in a case's history: the case after a change, at an instant. */
export interface SlaFact {
  at: number;
  case: Case;
  /** The message recorded by this change, if any. */
  message?: { author: 'customer' | 'agent' | 'bot' | 'system'; public: boolean };
  /** An escalation acknowledgement. */
  ack?: { metric: SlaMetricName; actor: string };
}

/** Receives every SLA event the tracker produces. */
export type SlaEmit = <K extends keyof SlaEventPayloads>(
  type: K,
  state: CaseSla,
  at: number,
  payload: SlaEventPayloads[K],
) => void;

const METRIC_COUNT = SLA_METRICS.length;
const M = {
  first_reply: 0,
  next_reply: 1,
  periodic_update: 2,
  pausable_update: 3,
  resolution: 4,
  requester_wait: 5,
  agent_work: 6,
  team_ownership: 7,
} as const satisfies Record<SlaMetricName, number>;

/** The SLA state of one case: its metric instances and the conversation facts they depend on. */
export class CaseSla {
  readonly caseId: string;
  case: Case;
  /** Every metric instance, oldest first. */
  readonly records: MetricRecord[] = [];
  /** The live (non-final) instance per metric, by metric ordinal. */
  readonly live: (MetricRecord | undefined)[] = new Array(METRIC_COUNT).fill(undefined);
  /**
   * The three conversation facts and the event count in one small integer (a million open cases
   * are expected: one field instead of four). Bits 0–2 are the facts, the rest counts events;
   * arithmetic rather than bit operators keeps counts past 2^28 exact.
   */
  #bits = 0;
  policyId: string | null = null;
  /**
   * Instant of the latest recorded change (a command, never a fired deadline): no change may be
   * recorded before it.
   */
  lastAt: number;
  /**
   * Latest deadline instant fired after `lastAt` (by `advanceTo`), or `undefined`: a backdated
   * change before it retracts what fired after the change's instant.
   */
  firedAt: number | undefined = undefined;
  /**
   * Ladder levels fired per live metric (by ordinal) as of the latest recorded change, or
   * `undefined` when none had fired: those levels are never retracted.
   */
  committedLevels: number[] | undefined = undefined;

  constructor(c: Case, at: number) {
    this.caseId = c.id;
    this.case = c;
    this.lastAt = at;
  }

  #flag(mask: number): boolean {
    return ((this.#bits % 8) & mask) !== 0;
  }

  #setFlag(mask: number, on: boolean): void {
    const low = this.#bits % 8;
    this.#bits += (on ? low | mask : low & ~mask) - low;
  }

  /** Whether a public agent reply was given (first reply achieved). */
  get firstReplyDone(): boolean {
    return this.#flag(1);
  }
  set firstReplyDone(v: boolean) {
    this.#setFlag(1, v);
  }

  /** Whether a customer turn waits for an agent reply (a next-reply cycle runs). */
  get awaitingReply(): boolean {
    return this.#flag(2);
  }
  set awaitingReply(v: boolean) {
    this.#setFlag(2, v);
  }

  /** Whether an agent has replied publicly at least once (update metrics run). */
  get agentReplied(): boolean {
    return this.#flag(4);
  }
  set agentReplied(v: boolean) {
    this.#setFlag(4, v);
  }

  /** Events published for this case so far: the envelope `version` of the latest one. */
  get events(): number {
    return Math.floor(this.#bits / 8);
  }
  set events(n: number) {
    this.#bits = n * 8 + (this.#bits % 8);
  }

  /** Number of instances ever started for a metric. */
  cycles(metric: SlaMetricName): number {
    let n = 0;
    for (const r of this.records) if (r.metric === metric) n++;
    return n;
  }
}

interface Signals {
  agentReply: boolean;
  nextReplyDone: boolean;
}

/**
 * Applies SLA rules to case facts. The live engine and `recompute` both use it, so replaying a
 * case's history reproduces the live metric states exactly.
 */
export class SlaTracker {
  rules: SlaRules;
  readonly #index: DeadlineIndex<MetricRecord> | null;
  readonly #emit: SlaEmit;
  #seq = 0;

  constructor(rules: SlaRules, index: DeadlineIndex<MetricRecord> | null, emit: SlaEmit) {
    this.rules = rules;
    this.#index = index;
    this.#emit = emit;
  }

  /** The sequence number the next metric instance gets (persisted, so a recovered engine continues it). */
  get nextSeq(): number {
    return this.#seq;
  }

  /** Makes later metric instances sort after a restored one with sequence number `seq`. */
  reserveSeq(seq: number): void {
    if (seq >= this.#seq) this.#seq = seq + 1;
  }

  /** Starts tracking a newly opened case. */
  open(fact: SlaFact, state: CaseSla = new CaseSla(fact.case, fact.at)): CaseSla {
    this.#evaluate(state, fact, { agentReply: false, nextReplyDone: false });
    return state;
  }

  /**
   * Applies a later fact: catch up on due work, update facts, re-evaluate every metric. A fact
   * dated before deadlines that already fired (a backdated message after `advanceTo`) first
   * retracts them, so the result is the one a single `advanceTo` after the fact would give.
   */
  apply(state: CaseSla, fact: SlaFact): void {
    if (state.firedAt !== undefined && fact.at < state.firedAt) this.#rewind(state, fact.at);
    this.catchUp(state, fact.at);
    state.lastAt = Math.max(state.lastAt, fact.at);
    if (state.firedAt !== undefined && state.firedAt <= state.lastAt) state.firedAt = undefined;
    if (fact.ack !== undefined) {
      this.#acknowledge(state, fact.ack.metric, fact.at, fact.ack.actor);
    } else {
      this.#applyChange(state, fact);
    }
    // Ladder levels fired up to a recorded change are permanent; later ones may be retracted.
    let committed: number[] | undefined;
    for (let k = 0; k < METRIC_COUNT; k++) {
      const level = state.live[k]?.level ?? 0;
      if (level > 0) (committed ??= new Array<number>(METRIC_COUNT).fill(0))[k] = level;
    }
    state.committedLevels = committed;
  }

  #applyChange(state: CaseSla, fact: SlaFact): void {
    const c = fact.case;
    const sig: Signals = { agentReply: false, nextReplyDone: false };
    const m = fact.message;
    if (m?.public) {
      if (m.author === 'agent') {
        sig.agentReply = true;
        state.firstReplyDone = true;
        state.agentReplied = true;
        if (state.awaitingReply) {
          state.awaitingReply = false;
          sig.nextReplyDone = true;
        }
      } else if (m.author === 'customer' && state.firstReplyDone && c.status !== 'closed') {
        state.awaitingReply = true;
      }
    }
    if (c.status === 'solved' || c.status === 'closed') state.awaitingReply = false;
    this.#evaluate(state, fact, sig);
    this.catchUp(state, fact.at);
  }

  /**
   * Withdraws what deadlines fired after `to` did (warnings, breaches, ladder levels), as if
   * `advanceTo` had not run past `to`, and announces each withdrawal with `sla.retracted`.
   * Only deadline firings are withdrawn: recorded changes are never before `to`.
   */
  #rewind(state: CaseSla, to: number): void {
    for (let k = 0; k < METRIC_COUNT; k++) {
      const rec = state.live[k];
      if (rec === undefined) continue;
      const levels: number[] = [];
      const offsets = this.rules.ladders[rec.ladder]?.offsets;
      const committed = state.committedLevels?.[k] ?? 0;
      // Levels fired after the latest recorded change fired at their instant under today's due
      // instant (only recorded changes move it); earlier ones stay whatever their instant.
      while (offsets !== undefined && rec.level > committed) {
        const offset = offsets[rec.level - 1];
        if (offset === undefined || Math.max(rec.startedAt, rec.dueAt + offset) <= to) break;
        rec.level--;
        levels.unshift(rec.level);
      }
      const breach = rec.state === 'breached' && (rec.breachedAt as number) > to;
      if (breach) rec.retractBreach();
      const warning = rec.warnedAt !== undefined && rec.warnedAt > to;
      if (warning) rec.warnedAt = undefined;
      if (!breach && !warning && levels.length === 0) continue;
      this.#schedule(rec);
      this.#emit('sla.retracted', state, to, {
        metric: rec.metric,
        cycle: rec.cycle,
        asOf: to,
        breach,
        warning,
        levels,
        dueAt: rec.dueAt,
      });
    }
    state.firedAt = undefined;
  }

  /** Whether an acknowledgement for `metric` would stop a running ladder. */
  canAcknowledge(state: CaseSla, metric: SlaMetricName): boolean {
    const rec = state.live[M[metric]];
    return rec !== undefined && rec.ladder >= 0 && !rec.acknowledged;
  }

  /** Fires every warning, breach and ladder level of this case due at or before `until`, in order. */
  catchUp(state: CaseSla, until: number): void {
    for (;;) {
      let best: MetricRecord | undefined;
      let bestAt = 0;
      for (const rec of state.live) {
        const t = rec?.nextAt;
        if (rec === undefined || t === undefined || t > until) continue;
        if (best === undefined || t < bestAt || (t === bestAt && rec.seq < best.seq)) {
          best = rec;
          bestAt = t;
        }
      }
      if (best === undefined) return;
      this.fire(state, best);
    }
  }

  /** Handles the one thing due on `rec` at `rec.nextAt` (warning, breach or ladder level). */
  fire(state: CaseSla, rec: MetricRecord): void {
    const at = rec.nextAt;
    if (at === undefined) return;
    if (
      rec.state === 'active' &&
      rec.warnedAt === undefined &&
      rec.warnAt !== undefined &&
      rec.warnAt <= at &&
      rec.warnAt < rec.dueAt
    ) {
      rec.warnedAt = rec.warnAt;
      this.#emit('sla.at_risk', state, at, {
        metric: rec.metric,
        cycle: rec.cycle,
        warnedAt: rec.warnedAt,
        dueAt: rec.dueAt,
      });
    } else if (rec.state === 'active' && rec.dueAt <= at) {
      rec.move('breached');
      rec.breachedAt = rec.dueAt;
      this.#emit('sla.breached', state, at, {
        metric: rec.metric,
        cycle: rec.cycle,
        breachedAt: rec.breachedAt,
        dueAt: rec.dueAt,
      });
    } else {
      const ladder = this.rules.ladders[rec.ladder];
      if (ladder === undefined || rec.acknowledged || rec.level >= ladder.offsets.length) {
        // Nothing left to do: drop the record from the index rather than spin.
        rec.nextAt = undefined;
        this.#index?.remove(rec);
        return;
      }
      const level = rec.level;
      rec.level++;
      this.#emit('escalation.triggered', state, at, {
        metric: rec.metric,
        cycle: rec.cycle,
        ladder: ladder.id,
        level,
        offset: ladder.offsets[level] as number,
        dueAt: rec.dueAt,
        actions: resolveActions(ladder.actions[level] ?? [], at, state.case.priority, this.rules.measures),
      });
    }
    if (at > state.lastAt && (state.firedAt === undefined || at > state.firedAt)) state.firedAt = at;
    this.#schedule(rec);
  }

  #acknowledge(state: CaseSla, metric: SlaMetricName, at: number, actor: string): void {
    const rec = state.live[M[metric]];
    if (rec === undefined || rec.ladder < 0 || rec.acknowledged) return;
    rec.acknowledged = true;
    const ladder = this.rules.ladders[rec.ladder];
    this.#emit('escalation.acknowledged', state, at, {
      metric,
      cycle: rec.cycle,
      ladder: ladder?.id ?? '',
      level: rec.level,
      actor,
    });
    this.#schedule(rec);
  }

  #evaluate(state: CaseSla, fact: SlaFact, sig: Signals): void {
    const c = fact.case;
    state.case = c;
    const policy = selectPolicy(this.rules.policies, () => ({
      case: caseRuleView(c),
      customer: c.customer as Record<string, unknown>,
    }));
    state.policyId = policy?.id ?? null;
    for (let k = 0; k < METRIC_COUNT; k++)
      this.#step(state, k, SLA_METRICS[k] as SlaMetricName, policy, fact.at, sig);
  }

  #step(
    state: CaseSla,
    k: number,
    metric: SlaMetricName,
    policy: ResolvedPolicy | undefined,
    at: number,
    sig: Signals,
  ): void {
    const c = state.case;
    const done = c.status === 'solved' || c.status === 'closed';
    const merged = c.mergedInto !== null;
    let live = state.live[k];
    if (live !== undefined) {
      const end = this.#endOf(k, live, state, sig, done, merged);
      if (end !== null) {
        this.#finish(state, live, end, at);
        live = undefined;
      }
    }
    const target = policy?.target(metric, c.priority);
    if (
      live === undefined &&
      target !== undefined &&
      policy !== undefined &&
      this.#shouldRun(k, state, done)
    ) {
      if (
        !(k === M.first_reply || k === M.requester_wait || k === M.agent_work) ||
        state.cycles(metric) === 0
      ) {
        live = this.#start(state, k, metric, at, target, policy);
      }
    }
    if (live === undefined) return;
    if (target === undefined || policy === undefined) {
      this.#finish(state, live, 'no_target', at);
      return;
    }
    if (
      live.state !== 'breached' &&
      (live.target !== target.ms ||
        live.calendar !== target.calendar ||
        live.policyId !== policy.id ||
        live.warnBudget !== target.warnBudget)
    ) {
      live.target = target.ms;
      live.calendar = target.calendar;
      live.policyId = policy.id;
      live.warnBudget = target.warnBudget;
      this.#computeDue(live);
      this.#schedule(live);
      this.#emit('sla.updated', state, at, {
        metric,
        cycle: live.cycle,
        policyId: policy.id,
        target: live.target,
        dueAt: live.dueAt,
      });
    }
    const paused =
      policy.pauses(metric, c.status) ||
      ((k === M.requester_wait || k === M.agent_work) && c.status === 'solved');
    if (paused && live.state === 'active') {
      live.move('paused');
      live.pausedAt = at;
      this.#schedule(live);
      this.#emit('sla.paused', state, at, { metric, cycle: live.cycle, reason: c.status, pausedAt: at });
    } else if (!paused && live.state === 'paused') {
      live.pausedMs += this.rules.measures.get(live.calendar).between(live.pausedAt ?? at, at);
      live.pausedAt = undefined;
      live.move('active');
      this.#computeDue(live);
      this.#schedule(live);
      this.#emit('sla.resumed', state, at, {
        metric,
        cycle: live.cycle,
        dueAt: live.dueAt,
        pausedMs: live.pausedMs,
      });
    }
  }

  #endOf(
    k: number,
    live: MetricRecord,
    state: CaseSla,
    sig: Signals,
    done: boolean,
    merged: boolean,
  ): 'achieved' | 'canceled' | null {
    const status = state.case.status;
    switch (k) {
      case M.first_reply:
        return state.firstReplyDone ? 'achieved' : done ? 'canceled' : null;
      case M.next_reply:
        return sig.nextReplyDone ? 'achieved' : state.awaitingReply ? null : 'canceled';
      case M.periodic_update:
      case M.pausable_update:
        return sig.agentReply ? 'achieved' : done ? 'canceled' : null;
      case M.resolution:
        return status === 'solved' ? 'achieved' : status === 'closed' ? 'canceled' : null;
      case M.requester_wait:
      case M.agent_work:
        return status === 'closed' ? (merged ? 'canceled' : 'achieved') : null;
      default:
        if (status === 'closed' && merged) return 'canceled';
        return done || state.case.team !== live.team ? 'achieved' : null;
    }
  }

  #shouldRun(k: number, state: CaseSla, done: boolean): boolean {
    const c = state.case;
    switch (k) {
      case M.first_reply:
        return !state.firstReplyDone && !done;
      case M.next_reply:
        return state.awaitingReply;
      case M.periodic_update:
      case M.pausable_update:
        return state.agentReplied && !done;
      case M.resolution:
        return !done;
      case M.requester_wait:
      case M.agent_work:
        return c.status !== 'closed';
      default:
        return c.team !== null && !done;
    }
  }

  #start(
    state: CaseSla,
    k: number,
    metric: SlaMetricName,
    at: number,
    target: ResolvedTarget,
    policy: ResolvedPolicy,
  ): MetricRecord {
    const c = state.case;
    const rec = new MetricRecord(
      this.#seq++,
      state.caseId,
      metric,
      state.cycles(metric) + 1,
      at,
      target.ms,
      target.calendar,
      policy.id,
      k === M.team_ownership ? c.team : null,
    );
    rec.tenantId = c.tenantId;
    rec.warnBudget = target.warnBudget;
    const ladders = this.rules.ladders;
    if (ladders.length > 0) {
      const ctx = { case: caseRuleView(c), customer: c.customer as Record<string, unknown> };
      for (let i = 0; i < ladders.length; i++) {
        const l = ladders[i] as ResolvedLadder;
        if (l.metric === metric && l.matches(ctx)) {
          rec.ladder = i;
          break;
        }
      }
    }
    this.#computeDue(rec);
    state.records.push(rec);
    state.live[k] = rec;
    this.#schedule(rec);
    this.#emit('sla.started', state, at, {
      metric,
      cycle: rec.cycle,
      policyId: policy.id,
      target: rec.target,
      startedAt: at,
      dueAt: rec.dueAt,
    });
    return rec;
  }

  #finish(state: CaseSla, rec: MetricRecord, end: 'achieved' | 'canceled' | 'no_target', at: number): void {
    if (rec.state === 'paused') {
      rec.pausedMs += this.rules.measures.get(rec.calendar).between(rec.pausedAt ?? at, at);
      rec.pausedAt = undefined;
    }
    if (end === 'achieved') {
      const late = rec.state === 'breached';
      rec.move(late ? 'achieved_late' : 'achieved');
      rec.achievedAt = at;
      this.#emit('sla.achieved', state, at, {
        metric: rec.metric,
        cycle: rec.cycle,
        achievedAt: at,
        late,
        dueAt: rec.dueAt,
      });
    } else {
      rec.move('canceled');
      rec.canceledAt = at;
      const reason =
        end === 'no_target' ? 'no_target' : state.case.mergedInto !== null ? 'merged' : state.case.status;
      this.#emit('sla.canceled', state, at, {
        metric: rec.metric,
        cycle: rec.cycle,
        canceledAt: at,
        reason,
      });
    }
    rec.nextAt = undefined;
    this.#index?.remove(rec);
    state.live[M[rec.metric]] = undefined;
  }

  /** Due instant = the moment `target + pausedMs` of counted time has elapsed since the start. */
  #computeDue(rec: MetricRecord): void {
    const m = this.rules.measures.get(rec.calendar);
    rec.dueAt = m.add(rec.startedAt, rec.target + rec.pausedMs);
    rec.warnAt =
      rec.warnBudget === undefined ? undefined : m.add(rec.startedAt, rec.warnBudget + rec.pausedMs);
  }

  #schedule(rec: MetricRecord): void {
    let next: number | undefined;
    const active = rec.state === 'active';
    if (active) {
      next = rec.dueAt;
      if (rec.warnedAt === undefined && rec.warnAt !== undefined && rec.warnAt < rec.dueAt) next = rec.warnAt;
    }
    if ((active || rec.state === 'breached') && rec.ladder >= 0 && !rec.acknowledged) {
      const offsets = this.rules.ladders[rec.ladder]?.offsets;
      const offset = offsets?.[rec.level];
      if (offset !== undefined) {
        const base = active ? rec.dueAt : (rec.breachedAt as number);
        const t = Math.max(rec.startedAt, base + offset);
        if (next === undefined || t < next) next = t;
      }
    }
    rec.nextAt = next;
    if (this.#index !== null) {
      if (next === undefined) this.#index.remove(rec);
      else this.#index.upsert(rec);
    }
  }
}
