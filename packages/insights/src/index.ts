// Public surface of @threadline/insights: explicit named re-exports only.

// --- end numbers ---
// --- text signals, classifier, QA and knowledge (insights-text) ---
export {
  type ClassifierJSON,
  type ClassifierPrediction,
  loadClassifier,
  type TextClassifier,
  type TrainClassifierOptions,
  TrainClassifierOptionsSchema,
  type TrainingExample,
  trainClassifier,
} from './classifier/classifier.js';
export {
  type CrossValidateOptions,
  type CrossValidation,
  crossValidate,
} from './classifier/crossValidate.js';
export { type ClassMetrics, evaluateLabels, type LabelEvaluation } from './classifier/metrics.js';
export {
  createTaxonomyClassifier,
  type Taxonomy,
  type TaxonomyClassifier,
  type TaxonomyMatch,
  type TaxonomyPrediction,
  TaxonomySchema,
} from './classifier/taxonomy.js';
// --- numbers: staffing, KPIs, health, issue detection, streaming (insights-numbers) ---
export {
  CusumDetector,
  type CusumOptions,
  type CusumState,
  createCusumDetector,
  createEwmaDetector,
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
  createSpikeDetector,
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
export {
  type BotSessionEvent,
  type KnowledgeFromEventsOptions,
  knowledgeConversationsFromEvents,
} from './knowledge/fromEvents.js';
export {
  type ArticleDeflection,
  analyzeKnowledgeGaps,
  type KnowledgeConversation,
  KnowledgeConversationSchema,
  type KnowledgeGap,
  type KnowledgeGapOptions,
  KnowledgeGapOptionsSchema,
  type KnowledgeReport,
  type UnresolvedReason,
} from './knowledge/knowledgeGaps.js';
export { type KnowledgeSignalOptions, knowledgeSignals } from './knowledge/signals.js';
export { type BacklogOptions, type BacklogResult, backlog, type WorkItem } from './kpi/backlog.js';
export {
  type BotContainmentOptions,
  type BotContainmentResult,
  botContainment,
} from './kpi/botContainment.js';
export { type Contact, type FcrOptions, type FcrResult, fcr } from './kpi/fcr.js';
export { type AhtResult, aht, type HandledInteraction, type HandleTimeComponent } from './kpi/handleTime.js';
export {
  type ExperimentEvent,
  type JourneyDeflectionResult,
  type JourneyExperimentOptions,
  type JourneyExperimentResult,
  journeyConversion,
  journeyDeflection,
} from './kpi/journeyExperiment.js';
export { type AgentActivity, type OccupancyOptions, occupancy } from './kpi/occupancy.js';
export { type ProportionGroup, type TwoProportionResult, twoProportionTest } from './kpi/proportions.js';
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
export {
  type AnalyzeQaOptions,
  analyzeQa,
  type PiiDetector,
  type QaCheckResult,
  type QaComplianceResult,
  type QaEvidence,
  QaOptionsSchema,
  type QaPiiLeak,
  type QaResponse,
  type QaResponseTimes,
  type QaSignals,
} from './qa/analyzeQa.js';
export { DEFAULT_QA_PHRASES, QA_CHECKS, type QaCheckName } from './qa/checks.js';
export {
  type QaCriterionResult,
  type QaRubric,
  QaRubricSchema,
  type QaScorecardResult,
  scoreQaRubric,
} from './qa/rubric.js';
export {
  type HealthEvidence,
  type HealthSignal,
  healthSignal,
  type InsightsSignal,
  type SignalDeps,
  type SpikeEvidence,
  type SpikeSignal,
  spikeSignal,
} from './signals.js';
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
  createInsightsStream,
  type HealthReading,
  InsightsStream,
  type InsightsStreamEvent,
  type InsightsStreamOptions,
  type InsightsStreamState,
  type PublishFailedEvent,
  type PublishFailedPayload,
  type SignalDetectedEvent,
} from './stream.js';
export {
  type AnalyzeConversationOptions,
  analyzeConversation,
  type ConversationOutcome,
  type ConversationSentiment,
  type MessageSentiment,
  type SpeakerTrajectory,
  type TurningPoint,
} from './text/conversation.js';
export { type ConversationMessage, ConversationMessageSchema, type Speaker } from './text/messages.js';
export { createPhraseMatcher, type PhraseMatch, type PhraseMatcher } from './text/phraseMatcher.js';
export {
  analyzeSentiment,
  createSentimentAnalyzer,
  type EvidenceKind,
  type SentimentAnalyzer,
  type SentimentEvidence,
  type SentimentLabel,
  type SentimentOptions,
  SentimentOptionsSchema,
  type SentimentResult,
} from './text/sentiment.js';
export { type Token, type TokenKind, tokenize } from './text/tokenizer.js';
// --- end insights-text ---
