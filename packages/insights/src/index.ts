// Public surface of @threadline/insights: explicit named re-exports only.

// --- numbers: staffing, KPIs, health, issue detection, streaming (insights-numbers) ---
export {
  CusumDetector,
  type CusumOptions,
  type CusumState,
  EwmaDetector,
  type EwmaOptions,
  type EwmaState,
} from './detect/controlCharts.js';
export { type BhResult, benjaminiHochberg } from './detect/multipleTesting.js';
export {
  logGamma,
  negativeBinomialUpperTail,
  poissonUpperTail,
  regularizedBeta,
  regularizedGammaP,
  regularizedGammaQ,
} from './detect/special.js';
export {
  type SpikeAlert,
  SpikeDetector,
  type SpikeDetectorKind,
  type SpikeDetectorOptions,
  type SpikeDetectorState,
  type TopicStateJson,
} from './detect/spikeDetector.js';
export {
  createHealthModel,
  type FactorContribution,
  type FactorDirection,
  type HealthBand,
  type HealthBands,
  type HealthFactor,
  type HealthModel,
  type HealthModelConfig,
  type HealthScore,
  type HealthTrend,
} from './health/model.js';
export { healthTrend, type ScorePoint, type ScoreTrend } from './health/trend.js';
export { type BacklogOptions, type BacklogResult, backlog, type WorkItem } from './kpi/backlog.js';
export { type Contact, type FcrOptions, type FcrResult, fcr } from './kpi/fcr.js';
export { type AhtResult, aht, type HandledInteraction, type HandleTimeComponent } from './kpi/handleTime.js';
export { type AgentActivity, type OccupancyOptions, occupancy } from './kpi/occupancy.js';
export {
  type AbandonmentOptions,
  type AsaOptions,
  abandonmentRate,
  asa,
  type QueuedContact,
  type QueueKpiResult,
  type ServiceLevelFormula,
  type ServiceLevelOptions,
  serviceLevel,
} from './kpi/queue.js';
export type { KpiResult } from './kpi/result.js';
export {
  type SlaAttainmentOptions,
  type SlaAttainmentResult,
  type SlaRecord,
  slaAttainment,
} from './kpi/slaAttainment.js';
export {
  type CesOptions,
  type CsatOptions,
  ces,
  csat,
  type NpsResult,
  nps,
  type SurveyResponse,
} from './kpi/survey.js';
export { healthSignal, type SignalDeps, spikeSignal } from './signals.js';
export {
  type ErlangABasis,
  type ErlangAInput,
  type ErlangAResult,
  erlangA,
} from './staffing/erlangA.js';
export { type ErlangBInput, type ErlangBResult, erlangB } from './staffing/erlangB.js';
export { type ErlangCInput, type ErlangCResult, erlangC } from './staffing/erlangC.js';
export type { LoadInput } from './staffing/load.js';
export {
  type RequiredAgentsInput,
  type RequiredAgentsResult,
  requiredAgents,
  type StaffingModel,
} from './staffing/requiredAgents.js';
export {
  type ForecastInterval,
  type StaffingPlan,
  type StaffingPlanInput,
  type StaffingPlanInterval,
  staffingPlan,
} from './staffing/staffingPlan.js';
export {
  type HealthReading,
  InsightsStream,
  type InsightsStreamOptions,
  type InsightsStreamState,
  type SignalDetectedEvent,
} from './stream.js';
// --- end numbers ---
