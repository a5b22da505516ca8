// The contact's life in a simulated day: arrival (identity, conversation, case, routing task),
// an offer accepted (or let ring out), the bot's turn (contained or handed off with context), the
// person's reply and wrap-up, and abandonment.
import { buildHandoffPacket } from '@threadline/core';
import { analyzeSentiment } from '@threadline/insights';
import { type AgentProfile, asTopic } from '../center/config.js';
import type { Arrival, Person } from '../center/traffic.js';
import type { DayActions } from './actions.js';
import { agentWords } from './helpers.js';
import type { DayState } from './state.js';
import type { InteractionRecord } from './types.js';

/** The simulation's handlers of one contact's steps (internal). */
export type ContactHandlers = ReturnType<typeof createContactHandlers>;

/** Builds the contact handlers over the day's state and the host actions. */
export function createContactHandlers(s: DayState, act: DayActions) {
  const {
    clock,
    ids,
    store,
    identity,
    contexts,
    routing,
    cases,
    persons,
    records,
    arrivalById,
    profiles,
    activeTaskOfCase,
    caseByIssue,
    caseAgent,
    caseConversation,
    caseCustomer,
    casesByCustomer,
    reopenedCases,
    contactsByCustomer,
    transcripts,
    rejectedOnce,
    conversations,
    counters,
    heap,
    understand,
    sentimentByCustomer,
    csatOfCase,
  } = s;
  const {
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
  } = act;
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
      const contactsSoFar = (contactsByCustomer.get(customerId) ?? 0) + 1;
      contactsByCustomer.set(customerId, contactsSoFar);
      const repeat = contactsSoFar > 1;
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
      let issues = caseByIssue.get(customerId);
      if (issues === undefined) caseByIssue.set(customerId, (issues = new Map()));
      let caseId = issues.get(detected);
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
        issues.set(detected, caseId);
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
      const previous = caseConversation.get(record.caseId);
      caseConversation.set(record.caseId, a.id);
      forgetTranscript(previous);
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
        await finishContact(r);
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
        // The case's survey score for QA is its latest-arriving contact's (as the report reads it).
        const prev = csatOfCase?.get(r.caseId);
        if (prev === undefined || prev.at < r.arrivedAt || (prev.at === r.arrivedAt && prev.id < r.id))
          csatOfCase?.set(r.caseId, { at: r.arrivedAt, id: r.id, csat: r.csat });
      }
      await finishContact(r);
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
      await finishContact(r);
      await measure(r);
    },
  };
  return handlers;
}
