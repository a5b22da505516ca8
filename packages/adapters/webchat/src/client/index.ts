// Public surface of @threadline/adapter-webchat/client — the browser client.

export { CLOSE_CODES, type ServerFrame, type WireAttachment, type WireMessage } from '../protocol.js';
export {
  createWebchatClient,
  type WebchatClient,
  type WebchatClientOptions,
  type WebchatClientState,
  type WebSocketConstructor,
  type WebSocketLike,
} from './client.js';
