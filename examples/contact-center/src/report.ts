// The end-of-day report: KPIs, staffing, cases and SLAs, insights and QA, computed with the
// packages' own batch functions over what the day recorded. Plain JSON, so two runs compare.
import {
  assignReviewers,
  type CaseSummary,
  createReview,
  sampleCases,
  suggestRatings,
} from '@threadline/cases';
import { createSequentialIds, ManualClock } from '@threadline/core';
import {
  abandonmentRate,
  aht,
  analyzeQa,
  asa,
  csat,
  fcr,
  occupancy,
  type QueuedContact,
  type SlaRecord,
  scoreQaRubric,
  serviceLevel,
  slaAttainment,
  staffingPlan,
} from '@threadline/insights';
import { buildQa, CHANNELS, SHIFTS, type SimChannel } from './setup.js';
import { type DayResult, hoursOf, type InteractionRecord } from './simulation.js';
import { TOPICS } from './text.js';

const HOUR = 3_600_000;
/** Answer-time thresholds of the service level per channel. */
export const SL_THRESHOLD_S: Record<SimChannel, number> = { voice: 20, chat: 60, email: 3600 };

/** One channel's row. */
export interface ChannelRow {
  channel: SimChannel;
  arrived: number;
  botContained: number;
  handedOff: number;
  offeredToPeople: number;
  answered: number;
  abandoned: number;
  carriedOver: number;
  serviceLevel: number | null;
  asaSeconds: number | null;
  ahtSeconds: number | null;
  abandonment: number | null;
}

/** One hour's row. */
export interface HourRow {
  hour: string;
  arrivals: number;
  voiceCalls: number;
  voiceServiceLevel: number | null;
  voiceAsaSeconds: number | null;
  /** Erlang A: agents needed for 80 % of calls answered in 20 s (raw, no shrinkage). */
  voiceRequired: number;
  /** Voice-capable people on shift. */
  voiceOnShift: number;
  /** Observed voice workload (talk + wrap) in Erlangs. */
  voiceWorkload: number;
  occupancy: number | null;
}

/** The whole end-of-day report. */
export interface DayReport {
  setup: {
    date: string;
    timeZone: string;
    seed: number;
    agents: number;
    bots: number;
    interactions: number;
    text: 'airline' | 'generated';
    /** Local time the last contact ended (completion plus wrap-up, or abandonment). */
    lastContactEnded: string;
  };
  outcomes: Record<'completed' | 'contained' | 'abandoned' | 'carried_over', number>;
  channels: ChannelRow[];
  hours: HourRow[];
  routing: {
    offers: number;
    rejected: number;
    offerTimeouts: number;
    rescinded: number;
    handoffs: Record<string, number>;
    handoffPacketsReceived: number;
    handedOffAnswered: number;
    contextsAssembled: number;
    capacityViolations: number;
  };
  cases: {
    opened: number;
    reopened: number;
    solved: number;
    stillOpen: number;
    slaBreachedEvents: number;
    breachedMetricInstances: number;
    casesWithBreach: number;
    atRiskWarnings: number;
    ladderEscalations: number;
    priorityRaised: number;
    teamEscalations: number;
    attainment: Record<string, number | null>;
  };
  insights: {
    sentiment: Record<'negative' | 'neutral' | 'positive', number>;
    topics: Record<string, { contacts: number; detectedRight: number }>;
    topicAccuracy: number;
    spikes: { topic: string; window: string; count: number; expected: number; detectors: string[] }[];
    health: Record<'red' | 'yellow' | 'green', number>;
    churnSignals: number;
    csat: number | null;
    fcr: number | null;
    occupancy: number | null;
  };
  identity: {
    contacts: number;
    persons: number;
    customersCreated: number;
    matched: number;
    merges: number;
    conflicts: number;
    crossChannelCustomers: number;
  };
  qa: {
    considered: number;
    sampled: number;
    byRule: Record<string, number>;
    reviewers: number;
    passRate: number | null;
    meanScore: number | null;
    criticalFailures: number;
  };
  busEvents: Record<string, number>;
}

const local = (t: number) => new Date(t - 4 * HOUR).toISOString().slice(11, 16);
const round = (x: number | null, d = 3) => (x === null || !Number.isFinite(x) ? null : Number(x.toFixed(d)));

function queued(list: InteractionRecord[]): QueuedContact[] {
  return list
    .filter((r) => r.offeredAt !== undefined && (r.answeredAt !== undefined || r.abandonedAt !== undefined))
    .map((r) => ({
      id: r.id,
      offeredAt: r.offeredAt as number,
      ...(r.answeredAt === undefined ? {} : { answeredAt: r.answeredAt }),
      ...(r.abandonedAt === undefined ? {} : { abandonedAt: r.abandonedAt }),
    }));
}

function shiftWindow(day: DayResult, shift: keyof typeof SHIFTS): [number, number] {
  const [from, to] = SHIFTS[shift];
  const at = (hhmm: string) => Date.parse(`${day.options.date}T${hhmm}:00-04:00`);
  return [at(from), at(to)];
}

/** Computes the report from a finished day. */
export function buildReport(day: DayResult): DayReport {
  const all = day.interactions;
  const outcomes = { completed: 0, contained: 0, abandoned: 0, carried_over: 0 };
  for (const r of all) outcomes[r.outcome ?? 'carried_over']++;

  const channels: ChannelRow[] = CHANNELS.map((channel) => {
    const list = all.filter((r) => r.channel === channel);
    const q = queued(list);
    const threshold = { seconds: SL_THRESHOLD_S[channel] };
    const handled = list.filter((r) => r.talkMs !== undefined);
    return {
      channel,
      arrived: list.length,
      botContained: list.filter((r) => r.outcome === 'contained').length,
      handedOff: list.filter((r) => r.handoff !== undefined).length,
      offeredToPeople: list.filter((r) => r.offeredAt !== undefined).length,
      answered: list.filter((r) => r.answeredAt !== undefined).length,
      abandoned: list.filter((r) => r.outcome === 'abandoned').length,
      carriedOver: list.filter((r) => r.outcome === 'carried_over').length,
      serviceLevel: round(serviceLevel(q, { threshold, shortAbandon: { seconds: 5 } }).value),
      asaSeconds: round(mapMs(asa(q, {}).value), 1),
      ahtSeconds: round(
        mapMs(
          aht(handled.map((r) => ({ id: r.id, talkMs: r.talkMs as number, wrapMs: r.wrapMs ?? 0 }))).value,
        ),
        1,
      ),
      abandonment: round(abandonmentRate(q, { shortAbandon: { seconds: 5 } }).value),
    };
  });

  // Occupancy of people: handling spans (≥ 1 task held) against idle time on shift.
  const spans: { id: string; agentId: string; state: string; start: number; end: number }[] = [];
  for (const p of day.roster) {
    if (p.kind !== 'human' || p.shift === null) continue;
    const [s, e] = shiftWindow(day, p.shift);
    let cursor = s;
    let k = 0;
    for (const [from, to] of mergeSpans(day.handling.get(p.worker.id) ?? [], day.endedAt)) {
      if (from > cursor && cursor < e)
        spans.push({
          id: `${p.worker.id}:${k++}`,
          agentId: p.worker.id,
          state: 'available',
          start: cursor,
          end: Math.min(from, e),
        });
      spans.push({
        id: `${p.worker.id}:${k++}`,
        agentId: p.worker.id,
        state: 'handling',
        start: from,
        end: to,
      });
      cursor = Math.max(cursor, to);
    }
    if (cursor < e)
      spans.push({
        id: `${p.worker.id}:${k++}`,
        agentId: p.worker.id,
        state: 'available',
        start: cursor,
        end: e,
      });
  }

  // Staffing: Erlang A requirement for the voice traffic each hour vs who was on shift.
  const hourStarts = hoursOf(day);
  const hourOf = (t: number) => Math.floor((t - day.openAt) / HOUR);
  const byHour = hourStarts.map(() => ({
    all: 0,
    voice: [] as InteractionRecord[],
    work: 0,
    handleMs: 0,
    handled: 0,
  }));
  for (const r of all) {
    const b = byHour[hourOf(r.arrivedAt)];
    if (b) b.all++;
    if (r.channel !== 'voice') continue;
    if (b) b.voice.push(r);
    if (r.answeredAt === undefined || r.talkMs === undefined) continue;
    const from = r.answeredAt;
    const to = from + r.talkMs + (r.wrapMs ?? 0);
    const hb = byHour[hourOf(from)];
    if (hb) {
      hb.handleMs += to - from;
      hb.handled++;
    }
    for (let h = Math.max(0, hourOf(from)); h <= Math.min(hourStarts.length - 1, hourOf(to)); h++) {
      const start = day.openAt + h * HOUR;
      (byHour[h] as (typeof byHour)[number]).work += Math.max(
        0,
        Math.min(to, start + HOUR) - Math.max(from, start),
      );
    }
  }
  const plan = staffingPlan({
    model: 'erlang-a',
    intervalSeconds: 3600,
    ahtSeconds: 260,
    patienceSeconds: 155,
    targetServiceLevel: 0.8,
    targetAnswerSeconds: 20,
    intervals: hourStarts.map((h, i) => {
      const b = byHour[i] as (typeof byHour)[number];
      return {
        start: h,
        calls: b.voice.length,
        ahtSeconds: b.handled > 0 ? Math.max(1, b.handleMs / b.handled / 1000) : 260,
      };
    }),
  });
  const spansByHour = hourStarts.map(() => [] as typeof spans);
  for (const sp of spans)
    for (let h = Math.max(0, hourOf(sp.start)); h <= Math.min(hourStarts.length - 1, hourOf(sp.end)); h++)
      spansByHour[h]?.push(sp);
  const hours: HourRow[] = hourStarts.map((h, i) => {
    const b = byHour[i] as (typeof byHour)[number];
    const vq = queued(b.voice);
    const onShift = day.roster.filter((p) => {
      if ((p.profile !== 'blended' && p.profile !== 'voice') || p.shift === null) return false;
      const [s, e] = shiftWindow(day, p.shift);
      return s <= h + HOUR / 2 && e > h + HOUR / 2;
    }).length;
    return {
      hour: local(h),
      arrivals: b.all,
      voiceCalls: b.voice.length,
      voiceServiceLevel: round(
        serviceLevel(vq, { threshold: { seconds: 20 }, shortAbandon: { seconds: 5 } }).value,
      ),
      voiceAsaSeconds: round(mapMs(asa(vq, {}).value), 1),
      voiceRequired: plan.intervals[i]?.rawAgents ?? 0,
      voiceOnShift: onShift,
      voiceWorkload: round(b.work / HOUR, 1) as number,
      occupancy: round(occupancy(spansByHour[i] ?? [], { from: h, to: h + HOUR }).value),
    };
  });

  // Cases and SLAs, read back from the case engine.
  const caseIds = [...new Set(all.map((r) => r.caseId))];
  let solved = 0;
  let breachedInstances = 0;
  let casesWithBreach = 0;
  const slaRecords: SlaRecord[] = [];
  const caseBreached = new Map<string, boolean>();
  for (const id of caseIds) {
    const c = day.cases.getCase(id);
    if (c?.status === 'solved' || c?.status === 'closed') solved++;
    let breached = false;
    for (const m of day.cases.getSla(id)) {
      if (m.breachedAt !== undefined) {
        breachedInstances++;
        breached = true;
      }
      if (m.state === 'canceled') continue;
      slaRecords.push({
        id: `${id}:${m.metric}:${m.cycle}`,
        metric: m.metric,
        dueAt: m.dueAt,
        ...(m.achievedAt === undefined ? {} : { completedAt: m.achievedAt }),
      });
    }
    caseBreached.set(id, breached);
    if (breached) casesWithBreach++;
  }
  const attainment: Record<string, number | null> = {};
  for (const metric of ['first_reply', 'next_reply', 'resolution'])
    attainment[metric] = round(
      slaAttainment(
        slaRecords.filter((x) => x.metric === metric),
        { metric, asOf: day.endedAt },
      ).value,
    );

  // Insights: sentiment, topics, spikes, health, CSAT, FCR.
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

  // QA: sample solved cases people worked, review them from the insights QA signals.
  const qa = runQa(day, caseBreached, all);

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
    channels,
    hours,
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
    cases: {
      opened: caseIds.length,
      reopened: day.reopenedCases.size,
      solved,
      stillOpen: caseIds.length - solved,
      slaBreachedEvents: day.counters.slaBreachedEvents,
      breachedMetricInstances: breachedInstances,
      casesWithBreach,
      atRiskWarnings: day.counters.slaAtRiskEvents,
      ladderEscalations: day.counters.escalationsTriggered,
      priorityRaised: day.counters.priorityRaised,
      teamEscalations: day.counters.teamEscalations,
      attainment,
    },
    insights: {
      sentiment,
      topics,
      topicAccuracy: round(
        all.filter((r) => r.topicDetected === r.topicTruth).length / Math.max(1, all.length),
      ) as number,
      spikes: day.counters.spikeSignals.map((e) => {
        const ev = e.payload.evidence as { windowStart?: number; expected?: number; detectors?: string[] };
        return {
          topic: e.payload.subject.id,
          window: ev.windowStart === undefined ? '?' : local(ev.windowStart),
          count: e.payload.value ?? 0,
          expected: round(ev.expected ?? 0, 1) as number,
          detectors: ev.detectors ?? [],
        };
      }),
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
      conflicts: day.counters.identity.conflicts,
      crossChannelCustomers: [...channelsOf.values()].filter((s) => s.size > 1).length,
    },
    qa,
    busEvents: Object.fromEntries(
      Object.entries(day.counters.busEvents).sort(([a], [b]) => a.localeCompare(b)),
    ),
  };
}

/** Per-task busy intervals → sorted, merged intervals (open ones end at `end`). */
function mergeSpans(list: readonly [number, number][], end: number): [number, number][] {
  const sorted = list
    .map(([a, b]): [number, number] => [a, Number.isNaN(b) ? end : b])
    .sort((x, y) => x[0] - y[0]);
  const out: [number, number][] = [];
  for (const [a, b] of sorted) {
    const last = out[out.length - 1];
    if (last && a <= last[1]) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  }
  return out;
}

function mapMs(v: number | null): number | null {
  return v === null ? null : v / 1000;
}

function runQa(
  day: DayResult,
  caseBreached: Map<string, boolean>,
  all: InteractionRecord[],
): DayReport['qa'] {
  const { rubric, scorecard } = buildQa();
  const csatByCase = new Map<string, number>();
  for (const r of all) if (r.csat !== undefined) csatByCase.set(r.caseId, r.csat);
  const summaries: CaseSummary[] = [];
  for (const [caseId, agentId] of day.caseAgent) {
    const c = day.cases.getCase(caseId);
    if (c?.status !== 'solved') continue;
    const score = csatByCase.get(caseId);
    summaries.push({
      id: caseId,
      agentId,
      breached: caseBreached.get(caseId) ?? false,
      escalated: day.escalatedCases.has(caseId),
      reopened: day.reopenedCases.has(caseId),
      ...(score === undefined ? {} : { csat: score }),
    });
  }
  const sample = sampleCases(summaries, {
    seed: day.options.seed,
    rules: [
      { type: 'escalated', limit: 60 },
      { type: 'breached', limit: 60 },
      { type: 'reopened', limit: 40 },
      { type: 'low_csat', max: 2, limit: 40 },
      { type: 'random', rate: 0.005 },
    ],
    perAgent: 2,
    limit: 250,
  });
  const reviewers = Array.from({ length: 8 }, (_, i) => ({ id: `qa-${i + 1}` }));
  const { assignments } = assignReviewers(
    sample.sampled.map((s) => ({
      caseId: s.caseId,
      ...(s.agentId === undefined ? {} : { agentId: s.agentId }),
    })),
    reviewers,
    { strategy: 'least_loaded' },
  );
  const ctx = { clock: new ManualClock(day.endedAt), ids: createSequentialIds() };
  let passed = 0;
  let scored = 0;
  let sum = 0;
  let critical = 0;
  for (const a of assignments) {
    const conversation = day.caseConversation.get(a.caseId);
    const messages = (conversation === undefined ? [] : (day.transcripts.get(conversation) ?? [])).map(
      (m) => ({
        speaker: m.speaker,
        text: m.text,
        at: m.at,
      }),
    );
    if (messages.length === 0 || a.agentId === undefined) continue;
    const signals = analyzeQa(messages);
    const card = scoreQaRubric(signals, rubric);
    // QaEvidence is a plain object, but its interface lacks the index signature RubricSignal wants.
    const { ratings } = suggestRatings(
      scorecard,
      card.criteria.map((c) => ({
        criterionId: c.criterionId,
        met: c.met,
        evidence: c.evidence.map((e) => ({ ...e })),
      })),
    );
    const review = createReview(
      scorecard,
      { caseId: a.caseId, agentId: a.agentId, reviewerId: a.reviewerId, ratings },
      ctx,
    );
    scored++;
    if (review.result.passed) passed++;
    if (review.result.failedCritical.length > 0) critical++;
    sum += review.result.score ?? 0;
  }
  return {
    considered: sample.considered,
    sampled: sample.sampled.length,
    byRule: sample.byRule,
    reviewers: reviewers.length,
    passRate: scored === 0 ? null : round(passed / scored),
    meanScore: scored === 0 ? null : round(sum / scored, 1),
    criticalFailures: critical,
  };
}

// ------------------------------------------------------------------------------------------
// Text

function table(headers: string[], rows: (string | number | null)[][]): string {
  const cells = rows.map((r) => r.map((c) => (c === null ? '—' : String(c))));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) =>
    r.map((c, i) => (i === 0 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number))).join('  ');
  return [line(headers), widths.map((w) => '─'.repeat(w)).join('  '), ...cells.map(line)].join('\n');
}

const pct = (x: number | null) => (x === null ? null : `${(x * 100).toFixed(1)}%`);
const sec = (x: number | null) => (x === null ? null : `${x.toFixed(0)}s`);

/** The report as text: a few tables, in reading order. */
export function formatReport(r: DayReport): string {
  const out: string[] = [];
  const tail = r.insights.spikes.filter((s) => s.detectors.includes('tail'));
  out.push(
    `Threadline contact center — simulated day ${r.setup.date} (${r.setup.timeZone}), seed ${r.setup.seed}`,
    `${r.setup.agents} agents (${r.setup.bots} bots), ${r.setup.interactions.toLocaleString('en-US')} interactions, ` +
      `customer text: ${r.setup.text === 'airline' ? 'real airline-service tweets (airline-sentiment.csv)' : 'generated from templates (airline-sentiment.csv not found: set THREADLINE_DATA_DIR to the folder that holds it for real customer text)'}, ` +
      `last contact ended ${r.setup.lastContactEnded}`,
    '',
    `Outcomes: ${r.outcomes.completed} handled by people, ${r.outcomes.contained} resolved by bots, ` +
      `${r.outcomes.abandoned} abandoned, ${r.outcomes.carried_over} carried over`,
    '',
    'Channels',
    table(
      [
        'channel',
        'arrived',
        'bot-solved',
        'handed off',
        'to people',
        'answered',
        'abandoned',
        'SL',
        'ASA',
        'AHT',
        'aband.',
      ],
      r.channels.map((c) => [
        `${c.channel} (SL ${c.channel === 'email' ? '1 h' : `${SL_THRESHOLD_S[c.channel]} s`})`,
        c.arrived,
        c.botContained,
        c.handedOff,
        c.offeredToPeople,
        c.answered,
        c.abandoned,
        pct(c.serviceLevel),
        sec(c.asaSeconds),
        sec(c.ahtSeconds),
        pct(c.abandonment),
      ]),
    ),
    '',
    'Intraday (voice staffing: Erlang A for 80% in 20 s vs voice-capable agents on shift)',
    table(
      [
        'hour',
        'arrivals',
        'calls',
        'voice SL',
        'voice ASA',
        'workload (Erl)',
        'required',
        'on shift',
        'occupancy',
      ],
      r.hours.map((h) => [
        h.hour,
        h.arrivals,
        h.voiceCalls,
        pct(h.voiceServiceLevel),
        sec(h.voiceAsaSeconds),
        h.voiceWorkload,
        h.voiceRequired,
        h.voiceOnShift,
        pct(h.occupancy),
      ]),
    ),
    '',
    'Cases and SLAs',
    table(
      [
        'cases',
        'reopened',
        'solved',
        'open',
        'SLA breaches',
        'cases breached',
        'at-risk',
        'ladder esc.',
        'team esc.',
        'first reply',
        'resolution',
      ],
      [
        [
          r.cases.opened,
          r.cases.reopened,
          r.cases.solved,
          r.cases.stillOpen,
          `${r.cases.slaBreachedEvents}${r.cases.slaBreachedEvents === r.cases.breachedMetricInstances ? '' : ` (≠ ${r.cases.breachedMetricInstances})`}`,
          r.cases.casesWithBreach,
          r.cases.atRiskWarnings,
          r.cases.ladderEscalations,
          r.cases.teamEscalations,
          pct(r.cases.attainment['first_reply'] ?? null),
          pct(r.cases.attainment['resolution'] ?? null),
        ],
      ],
    ),
    '',
    'Routing and bots',
    `  offers ${r.routing.offers}, missed ${r.routing.rejected}, timed out ${r.routing.offerTimeouts}, rescinded ${r.routing.rescinded}; ` +
      `capacity violations ${r.routing.capacityViolations}`,
    `  handoffs bot → people: ${Object.entries(r.routing.handoffs)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}; answered by people ${r.routing.handedOffAnswered}, ` +
      `packet arrived with the task ${r.routing.handoffPacketsReceived}, customer contexts assembled ${r.routing.contextsAssembled}`,
    '',
    'Insights',
    table(
      ['topic', 'contacts', 'classifier agrees'],
      Object.entries(r.insights.topics).map(([t, v]) => [
        t,
        v.contacts,
        pct(v.contacts === 0 ? null : v.detectedRight / v.contacts),
      ]),
    ),
    `  sentiment: ${r.insights.sentiment.negative} negative, ${r.insights.sentiment.neutral} neutral, ${r.insights.sentiment.positive} positive`,
    `  spikes (15-min windows, Poisson/NB tail test, BH-controlled): ${
      tail.length === 0
        ? 'none'
        : tail.map((s) => `${s.topic} ${s.window} (${s.count} vs ~${s.expected})`).join(', ')
    }; ${r.insights.spikes.length - tail.length} more EWMA/CUSUM alarms`,
    `  customer health: ${r.insights.health.green} green, ${r.insights.health.yellow} yellow, ${r.insights.health.red} red (${r.insights.churnSignals} churn-risk signals)`,
    `  CSAT ${pct(r.insights.csat)}, FCR (4 h, same topic) ${pct(r.insights.fcr)}, occupancy ${pct(r.insights.occupancy)}`,
    '',
    `Identity: ${r.identity.contacts} contacts from ${r.identity.persons} people → ${r.identity.customersCreated} customers created, ` +
      `${r.identity.matched} matched, ${r.identity.merges} merges, ${r.identity.conflicts} conflicts; ${r.identity.crossChannelCustomers} customers used 2+ channels`,
    `QA: ${r.qa.sampled} of ${r.qa.considered} solved cases sampled (${Object.entries(r.qa.byRule)
      .map(([k, v]) => `${k} ${v}`)
      .join(
        ', ',
      )}), ${r.qa.reviewers} reviewers; pass rate ${pct(r.qa.passRate)}, mean score ${r.qa.meanScore ?? '—'}, ` +
      `${r.qa.criticalFailures} critical failures`,
    `Bus events: ${Object.entries(r.busEvents)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
  );
  return out.join('\n');
}
