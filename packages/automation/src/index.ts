// @threadline/automation — bots that answer first, rules that act.
export {
  type Bot,
  type BotAction,
  type BotCitation,
  type BotContext,
  type BotConversation,
  type BotMessage,
  type BotReply,
  BotReplySchema,
  type BotSpeaker,
  replyWithTimeout,
  type SetTimer,
} from './bots/bot.js';
export {
  type BotFlow,
  BotFlowConfigSchema,
  type BotFlowEvent,
  type BotFlowOptions,
  type ConversationOwner,
  type ConversationStart,
  ConversationStartSchema,
  createBotFlow,
  type EscalationTrigger,
  type SentimentProvider,
  type SentimentSignal,
  type TurnOutcome,
} from './bots/flow.js';
export {
  type Article,
  ArticleSchema,
  createRetrievalBot,
  type QuestionUnansweredEvent,
  type QuestionUnansweredPayload,
  type RetrievalBot,
  RetrievalBotConfigSchema,
  type RetrievalBotOptions,
} from './bots/retrievalBot.js';
export {
  JourneyContentSchema,
  type JourneyDefinition,
  JourneyDefinitionSchema,
  JourneyGoalSchema,
  type JourneyQuietHours,
  JourneyQuietHoursSchema,
  JourneyReentrySchema,
  JourneySplitSchema,
  type JourneyStep,
  JourneyStepSchema,
  JourneyTriggerSchema,
  type ParsedJourneyDefinition,
  type ParsedJourneyStep,
} from './journeys/definition.js';
export {
  createJourneyEngine,
  type JourneyEngine,
  JourneyEngineConfigSchema,
  type JourneyEngineOptions,
  type JourneyEngineStats,
  type JourneyInstanceView,
} from './journeys/engine.js';
export type { JourneyEvent, JourneyEventBase } from './journeys/events.js';
export type { JourneyExitReason } from './journeys/instances.js';
export type {
  AddressResolver,
  ChannelSkipReason,
  EntryRefusal,
  JourneyHandleResult,
} from './journeys/outcomes.js';
export {
  JOURNEY_COLLECTION,
  type JourneyInstanceDocument,
} from './journeys/persistence.js';
export { assignJourneyGroup, type JourneyAssignment } from './journeys/split.js';
export type {
  ActionContext,
  ActionHandler,
  ActionHandlers,
  RenderedAction,
} from './rules/actions.js';
export {
  type AutomationEngine,
  AutomationEngineConfigSchema,
  type AutomationEngineOptions,
  type AutomationEvent,
  type AutomationRun,
  createAutomationEngine,
  type SkipReason,
} from './rules/engine.js';
export {
  type AutomationAction,
  AutomationActionSchema,
  type AutomationActionType,
  type AutomationRule,
  AutomationRuleSchema,
  type ParsedAutomationRule,
} from './rules/rule.js';
export { renderTemplate } from './rules/template.js';
