// The simulated day's shared state: the wired engines plus the host's bookkeeping, one object
// passed explicitly to the modules that act on it (actions, contact handlers, bus listeners).
import type { ContextSignal, DocumentStore, StoredDocument } from '@threadline/core';
import type { SentimentResult, TaxonomyPrediction } from '@threadline/insights';
import type { AgentProfile } from '../center/config.js';
import type { Arrival, Person } from '../center/traffic.js';
import type { EventHeap } from './heap.js';
import type { DayCounters, InteractionRecord, SimEvent, TranscriptLine } from './types.js';
import type { wireEngines } from './wiring.js';

/** The engines of one simulated day, as {@link wireEngines} builds them. */
export type DayEngines = ReturnType<typeof wireEngines>;

/** Everything the day's modules read and update (internal; not exported from the package). */
export interface DayState extends DayEngines {
  store: DocumentStore;
  persons: readonly Person[];
  records: Map<string, InteractionRecord>;
  arrivalById: Map<string, Arrival>;
  profiles: Map<string, AgentProfile>;
  /** The simulation's own capacity count per agent and channel (cross-checked against the engine's). */
  load: Map<string, Record<string, number>>;
  handling: Map<string, Array<[number, number]>>;
  openSpans: Map<string, [number, number]>;
  activeTaskOfCase: Map<string, string>;
  /** The case of each customer issue: customer id → detected topic → case id. */
  caseByIssue: Map<string, Map<string, string>>;
  caseAgent: Map<string, string>;
  caseConversation: Map<string, string>;
  caseCustomer: Map<string, string>;
  casesByCustomer: Map<string, string[]>;
  escalatedCases: Set<string>;
  reopenedCases: Set<string>;
  breachesByCustomer: Map<string, number>;
  escalationsByCustomer: Map<string, number>;
  contactsByCustomer: Map<string, number>;
  transcripts: Map<string, TranscriptLine[]>;
  rejectedOnce: Set<string>;
  conversations: Map<string, StoredDocument>;
  sentimentByCustomer: Map<string, ContextSignal[]>;
  counters: DayCounters;
  /** Survey answers per case (the latest contact's wins), for the auto-close's QA fold (only then). */
  csatOfCase?: Map<string, { at: number; id: string; csat: number }>;
  heap: EventHeap<SimEvent>;
  /** Sentiment and topic of a text, analysed once per distinct text. */
  understand: (text: string) => { sentiment: SentimentResult; prediction: TaxonomyPrediction };
}
