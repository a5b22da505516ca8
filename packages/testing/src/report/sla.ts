// Cases and SLAs for the report, read back from the case engine: solved and open cases, breached
// metric instances, attainment per metric (overall and per channel) and the breaches behind it.
import { type SlaRecord, slaAttainment } from '@threadline/insights';
import { CHANNELS, type SimChannel } from '../center/config.js';
import type { DayResult, InteractionRecord } from '../day/types.js';
import { byBreachOrder } from './caseFold.js';
import type { BreachRow, DayReport, PerChannel } from './types.js';
import { localClock, round } from './util.js';

/** The SLA metrics the report shows attainment for. */
export const REPORTED_METRICS = ['first_reply', 'next_reply', 'resolution'] as const;

/** What {@link caseFigures} returns: the report section, the breached flag per case, the breaches. */
export interface CaseFigures {
  cases: DayReport['cases'];
  caseBreached: Map<string, boolean>;
  breaches: BreachRow[];
}

/** Reads every case of the day back from the engine and computes the SLA figures. */
export function caseFigures(day: DayResult, breachLimit = 50): CaseFigures {
  const local = localClock(day.options.timeZone);
  // The contact that opened each case gives its channel and topic.
  const firstContact = new Map<string, InteractionRecord>();
  for (const r of day.interactions) if (!firstContact.has(r.caseId)) firstContact.set(r.caseId, r);
  let solved = 0;
  let breachedInstances = 0;
  let casesWithBreach = 0;
  const records: { record: SlaRecord; channel: string }[] = [];
  const caseBreached = new Map<string, boolean>();
  const breached: (BreachRow & { at: number })[] = [];
  // Cases the auto-close folded away are no longer in the engine: their figures come from the fold.
  const folded = day.closedCases;
  if (folded !== undefined) {
    solved += folded.cases;
    breachedInstances += folded.breachedInstances;
    casesWithBreach += folded.casesWithBreach;
    for (const b of folded.breaches)
      breached.push({
        at: b.at,
        caseId: b.caseId,
        metric: b.metric,
        channel: b.channel as SimChannel,
        topic: b.topic,
        due: local(b.dueAt),
        achieved: b.achievedAt === null ? null : local(b.achievedAt),
      });
  }
  for (const [id, first] of firstContact) {
    const c = day.cases.getCase(id);
    if (c === undefined && folded !== undefined) continue;
    if (c?.status === 'solved' || c?.status === 'closed') solved++;
    let any = false;
    for (const m of day.cases.getSla(id)) {
      if (m.breachedAt !== undefined) {
        breachedInstances++;
        any = true;
        breached.push({
          at: m.breachedAt,
          caseId: id,
          metric: m.metric,
          channel: first.channel,
          topic: first.topicDetected,
          due: local(m.dueAt),
          achieved: m.achievedAt === undefined ? null : local(m.achievedAt),
        });
      }
      if (m.state === 'canceled') continue;
      records.push({
        channel: first.channel,
        record: {
          id: `${id}:${m.metric}:${m.cycle}`,
          metric: m.metric,
          dueAt: m.dueAt,
          ...(m.achievedAt === undefined ? {} : { completedAt: m.achievedAt }),
        },
      });
    }
    caseBreached.set(id, any);
    if (any) casesWithBreach++;
  }
  // The engine's instances through slaAttainment, plus the folded cases' met and measured counts.
  const attain = (list: SlaRecord[], metric: string, key: string) => {
    const live = slaAttainment(list, { metric, asOf: day.endedAt });
    const more = folded?.attainment.get(key);
    if (more === undefined) return round(live.value);
    const measured = live.denominator + more.measured;
    return round(measured > 0 ? (live.numerator + more.met) / measured : null);
  };
  const attainment: Record<string, number | null> = {};
  const attainmentByChannel: Record<string, PerChannel<number | null>> = {};
  // One pass groups the instances by metric, and by metric and channel, in their order.
  const byMetric = new Map<string, SlaRecord[]>();
  const byMetricChannel = new Map<string, SlaRecord[]>();
  for (const x of folded?.undecided ?? []) records.push(x);
  for (const x of records) {
    const m = x.record.metric ?? '';
    let all = byMetric.get(m);
    if (all === undefined) byMetric.set(m, (all = []));
    all.push(x.record);
    const key = `${m}|${x.channel}`;
    let own = byMetricChannel.get(key);
    if (own === undefined) byMetricChannel.set(key, (own = []));
    own.push(x.record);
  }
  for (const metric of REPORTED_METRICS) {
    attainment[metric] = attain(byMetric.get(metric) ?? [], metric, metric);
    const per = { voice: null, chat: null, email: null } as PerChannel<number | null>;
    for (const channel of CHANNELS)
      per[channel] = attain(
        byMetricChannel.get(`${metric}|${channel}`) ?? [],
        metric,
        `${metric}|${channel}`,
      );
    attainmentByChannel[metric] = per;
  }
  breached.sort(byBreachOrder);
  return {
    cases: {
      opened: firstContact.size,
      reopened: day.reopenedCases.size,
      solved,
      stillOpen: firstContact.size - solved,
      slaBreachedEvents: day.counters.slaBreachedEvents,
      breachedMetricInstances: breachedInstances,
      casesWithBreach,
      atRiskWarnings: day.counters.slaAtRiskEvents,
      ladderEscalations: day.counters.escalationsTriggered,
      priorityRaised: day.counters.priorityRaised,
      teamEscalations: day.counters.teamEscalations,
      attainment,
      attainmentByChannel,
    },
    caseBreached,
    breaches: breached.slice(0, breachLimit).map(({ at: _, ...row }) => row),
  };
}
