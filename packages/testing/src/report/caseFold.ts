// What the report needs of a case that left the case engine: its SLA figures and its QA summary,
// folded in when the case closes (the engine then forgets it, see `DayOptions.closeSolvedAfterMs`),
// so memory holds running totals instead of every closed case's audit trail and metric records.
import type { Case, CaseSummary, SlaMetricInstance } from '@threadline/cases';
import type { SlaRecord } from '@threadline/insights';

/** How many breached metric instances of closed cases the fold keeps for the drill-down (the earliest). */
export const FOLDED_BREACH_ROWS = 50;

/** One breached metric instance, with the instants still raw (the report formats them). */
export interface FoldedBreach {
  at: number;
  caseId: string;
  metric: string;
  channel: string;
  topic: string;
  dueAt: number;
  achievedAt: number | null;
}

/** Met and measured metric instances, the two counts `slaAttainment` divides. */
export interface AttainmentCounts {
  met: number;
  measured: number;
}

/**
 * The closed cases of a day, folded: what the report's case and QA sections read of them once
 * the case engine no longer holds them.
 */
export interface ClosedCasesFold {
  /** Closed cases folded in (each counts as solved in the report). */
  cases: number;
  /** Breached metric instances. */
  breachedInstances: number;
  /** Cases with at least one breached metric instance. */
  casesWithBreach: number;
  /** The {@link FOLDED_BREACH_ROWS} earliest breaches (by breach instant, then case id). */
  breaches: FoldedBreach[];
  /** Per metric (`first_reply`) and per metric and channel (`first_reply|voice`). */
  attainment: Map<string, AttainmentCounts>;
  /**
   * Metric instances neither achieved nor past due when their case closed: whether they count
   * as breached depends on when the day ends, so `slaAttainment` decides at report time (rare).
   */
  undecided: { channel: string; record: SlaRecord }[];
  /** QA summaries of the closed cases people worked, by case id. */
  qa: Map<string, CaseSummary>;
}

/** An empty fold. */
export function emptyClosedCasesFold(): ClosedCasesFold {
  return {
    cases: 0,
    breachedInstances: 0,
    casesWithBreach: 0,
    breaches: [],
    attainment: new Map(),
    undecided: [],
    qa: new Map(),
  };
}

/** Breaches in report order: breach instant, then case id. */
export function byBreachOrder(a: { at: number; caseId: string }, b: { at: number; caseId: string }): number {
  return a.at - b.at || (a.caseId < b.caseId ? -1 : a.caseId > b.caseId ? 1 : 0);
}

function count(fold: ClosedCasesFold, key: string, met: boolean): void {
  let c = fold.attainment.get(key);
  if (c === undefined) fold.attainment.set(key, (c = { met: 0, measured: 0 }));
  c.measured++;
  if (met) c.met++;
}

/** What the QA summary of a closed case needs besides the case (absent: no person worked it). */
export interface ClosedCaseQa {
  agentId: string;
  escalated: boolean;
  reopened: boolean;
  csat?: number;
}

/**
 * Folds one closed case: `c` as it closed, `sla` its metric instances then (all final). The
 * channel and topic of the case are those of the contact that opened it (`c.channel`, `c.type`).
 */
export function foldClosedCase(
  fold: ClosedCasesFold,
  c: Case,
  sla: readonly SlaMetricInstance[],
  qa: ClosedCaseQa | undefined,
): void {
  const closedAt = c.closedAt ?? c.updatedAt;
  const channel = c.channel;
  const topic = c.type ?? '';
  fold.cases++;
  let any = false;
  for (const m of sla) {
    if (m.breachedAt !== undefined) {
      fold.breachedInstances++;
      any = true;
      fold.breaches.push({
        at: m.breachedAt,
        caseId: c.id,
        metric: m.metric,
        channel,
        topic,
        dueAt: m.dueAt,
        achievedAt: m.achievedAt ?? null,
      });
    }
    if (m.state === 'canceled') continue;
    if (m.achievedAt === undefined && m.dueAt >= closedAt) {
      // Past due only if the day ends after dueAt: left to slaAttainment's `asOf`.
      fold.undecided.push({
        channel,
        record: { id: `${c.id}:${m.metric}:${m.cycle}`, metric: m.metric, dueAt: m.dueAt },
      });
      continue;
    }
    // Not achieved and due before the close: overdue at any later `asOf`, measured and missed.
    const met = m.achievedAt !== undefined && m.achievedAt <= m.dueAt;
    count(fold, m.metric, met);
    count(fold, `${m.metric}|${channel}`, met);
  }
  if (any) fold.casesWithBreach++;
  // Only the earliest rows can reach the drill-down: trim now and then, not on every breach.
  if (fold.breaches.length >= 4 * FOLDED_BREACH_ROWS) {
    fold.breaches.sort(byBreachOrder);
    fold.breaches.length = FOLDED_BREACH_ROWS;
  }
  if (qa !== undefined)
    fold.qa.set(c.id, {
      id: c.id,
      agentId: qa.agentId,
      breached: any,
      escalated: qa.escalated,
      reopened: qa.reopened,
      ...(qa.csat === undefined ? {} : { csat: qa.csat }),
    });
}
