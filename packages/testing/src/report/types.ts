// The shape of the end-of-day report: plain JSON (what `--json` writes), so two runs compare and
// other tools (the HTML report among them) read it without the engines.
import type { SimChannel } from '../center/config.js';
import type { Topic } from '../center/text.js';
import type { OutageReport } from './outage.js';

/** Per channel, one value (or `null` when there was nothing to measure). */
export type PerChannel<T> = Record<SimChannel, T>;

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

/** One 15-minute interval of the day (local start time), for the charts over the day. */
export interface IntervalRow {
  /** Local start time, `HH:MM`. */
  start: string;
  /** Contacts that arrived in the interval, per channel. */
  arrivals: PerChannel<number>;
  /** Service level of the contacts offered to people in the interval (answered or abandoned). */
  serviceLevel: PerChannel<number | null>;
  /** Average speed of answer (seconds) of the contacts offered to people in the interval. */
  asaSeconds: PerChannel<number | null>;
  /** First-message sentiment of the interval's arrivals: counts per label and the mean score. */
  sentiment: { negative: number; neutral: number; positive: number; mean: number | null };
  /** Arrivals per detected topic (what the spike detector counts). */
  topics: Record<Topic, number>;
}

/** A wait bucket's label, shortest first; `abandoned` counts those who gave up waiting. */
export const WAIT_BUCKETS = [
  '< 20 s',
  '20–60 s',
  '1–5 min',
  '5–15 min',
  '15–60 min',
  '1–4 h',
  '≥ 4 h',
  'abandoned',
] as const;

/** One spike signal of the day. */
export interface SpikeRow {
  topic: string;
  /** Local start of the 15-minute window that spiked, `HH:MM`. */
  window: string;
  /** Local time the detector raised the signal, `HH:MM`. */
  detectedAt: string;
  count: number;
  expected: number;
  detectors: string[];
}

/** A contact behind an aggregate (drill-down rows). */
export interface ContactRow {
  id: string;
  channel: SimChannel;
  topic: Topic;
  /** Local time it started waiting for a person. */
  offered: string;
  /** Seconds it waited (until answered, abandoned, or the end of the day). */
  waitSeconds: number;
  outcome: string;
  agentId: string | null;
}

/** A breached SLA metric instance (drill-down rows). */
export interface BreachRow {
  caseId: string;
  metric: string;
  channel: SimChannel;
  topic: string;
  /** Local due time, `HH:MM`. */
  due: string;
  /** Local time it was achieved late, or `null` when it was still open at the end of the day. */
  achieved: string | null;
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
    text: string;
    /** Local time the last contact ended (completion plus wrap-up, or abandonment). */
    lastContactEnded: string;
  };
  outcomes: Record<'completed' | 'contained' | 'abandoned' | 'carried_over', number>;
  channels: ChannelRow[];
  hours: HourRow[];
  /** The day in 15-minute intervals from opening to closing. */
  intervals: IntervalRow[];
  /** Waits of contacts offered to people, per channel, counted in {@link WAIT_BUCKETS}. */
  waits: PerChannel<Record<(typeof WAIT_BUCKETS)[number], number>>;
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
    /** SLA attainment per metric and per channel the case was opened on. */
    attainmentByChannel: Record<string, PerChannel<number | null>>;
  };
  insights: {
    sentiment: Record<'negative' | 'neutral' | 'positive', number>;
    topics: Record<string, { contacts: number; detectedRight: number }>;
    topicAccuracy: number;
    spikes: SpikeRow[];
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
    /** Customers left once merges folded duplicates together (created − merges): compare with `persons`. */
    customersAfterMerges: number;
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
  /** The contacts and metric instances behind the figures, capped (longest waits, first breaches). */
  drillDown: {
    longestWaits: ContactRow[];
    breaches: BreachRow[];
  };
  /** The outage journey: notices on spike alerts, and the contacts they deflected against the holdout (`null`: off). */
  outage: OutageReport | null;
  busEvents: Record<string, number>;
}
