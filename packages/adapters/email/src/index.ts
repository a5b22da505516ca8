// Public surface of @threadline/adapter-email.
export type { AttachmentFile, AttachmentSink } from './attachments.js';
export {
  type MailgunEventOptions,
  type MailgunInboundOptions,
  parseMailgunEvent,
  parseMailgunInbound,
} from './inbound/mailgun.js';
export type { FormLimits } from './inbound/multipart.js';
export {
  type PostmarkInboundOptions,
  parsePostmarkInbound,
} from './inbound/postmark.js';
export { parseSendGridInbound, type SendGridInboundOptions } from './inbound/sendgrid.js';
export type { InboundWebhookRequest } from './inbound/webhook.js';
export { type ParseEmailOptions, parseEmail } from './parse.js';
export { splitReply, stripQuotedReply } from './quoted.js';
export type { RetryPolicy } from './retry.js';
export { isSentFromLine, type SignatureSplit, splitSignature } from './signature.js';
export { createSmtpSender, type SmtpSenderOptions } from './smtpSender.js';
