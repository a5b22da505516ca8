// The wire protocol between the web chat server and its clients: JSON text frames. Kept free of
// runtime imports so the browser client can share the types.

/** Close codes the server uses; the client decides from them whether to reconnect. */
export const CLOSE_CODES = {
  /** Normal close by either side. */
  normal: 1000,
  /** The server is shutting down: reconnect later. */
  goingAway: 1001,
  /** A frame that is not the protocol. Do not reconnect with the same frames. */
  protocol: 4400,
  /** Bad or expired token: get a new token before reconnecting. */
  unauthorized: 4401,
  /** No `hello` in time. */
  helloTimeout: 4408,
  /** Another connection took over this session. Do not reconnect. */
  replaced: 4409,
  /** The client read too slowly: its buffered bytes passed the bound. Reconnect and resume. */
  slowConsumer: 4429,
  /** No pong to the heartbeat: the peer is presumed dead. */
  deadPeer: 4504,
} as const;

/** An attachment in a chat message (a reference: the host serves the bytes). */
export interface WireAttachment {
  url: string;
  contentType: string;
  filename?: string;
  size?: number;
}

/** Frames a client sends. */
export type ClientFrame =
  /** First frame: the token, and the last server sequence number the client has processed. */
  | { type: 'hello'; token: string; ack: number }
  /** A visitor's message; `id` is the client's, unique in the session (the dedupe key). */
  | { type: 'message'; id: string; text: string; attachments?: WireAttachment[] }
  | { type: 'typing'; state: 'started' | 'stopped' }
  /** Every server message up to `seq` was received. */
  | { type: 'ack'; seq: number }
  /** The visitor saw the server message `id`. */
  | { type: 'read'; id: string };

/** A message from the agent (or bot) to the visitor, numbered per session. */
export interface WireMessage {
  type: 'message';
  seq: number;
  id: string;
  at: number;
  text?: string;
  html?: string;
  attachments?: WireAttachment[];
  /** Display name of the author, when the host gives one. */
  author?: string;
}

/** Frames the server sends. */
export type ServerFrame =
  /** After a good `hello`: the session, and the sequence number the server will replay after. */
  | { type: 'welcome'; sessionId: string; visitorId: string; resumedAfter: number; heartbeatMs: number }
  | WireMessage
  /** The visitor's message `id` is stored: the client may forget it. */
  | { type: 'ack'; id: string }
  /** The agent is typing. */
  | { type: 'typing'; state: 'started' | 'stopped' }
  | { type: 'error'; code: string; message: string; id?: string };
