import { ThreadlineError } from '@threadline/core';
import { z } from 'zod';

/** Who wrote a message the bot sees. */
export type BotSpeaker = 'customer' | 'bot' | 'agent' | 'system';

/** One message of the conversation given to a {@link Bot}. */
export interface BotMessage {
  speaker: BotSpeaker;
  text: string;
  /** Epoch milliseconds. */
  at: number;
}

/** The conversation a {@link Bot} answers: its id, tenant, customer and messages (oldest first). */
export interface BotConversation {
  id: string;
  tenantId: string;
  customerId: string;
  /** BCP 47 tag, e.g. `fr`. */
  language?: string;
  messages: readonly BotMessage[];
}

/** What the flow tells a bot besides the conversation. */
export interface BotContext {
  /** Epoch milliseconds of this turn. */
  now: number;
  /** Aborted when the turn times out; a bot that does I/O should pass it on. */
  signal: AbortSignal;
  /** Anything the host adds (customer context, slots). */
  attributes: Readonly<Record<string, unknown>>;
}

/** An action a bot asks the host to perform (open a case, look up an order). */
export interface BotAction {
  type: string;
  params?: Record<string, unknown>;
}

/** Where an answer came from (an article of the knowledge base). */
export interface BotCitation {
  id: string;
  title: string;
  score: number;
}

/** A bot's answer to one turn. */
export interface BotReply {
  text?: string;
  actions?: BotAction[];
  /** 0–1: how sure the bot is that this answers the customer. */
  confidence: number;
  intent?: string;
  citations?: BotCitation[];
}

/**
 * The bot port: the host plugs in its own bot or LLM. `reply` is async; the flow bounds it with a
 * timeout and escalates to a person when it runs out.
 *
 * @example
 * ```ts
 * const echo: Bot = {
 *   id: 'echo',
 *   async reply(conversation) {
 *     const last = conversation.messages.at(-1)?.text ?? '';
 *     return { text: `You said: ${last}`, confidence: 0.9 };
 *   },
 * };
 * ```
 */
export interface Bot {
  /** Names the bot in handoff packets and events. */
  readonly id: string;
  reply(conversation: BotConversation, context: BotContext): Promise<BotReply>;
}

/** Zod schema for a {@link BotReply}: the flow checks every bot's answer with it. */
export const BotReplySchema = z
  .object({
    text: z.string().max(20_000).optional(),
    actions: z
      .array(
        z.object({ type: z.string().min(1), params: z.record(z.string(), z.unknown()).optional() }).strict(),
      )
      .optional(),
    confidence: z.number().min(0).max(1),
    intent: z.string().min(1).max(200).optional(),
    citations: z
      .array(z.object({ id: z.string().min(1), title: z.string(), score: z.number() }).strict())
      .optional(),
  })
  .strict();

/** Schedules a callback after `ms` milliseconds and returns a cancel function (core `TimerClock.setTimer`). */
export type SetTimer = (fn: () => void, ms: number) => () => void;

/**
 * Calls `bot.reply` bounded by `timeoutMs`: resolves with the validated reply, or rejects with a
 * `ThreadlineError` `TIMEOUT` (details `{ botId, timeoutMs }`) when the timer fires first, in
 * which case the context's signal is aborted. A reply that does not match {@link BotReplySchema}
 * rejects with `VALIDATION` and the field path; a throwing bot rejects with `ADAPTER` and the cause.
 *
 * @example
 * ```ts
 * const reply = await replyWithTimeout(bot, conversation, { now: 0, attributes: {} }, {
 *   timeoutMs: 5_000, setTimer: createSystemClock().setTimer,
 * });
 * ```
 */
export async function replyWithTimeout(
  bot: Bot,
  conversation: BotConversation,
  context: Omit<BotContext, 'signal'>,
  options: { timeoutMs: number; setTimer: SetTimer },
): Promise<BotReply> {
  const controller = new AbortController();
  let cancel: (() => void) | undefined;
  const timeout = new Promise<never>((_, reject) => {
    cancel = options.setTimer(() => {
      controller.abort();
      reject(
        new ThreadlineError('TIMEOUT', `Bot ${bot.id} did not reply within ${options.timeoutMs} ms`, {
          details: { botId: bot.id, timeoutMs: options.timeoutMs },
        }),
      );
    }, options.timeoutMs);
  });
  const call = (async () => {
    try {
      return await bot.reply(conversation, { ...context, signal: controller.signal });
    } catch (cause) {
      throw new ThreadlineError('ADAPTER', `Bot ${bot.id} failed to reply`, {
        cause,
        details: { botId: bot.id },
      });
    }
  })();
  try {
    const raw = await Promise.race([call, timeout]);
    const parsed = BotReplySchema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new ThreadlineError(
        'VALIDATION',
        `Bot ${bot.id} returned an invalid reply: ${issue?.message ?? ''}`,
        {
          issues: parsed.error.issues.map((i) => ({
            path: i.path.map((p) => (typeof p === 'symbol' ? String(p) : p)),
            message: i.message,
            code: i.code,
          })),
          details: { botId: bot.id },
        },
      );
    }
    return stripUndefined(parsed.data);
  } finally {
    cancel?.();
    // The losing promise must not surface as an unhandled rejection.
    call.catch(() => undefined);
    timeout.catch(() => undefined);
  }
}

function stripUndefined(reply: z.output<typeof BotReplySchema>): BotReply {
  const out: BotReply = { confidence: reply.confidence };
  if (reply.text !== undefined) out.text = reply.text;
  if (reply.actions !== undefined)
    out.actions = reply.actions.map((a) =>
      a.params === undefined ? { type: a.type } : { type: a.type, params: a.params },
    );
  if (reply.intent !== undefined) out.intent = reply.intent;
  if (reply.citations !== undefined) out.citations = reply.citations;
  return out;
}
