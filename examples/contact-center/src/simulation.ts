import {
  buildHandoffPacket,
  type ContextSignal,
  createEvent,
  createRandom,
  isThreadlineError,
  type Schedulable,
  Scheduler,
  type StoredDocument,
  type ZoneRules,
  zoneRules,
} from '@threadline/core';
import { analyzeSentiment, type SentimentResult } from '@threadline/insights';
import { countBusEvents } from './busCounters.js';
import type { DayCounters, DayOptions, DayResult, InteractionRecord, SimEvent } from './day.js';
import { agentWords, loadWeight, warmSpikeBaseline } from './dayHelpers.js';
import { EventHeap } from './heap.js';
import {
  type AgentProfile,
  asTopic,
  buildRoster,
  buildTaxonomy,
  type ShiftName,
  type SimChannel,
  shiftCalendars,
  TIME_ZONE,
} from './setup.js';
import { loadText } from './text.js';
import { type Arrival, drawTraffic, type Person } from './traffic.js';
import { wireEngines } from './wiring.js';

export type { DayCounters, DayOptions, DayProgress, DayResult, InteractionRecord, Outcome } from './day.js';
export { hoursOf } from './dayHelpers.js';

const HOUR = 3_600_000;

/** Epoch ms of the wall-clock time `HH:MM` on `date` in the zone (its offset on that day, DST included). */
function localInstant(zone: ZoneRules, date: string, hhmm: string): number {
  return zone.toInstant(Date.parse(`${date}T${hhmm}:00Z`));
}

/**
 * Runs one simulated contact-center day and returns what happened.
 *
 * @example
 * ```ts
 * const day = await simulateDay({ agents: 20, interactions: 500 });
 * day.interactions.filter((i) => i.outcome === 'abandoned').length;
 * ```
 */
export async function simulateDay(options: DayOptions = {}): Promise<DayResult> {
  const opts = {
    agents: options.agents ?? 500,
    interactions: options.interactions ?? 50_000,
    seed: options.seed ?? 2026,
    useSharedData: options.useSharedData ?? true,
    date: options.date ?? '2026-06-16',
    timeZone: options.timeZone ?? TIME_ZONE,
  };
  if (!/^\d{4}-\d{2}-\d{2}$/.test(opts.date) || Number.isNaN(Date.parse(`${opts.date}T00:00:00Z`)))
    throw new RangeError('date must be a calendar date YYYY-MM-DD');
  const zone = zoneRules(opts.timeZone);
  if (!Number.isInteger(opts.agents) || opts.agents < 5)
    throw new RangeError('agents must be an integer ≥ 5');
  if (!Number.isInteger(opts.interactions) || opts.interactions < 1)
    throw new RangeError('interactions must be a positive integer');
  const openAt = localInstant(zone, opts.date, '08:00');
  const closeAt = localInstant(zone, opts.date, '20:00');
  const hardStop = localInstant(zone, opts.date, '23:30');
  const text = loadText(createRandom(opts.seed ^ 0x5eed), {
    useSharedData: opts.useSharedData,
    ...(options.dataDirs ? { dataDirs: options.dataDirs } : {}),
  });
  const roster = buildRoster(opts.agents, createRandom(opts.seed + 1));
  const { persons, arrivals } = drawTraffic(createRandom(opts.seed + 2), text, {
    interactions: opts.interactions,
    openAt,
  });

  // --- the wiring: one clock, one id generator, one store, one bus ---------------------------
  const { clock, ids, store, bus, identity, contexts, routing, cases, insights } = wireEngines({
    openAt,
    timeZone: opts.timeZone,
  });
  const taxonomy = buildTaxonomy();
  // Both analyses are pure functions of the text, and the day reuses texts: analyse each once.
  const understood = new Map<
    string,
    { sentiment: SentimentResult; prediction: ReturnType<typeof taxonomy.predict> }
  >();
  const understand = (text: string) => {
    let u = understood.get(text);
    if (!u)
      understood.set(text, (u = { sentiment: analyzeSentiment(text), prediction: taxonomy.predict(text) }));
    return u;
  };
  warmSpikeBaseline(insights, taxonomy, text, opts.interactions, openAt, createRandom(opts.seed + 3));
  insights.connect(bus, ['conversation.classified', 'customer.measured']);

  // Cases become part of the customer's context: the cases provider reads the case engine.
  const caseCustomer = new Map<string, string>();
  const casesByCustomer = new Map<string, string[]>();
  contexts.register({
    name: 'cases',
    provide: ({ customerId }) => {
      const list = (casesByCustomer.get(customerId) ?? [])
        .map((id) => cases.getCase(id))
        .filter((c) => c !== undefined);
      const ref = (c: (typeof list)[number]) => ({
        id: c.id,
        tenantId: c.tenantId,
        status: c.status,
        subject: c.subject,
        priority: c.priority,
        openedAt: c.createdAt,
      });
      return {
        cases: {
          open: list.filter((c) => c.status !== 'solved' && c.status !== 'closed').map(ref),
          recent: list.filter((c) => c.status === 'solved' || c.status === 'closed').map(ref),
        },
      };
    },
  });

  // Insights become part of the context too: the sentiment trend and the current health score.
  const sentimentByCustomer = new Map<string, ContextSignal[]>();
  contexts.register({
    name: 'insights',
    provide: ({ customerId, at }) => {
      const health = insights.healthOf(customerId);
      return {
        signals: {
          sentimentTrend: sentimentByCustomer.get(customerId) ?? [],
          ...(health
            ? {
                health: {
                  id: `${customerId}:health`,
                  kind: 'health' as const,
                  value: health.score,
                  label: health.band,
                  observedAt: at,
                },
              }
            : {}),
        },
      };
    },
  });

  const counters: DayCounters = {
    busEvents: {},
    offers: 0,
    rejected: 0,
    offerTimeouts: 0,
    rescinded: 0,
    escalationsTriggered: 0,
    priorityRaised: 0,
    notifications: 0,
    teamEscalations: 0,
    slaBreachedEvents: 0,
    slaAtRiskEvents: 0,
    spikeSignals: [],
    healthSignals: 0,
    churnSignals: 0,
    capacityViolations: [],
    identity: { created: 0, matched: 0, merges: 0, conflicts: 0 },
    contextsAssembled: 0,
    reopenedContacts: 0,
  };
  const heap = new EventHeap<SimEvent>();
  const records = new Map<string, InteractionRecord>();
  const arrivalById = new Map<string, Arrival>();
  const profiles = new Map(roster.map((p) => [p.worker.id, p]));
  const load = new Map<string, Record<string, number>>();
  const handling = new Map<string, Array<[number, number]>>();
  const openSpans = new Map<string, [number, number]>();
  const activeTaskOfCase = new Map<string, string>();
  const caseByIssue = new Map<string, string>();
  const caseAgent = new Map<string, string>();
  const caseConversation = new Map<string, string>();
  const escalatedCases = new Set<string>();
  const reopenedCases = new Set<string>();
  const breachesByCustomer = new Map<string, number>();
  const escalationsByCustomer = new Map<string, number>();
  const contactsByCustomer = new Map<string, number>();
  const transcripts = new Map<
    string,
    { speaker: 'customer' | 'agent' | 'bot'; text: string; at: number }[]
  >();
  const rejectedOnce = new Set<string>();
  const conversations = new Map<string, StoredDocument>();

  // --- events between packages flow over the bus -------------------------------------------
  countBusEvents({
    bus,
    clock,
    store,
    heap,
    counters,
    profiles,
    arrivalById,
    caseCustomer,
    escalatedCases,
    breachesByCustomer,
    escalationsByCustomer,
  });

  // Shifts come from business calendars: the simulation (the workforce-management host) turns
  // people on and off at their shift's opening and closing. (The routing engine can check shift
  // calendars itself, but it re-checks every calendar worker on each advanceTo; see README.)
  const shifts = shiftCalendars(opts.timeZone);
  for (const [name, cal] of Object.entries(shifts) as [ShiftName, (typeof shifts)[ShiftName]][]) {
    const first = cal
      .periodsAfter(openAt - 6 * HOUR)
      [Symbol.iterator]()
      .next();
    if (first.done) continue;
    heap.push(first.value.start.getTime(), { kind: 'shift', shift: name, on: true });
    heap.push(first.value.end.getTime(), { kind: 'shift', shift: name, on: false });
  }
  for (const p of roster)
    routing.upsertWorker(
      p.kind === 'bot' ? p.worker : { ...p.worker, status: 'offline', reason: 'off shift' },
    );

  // --- helpers ------------------------------------------------------------------------------
  const versions = new Map<string, number>();
  const publish = (
    type: string,
    aggregateType: string,
    aggregateId: string,
    payload: Record<string, unknown>,
  ) => {
    // The envelope's version is the aggregate's: 1 for its first event, one more for each later one.
    const key = `${aggregateType}:${aggregateId}`;
    const version = (versions.get(key) ?? 0) + 1;
    versions.set(key, version);
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
    return [
      ...loyalty,
      {
        kind: 'email' as const,
        value: p.email,
        verified: loyalty.length > 0 || a.emailVerified,
        channel: 'chat' as const,
      },
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
    const l = load.get(agentId) ?? {};
    load.set(agentId, l);
    l[channel] = (l[channel] ?? 0) + weight;
    const total = Object.values(l).reduce((s, v) => s + v, 0);
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

  const solveCase = (caseId: string, reason: string) => {
    const c = cases.getCase(caseId);
    if (c && c.status !== 'solved' && c.status !== 'closed')
      cases.transition(caseId, 'solved', { actor: 'contact-center', reason });
  };

  // --- the simulation as a Schedulable -----------------------------------------------------
  const handlers = {
    arrive: async (a: Arrival) => {
      const person = persons[a.person] as Person;
      const now = clock.now();
      const resolved = await identity.resolve(identitiesFor(a, person), {
        profile: { name: person.name },
        attributes: { tier: person.tier, language: person.language },
        // Known identities keep their first-seen stamp: skipping the lastSeenAt write saves a
        // transaction on every matched contact of a 50,000-contact day.
        touch: false,
      });
      if (resolved.status === 'matched') counters.identity.matched++;
      const customerId = resolved.customerId;
      contactsByCustomer.set(customerId, (contactsByCustomer.get(customerId) ?? 0) + 1);
      const repeat = (contactsByCustomer.get(customerId) ?? 0) > 1;
      const { sentiment, prediction } = understand(a.utterance.text);
      const detected = asTopic(prediction.label);
      const conversation = await store.put(
        'conversations',
        {
          id: a.id,
          tenantId: 'default',
          createdAt: now,
          updatedAt: now,
          customerId,
          channel: a.channel,
          status: 'open',
          participants: [],
          context: { topic: detected, language: person.language },
          lastMessageAt: now,
          lastCustomerMessageAt: now,
        },
        { expectedVersion: 0 },
      );
      conversations.set(a.id, conversation);
      // One case per customer issue: a repeat contact about the same topic continues (or reopens) it.
      const issue = `${customerId}|${detected}`;
      let caseId = caseByIssue.get(issue);
      const existing = caseId === undefined ? undefined : cases.getCase(caseId);
      if (existing && existing.status !== 'closed') {
        if (existing.status === 'solved') {
          reopenedCases.add(existing.id);
          counters.reopenedContacts++;
        }
        cases.recordMessage(existing.id, { author: 'customer', public: true });
      } else {
        const c = cases.openCase({
          customerId,
          subject: a.utterance.text.slice(0, 120),
          priority: person.tier === 'gold' ? 'high' : 'normal',
          channel: a.channel,
          type: detected,
          customer: { tier: person.tier },
          attributes: { storm: a.storm },
        });
        caseId = c.id;
        caseByIssue.set(issue, caseId);
        caseCustomer.set(caseId, customerId);
        const list = casesByCustomer.get(customerId) ?? [];
        list.push(caseId);
        casesByCustomer.set(customerId, list);
      }
      const record: InteractionRecord = {
        id: a.id,
        channel: a.channel,
        arrivedAt: now,
        customerId,
        person: a.person,
        caseId: caseId as string,
        topicTruth: a.topic,
        topicDetected: detected,
        sentiment: sentiment.score,
        sentimentLabel: sentiment.label,
        topicConfidence: prediction.confidence,
        storm: a.storm,
        repeat,
      };
      records.set(a.id, record);
      caseConversation.set(record.caseId, a.id);
      activeTaskOfCase.set(record.caseId, a.id);
      await say(a.id, 'customer', a.utterance.text);
      // Sentiment with evidence becomes a point of the customer's trend (served by the insights
      // context provider registered above).
      if (!sentiment.noEvidence) {
        const trend = sentimentByCustomer.get(customerId) ?? [];
        trend.push({
          id: `${a.id}:sentiment`,
          kind: 'sentiment',
          value: sentiment.score,
          label: sentiment.label,
          confidence: sentiment.confidence,
          observedAt: now,
        });
        if (trend.length > 10) trend.shift();
        sentimentByCustomer.set(customerId, trend);
      }
      await publish('conversation.classified', 'conversation', a.id, {
        topic: detected,
        sentiment: sentiment.label,
        channel: a.channel,
      });
      const due = firstOpenMetric(record.caseId)?.dueAt;
      if (a.channel !== 'chat') record.offeredAt = now;
      routing.submitTask({
        id: a.id,
        channel: a.channel,
        priority:
          (a.channel === 'voice' ? 5 : a.channel === 'chat' ? 3 : 1) + (person.tier === 'gold' ? 2 : 0),
        attributes: {
          topic: detected,
          language: person.language,
          tier: person.tier,
          customerId,
          caseId: record.caseId,
          conversationId: a.id,
        },
        ...(due === undefined ? {} : { deadline: due }),
      });
      if (a.channel === 'voice') heap.push(now + a.patienceMs, { kind: 'abandon', taskId: a.id, since: now });
    },

    accept: async (ev: { reservationId: string; taskId: string; workerId: string }) => {
      const res = routing.getReservation(ev.reservationId);
      if (res?.status !== 'pending') return; // rescinded or timed out meanwhile
      const a = arrivalById.get(ev.taskId) as Arrival;
      const r = records.get(ev.taskId) as InteractionRecord;
      const p = profiles.get(ev.workerId) as AgentProfile;
      if (p.kind === 'human' && a.firstOfferRejected && !rejectedOnce.has(a.id)) {
        rejectedOnce.add(a.id);
        counters.rejected++;
        routing.rejectReservation(ev.reservationId, { reason: 'missed' });
        return;
      }
      const task = routing.acceptReservation(ev.reservationId);
      const now = clock.now();
      take(ev.workerId, a.channel, a.id);
      if (p.kind === 'bot') {
        r.botId = ev.workerId;
        note(a.id, 'bot', "Hi, I'm the virtual assistant. Let me look into that for you.");
        heap.push(now + a.botTurnMs, { kind: 'botTurn', taskId: a.id });
        return;
      }
      r.agentId = ev.workerId;
      r.answeredAt = now;
      if (r.handoff) r.handoff.packetReceived = task.attributes['handoff'] !== undefined;
      caseAgent.set(r.caseId, ev.workerId);
      const c = cases.getCase(r.caseId);
      if (c && c.status !== 'closed') {
        if (c.status === 'solved')
          cases.reopen(r.caseId, { actor: ev.workerId, reason: 'customer came back' });
        cases.recordMessage(r.caseId, { author: 'agent', public: true }, { actor: ev.workerId });
      }
      heap.push(now + a.handleMs, { kind: 'complete', taskId: a.id });
    },

    botTurn: async (taskId: string) => {
      const task = routing.getTask(taskId);
      if (task?.status !== 'assigned') return;
      const a = arrivalById.get(taskId) as Arrival;
      const r = records.get(taskId) as InteractionRecord;
      const now = clock.now();
      const customerText = a.wantsHuman
        ? 'This is not helping. I want to talk to a human agent, please.'
        : a.utterance.text;
      if (a.wantsHuman) await say(taskId, 'customer', customerText);
      const sentiment = a.wantsHuman
        ? analyzeSentiment(customerText)
        : { score: r.sentiment, label: r.sentimentLabel };
      const auto = routing.reportBotTurn(taskId, {
        customerText,
        sentiment: sentiment.score,
        confidence: r.topicConfidence,
        intent: r.topicDetected,
      });
      const releaseBot = () => release(r.botId as string, 'chat', taskId, now);
      if (auto) {
        releaseBot();
        r.handoff = { reason: auto.reason, withContext: false, packetReceived: false };
      } else if (a.botCanResolve) {
        note(taskId, 'bot', 'Here is what I found. Is there anything else I can help you with?');
        routing.completeTask(taskId);
        releaseBot();
        solveCase(r.caseId, 'resolved by the virtual assistant');
        r.outcome = 'contained';
        r.completedAt = now;
        activeTaskOfCase.delete(r.caseId);
        await closeConversation(r);
        await measure(r);
        return;
      } else {
        // The bot gives up: hand off with core's full packet, built from the customer's context.
        const ctx = await contexts.getContext(r.customerId, {
          recentConversations: 3,
          messagesPerConversation: 5,
        });
        counters.contextsAssembled++;
        const sla = cases.getSla(r.caseId).filter((m) => m.state === 'active' || m.state === 'breached');
        const packet = buildHandoffPacket(
          {
            conversationId: taskId,
            customerId: r.customerId,
            channel: 'chat',
            from: { kind: 'bot', id: r.botId as string },
            to: { kind: 'queue', id: r.topicDetected === 'general' ? 'general' : r.topicDetected },
            reason: { code: 'transfer', note: 'the assistant could not resolve it' },
            transcript: (transcripts.get(taskId) ?? []).map((m) => ({
              author: { kind: m.speaker },
              body: m.text,
              at: m.at,
            })),
            intent: { name: r.topicDetected, confidence: r.topicConfidence },
            sentiment: { label: sentiment.label, score: sentiment.score },
            sla: sla.map((m) => ({
              metric: m.metric,
              state: m.state === 'breached' ? 'breached' : 'active',
              dueAt: m.dueAt,
            })),
            identity: {
              confidence: 0.9,
              verified: true,
              evidence: ctx.identities.map((i) => `${i.kind}:${i.value}`).slice(0, 5),
            },
            context: {
              openCases: ctx.cases.open.length,
              recentCases: ctx.cases.recent.length,
              recentConversations: ctx.conversations.recent.length,
              lastAgents: ctx.lastAgents.map((l) => l.agentId),
              sentimentTrend: ctx.signals.sentimentTrend.map((s) => s.value ?? 0),
            },
          },
          { clock, ids, maxMessages: 10 },
        );
        routing.requestHandoff(taskId, packet);
        releaseBot();
        r.handoff = {
          reason: 'transfer',
          withContext: true,
          packetReceived: false,
          context: {
            sentimentPoints: ctx.signals.sentimentTrend.length,
            cases: ctx.cases.open.length + ctx.cases.recent.length,
            failedProviders: ctx.providers.filter((p) => p.status !== 'ok').length,
          },
        };
      }
      r.offeredAt = now;
      heap.push(now + a.patienceMs, { kind: 'abandon', taskId, since: now });
    },

    complete: async (taskId: string) => {
      const a = arrivalById.get(taskId) as Arrival;
      const r = records.get(taskId) as InteractionRecord;
      const now = clock.now();
      routing.completeTask(taskId, { wrapUpMs: a.wrapMs });
      release(r.agentId as string, a.channel, taskId, now + a.wrapMs);
      const p = profiles.get(r.agentId as string) as AgentProfile;
      note(taskId, 'agent', agentWords(p, a, r));
      solveCase(r.caseId, 'resolved');
      activeTaskOfCase.delete(r.caseId);
      r.talkMs = now - (r.answeredAt as number);
      r.wrapMs = a.wrapMs;
      r.completedAt = now;
      r.outcome = 'completed';
      // One in four answers the survey; waiting and a negative start pull the score down.
      if (a.surveyDraw < 0.25) {
        const wait = ((r.answeredAt as number) - (r.offeredAt ?? r.arrivedAt)) / 60_000;
        const base = 4.6 - Math.min(2, wait * 0.4) + r.sentiment * 0.8 - (r.handoff ? 0.3 : 0);
        r.csat = Math.max(1, Math.min(5, Math.round(base + (a.surveyDraw * 8 - 1))));
      }
      await closeConversation(r);
      await measure(r);
    },

    abandon: async (taskId: string) => {
      const task = routing.getTask(taskId);
      if (!task || task.status === 'assigned' || task.status === 'wrapping') return;
      const r = records.get(taskId) as InteractionRecord;
      routing.cancelTask(taskId, 'abandoned');
      r.abandonedAt = clock.now();
      r.outcome = 'abandoned';
      solveCase(r.caseId, 'customer abandoned');
      activeTaskOfCase.delete(r.caseId);
      await closeConversation(r);
      await measure(r);
    },
  };

  // Progress reports read the counters only; they never change what the day does.
  const onProgress = options.onProgress;
  let steps = 0;
  const progress = (done: boolean) => {
    if (!onProgress) return;
    let busEvents = 0;
    for (const n of Object.values(counters.busEvents)) busEvents += n;
    onProgress({
      now: clock.now(),
      openAt,
      closeAt,
      arrived: records.size,
      interactions: opts.interactions,
      busEvents,
      done,
    });
  };

  const simulation: Schedulable = {
    nextDeadline: () => heap.peekTime(),
    advanceTo: async (now: number) => {
      while (heap.size > 0 && (heap.peekTime() as number) <= now) {
        const ev = heap.pop();
        if ((++steps & 255) === 0) progress(false);
        switch (ev.kind) {
          case 'arrive':
            await handlers.arrive(ev.a);
            break;
          case 'accept':
            await handlers.accept(ev);
            break;
          case 'botTurn':
            await handlers.botTurn(ev.taskId);
            break;
          case 'complete':
            await handlers.complete(ev.taskId);
            break;
          case 'abandon':
            await handlers.abandon(ev.taskId);
            break;
          case 'shift':
            for (const p of roster)
              if (p.shift === ev.shift)
                routing.setWorkerStatus(
                  p.worker.id,
                  ev.on ? 'available' : 'offline',
                  ev.on ? 'shift started' : 'shift ended',
                );
            break;
          case 'escalate': {
            const c = cases.getCase(ev.caseId);
            if (c && c.status !== 'solved' && c.status !== 'closed' && c.priority !== ev.to) {
              cases.setPriority(ev.caseId, ev.to, {
                actor: 'escalation-ladder',
                reason: 'first reply breached',
              });
              counters.priorityRaised++;
              const taskId = activeTaskOfCase.get(ev.caseId);
              const t = taskId === undefined ? undefined : routing.getTask(taskId);
              if (t && (t.status === 'pending' || t.status === 'unrouted'))
                routing.updateTask(t.id, { priority: t.priority + 2 });
            }
            break;
          }
        }
      }
    },
  };

  for (const a of arrivals) {
    arrivalById.set(a.id, a);
    heap.push(a.at, { kind: 'arrive', a });
  }

  // Order matters only within one instant: engines first, the simulation (the host) last, so
  // work the engines hand to the host at an instant is done at that same instant.
  const scheduler = new Scheduler({ clock });
  scheduler.add(routing);
  scheduler.add(cases);
  scheduler.add(insights);
  scheduler.add(simulation);

  await scheduler.runUntil(closeAt);
  const outstanding = () => {
    for (const r of records.values()) if (r.outcome === undefined) return true;
    return records.size < arrivals.length;
  };
  while (outstanding() && clock.now() < hardStop)
    await scheduler.runUntil(Math.min(hardStop, clock.now() + HOUR / 4));
  const endedAt = clock.now();
  for (const r of records.values()) if (r.outcome === undefined) r.outcome = 'carried_over';
  await scheduler.runUntil(endedAt); // close spike windows and fire what is due at the end
  await cases.flush();
  progress(true);

  return {
    options: opts,
    textSource: { kind: text.kind, origin: text.origin },
    openAt,
    closeAt,
    endedAt,
    roster,
    persons,
    interactions: [...records.values()],
    handling,
    counters,
    cases,
    routing,
    insights,
    caseAgent,
    transcripts,
    caseConversation,
    caseCustomer,
    escalatedCases,
    reopenedCases,
  };
}
