// The end-of-day report data: KPIs, staffing, cases and SLAs, insights and QA, computed with the
// packages' own batch functions over what the day recorded. Plain JSON, so two runs compare.
import { abandonmentRate, aht, asa, csat, fcr, occupancy, serviceLevel } from '@threadline/insights';
import { CHANNELS } from '../center/config.js';
import { TOPICS } from '../center/text.js';
import type { DayResult, InteractionRecord } from '../day/types.js';
import { outageReport } from './outage.js';
import { runQa } from './qa.js';
import { caseFigures } from './sla.js';
import { agentSpans, hourRows } from './staffing.js';
import { intervalRows, longestWaits, waitBuckets } from './timeline.js';
import type { ChannelRow, DayReport, SpikeRow } from './types.js';
import { localClock, msToSeconds, queued, round, SL_THRESHOLD_S } from './util.js';

function channelRows(day: DayResult): ChannelRow[] {
  // One pass groups the contacts; each channel's figures then read only its own.
  const byChannel = new Map<string, InteractionRecord[]>(CHANNELS.map((c) => [c, []]));
  for (const r of day.interactions) byChannel.get(r.channel)?.push(r);
  return CHANNELS.map((channel) => {
    const list = byChannel.get(channel) as InteractionRecord[];
    const q = queued(list);
    const threshold = { seconds: SL_THRESHOLD_S[channel] };
    const handled: { id: string; talkMs: number; wrapMs: number }[] = [];
    let botContained = 0;
    let handedOff = 0;
    let offeredToPeople = 0;
    let answered = 0;
    let abandoned = 0;
    let carriedOver = 0;
    for (const r of list) {
      if (r.talkMs !== undefined) handled.push({ id: r.id, talkMs: r.talkMs, wrapMs: r.wrapMs ?? 0 });
      if (r.outcome === 'contained') botContained++;
      else if (r.outcome === 'abandoned') abandoned++;
      else if (r.outcome === 'carried_over') carriedOver++;
      if (r.handoff !== undefined) handedOff++;
      if (r.offeredAt !== undefined) offeredToPeople++;
      if (r.answeredAt !== undefined) answered++;
    }
    return {
      channel,
      arrived: list.length,
      botContained,
      handedOff,
      offeredToPeople,
      answered,
      abandoned,
      carriedOver,
      serviceLevel: round(serviceLevel(q, { threshold, shortAbandon: { seconds: 5 } }).value),
      asaSeconds: round(msToSeconds(asa(q, {}).value), 1),
      ahtSeconds: round(msToSeconds(aht(handled).value), 1),
      abandonment: round(abandonmentRate(q, { shortAbandon: { seconds: 5 } }).value),
    };
  });
}

function spikeRows(day: DayResult): SpikeRow[] {
  const local = localClock(day.options.timeZone);
  return day.counters.spikeSignals.map((e) => {
    const ev = e.payload.evidence as { windowStart?: number; expected?: number; detectors?: string[] };
    return {
      topic: e.payload.subject.id,
      window: ev.windowStart === undefined ? '?' : local(ev.windowStart),
      detectedAt: local(e.occurredAt),
      count: e.payload.value ?? 0,
      expected: round(ev.expected ?? 0, 1) as number,
      detectors: ev.detectors ?? [],
    };
  });
}

/**
 * Computes the report from a finished day.
 *
 * @example
 * ```ts
 * const report = buildDayReport(await simulateDay({ agents: 20, interactions: 500 }));
 * report.channels.find((c) => c.channel === 'voice')?.serviceLevel; // 0..1
 * ```
 */
export function buildDayReport(day: DayResult): DayReport {
  const all = day.interactions;
  const local = localClock(day.options.timeZone);
  const outcomes = { completed: 0, contained: 0, abandoned: 0, carried_over: 0 };
  for (const r of all) outcomes[r.outcome ?? 'carried_over']++;

  const spans = agentSpans(day);
  const { cases, caseBreached, breaches } = caseFigures(day);

  // Insights: sentiment, topics, health, CSAT, FCR.
  const sentiment = { negative: 0, neutral: 0, positive: 0 };
  const topics: Record<string, { contacts: number; detectedRight: number }> = {};
  for (const t of TOPICS) topics[t] = { contacts: 0, detectedRight: 0 };
  for (const r of all) {
    sentiment[r.sentimentLabel]++;
    const t = topics[r.topicTruth] as { contacts: number; detectedRight: number };
    t.contacts++;
    if (r.topicDetected === r.topicTruth) t.detectedRight++;
  }
  const health = { red: 0, yellow: 0, green: 0 };
  for (const customerId of new Set(all.map((r) => r.customerId))) {
    const h = day.insights.healthOf(customerId);
    if (h) health[h.band]++;
  }
  const surveys = all.filter((r) => r.csat !== undefined).map((r) => ({ id: r.id, score: r.csat as number }));
  const contacts = all
    .filter((r) => r.outcome !== 'carried_over')
    .map((r) => ({ id: r.id, customerId: r.customerId, at: r.arrivedAt, topic: r.topicDetected }));

  const handoffs: Record<string, number> = {};
  for (const r of all) if (r.handoff) handoffs[r.handoff.reason] = (handoffs[r.handoff.reason] ?? 0) + 1;
  const channelsOf = new Map<string, Set<string>>();
  for (const r of all) {
    const s = channelsOf.get(r.customerId) ?? new Set<string>();
    s.add(r.channel);
    channelsOf.set(r.customerId, s);
  }

  return {
    setup: {
      date: day.options.date,
      timeZone: day.options.timeZone,
      seed: day.options.seed,
      agents: day.roster.length,
      bots: day.roster.filter((p) => p.kind === 'bot').length,
      interactions: all.length,
      text: day.textSource.kind,
      lastContactEnded: local(
        all.reduce((m, r) => Math.max(m, (r.completedAt ?? 0) + (r.wrapMs ?? 0), r.abandonedAt ?? 0), 0),
      ),
    },
    outcomes,
    channels: channelRows(day),
    hours: hourRows(day, spans),
    intervals: intervalRows(day),
    waits: waitBuckets(day),
    routing: {
      offers: day.counters.offers,
      rejected: day.counters.rejected,
      offerTimeouts: day.counters.offerTimeouts,
      rescinded: day.counters.rescinded,
      handoffs,
      handoffPacketsReceived: all.filter((r) => r.handoff?.packetReceived).length,
      handedOffAnswered: all.filter((r) => r.handoff && r.answeredAt !== undefined).length,
      contextsAssembled: day.counters.contextsAssembled,
      capacityViolations: day.counters.capacityViolations.length,
    },
    cases,
    insights: {
      sentiment,
      topics,
      topicAccuracy: round(
        all.filter((r) => r.topicDetected === r.topicTruth).length / Math.max(1, all.length),
      ) as number,
      spikes: spikeRows(day),
      health,
      churnSignals: day.counters.churnSignals,
      csat: round(csat(surveys).value),
      fcr: round(fcr(contacts, { window: { hours: 4 }, sameTopic: true, asOf: day.endedAt }).value),
      occupancy: round(occupancy(spans, { from: day.openAt, to: day.closeAt }).value),
    },
    identity: {
      contacts: all.length,
      persons: new Set(all.map((r) => r.person)).size,
      customersCreated: day.counters.identity.created,
      matched: day.counters.identity.matched,
      merges: day.counters.identity.merges,
      customersAfterMerges: day.counters.identity.created - day.counters.identity.merges,
      conflicts: day.counters.identity.conflicts,
      crossChannelCustomers: [...channelsOf.values()].filter((s) => s.size > 1).length,
    },
    qa: runQa(day, caseBreached),
    drillDown: { longestWaits: longestWaits(day), breaches },
    outage: outageReport(day),
    busEvents: Object.fromEntries(
      Object.entries(day.counters.busEvents).sort(([a], [b]) => a.localeCompare(b)),
    ),
  };
}
