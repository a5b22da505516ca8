// Public surface of @threadline/adapter-webchat (the browser client is `@threadline/adapter-webchat/client`).
export { WEBCHAT_PERSONAL_DATA_OWNER, webchatPersonalData } from './personalData.js';
export {
  CLOSE_CODES,
  type ClientFrame,
  type ServerFrame,
  type WireAttachment,
  type WireMessage,
} from './protocol.js';
export { createWebchatSender, type WebchatSenderOptions } from './sender.js';
export {
  createWebchatServer,
  type WebchatDeliveryEvent,
  type WebchatServer,
  type WebchatServerOptions,
} from './server.js';
export { createVisitorToken, type TokenFailure, type VisitorClaims, verifyVisitorToken } from './token.js';
