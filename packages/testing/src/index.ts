// Public surface of @threadline/testing: explicit named re-exports only.
export {
  type AgentProfile,
  asTopic,
  buildEscalations,
  buildHealthModel,
  buildPolicies,
  buildQa,
  buildRoster,
  buildRoutingRules,
  buildTaxonomy,
  buildWorkflow,
  CHANNELS,
  centerCalendar,
  OPEN,
  SHIFTS,
  type ShiftName,
  type SimChannel,
  SKILLS,
  shiftCalendars,
  TIME_ZONE,
} from './center/config.js';
export {
  type HistoryObservation,
  type HistoryOptions,
  simulateHistory,
} from './center/history.js';
export type {
  OutageOptions,
  OutageResult,
} from './center/outage.js';
export {
  OUTAGE_JOURNEY_ID,
  outageJourney,
  sendingHours,
} from './center/outageJourney.js';
export { generateText, type TextSource, TOPICS, type Topic, type Utterance } from './center/text.js';
export {
  type Arrival,
  drawTraffic,
  HOURLY_CURVE,
  type Person,
  type TrafficOptions,
} from './center/traffic.js';
export {
  type CompareOptions,
  type Comparison,
  type Configuration,
  compareConfigurations,
  diffReports,
  type KpiChange,
  kpisOf,
} from './compare.js';
export { hoursOf } from './day/helpers.js';
export { simulateDay } from './day/simulate.js';
export type {
  DayCounters,
  DayOptions,
  DayProgress,
  DayResult,
  DayTraffic,
  InteractionRecord,
  Outcome,
  TranscriptLine,
} from './day/types.js';
export type { CenterConfiguration } from './day/wiring.js';
export {
  type AttainmentCounts,
  type ClosedCasesFold,
  FOLDED_BREACH_ROWS,
  type FoldedBreach,
} from './report/caseFold.js';
export { buildDayReport } from './report/data.js';
export { OUTAGE_WINDOW_HOURS, type OutageGroupRow, type OutageReport } from './report/outage.js';
export { REPORTED_METRICS } from './report/sla.js';
export type {
  BreachRow,
  ChannelRow,
  ContactRow,
  DayReport,
  HourRow,
  IntervalRow,
  PerChannel,
  SpikeRow,
} from './report/types.js';
export { WAIT_BUCKETS } from './report/types.js';
export { localClock, SL_THRESHOLD_S } from './report/util.js';
export { defaultWorkflow, type TestbedOptions, type TestbedWorker } from './testbed/options.js';
export type {
  BotAnswer,
  Contact,
  CustomerMessage,
  Scenario,
  TransferTarget,
} from './testbed/scenario.js';
export { createTestbed, type Testbed } from './testbed/testbed.js';
