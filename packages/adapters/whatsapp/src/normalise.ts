import {
  type DeliveryState,
  type InboundChannelItem,
  InboundChannelItemSchema,
  type InboundMessage,
  type InboundStatus,
  issuesFromZod,
  ThreadlineError,
  validationError,
} from '@threadline/core';
import type { z } from 'zod';
import {
  type GraphError,
  MEDIA_TYPES,
  WhatsAppEnvelopeSchema,
  type WhatsAppMessage,
  WhatsAppMessageSchema,
  type WhatsAppStatus,
  WhatsAppStatusSchema,
  type WhatsAppValue,
  WhatsAppValueSchema,
} from './payload.js';

type Path = (string | number)[];

/** An error Meta reported in a webhook (`value.errors`, or on an unsupported message). */
export interface WhatsAppWebhookError {
  /** Graph error code, e.g. `131051` (unsupported message type). */
  code: number;
  title?: string;
  message?: string;
  details?: string;
  /** Where in the payload it was reported. */
  path: Path;
}

/** What one webhook delivery normalises to. */
export interface WhatsAppWebhookBatch {
  /** Messages and status updates, in payload order. */
  items: InboundChannelItem[];
  /** Errors Meta reported for the phone number or for messages it could not deliver to you. */
  errors: WhatsAppWebhookError[];
  /** Parts that are valid but not channel traffic (other change fields, unknown statuses), with why. */
  ignored: { path: Path; reason: string }[];
}

/** Options of {@link normaliseWhatsAppWebhook}. */
export interface WhatsAppNormaliseOptions {
  /**
   * Whether the sender's number is marked `verified` for identity resolution (default `true`:
   * WhatsApp verifies a number by code when the account is registered).
   */
  phoneVerified?: boolean;
}

/** Cloud API statuses mapped to core's delivery states (`played`: a voice message was played). */
export const WHATSAPP_STATUSES: Readonly<Record<string, DeliveryState>> = {
  sent: 'sent',
  delivered: 'delivered',
  read: 'read',
  played: 'read',
  failed: 'failed',
};

const decoder = new TextDecoder('utf-8', { fatal: true });

function parseAt<S extends z.ZodType>(schema: S, value: unknown, path: Path): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw validationError('WhatsApp webhook', issuesFromZod(result.error.issues, path));
  return result.data;
}

function readJson(body: unknown): unknown {
  if (typeof body !== 'string' && !(body instanceof Uint8Array)) return body;
  try {
    return JSON.parse(typeof body === 'string' ? body : decoder.decode(body)) as unknown;
  } catch (cause) {
    throw new ThreadlineError('VALIDATION', 'Invalid WhatsApp webhook: the body is not JSON', {
      issues: [{ path: [], message: 'expected a JSON body', code: 'invalid_json' }],
      cause,
    });
  }
}

function graphError(e: GraphError, path: Path): WhatsAppWebhookError {
  const out: WhatsAppWebhookError = { code: e.code, path };
  if (e.title !== undefined) out.title = e.title;
  if (e.message !== undefined) out.message = e.message;
  if (e.error_data?.details !== undefined) out.details = e.error_data.details;
  return out;
}

function finish(item: Record<string, unknown>, path: Path): InboundChannelItem {
  const result = InboundChannelItemSchema.safeParse(item);
  if (!result.success) throw validationError('WhatsApp webhook', issuesFromZod(result.error.issues, path));
  return result.data;
}

function message(
  m: WhatsAppMessage,
  value: WhatsAppValue,
  path: Path,
  options: WhatsAppNormaliseOptions,
): InboundChannelItem {
  const phoneNumberId = value.metadata.phone_number_id;
  const name = value.contacts?.find((c) => c.wa_id === m.from)?.profile?.name;
  const item: Record<string, unknown> = {
    kind: 'message',
    channel: 'whatsapp',
    provider: 'whatsapp',
    occurredAt: Number(m.timestamp) * 1000,
    providerMessageId: m.id,
    threadKey: `whatsapp:${phoneNumberId}:${m.from}`,
    from: {
      identities: [
        { kind: 'phone', value: `+${m.from}`, verified: options.phoneVerified ?? true, channel: 'whatsapp' },
      ],
      ...(name ? { displayName: name } : {}),
    },
    to: phoneNumberId,
    text: '',
    attachments: [],
    metadata: {
      type: m.type,
      displayPhoneNumber: value.metadata.display_phone_number,
      ...(m.context?.forwarded ? { forwarded: true } : {}),
      ...(m.errors ? { errors: m.errors.map((e) => graphError(e, [...path, 'errors'])) } : {}),
    } satisfies InboundMessage['metadata'],
  };
  if (m.context?.id) item.inReplyTo = m.context.id;
  if (m.text) item.text = m.text.body;
  for (const type of MEDIA_TYPES) {
    const media = m[type];
    if (!media) continue;
    (item.attachments as unknown[]).push({
      id: media.id,
      contentType: media.mime_type,
      ...(media.filename ? { filename: media.filename } : {}),
    });
    if (media.caption) item.text = media.caption;
  }
  if (m.location) {
    const { latitude, longitude, name: place, address } = m.location;
    item.location = {
      latitude,
      longitude,
      ...(place ? { name: place } : {}),
      ...(address ? { address } : {}),
    };
  }
  const reply = m.interactive?.button_reply ?? m.interactive?.list_reply;
  if (reply) {
    item.interactive = { id: reply.id, ...(reply.title !== undefined ? { title: reply.title } : {}) };
    item.text = reply.title ?? '';
  }
  if (m.button) {
    // A quick-reply button on a template: the payload is the id developers set.
    item.interactive = { id: m.button.payload || m.button.text, title: m.button.text };
    item.text = m.button.text;
  }
  if (m.reaction) {
    item.reaction = { emoji: m.reaction.emoji ?? '', toProviderMessageId: m.reaction.message_id };
  }
  return finish(item, path);
}

function status(s: WhatsAppStatus, value: WhatsAppValue, path: Path): InboundStatus {
  const state = WHATSAPP_STATUSES[s.status] as DeliveryState;
  const item: Record<string, unknown> = {
    kind: 'status',
    channel: 'whatsapp',
    provider: 'whatsapp',
    occurredAt: Number(s.timestamp) * 1000,
    providerMessageId: s.id,
    state,
    threadKey: s.recipient_id ? `whatsapp:${value.metadata.phone_number_id}:${s.recipient_id}` : undefined,
    metadata: {
      whatsappStatus: s.status,
      ...(s.conversation?.id ? { conversationId: s.conversation.id } : {}),
      ...(s.conversation?.origin?.type ? { conversationOrigin: s.conversation.origin.type } : {}),
      ...(s.pricing?.category ? { pricingCategory: s.pricing.category } : {}),
    },
  };
  if (item.threadKey === undefined) delete item.threadKey;
  if (s.recipient_id) item.to = s.recipient_id;
  const error = s.errors?.[0];
  if (error) {
    item.error = {
      code: `whatsapp:${error.code}`,
      message: error.error_data?.details ?? error.message ?? error.title ?? `WhatsApp error ${error.code}`,
    };
  } else if (state === 'failed') {
    item.error = { code: 'whatsapp:failed', message: 'WhatsApp reported the message as failed' };
  }
  return finish(item, path) as InboundStatus;
}

/**
 * Normalises a WhatsApp Cloud API webhook delivery (the parsed JSON, or its raw text or bytes)
 * into core items: every message of every `entry[].changes[].value` (text, image, audio, video,
 * document and sticker media ids, location, interactive button and list replies, template
 * button replies, reactions; an unsupported type is kept with its `errors`), every status
 * (`sent`, `delivered`, `read`, `failed` with Meta's error), and Meta's `errors`. Verify the
 * signature first (`verifyWebhook({ provider: 'meta' })` or {@link createWhatsAppWebhookHandler}).
 * Throws `ThreadlineError` `VALIDATION` with the path of the bad field, and nothing else.
 *
 * @example
 * ```ts
 * const { items } = normaliseWhatsAppWebhook(JSON.parse(rawBody));
 * for (const item of items) if (item.kind === 'status') await sender.applyStatus(item);
 * ```
 */
export function normaliseWhatsAppWebhook(
  body: unknown,
  options: WhatsAppNormaliseOptions = {},
): WhatsAppWebhookBatch {
  const envelope = parseAt(WhatsAppEnvelopeSchema, readJson(body), []);
  const batch: WhatsAppWebhookBatch = { items: [], errors: [], ignored: [] };
  envelope.entry.forEach((entry, e) => {
    entry.changes.forEach((change, c) => {
      const base: Path = ['entry', e, 'changes', c];
      if (change.field !== 'messages') {
        batch.ignored.push({
          path: [...base, 'field'],
          reason: `field ${change.field} is not channel traffic`,
        });
        return;
      }
      const valuePath = [...base, 'value'];
      const value = parseAt(WhatsAppValueSchema, change.value, valuePath);
      value.messages?.forEach((raw, i) => {
        const path = [...valuePath, 'messages', i];
        batch.items.push(message(parseAt(WhatsAppMessageSchema, raw, path), value, path, options));
      });
      value.statuses?.forEach((raw, i) => {
        const path = [...valuePath, 'statuses', i];
        const s = parseAt(WhatsAppStatusSchema, raw, path);
        if (!Object.hasOwn(WHATSAPP_STATUSES, s.status)) {
          batch.ignored.push({
            path: [...path, 'status'],
            reason: `status ${s.status} is not a delivery state`,
          });
          return;
        }
        batch.items.push(status(s, value, path));
      });
      value.errors?.forEach((error, i) => {
        batch.errors.push(graphError(error, [...valuePath, 'errors', i]));
      });
    });
  });
  return batch;
}
