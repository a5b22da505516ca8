// Public surface of @threadline/insights: explicit named re-exports only.

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
  type AnalyzeConversationOptions,
  analyzeConversation,
  type ConversationOutcome,
  type ConversationSentiment,
  type MessageSentiment,
  type SpeakerTrajectory,
  type TurningPoint,
} from './text/conversation.js';
export { type ParseCsvOptions, parseCsv } from './text/csv.js';
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
