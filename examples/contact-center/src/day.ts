import type { CaseEngine } from '@threadline/cases';
import type { InsightsStream, SignalDetectedEvent } from '@threadline/insights';
import type { RoutingEngine } from '@threadline/routing';
import type { AgentProfile, ShiftName, SimChannel } from './setup.js';
import type { Topic } from './text.js';
import type { Arrival, Person } from './traffic.js';

/** Options of {@link simulateDay}. */
export interface DayOptions {
  /** People and bots (default 500; 2 % are bots). */
  agents?: number;
  /** Contacts over the day (default 50,000). */
  interactions?: number;
  /** Seed of every random draw (default 2026). */
  seed?: number;
  /** Read the shared airline data when present (default true); false forces generated text. */
  useSharedData?: boolean;
  /** Folders to look for airline-sentiment.csv in (default: THREADLINE_DATA_DIR, ../shared/data). */
  dataDirs?: string[];
  /** The day, `YYYY-MM-DD` (default 2026-06-16, a Tuesday). Opening is 08:00 in `timeZone`. */
  date?: string;
  /** IANA zone of the center's opening hours, shifts and the spike detector's hours (default America/New_York). */
  timeZone?: string;
  /** Called as the day runs (every few hundred simulation steps, and once at the end) with where it stands. */
  onProgress?: (progress: DayProgress) => void;
}

/** Where a running day stands, for progress displays. */
export interface DayProgress {
  /** The simulated clock (epoch ms). */
  now: number;
  openAt: number;
  closeAt: number;
  /** Contacts that have arrived so far, of `interactions`. */
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
  options: Required<Omit<DayOptions, 'dataDirs' | 'onProgress'>>;
  textSource: { kind: 'airline' | 'generated'; origin: string };
  openAt: number;
  closeAt: number;
  endedAt: number;
  roster: AgentProfile[];
  persons: Person[];
  interactions: InteractionRecord[];
  /** Per human agent, one busy interval per task (accepted → end of wrap-up); open ones end NaN. */
  handling: Map<string, Array<[number, number]>>;
  counters: DayCounters;
  cases: CaseEngine;
  routing: RoutingEngine;
  insights: InsightsStream;
  /** QA inputs: per case, the agent who last handled it. */
  caseAgent: Map<string, string>;
  /** Messages kept for QA: conversation id → messages. */
  transcripts: Map<string, { speaker: 'customer' | 'agent' | 'bot'; text: string; at: number }[]>;
  caseConversation: Map<string, string>;
  caseCustomer: Map<string, string>;
  escalatedCases: Set<string>;
  reopenedCases: Set<string>;
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
