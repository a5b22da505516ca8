import type { CaseEngine } from '@threadline/cases';
import type { ThreadlineStorage } from '@threadline/core';
import type { InsightsStream, SignalDetectedEvent } from '@threadline/insights';
import type { RoutingEngine } from '@threadline/routing';
import type { AgentProfile, ShiftName, SimChannel } from '../center/config.js';
import type { OutageOptions, OutageResult } from '../center/outage.js';
import type { TextSource, Topic } from '../center/text.js';
import type { Arrival, Person } from '../center/traffic.js';
import type { ClosedCasesFold } from '../report/caseFold.js';
import type { CenterConfiguration } from './wiring.js';

/** Options of {@link simulateDay}. */
export interface DayOptions {
  /** People and bots (default 500; 2 % are bots). Ignored when `roster` is given. */
  agents?: number;
  /** Contacts over the day (default 50,000). Ignored when `traffic` is given. */
  interactions?: number;
  /** Seed of every random draw (default 2026). */
  seed?: number;
  /** The day, `YYYY-MM-DD` (default 2026-06-16, a Tuesday). Opening is 08:00 in `timeZone`. */
  date?: string;
  /** IANA zone of the center's opening hours, shifts and the spike detector's hours (default America/New_York). */
  timeZone?: string;
  /** The customers' words (default: {@link generateText} from the seed). */
  text?: TextSource;
  /** The day's demand, as {@link drawTraffic} (or a host from its own history) gives it; replayed as is. */
  traffic?: DayTraffic;
  /** The people and bots on shift (default: {@link buildRoster} for `agents`). */
  roster?: readonly AgentProfile[];
  /** The center's configuration: workflow, SLA policies, escalations, calendars (default: the demo center's). */
  config?: CenterConfiguration;
  /** Called as the day runs (every few hundred simulation steps, and once at the end) with where it stands. */
  onProgress?: (progress: DayProgress) => void;
  /**
   * Where the engines keep their state (default: memory, nothing durable). A
   * `{ documents, events, outbox }` bundle — `createPostgresStorage` on PGlite or PostgreSQL,
   * migrated, and empty: the day's ids start afresh — makes identity, routing (journaled) and cases
   * (durable) commit there; their events reach the day's bus through an outbox relay, and every
   * step waits for its commits, so the day makes the same decisions and the same report as on memory.
   */
  storage?: ThreadlineStorage;
  /**
   * The outage journey (default on): a spike alert sends a proactive notice to the customers who
   * contacted about its topic; `false` turns it off. Options: the model's shares (seeded).
   */
  outage?: OutageOptions | false;
  /**
   * With the default memory storage: how long (ms) a closed conversation and its customer
   * messages stay in the store after the contact ended, through the memory adapter's
   * `retention.closedConversations` on the day's clock. Default: kept all day. Memory then grows
   * with the open and recently closed conversations, not with every contact of the day; the report
   * does not read closed conversations, so it is the same, but the handoff packets' count of the
   * customer's recent conversations only sees those still kept. Not allowed with `storage` (give
   * that store its own retention).
   */
  conversationRetentionMs?: number;
  /**
   * The helpdesk's auto-close (default: off, solved cases stay solved all day): a solved case
   * closes this long (ms) after it was solved unless its customer came back meanwhile (which
   * reopens it); a later contact about the same issue then opens a new case. With the default
   * memory storage a closed case also leaves the case engine (`retainClosed: false`): its SLA
   * figures and QA summary are folded into {@link DayResult.closedCases} as it closes, so the
   * engine's memory follows the open and recently solved cases. The report counts closed cases
   * as solved and samples QA from both.
   */
  closeSolvedAfterMs?: number;
  /**
   * With `closeSolvedAfterMs`: keep closed cases in the case engine instead of folding them
   * (default `false`). The report is the same either way; this exists to check that.
   */
  keepClosedCases?: boolean;
}

/** The demand of one day: the people behind the contacts and the contacts, sorted by time. */
export interface DayTraffic {
  persons: readonly Person[];
  arrivals: readonly Arrival[];
}

/** One line of a conversation's transcript, as the day keeps it for handoff packets and QA. */
export interface TranscriptLine {
  speaker: 'customer' | 'agent' | 'bot';
  text: string;
  at: number;
}

/** Where a running day stands, for progress displays. */
export interface DayProgress {
  /** The simulated clock (epoch ms). */
  now: number;
  openAt: number;
  closeAt: number;
  /** Contacts that have arrived so far (or that an outage notice deflected), of `interactions`. */
  arrived: number;
  interactions: number;
  /** Events published on the bus so far. */
  busEvents: number;
  /** True on the last call, when the day is over. */
  done: boolean;
}

/** What happened to one contact. */
export type Outcome = 'completed' | 'contained' | 'abandoned' | 'carried_over';

/** The per-contact record the report is computed from. */
export interface InteractionRecord {
  id: string;
  channel: SimChannel;
  arrivedAt: number;
  customerId: string;
  person: number;
  caseId: string;
  topicTruth: Topic;
  topicDetected: Topic;
  sentiment: number;
  sentimentLabel: 'negative' | 'neutral' | 'positive';
  /** The topic classifier's confidence (the bot's confidence in what it understood). */
  topicConfidence: number;
  storm: boolean;
  /** When the contact started waiting for a person (voice/email: arrival; chat: the bot's handoff). */
  offeredAt?: number;
  answeredAt?: number;
  abandonedAt?: number;
  completedAt?: number;
  agentId?: string;
  botId?: string;
  handoff?: {
    reason: string;
    withContext: boolean;
    packetReceived: boolean;
    /** Explicit handoffs: what the assembled context held (earlier sentiment points, cases, failed providers). */
    context?: { sentimentPoints: number; cases: number; failedProviders: number };
  };
  talkMs?: number;
  wrapMs?: number;
  csat?: number;
  outcome?: Outcome;
  repeat: boolean;
}

/** Counters gathered while the day runs. */
export interface DayCounters {
  busEvents: Record<string, number>;
  offers: number;
  rejected: number;
  offerTimeouts: number;
  rescinded: number;
  escalationsTriggered: number;
  priorityRaised: number;
  notifications: number;
  teamEscalations: number;
  slaBreachedEvents: number;
  slaAtRiskEvents: number;
  spikeSignals: SignalDetectedEvent[];
  healthSignals: number;
  churnSignals: number;
  capacityViolations: string[];
  identity: { created: number; matched: number; merges: number; conflicts: number };
  contextsAssembled: number;
  reopenedContacts: number;
}

/** Everything the report needs, plus the live engines for inspection in tests. */
export interface DayResult {
  options: { agents: number; interactions: number; seed: number; date: string; timeZone: string };
  textSource: { kind: string; origin: string };
  openAt: number;
  closeAt: number;
  endedAt: number;
  roster: AgentProfile[];
  persons: readonly Person[];
  /** The demand the day ran on; pass it as `traffic` to replay the same day under another configuration. */
  traffic: DayTraffic;
  interactions: InteractionRecord[];
  /** Per human agent, one busy interval per task (accepted → end of wrap-up); open ones end NaN. */
  handling: Map<string, Array<[number, number]>>;
  counters: DayCounters;
  cases: CaseEngine;
  routing: RoutingEngine;
  insights: InsightsStream;
  /** QA inputs: per case, the agent who last handled it. */
  caseAgent: Map<string, string>;
  /**
   * Messages kept for QA and handoffs: conversation id → messages, for each case's latest
   * conversation and for contacts still open at the end (an earlier conversation of a case is
   * dropped once it is over: QA reads the latest one only).
   */
  transcripts: Map<string, TranscriptLine[]>;
  caseConversation: Map<string, string>;
  caseCustomer: Map<string, string>;
  escalatedCases: Set<string>;
  reopenedCases: Set<string>;
  /**
   * The cases the auto-close took out of the case engine, folded (absent unless
   * `closeSolvedAfterMs` is set and closed cases are not kept).
   */
  closedCases?: ClosedCasesFold;
  /** What the outage journey did (absent with `outage: false`). */
  outage?: OutageResult;
}

/** What the simulation schedules on its event heap. */
export type SimEvent =
  | { kind: 'arrive'; a: Arrival }
  | { kind: 'accept'; reservationId: string; taskId: string; workerId: string }
  | { kind: 'botTurn'; taskId: string }
  | { kind: 'complete'; taskId: string }
  | { kind: 'abandon'; taskId: string; since: number }
  | { kind: 'escalate'; caseId: string; to: 'low' | 'normal' | 'high' | 'urgent' }
  | { kind: 'shift'; shift: ShiftName; on: boolean };
