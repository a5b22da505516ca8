// @threadline/core/schemas — the domain model as zod schemas with inferred types.
export {
  type Agent,
  AgentSchema,
  ChannelCapacitySchema,
  PRESENCES,
  type Presence,
  PresenceSchema,
  SkillLevelSchema,
} from './agent.js';
export { type CaseRef, CaseRefSchema } from './caseRef.js';
export { CHANNELS, type Channel, ChannelSchema } from './channel.js';
export {
  AttributesSchema,
  DEFAULT_TENANT,
  type EntityBase,
  EntityBaseSchema,
  EpochMsSchema,
  IdSchema,
  TenantIdSchema,
} from './common.js';
export {
  CONVERSATION_STATUSES,
  type ContinuityPolicy,
  ContinuityPolicySchema,
  type Conversation,
  ConversationSchema,
  ConversationStatusSchema,
  type Participant,
  ParticipantSchema,
} from './conversation.js';
export { type Consent, ConsentSchema, type Customer, CustomerSchema } from './customer.js';
export {
  IDENTITY_KINDS,
  type Identity,
  type IdentityKind,
  IdentityKindSchema,
  IdentitySchema,
} from './identity.js';
export {
  type Attachment,
  AttachmentSchema,
  AUTHOR_KINDS,
  type AuthorKind,
  AuthorKindSchema,
  type Message,
  MessageSchema,
} from './message.js';
export { type Queue, QueueSchema } from './queue.js';
export { SIGNAL_KINDS, type Signal, SignalKindSchema, SignalSchema } from './signal.js';
export { TASK_STATUSES, type Task, TaskSchema, TaskStatusSchema } from './task.js';
