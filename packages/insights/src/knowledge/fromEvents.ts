import { parseInput } from '@threadline/core';
import { z } from 'zod';
import { EventListSchema } from '../eventInput.js';
import type { KnowledgeConversation } from './knowledgeGaps.js';

/** The event fields {@link knowledgeConversationsFromEvents} reads (any event envelope has them). */
export interface BotSessionEvent {
  id: string;
  type: string;
  occurredAt: number;
  tenantId?: string;
  payload: unknown;
}

/** Options of {@link knowledgeConversationsFromEvents}. */
export interface KnowledgeFromEventsOptions {
  /** Only this tenant's events (default: all; conversations of different tenants stay apart). */
  tenantId?: string;
}

const OptionsSchema = z.object({ tenantId: z.string().min(1).optional() }).strict();

interface Building {
  id: string;
  /** `at \u0000 text` of each customer message, to merge the same message seen twice. */
  seen: Set<string>;
  messages: { speaker: 'customer'; text: string; at: number }[];
  botConfidences: number[];
  escalated: boolean;
}

function confidenceOf(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 && value <= 1 ? value : undefined;
}

/**
 * The knowledge-gap detector's input, read from bot events alone (no import of the package that
 * publishes them): one conversation per `payload.conversationId` (and tenant), in first-seen order.
 *
 * - `bot.question_unanswered` (the retrieval bot could not answer): the `question` is a customer
 *   message (at `payload.knowledge.messages[0].at`, else the event's time), its `confidence` a bot
 *   confidence;
 * - `bot.replied`: its `confidence` is a bot confidence;
 * - `bot.handed_off`: the conversation was escalated; the customer messages of the handoff packet's
 *   transcript (`payload.packet.transcript`, core `{ author: { kind }, body, at }`) join the
 *   conversation's messages.
 *
 * The same customer message seen twice (a question, then the transcript holding it) counts once;
 * messages are sorted by time. Sessions without a customer message (only `bot.replied`) are left
 * out: there is no question to cluster. Feed the result to {@link analyzeKnowledgeGaps}.
 *
 * @example
 * ```ts
 * const report = analyzeKnowledgeGaps(knowledgeConversationsFromEvents(events));
 * report.gaps.map((g) => g.topic);
 * ```
 */
export function knowledgeConversationsFromEvents(
  events: readonly BotSessionEvent[],
  options: KnowledgeFromEventsOptions = {},
): KnowledgeConversation[] {
  const o = parseInput(OptionsSchema, options, 'knowledgeConversationsFromEvents options');
  const list = parseInput(EventListSchema, events, 'knowledgeConversationsFromEvents events');
  const byKey = new Map<string, Building>();
  const customerMessage = (b: Building, text: unknown, at: unknown) => {
    if (typeof text !== 'string' || text.trim().length === 0) return;
    if (typeof at !== 'number' || !Number.isFinite(at)) return;
    const key = `${at}\u0000${text}`;
    if (b.seen.has(key)) return;
    b.seen.add(key);
    b.messages.push({ speaker: 'customer', text, at });
  };
  for (const e of list) {
    if (e.type !== 'bot.question_unanswered' && e.type !== 'bot.replied' && e.type !== 'bot.handed_off')
      continue;
    const tenantId = e.tenantId ?? 'default';
    if (o.tenantId !== undefined && tenantId !== o.tenantId) continue;
    const p = (e.payload ?? {}) as Record<string, unknown>;
    const conversationId = p['conversationId'];
    if (typeof conversationId !== 'string' || conversationId.length === 0) continue;
    const key = `${tenantId}\u0000${conversationId}`;
    let b = byKey.get(key);
    if (b === undefined) {
      b = { id: conversationId, seen: new Set(), messages: [], botConfidences: [], escalated: false };
      byKey.set(key, b);
    }
    if (e.type === 'bot.question_unanswered') {
      // When the customer asked (the payload's knowledge message), else when the event occurred.
      const knowledge = p['knowledge'] as { messages?: { at?: unknown }[] } | undefined;
      const asked = knowledge?.messages?.[0]?.at;
      customerMessage(b, p['question'], typeof asked === 'number' ? asked : e.occurredAt);
      const c = confidenceOf(p['confidence']);
      if (c !== undefined) b.botConfidences.push(c);
    } else if (e.type === 'bot.replied') {
      const c = confidenceOf(p['confidence']);
      if (c !== undefined) b.botConfidences.push(c);
    } else {
      b.escalated = true;
      const packet = p['packet'] as { transcript?: unknown } | undefined;
      if (Array.isArray(packet?.transcript)) {
        for (const m of packet.transcript as {
          author?: { kind?: unknown };
          body?: unknown;
          at?: unknown;
        }[]) {
          if (m?.author?.kind === 'customer') customerMessage(b, m.body, m.at);
        }
      }
    }
  }
  const out: KnowledgeConversation[] = [];
  for (const b of byKey.values()) {
    if (b.messages.length === 0) continue;
    b.messages.sort((x, y) => x.at - y.at);
    out.push({ id: b.id, messages: b.messages, escalated: b.escalated, botConfidences: b.botConfidences });
  }
  return out;
}
