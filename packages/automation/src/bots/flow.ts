import {
  buildHandoffPacket,
  type Clock,
  createEvent,
  type EventBus,
  type EventEnvelope,
  type HandoffPacket,
  type IdGenerator,
  isThreadlineError,
  parseInput,
  resolveBusOption,
  ThreadlineError,
} from '@threadline/core';
import { createPersonRequestDetector, type PersonRequestDetector } from '@threadline/routing';
import { z } from 'zod';
import { type Bot, type BotMessage, type BotReply, replyWithTimeout, type SetTimer } from './bot.js';

/** What a sentiment signal provider returns: a score from −1 (very negative) to 1, or nothing. */
export type SentimentSignal = number | { score: number } | undefined;

/**
 * A pluggable sentiment signal: reads the customer's message (and the conversation so far) and
 * returns a score in [−1, 1]. Insights' sentiment analyser fits; so does a host's own model.
 */
export type SentimentProvider = (
  text: string,
  context: { conversationId: string; messages: readonly BotMessage[] },
) => SentimentSignal | Promise<SentimentSignal>;

/** Why the flow handed a conversation to a person. */
export type EscalationTrigger =
  | 'customer_request'
  | 'negative_sentiment'
  | 'low_confidence'
  | 'loop_intent'
  | 'loop_repeat'
  | 'timeout'
  | 'bot_error';

const REASON_OF: Record<EscalationTrigger, HandoffPacket['reason']['code']> = {
  customer_request: 'customer_request',
  negative_sentiment: 'negative_sentiment',
  low_confidence: 'low_confidence',
  loop_intent: 'escalation',
  loop_repeat: 'escalation',
  timeout: 'timeout',
  bot_error: 'other',
};

/** Zod schema for the flow's configuration (everything but the injected ports). */
export const BotFlowConfigSchema = z
  .object({
    /** A bot turn longer than this escalates with `timeout`. Default 10 s. */
    timeoutMs: z.number().int().positive().max(600_000).default(10_000),
    /** A reply below this confidence escalates with `low_confidence`. Default 0.5. */
    minConfidence: z.number().min(0).max(1).default(0.5),
    /** A customer message scoring at or below this escalates with `negative_sentiment`. Default −0.5. */
    negativeSentiment: z.number().min(-1).max(1).default(-0.5),
    /** This many consecutive replies with the same intent escalate with `loop_intent`. Default 3. */
    sameIntentLimit: z.number().int().min(2).max(100).default(3),
    /** Where handoffs go: a queue id and the skills the person needs. */
    target: z
      .object({
        queueId: z.string().min(1).optional(),
        skills: z
          .array(
            z
              .object({ name: z.string().min(1), minLevel: z.number().int().min(0).max(10).optional() })
              .strict(),
          )
          .default([]),
      })
      .strict()
      .default({ skills: [] }),
    /** Messages kept in the handoff packet's transcript. Default 20. */
    transcriptWindow: z.number().int().min(0).max(500).default(20),
  })
  .strict();

/** Options for {@link createBotFlow}. */
export type BotFlowOptions = z.input<typeof BotFlowConfigSchema> & {
  bot: Bot;
  clock: Clock;
  ids: IdGenerator;
  /** Schedules the turn timeout (core `TimerClock.setTimer`; tests pass a manual one). */
  setTimer: SetTimer;
  bus?: EventBus;
  /** Decides whether the customer asks for a person (default: routing's multilingual detector). */
  personRequestDetector?: PersonRequestDetector;
  sentiment?: SentimentProvider;
  /** Delivers the packet to people (e.g. `routing.requestHandoff(taskId, packet)`); a throw cancels the handoff. */
  onHandoff?: (packet: HandoffPacket) => void | Promise<void>;
};

/** Zod schema for {@link ConversationStart}. */
export const ConversationStartSchema = z
  .object({
    conversationId: z.string().min(1).max(200),
    customerId: z.string().min(1).max(200),
    tenantId: z.string().min(1).max(200).default('default'),
    language: z.string().min(1).max(35).optional(),
    identity: z
      .object({
        confidence: z.number().min(0).max(1),
        verified: z.boolean(),
        evidence: z.array(z.string().min(1)).default([]),
      })
      .strict()
      .default({ confidence: 0, verified: false, evidence: [] }),
  })
  .strict();

/** A conversation the flow starts owning (the bot answers first). */
export type ConversationStart = z.input<typeof ConversationStartSchema>;

/** Who owns a conversation: the bot, or a person (with the packet that handed it over). */
export type ConversationOwner = { kind: 'bot' } | { kind: 'person'; packet: HandoffPacket };

/** What a customer message led to. */
export type TurnOutcome =
  | { kind: 'replied'; reply: BotReply }
  | { kind: 'handed_off'; trigger: EscalationTrigger; packet: HandoffPacket }
  | { kind: 'muted' };

/** Events the flow publishes. */
export type BotFlowEvent =
  | EventEnvelope<
      'bot.replied',
      {
        conversationId: string;
        customerId: string;
        botId: string;
        text?: string;
        confidence: number;
        intent?: string;
      }
    >
  | EventEnvelope<
      'bot.handed_off',
      { conversationId: string; customerId: string; trigger: EscalationTrigger; packet: HandoffPacket }
    >
  | EventEnvelope<
      'bot.handed_back',
      { conversationId: string; customerId: string; agentId: string; packet: HandoffPacket }
    >;

interface Session {
  start: z.output<typeof ConversationStartSchema>;
  messages: BotMessage[];
  owner: ConversationOwner;
  intents: string[];
  lastReplyText: string | undefined;
  version: number;
  queue: Promise<unknown>;
}

const MessageInputSchema = z.object({ text: z.string().max(20_000) }).strict();

/** The bot-first flow on conversations (see {@link createBotFlow}). */
export interface BotFlow {
  /** Starts a conversation with the bot as owner. Starting a known id is a `CONFLICT`. */
  start(conversation: ConversationStart): void;
  /**
   * A customer message: the bot answers, or the flow hands off, or (a person owns it) stays muted.
   * Rejects with `NOT_FOUND` for an unknown conversation, `VALIDATION` for a bad message.
   */
  customerMessage(conversationId: string, message: { text: string }): Promise<TurnOutcome>;
  /** A message from the person who owns the conversation (kept in the transcript). */
  agentMessage(conversationId: string, message: { text: string }): void;
  /** The person returns the conversation to the bot; the packet travels back. */
  handBack(conversationId: string, input: { agentId: string; note?: string }): HandoffPacket;
  /** Who owns the conversation. */
  owner(conversationId: string): ConversationOwner;
  /** The conversation's messages, oldest first. */
  messages(conversationId: string): readonly BotMessage[];
  /** Forgets a finished conversation (its state is released; the id may be started again). */
  end(conversationId: string): void;
}

/**
 * The bot-first flow: the bot answers each customer message until the customer asks for a person
 * (routing's multilingual detector, or an injected one), a message's sentiment is at or below
 * `negativeSentiment`, a reply's confidence is below `minConfidence`, the bot loops (the same
 * intent `sameIntentLimit` times in a row, or the same text as its previous reply), the reply
 * times out or the bot fails. Then a core handoff packet (transcript window, intent, sentiment,
 * target, identity) goes to `onHandoff` and the bot is muted until the person hands it back.
 *
 * @example
 * ```ts
 * const flow = createBotFlow({
 *   bot, clock, ids, setTimer: createSystemClock().setTimer,
 *   target: { queueId: 'support' },
 *   onHandoff: (packet) => { routing.requestHandoff(taskId, packet); },
 * });
 * flow.start({ conversationId: 'conv-1', customerId: 'cus-1' });
 * const outcome = await flow.customerMessage('conv-1', { text: 'I want to talk to a human' });
 * outcome.kind; // 'handed_off'
 * ```
 */
export function createBotFlow(options: BotFlowOptions): BotFlow {
  const {
    bot,
    clock,
    ids,
    setTimer,
    bus: given,
    personRequestDetector,
    sentiment,
    onHandoff,
    ...raw
  } = options;
  const config = parseInput(BotFlowConfigSchema, raw, 'bot flow options', 'CONFIG');
  // Core's bus check; the flow only publishes (no storage: it publishes itself).
  const bus = resolveBusOption<EventBus>('bot flow', given, { port: 'EventPublisher' }).publishTo;
  const detector = personRequestDetector ?? createPersonRequestDetector();
  const sessions = new Map<string, Session>();

  function session(id: string): Session {
    const s = sessions.get(id);
    if (s === undefined)
      throw new ThreadlineError('NOT_FOUND', `Unknown conversation ${id}`, {
        details: { conversationId: id },
      });
    return s;
  }

  async function publish(
    s: Session,
    event: Omit<Parameters<typeof createEvent>[1], 'version' | 'aggregateId' | 'aggregateType' | 'tenantId'>,
  ): Promise<void> {
    s.version += 1;
    const envelope = createEvent(
      { clock, ids },
      {
        ...event,
        version: s.version,
        aggregateId: s.start.conversationId,
        aggregateType: 'bot_session',
        tenantId: s.start.tenantId,
      },
    );
    // A failing bus must not undo a turn that already happened.
    if (bus !== undefined) await bus.publish(envelope).catch(() => undefined);
  }

  function packet(
    s: Session,
    from: HandoffPacket['from'],
    to: HandoffPacket['to'],
    code: HandoffPacket['reason']['code'],
    note: string | undefined,
    extra: { intent?: string; confidence?: number; sentiment?: number; trigger?: string },
  ): HandoffPacket {
    const input: Parameters<typeof buildHandoffPacket>[0] = {
      tenantId: s.start.tenantId,
      conversationId: s.start.conversationId,
      customerId: s.start.customerId,
      from,
      to,
      reason: note === undefined ? { code } : { code, note },
      transcript: s.messages.map((m) => ({ author: { kind: m.speaker }, body: m.text, at: m.at })),
      target:
        config.target.queueId === undefined
          ? { skills: config.target.skills }
          : { skills: config.target.skills, queueId: config.target.queueId },
      identity: s.start.identity,
      context: {
        ...(s.start.language === undefined ? {} : { language: s.start.language }),
        ...(extra.trigger === undefined ? {} : { trigger: extra.trigger }),
      },
    };
    if (extra.intent !== undefined) input.intent = { name: extra.intent, confidence: extra.confidence ?? 0 };
    if (extra.sentiment !== undefined) {
      const score = Math.max(-1, Math.min(1, extra.sentiment));
      input.sentiment = { label: score < -0.05 ? 'negative' : score > 0.05 ? 'positive' : 'neutral', score };
    }
    return buildHandoffPacket(input, { clock, ids, maxMessages: config.transcriptWindow });
  }

  async function escalate(
    s: Session,
    trigger: EscalationTrigger,
    extra: { intent?: string; confidence?: number; sentiment?: number; note?: string },
  ): Promise<TurnOutcome> {
    const to: HandoffPacket['to'] =
      config.target.queueId === undefined ? { kind: 'queue' } : { kind: 'queue', id: config.target.queueId };
    const p = packet(s, { kind: 'bot', id: bot.id }, to, REASON_OF[trigger], extra.note ?? trigger, {
      ...extra,
      trigger,
    });
    // The host may refuse (routing down): then the bot keeps the conversation and the error surfaces.
    if (onHandoff !== undefined) await onHandoff(p);
    s.owner = { kind: 'person', packet: p };
    s.intents = [];
    s.lastReplyText = undefined;
    await publish(s, {
      type: 'bot.handed_off',
      payload: { conversationId: s.start.conversationId, customerId: s.start.customerId, trigger, packet: p },
    });
    return { kind: 'handed_off', trigger, packet: p };
  }

  async function turn(s: Session, text: string): Promise<TurnOutcome> {
    const now = clock.now();
    s.messages.push({ speaker: 'customer', text, at: now });
    if (s.owner.kind === 'person') return { kind: 'muted' };
    const asked = detector(text, s.start.language === undefined ? {} : { language: s.start.language });
    if (asked === true || (typeof asked === 'object' && asked.requested))
      return escalate(s, 'customer_request', {});
    let score: number | undefined;
    if (sentiment !== undefined) {
      // A failing provider gives no signal: sentiment is optional, the customer still gets an answer.
      const signal = await Promise.resolve()
        .then(() => sentiment(text, { conversationId: s.start.conversationId, messages: s.messages }))
        .catch(() => undefined);
      score = typeof signal === 'number' ? signal : signal?.score;
      if (score !== undefined && Number.isFinite(score) && score <= config.negativeSentiment) {
        return escalate(s, 'negative_sentiment', { sentiment: score });
      }
    }
    let reply: BotReply;
    try {
      reply = await replyWithTimeout(
        bot,
        {
          id: s.start.conversationId,
          tenantId: s.start.tenantId,
          customerId: s.start.customerId,
          ...(s.start.language === undefined ? {} : { language: s.start.language }),
          messages: [...s.messages],
        },
        { now, attributes: {} },
        { timeoutMs: config.timeoutMs, setTimer },
      );
    } catch (error) {
      const trigger = isThreadlineError(error, 'TIMEOUT') ? 'timeout' : 'bot_error';
      const note = error instanceof Error ? error.message.slice(0, 2000) : undefined;
      return escalate(s, trigger, {
        ...(score === undefined ? {} : { sentiment: score }),
        ...(note === undefined ? {} : { note }),
      });
    }
    const extra = {
      confidence: reply.confidence,
      ...(reply.intent === undefined ? {} : { intent: reply.intent }),
      ...(score === undefined ? {} : { sentiment: score }),
    };
    if (reply.confidence < config.minConfidence) return escalate(s, 'low_confidence', extra);
    if (reply.text !== undefined && reply.text === s.lastReplyText) return escalate(s, 'loop_repeat', extra);
    if (reply.intent !== undefined) {
      const run = s.intents.at(-1) === reply.intent ? s.intents.length + 1 : 1;
      if (run >= config.sameIntentLimit) return escalate(s, 'loop_intent', extra);
      s.intents = s.intents.at(-1) === reply.intent ? [...s.intents, reply.intent] : [reply.intent];
    } else {
      s.intents = [];
    }
    if (reply.text !== undefined) {
      s.messages.push({ speaker: 'bot', text: reply.text, at: clock.now() });
      s.lastReplyText = reply.text;
    }
    await publish(s, {
      type: 'bot.replied',
      payload: {
        conversationId: s.start.conversationId,
        customerId: s.start.customerId,
        botId: bot.id,
        confidence: reply.confidence,
        ...(reply.text === undefined ? {} : { text: reply.text }),
        ...(reply.intent === undefined ? {} : { intent: reply.intent }),
      },
    });
    return { kind: 'replied', reply };
  }

  return {
    start(conversation) {
      const start = parseInput(ConversationStartSchema, conversation, 'conversation');
      if (sessions.has(start.conversationId)) {
        throw new ThreadlineError('CONFLICT', `Conversation ${start.conversationId} already started`, {
          details: { conversationId: start.conversationId },
        });
      }
      sessions.set(start.conversationId, {
        start,
        messages: [],
        owner: { kind: 'bot' },
        intents: [],
        lastReplyText: undefined,
        version: 0,
        queue: Promise.resolve(),
      });
    },
    async customerMessage(conversationId, message) {
      const s = session(conversationId);
      const { text } = parseInput(MessageInputSchema, message, 'message');
      // Turns of one conversation run one after another, so a slow bot never answers out of order.
      const next = s.queue.then(() => turn(s, text));
      s.queue = next.catch(() => undefined);
      return next;
    },
    agentMessage(conversationId, message) {
      const s = session(conversationId);
      const { text } = parseInput(MessageInputSchema, message, 'message');
      if (s.owner.kind !== 'person') {
        throw new ThreadlineError(
          'ILLEGAL_TRANSITION',
          `Conversation ${conversationId} is owned by the bot`,
          { details: { conversationId } },
        );
      }
      s.messages.push({ speaker: 'agent', text, at: clock.now() });
    },
    handBack(conversationId, input) {
      const s = session(conversationId);
      const parsed = parseInput(
        z.object({ agentId: z.string().min(1), note: z.string().max(2000).optional() }).strict(),
        input,
        'hand back',
      );
      if (s.owner.kind !== 'person') {
        throw new ThreadlineError(
          'ILLEGAL_TRANSITION',
          `Conversation ${conversationId} is already owned by the bot`,
          { details: { conversationId } },
        );
      }
      const p = packet(
        s,
        { kind: 'agent', id: parsed.agentId },
        { kind: 'bot', id: bot.id },
        'return_to_bot',
        parsed.note,
        {},
      );
      s.owner = { kind: 'bot' };
      void publish(s, {
        type: 'bot.handed_back',
        payload: { conversationId, customerId: s.start.customerId, agentId: parsed.agentId, packet: p },
      });
      return p;
    },
    owner(conversationId) {
      return session(conversationId).owner;
    },
    messages(conversationId) {
      return [...session(conversationId).messages];
    },
    end(conversationId) {
      session(conversationId);
      sessions.delete(conversationId);
    },
  };
}
