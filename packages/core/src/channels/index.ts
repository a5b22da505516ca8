// @threadline/core/channels — normalised inbound traffic, the ChannelSender port, delivery records.
export {
  applyDeliveryState,
  DELIVERY_STATES,
  type DeliveryRecord,
  DeliveryRecordSchema,
  type DeliveryState,
  DeliveryStateSchema,
  type DeliveryTransition,
} from './delivery.js';
export { createSendGuard, type QuietHoursOptions, type SendGuardOptions } from './guard.js';
export {
  CONVERSATION_EVENT_TYPES,
  ConversationEventTypeSchema,
  type InboundAttachment,
  InboundAttachmentSchema,
  type InboundChannelItem,
  InboundChannelItemSchema,
  type InboundConversationEvent,
  InboundConversationEventSchema,
  type InboundMessage,
  type InboundMessageInput,
  InboundMessageSchema,
  InboundSenderSchema,
  type InboundStatus,
  InboundStatusSchema,
} from './inbound.js';
export {
  createJsonNormaliser,
  type InboundChannelItemInput,
  inboundDedupeKey,
  type JsonNormalised,
  type JsonNormaliser,
  type JsonNormaliserOptions,
} from './jsonNormaliser.js';
export {
  type BeginResult,
  createDeliveryLedger,
  type DeliveryLedger,
  type DeliveryLedgerOptions,
} from './ledger.js';
export {
  type ChannelSender,
  OutboundAttachmentSchema,
  OutboundContentSchema,
  type ParsedSendRequest,
  type SendDecision,
  type SendGuard,
  type SendRequest,
  SendRequestSchema,
} from './sender.js';
