// Typed scenario steps over a wired testbed: a customer writes on a channel, a bot answers, an
// agent accepts, replies, transfers and solves. Each step is what a host's own code would do with
// the engines' public APIs, so a test reads like the conversation it checks.
import type { CaseEngine, CasePriority } from '@threadline/cases';
import {
  type Channel,
  type DocumentStore,
  type IdentityInput,
  type IdentityService,
  type IdGenerator,
  type InProcessEventBus,
  type ManualClock,
  ThreadlineError,
} from '@threadline/core';
import type { HandoffPacket, HandoffPacketInput, RoutingEngine, TaskInfo } from '@threadline/routing';

/** One customer contact in a scenario: the ids every later step needs. */
export interface Contact {
  customerId: string;
  conversationId: string;
  caseId: string;
  /** The routing task (the conversation's id). */
  taskId: string;
  channel: Channel;
}

/** What a customer writes (the first message of a conversation, or a later one with `contact`). */
export interface CustomerMessage {
  channel: Channel;
  /** What the channel knows about the customer (an email address, a phone number, an external id …). */
  from: IdentityInput | readonly IdentityInput[];
  text: string;
  /** Continue this contact's conversation instead of starting one. */
  contact?: Contact;
  /** Case priority (default `normal`). */
  priority?: CasePriority;
  /** Routing priority of the task (default 0). */
  taskPriority?: number;
  /** Task attributes the workflow reads (`task.<name>`); `customerId`, `caseId`, `conversationId` are added. */
  attributes?: Record<string, unknown>;
  /** Case attributes SLA policies read (`case.attributes.<name>`). */
  caseAttributes?: Record<string, unknown>;
}

/** A bot's turn on a contact it holds. */
export interface BotAnswer {
  text: string;
  /** What the customer said to the bot (default: the contact's last customer text is not repeated). */
  customerText?: string;
  /** The bot's confidence in its answer, 0–1. */
  confidence?: number;
  /** The customer's sentiment, −1–1. */
  sentiment?: number;
  intent?: string;
  /** The bot resolved it: the task completes and the case is solved. */
  resolve?: boolean;
}

/** Where a transfer goes: a queue of the workflow and/or the skills the receiving people need. */
export interface TransferTarget {
  queue?: string;
  skills?: Record<string, number>;
  /** Why (default `transfer`): a handoff reason code of the routing engine. */
  reason?: HandoffPacketInput['reason'];
}

/** The scenario steps of a {@link Testbed}. */
export interface Scenario {
  /** A customer writes: identity resolved, conversation and message stored, case opened (or updated), task routed. */
  customerWrites(message: CustomerMessage): Promise<Contact>;
  /** The bot holding the contact's task takes a turn; returns the handoff packet when the bot hands off. */
  botAnswers(contact: Contact, answer: BotAnswer): Promise<HandoffPacket | null>;
  /** An agent accepts the pending offer of the contact's task (the offer to `agentId`, when given); returns the agent's id. */
  agentAccepts(contact: Contact, agentId?: string): string;
  /** The agent holding the task replies to the customer (the first reply stops the first-reply SLA clock). */
  agentReplies(contact: Contact, text: string): Promise<void>;
  /** The holder of the task hands it to a queue or to people with given skills. */
  transfer(contact: Contact, target: TransferTarget): TaskInfo;
  /** The contact is resolved: the task completes (with wrap-up) and the case is solved. */
  solve(contact: Contact, options?: { wrapUpMs?: number; reason?: string }): void;
  /** Who holds the contact's task now (agent or bot id), if anyone. */
  holderOf(contact: Contact): string | undefined;
}

/** What the steps use. */
export interface ScenarioDeps {
  clock: ManualClock;
  ids: IdGenerator;
  store: DocumentStore;
  bus: InProcessEventBus;
  identity: IdentityService;
  routing: RoutingEngine;
  cases: CaseEngine;
  /** Publishes what identity committed to the outbox. */
  relay: () => Promise<unknown>;
  /** Runs what is due at the current instant (offers, timers). */
  settle: () => void;
}

function stepError(message: string, path: string, details: Record<string, unknown> = {}): ThreadlineError {
  return new ThreadlineError('ILLEGAL_TRANSITION', message, {
    issues: [{ path: [path], message, code: 'scenario' }],
    details,
  });
}

/** Builds the scenario steps over the engines. */
export function createScenario(deps: ScenarioDeps): Scenario {
  const { clock, ids, store, bus, identity, routing, cases, relay, settle } = deps;
  // Offers per task, in the order the routing engine made them.
  const offers = new Map<string, { reservationId: string; workerId: string }[]>();
  const holder = new Map<string, string>();
  bus.subscribe('reservation.created', (e) => {
    const p = e.payload as { reservationId: string; taskId: string; workerId: string };
    const list = offers.get(p.taskId) ?? [];
    list.push({ reservationId: p.reservationId, workerId: p.workerId });
    offers.set(p.taskId, list);
  });

  const storeMessage = async (
    contact: Pick<Contact, 'conversationId' | 'channel'>,
    author: 'customer' | 'agent' | 'bot',
    body: string,
  ) => {
    const now = clock.now();
    await store.put(
      'messages',
      {
        id: ids.next('msg'),
        tenantId: 'default',
        createdAt: now,
        updatedAt: now,
        conversationId: contact.conversationId,
        channel: contact.channel,
        direction: author === 'customer' ? 'inbound' : 'outbound',
        author: { kind: author },
        body,
        public: true,
        attachments: [],
        sentAt: now,
        metadata: {},
      },
      { expectedVersion: 0 },
    );
  };

  const accept = (contact: Contact, agentId?: string): string => {
    const pending = (offers.get(contact.taskId) ?? []).filter(
      (o) =>
        (agentId === undefined || o.workerId === agentId) &&
        routing.getReservation(o.reservationId)?.status === 'pending',
    );
    const offer = pending[0];
    if (!offer)
      throw stepError(
        `No pending offer of task "${contact.taskId}"${agentId ? ` to "${agentId}"` : ''}`,
        'agentId',
        { taskId: contact.taskId, agentId },
      );
    routing.acceptReservation(offer.reservationId);
    holder.set(contact.taskId, offer.workerId);
    return offer.workerId;
  };

  const heldBy = (contact: Contact): string => {
    const who = holder.get(contact.taskId);
    const task = routing.getTask(contact.taskId);
    if (who === undefined || task?.status !== 'assigned')
      throw stepError(`Task "${contact.taskId}" is not held by anyone`, 'contact', {
        taskId: contact.taskId,
      });
    return who;
  };

  return {
    async customerWrites(message) {
      const from = Array.isArray(message.from) ? message.from : [message.from as IdentityInput];
      const now = clock.now();
      if (message.contact) {
        const c = message.contact;
        await storeMessage(c, 'customer', message.text);
        cases.recordMessage(c.caseId, { author: 'customer', public: true });
        settle();
        return c;
      }
      const { customerId } = await identity.resolve(from, { touch: false });
      await relay();
      const conversationId = ids.next('conv');
      await store.put(
        'conversations',
        {
          id: conversationId,
          tenantId: 'default',
          createdAt: now,
          updatedAt: now,
          customerId,
          channel: message.channel,
          status: 'open',
          participants: [],
          context: {},
          lastMessageAt: now,
          lastCustomerMessageAt: now,
        },
        { expectedVersion: 0 },
      );
      const contact: Contact = {
        customerId,
        conversationId,
        caseId: '',
        taskId: conversationId,
        channel: message.channel,
      };
      await storeMessage(contact, 'customer', message.text);
      const opened = cases.openCase({
        customerId,
        subject: message.text.slice(0, 200) || '(no text)',
        priority: message.priority ?? 'normal',
        channel: message.channel,
        ...(message.caseAttributes ? { attributes: message.caseAttributes } : {}),
      });
      contact.caseId = opened.id;
      const due = cases
        .getSla(opened.id)
        .find((m) => m.metric === 'first_reply' && m.state === 'active')?.dueAt;
      routing.submitTask({
        id: conversationId,
        channel: message.channel,
        priority: message.taskPriority ?? 0,
        attributes: { ...message.attributes, customerId, caseId: opened.id, conversationId },
        ...(due === undefined ? {} : { deadline: due }),
      });
      settle();
      return contact;
    },

    async botAnswers(contact, answer) {
      if (holder.get(contact.taskId) === undefined || routing.getTask(contact.taskId)?.status !== 'assigned')
        accept(contact);
      const bot = heldBy(contact);
      if (answer.customerText !== undefined) await storeMessage(contact, 'customer', answer.customerText);
      await storeMessage(contact, 'bot', answer.text);
      const packet = routing.reportBotTurn(contact.taskId, {
        customerText: answer.customerText ?? '',
        ...(answer.confidence === undefined ? {} : { confidence: answer.confidence }),
        ...(answer.sentiment === undefined ? {} : { sentiment: answer.sentiment }),
        ...(answer.intent === undefined ? {} : { intent: answer.intent }),
      });
      if (packet) {
        holder.delete(contact.taskId);
      } else if (answer.resolve) {
        routing.completeTask(contact.taskId);
        holder.delete(contact.taskId);
        const c = cases.getCase(contact.caseId);
        if (c && c.status !== 'solved' && c.status !== 'closed')
          cases.transition(contact.caseId, 'solved', { actor: bot, reason: 'resolved by the bot' });
      }
      settle();
      return packet;
    },

    agentAccepts(contact, agentId) {
      const who = accept(contact, agentId);
      settle();
      return who;
    },

    async agentReplies(contact, text) {
      const agent = heldBy(contact);
      await storeMessage(contact, 'agent', text);
      cases.recordMessage(contact.caseId, { author: 'agent', public: true }, { actor: agent });
      settle();
    },

    transfer(contact, target) {
      heldBy(contact);
      const task = routing.requestHandoff(contact.taskId, {
        reason: target.reason ?? 'transfer',
        ...(target.queue === undefined ? {} : { targetQueue: target.queue }),
        ...(target.skills === undefined ? {} : { targetSkills: target.skills }),
      });
      holder.delete(contact.taskId);
      settle();
      return task;
    },

    solve(contact, options = {}) {
      const who = heldBy(contact);
      routing.completeTask(
        contact.taskId,
        options.wrapUpMs === undefined ? {} : { wrapUpMs: options.wrapUpMs },
      );
      holder.delete(contact.taskId);
      cases.transition(contact.caseId, 'solved', { actor: who, reason: options.reason ?? 'resolved' });
      settle();
    },

    holderOf: (contact) => holder.get(contact.taskId),
  };
}
