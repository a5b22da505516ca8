// What the host does on the engines' behalf during a simulated day: publishing its own events,
// keeping transcripts and messages, identities per channel, the capacity cross-check, health
// readings, closing conversations and solving cases.
import { createEvent, isThreadlineError, type StoredDocument } from '@threadline/core';
import type { AgentProfile, SimChannel } from '../center/config.js';
import type { Arrival, Person } from '../center/traffic.js';
import { loadWeight } from './helpers.js';
import type { DayState } from './state.js';
import type { InteractionRecord } from './types.js';

/** The host actions of a simulated day (internal). */
export type DayActions = ReturnType<typeof createDayActions>;

/** Builds the host actions over the day's state. */
export function createDayActions(s: DayState) {
  const {
    clock,
    ids,
    store,
    bus,
    routing,
    cases,
    records,
    profiles,
    load,
    handling,
    openSpans,
    breachesByCustomer,
    escalationsByCustomer,
    contactsByCustomer,
    transcripts,
    conversations,
    counters,
    arrivalById,
    rejectedOnce,
    caseConversation,
  } = s;
  // --- helpers ------------------------------------------------------------------------------
  // The last event version of each aggregate, by aggregate type then id.
  const versions = new Map<string, Map<string, number>>();
  const publish = (
    type: string,
    aggregateType: string,
    aggregateId: string,
    payload: Record<string, unknown>,
  ) => {
    // The envelope's version is the aggregate's: 1 for its first event, one more for each later one.
    let ofType = versions.get(aggregateType);
    if (ofType === undefined) versions.set(aggregateType, (ofType = new Map()));
    const version = (ofType.get(aggregateId) ?? 0) + 1;
    ofType.set(aggregateId, version);
    return bus.publish(createEvent({ clock, ids }, { type, aggregateType, aggregateId, version, payload }));
  };

  /** Keeps a line of the transcript (for handoff packets and QA); only customer lines are stored as messages. */
  const note = (conversationId: string, speaker: 'customer' | 'agent' | 'bot', body: string) => {
    let list = transcripts.get(conversationId);
    if (!list) transcripts.set(conversationId, (list = []));
    list.push({ speaker, text: body, at: clock.now() });
  };
  /** Keeps a line of the transcript and stores the message where the context assembler reads it. */
  const say = (conversationId: string, speaker: 'customer' | 'agent' | 'bot', body: string) => {
    const now = clock.now();
    note(conversationId, speaker, body);
    return store.put(
      'messages',
      {
        id: ids.next('msg'),
        tenantId: 'default',
        createdAt: now,
        updatedAt: now,
        conversationId,
        channel: records.get(conversationId)?.channel ?? 'chat',
        direction: speaker === 'customer' ? 'inbound' : 'outbound',
        author: { kind: speaker },
        body,
        public: true,
        attachments: [],
        sentAt: now,
        metadata: {},
      },
      { expectedVersion: 0 },
    );
  };

  const identitiesFor = (a: Arrival, p: Person) => {
    const loyalty =
      p.loyalty && a.showsLoyalty
        ? [{ kind: 'external_id' as const, namespace: 'loyalty', value: p.loyalty }]
        : [];
    if (a.channel === 'voice')
      return [
        { kind: 'phone' as const, value: p.phone, verified: true, channel: 'voice' as const },
        ...loyalty,
      ];
    if (a.channel === 'email')
      return [
        { kind: 'email' as const, value: p.email, verified: true, channel: 'email' as const },
        ...loyalty,
      ];
    // Chat: signed in (`emailVerified`), the account gives its verified email and phone, as a
    // web chat with a logged-in visitor does; otherwise the visitor types an email address.
    const signedIn = loyalty.length > 0 || a.emailVerified;
    return [
      ...loyalty,
      { kind: 'email' as const, value: p.email, verified: signedIn, channel: 'chat' as const },
      ...(signedIn
        ? [{ kind: 'phone' as const, value: p.phone, verified: true, channel: 'chat' as const }]
        : []),
    ];
  };

  const firstOpenMetric = (caseId: string) =>
    cases
      .getSla(caseId)
      .find(
        (m) =>
          (m.metric === 'first_reply' || m.metric === 'next_reply') &&
          (m.state === 'active' || m.state === 'paused'),
      );

  const take = (agentId: string, channel: SimChannel, taskId: string) => {
    const p = profiles.get(agentId) as AgentProfile;
    const cap = p.worker.capacity[channel];
    const weight = typeof cap === 'object' ? (cap.weight ?? 1) : 1;
    const units = typeof cap === 'object' ? cap.units : (cap ?? 0);
    let l = load.get(agentId);
    if (l === undefined) load.set(agentId, (l = {}));
    l[channel] = (l[channel] ?? 0) + weight;
    let total = 0;
    for (const ch in l) total += l[ch] as number;
    if (
      (l[channel] as number) > units ||
      (p.worker.totalCapacity !== undefined && total > p.worker.totalCapacity)
    )
      counters.capacityViolations.push(`${agentId} over capacity on ${channel} with ${taskId}`);
    // Cross-check the engine's own accounting on every assignment.
    const info = routing.getWorker(agentId);
    if (info) {
      let used = 0;
      for (const [ch, u] of Object.entries(info.used)) {
        used += u;
        if (u > (info.capacity[ch]?.units ?? 0))
          counters.capacityViolations.push(`${agentId} engine used ${u} on ${ch}`);
      }
      if (info.totalCapacity !== undefined && used > info.totalCapacity)
        counters.capacityViolations.push(`${agentId} engine used ${used} of ${info.totalCapacity}`);
    }
    if (p.kind === 'human') {
      let spans = handling.get(agentId);
      if (!spans) handling.set(agentId, (spans = []));
      const span: [number, number] = [clock.now(), Number.NaN];
      spans.push(span);
      openSpans.set(taskId, span);
    }
    return weight;
  };

  /** Frees the simulation's own capacity count (the engine holds it until wrap-up ends). */
  const release = (agentId: string, channel: SimChannel, taskId: string, busyUntil: number) => {
    const l = load.get(agentId);
    if (l) l[channel] = (l[channel] ?? 0) - loadWeight(profiles.get(agentId) as AgentProfile, channel);
    const span = openSpans.get(taskId);
    if (span) {
      span[1] = busyUntil;
      openSpans.delete(taskId);
    }
  };

  // Health readings go out after contacts that say something about the relationship (a repeat
  // contact, an abandonment, a survey answer, a breach or an escalation).
  const measure = (r: InteractionRecord) => {
    const breaches = breachesByCustomer.get(r.customerId) ?? 0;
    const escalations = escalationsByCustomer.get(r.customerId) ?? 0;
    const notable =
      r.repeat || r.outcome === 'abandoned' || r.csat !== undefined || breaches + escalations > 0;
    if (!notable) return Promise.resolve();
    return publish('customer.measured', 'customer', r.customerId, {
      sentiment: r.sentiment,
      repeatContacts: (contactsByCustomer.get(r.customerId) ?? 1) - 1,
      slaBreaches: breaches,
      escalations,
      ...(r.csat === undefined ? {} : { csat: r.csat }),
    });
  };

  const closeConversation = async (r: InteractionRecord) => {
    const cached = conversations.get(r.id);
    if (!cached) return;
    conversations.delete(r.id);
    const now = clock.now();
    const participants = [{ kind: 'customer', id: r.customerId, joinedAt: r.arrivedAt }];
    if (r.botId) participants.push({ kind: 'bot', id: r.botId, joinedAt: r.arrivedAt });
    if (r.agentId) participants.push({ kind: 'agent', id: r.agentId, joinedAt: r.answeredAt ?? now });
    const close = (doc: StoredDocument) =>
      store.put(
        'conversations',
        { ...doc, status: 'closed', closedAt: now, updatedAt: now, participants },
        { expectedVersion: doc.version },
      );
    try {
      await close(cached);
    } catch (error) {
      // Identity resolution may have merged the customer meanwhile (and moved the conversation).
      if (!isThreadlineError(error, 'CONFLICT')) throw error;
      const fresh = await store.get('conversations', r.id);
      if (fresh) await close(fresh);
    }
  };

  /**
   * The contact is over (completed, contained or abandoned): frees what only a live contact needs
   * and closes its conversation. Its transcript stays only while it is its case's latest
   * conversation, the one QA reads (see `forgetTranscript`).
   */
  const finishContact = async (r: InteractionRecord) => {
    arrivalById.delete(r.id);
    rejectedOnce.delete(r.id);
    // Its only event (`conversation.classified`) went out on arrival.
    versions.get('conversation')?.delete(r.id);
    if (caseConversation.get(r.caseId) !== r.id) transcripts.delete(r.id);
    await closeConversation(r);
  };

  /** A newer contact took over the case: the earlier one's transcript goes once that contact is over. */
  const forgetTranscript = (previous: string | undefined) => {
    if (previous !== undefined && records.get(previous)?.outcome !== undefined) transcripts.delete(previous);
  };

  const solveCase = (caseId: string, reason: string) => {
    const c = cases.getCase(caseId);
    if (c && c.status !== 'solved' && c.status !== 'closed')
      cases.transition(caseId, 'solved', { actor: 'contact-center', reason });
  };

  return {
    publish,
    note,
    say,
    identitiesFor,
    firstOpenMetric,
    take,
    release,
    measure,
    finishContact,
    forgetTranscript,
    solveCase,
  };
}
