import { type DurationInput, DurationSchema, parseInput } from '@threadline/core';
import { z } from 'zod';
import { EventListSchema } from '../eventInput.js';
import type { ExperimentEvent } from './journeyExperiment.js';
import { InstantSchema, type KpiResult, ratio } from './result.js';

/** Options of {@link botContainment}. */
export interface BotContainmentOptions {
  /**
   * A customer who contacts again within this long after a bot session's last event was not
   * contained (ms or `{ days, … }`). Default 7 days.
   */
  repeatWindow?: DurationInput;
  /**
   * Event types (or `prefix.*` patterns) that also count as the customer coming back, read with
   * `payload.customerId` (e.g. `conversation.started`, `case.opened`). A later bot session always
   * counts.
   */
  contactTypes?: string[];
  /** Sessions whose repeat window is still open at this instant are pending, left out. */
  asOf?: number | Date;
  tenantId?: string;
  includeIds?: boolean;
}

/** Result of {@link botContainment}: contained sessions over measured sessions. Ids are conversation ids. */
export type BotContainmentResult = KpiResult<
  'numerator' | 'denominator' | 'handedOff' | 'repeated' | 'pending'
> & {
  /** Sessions handed to a person. */
  handedOff: number;
  /** Sessions the bot kept but whose customer came back within the window. */
  repeated: number;
  /** Sessions whose window had not closed by `asOf`. */
  pending: number;
};

const Schema = z
  .object({
    repeatWindow: DurationSchema.optional(),
    contactTypes: z.array(z.string().min(1)).optional(),
    asOf: InstantSchema.optional(),
    tenantId: z.string().min(1).optional(),
    includeIds: z.boolean().optional(),
  })
  .strict();

interface Session {
  conversationId: string;
  customerId: string | undefined;
  start: number;
  end: number;
  handedOff: boolean;
}

function matches(patterns: readonly string[], type: string): boolean {
  for (const p of patterns)
    if (p === type || (p.endsWith('.*') && type.startsWith(p.slice(0, -1)))) return true;
  return false;
}

/**
 * Bot containment rate from the bot-first flow's events (`bot.replied`, `bot.handed_off`,
 * `bot.handed_back`, grouped by `payload.conversationId`): the share of bot sessions resolved
 * without a person — never handed off — **and** not followed by another contact from the same
 * customer (`payload.customerId`) within `repeatWindow` of the session's last bot event: a
 * customer who comes back was not really helped. A session without a customer id cannot be
 * checked for repeats and counts on the hand-off alone.
 *
 * @example
 * ```ts
 * const r = botContainment(events, { repeatWindow: { days: 3 }, contactTypes: ['conversation.started'], asOf: now });
 * r.value; // e.g. 0.62
 * r.handedOff; r.repeated;
 * ```
 */
export function botContainment(
  events: readonly ExperimentEvent[],
  options: BotContainmentOptions = {},
): BotContainmentResult {
  const o = parseInput(Schema, options, 'botContainment options');
  const list = parseInput(EventListSchema, events, 'botContainment events');
  const window = o.repeatWindow ?? 7 * 86_400_000;
  const sessions = new Map<string, Session>();
  const contacts = new Map<string, number[]>();
  const addContact = (customerId: string, at: number) => {
    let l = contacts.get(customerId);
    if (l === undefined) contacts.set(customerId, (l = []));
    l.push(at);
  };
  for (const e of list) {
    if (o.tenantId !== undefined && (e.tenantId ?? 'default') !== o.tenantId) continue;
    const p = (e.payload ?? {}) as { conversationId?: unknown; customerId?: unknown };
    const customerId = typeof p.customerId === 'string' ? p.customerId : undefined;
    if (e.type === 'bot.replied' || e.type === 'bot.handed_off' || e.type === 'bot.handed_back') {
      if (typeof p.conversationId !== 'string') continue;
      let s = sessions.get(p.conversationId);
      if (s === undefined) {
        s = {
          conversationId: p.conversationId,
          customerId,
          start: e.occurredAt,
          end: e.occurredAt,
          handedOff: false,
        };
        sessions.set(p.conversationId, s);
      }
      s.start = Math.min(s.start, e.occurredAt);
      s.end = Math.max(s.end, e.occurredAt);
      s.customerId ??= customerId;
      if (e.type === 'bot.handed_off') s.handedOff = true;
    } else if (customerId !== undefined && o.contactTypes !== undefined && matches(o.contactTypes, e.type)) {
      addContact(customerId, e.occurredAt);
    }
  }
  // Every bot session's start is a contact too.
  for (const s of sessions.values()) if (s.customerId !== undefined) addContact(s.customerId, s.start);

  const ids = {
    numerator: [] as string[],
    denominator: [] as string[],
    handedOff: [] as string[],
    repeated: [] as string[],
    pending: [] as string[],
  };
  let handedOff = 0;
  let repeated = 0;
  let pending = 0;
  let contained = 0;
  let measured = 0;
  for (const s of sessions.values()) {
    if (o.asOf !== undefined && s.end + window > o.asOf && !s.handedOff) {
      pending++;
      ids.pending.push(s.conversationId);
      continue;
    }
    measured++;
    ids.denominator.push(s.conversationId);
    if (s.handedOff) {
      handedOff++;
      ids.handedOff.push(s.conversationId);
      continue;
    }
    const again =
      s.customerId !== undefined &&
      (contacts.get(s.customerId) ?? []).some((t) => t > s.end && t <= s.end + window);
    if (again) {
      repeated++;
      ids.repeated.push(s.conversationId);
      continue;
    }
    contained++;
    ids.numerator.push(s.conversationId);
  }
  return {
    ...ratio(contained, measured, o.includeIds ? ids : undefined),
    handedOff,
    repeated,
    pending,
  };
}
