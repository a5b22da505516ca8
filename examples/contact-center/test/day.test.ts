import { createRandom } from '@threadline/core';
import type { DayReport } from '@threadline/testing';
import { buildDayReport, type DayResult } from '@threadline/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { formatReport } from '../src/report.js';
import { simulateDemoDay } from '../src/simulation.js';
import { corpusText, loadText } from '../src/text.js';

// A scaled-down day: 20 agents (1 bot), 500 contacts, on the demo's corpus.
const SMALL = { agents: 20, interactions: 500 } as const;

describe('simulated contact-center day (20 agents, 500 interactions)', () => {
  let day: DayResult;
  let report: DayReport;

  beforeAll(async () => {
    // Closed cases stay in the engine so these checks can read every case's SLA record there (the
    // report is the same as with them folded away: packages/testing/test/caseClosing.test.ts).
    day = await simulateDemoDay({ ...SMALL, keepClosedCases: true });
    report = buildDayReport(day);
  });

  it('loses nothing: every contact ends handled by a person, resolved by a bot or abandoned', () => {
    // Every drawn contact happened, or the outage notice's model (a notified customer skips some
    // later contacts about the outage) removed it.
    const removed = day.outage?.modelDeflectedContacts ?? 0;
    expect(day.interactions.length + removed).toBe(500);
    expect(new Set(day.interactions.map((r) => r.id)).size).toBe(500 - removed);
    for (const r of day.interactions) {
      expect(['completed', 'contained', 'abandoned']).toContain(r.outcome);
      if (r.outcome === 'completed') {
        expect(r.agentId).toMatch(/^agent-/);
        expect(r.answeredAt).toBeGreaterThanOrEqual(r.offeredAt as number);
        expect(r.completedAt).toBeGreaterThan(r.answeredAt as number);
      }
      if (r.outcome === 'contained') {
        expect(r.channel).toBe('chat');
        expect(r.botId).toMatch(/^bot-/);
        expect(r.agentId).toBeUndefined();
      }
      if (r.outcome === 'abandoned') {
        expect(r.answeredAt).toBeUndefined();
        expect(r.abandonedAt).toBeGreaterThan(r.offeredAt as number);
      }
      // The routing engine forgets a task once it is completed or canceled.
      expect(day.routing.getTask(r.id)).toBeUndefined();
    }
    expect(report.outcomes.completed + report.outcomes.contained + report.outcomes.abandoned).toBe(
      day.interactions.length,
    );
    expect(report.outcomes.carried_over).toBe(0);
    expect(report.outcomes.contained).toBeGreaterThan(0);
    expect(report.outcomes.abandoned).toBeGreaterThan(0);
  });

  it('puts every chat in front of a bot first, and hands the rest to people with the packet', () => {
    const chats = day.interactions.filter((r) => r.channel === 'chat');
    expect(chats.length).toBeGreaterThan(0);
    for (const r of chats) expect(r.botId).toMatch(/^bot-/);
    const handedOff = chats.filter((r) => r.handoff !== undefined);
    expect(handedOff.length).toBeGreaterThan(0);
    // Explicit handoffs carry the assembled customer context: the case providers and the
    // insights provider answered, and the customer's sentiment so far and cases are in it.
    const explicit = handedOff.filter((r) => r.handoff?.withContext);
    expect(explicit.length).toBeGreaterThan(0);
    for (const r of explicit) {
      expect(r.handoff?.context?.failedProviders).toBe(0);
      expect(r.handoff?.context?.cases).toBeGreaterThan(0);
    }
    expect(explicit.some((r) => (r.handoff?.context?.sentimentPoints ?? 0) > 0)).toBe(true);
    for (const r of handedOff) if (r.answeredAt !== undefined) expect(r.handoff?.packetReceived).toBe(true);
    expect(report.routing.handoffPacketsReceived).toBe(report.routing.handedOffAnswered);
  });

  it('never puts an agent over capacity (engine accounting and an independent sweep)', () => {
    expect(day.counters.capacityViolations).toEqual([]);
    // Independent check from the records: concurrent busy units per agent and channel.
    const events = new Map<string, [number, number][]>();
    for (const r of day.interactions) {
      if (r.agentId === undefined || r.answeredAt === undefined) continue;
      const end = (r.completedAt as number) + (r.wrapMs ?? 0);
      const key = `${r.agentId}|${r.channel}`;
      const list = events.get(key) ?? [];
      list.push([r.answeredAt, 1], [end, -1]);
      events.set(key, list);
    }
    expect(events.size).toBeGreaterThan(0);
    for (const [key, list] of events) {
      const [agentId, channel] = key.split('|') as [string, string];
      const profile = day.roster.find((p) => p.worker.id === agentId);
      const cap = profile?.worker.capacity[channel];
      const slots = typeof cap === 'object' ? Math.floor(cap.units / (cap.weight ?? 1)) : (cap ?? 0);
      let busy = 0;
      for (const [, d] of list.sort((a, b) => a[0] - b[0] || a[1] - b[1])) {
        busy += d;
        expect(busy).toBeLessThanOrEqual(slots);
      }
    }
  });

  it('counts SLA breaches on the bus exactly as the cases record them, and escalates each first-reply breach', () => {
    let instances = 0;
    let firstReply = 0;
    for (const caseId of new Set(day.interactions.map((r) => r.caseId)))
      for (const m of day.cases.getSla(caseId)) {
        if (m.breachedAt === undefined) continue;
        instances++;
        if (m.metric === 'first_reply') firstReply++;
      }
    expect(instances).toBeGreaterThan(0);
    expect(day.counters.slaBreachedEvents).toBe(instances);
    expect(report.cases.slaBreachedEvents).toBe(report.cases.breachedMetricInstances);
    expect(day.counters.escalationsTriggered).toBe(firstReply);
    // Every case ends solved: people answered, bots resolved, or the customer left.
    expect(report.cases.stillOpen).toBe(0);
  });

  it('resolves repeat customers across channels through the identity service', () => {
    expect(report.identity.matched).toBeGreaterThan(0);
    expect(report.identity.crossChannelCustomers).toBeGreaterThan(0);
    expect(report.identity.customersCreated + report.identity.matched).toBe(day.interactions.length);
    // Fewer customers than contacts: repeat contacts found their customer.
    expect(new Set(day.interactions.map((r) => r.customerId)).size).toBeLessThan(500);
  });

  it('reviews a sample of solved cases with the QA scorecard', () => {
    expect(report.qa.sampled).toBeGreaterThan(0);
    expect(report.qa.meanScore).not.toBeNull();
    expect(report.qa.passRate).toBeGreaterThan(0);
    expect(report.qa.passRate).toBeLessThan(1);
  });

  it('is deterministic: the same seed gives the same report, another seed a different one', async () => {
    const again = buildDayReport(await simulateDemoDay(SMALL));
    expect(JSON.stringify(again)).toBe(JSON.stringify(report));
    expect(formatReport(again)).toBe(formatReport(report));
    const other = buildDayReport(await simulateDemoDay({ ...SMALL, seed: 7 }));
    expect(JSON.stringify(other)).not.toBe(JSON.stringify(report));
  });
});

describe('the storm', () => {
  it('is found by spike detection as a disruptions burst between 15:00 and 15:45', async () => {
    const report = buildDayReport(await simulateDemoDay({ agents: 40, interactions: 3000 }));
    const tail = report.insights.spikes.filter((s) => s.detectors.includes('tail'));
    expect(tail.some((s) => s.topic === 'disruptions' && s.window >= '15:00' && s.window <= '15:45')).toBe(
      true,
    );
    // The strongest alert of the day is the storm, not the morning ramp.
    const strongest = [...report.insights.spikes].sort(
      (a, b) => b.count / b.expected - a.count / a.expected,
    )[0];
    expect(strongest?.topic).toBe('disruptions');
    expect(strongest?.window.startsWith('15:')).toBe(true);
  });
});

describe('customer text', () => {
  it("comes from the example's own corpus: every first message is one of its utterances", async () => {
    const text = loadText(createRandom(2026 ^ 0x5eed));
    const day = await simulateDemoDay({ agents: 10, interactions: 100 });
    expect(day.textSource.kind).toBe('corpus');
    const texts = new Set(Object.values(text.byTopic).flatMap((l) => l.map((u) => u.text)));
    // What each customer wrote first, and every transcript the day kept (QA's), start from the corpus.
    expect(day.traffic.arrivals.every((a) => texts.has(a.utterance.text))).toBe(true);
    const kept = [...day.transcripts.values()];
    expect(kept.length).toBeGreaterThan(0);
    expect(kept.every((lines) => texts.has(lines[0]?.text ?? ''))).toBe(true);
  });

  it('is varied, labelled with every sentiment, and deterministic for a seed', () => {
    const a = corpusText(createRandom(1));
    const b = corpusText(createRandom(1));
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    for (const list of Object.values(a.byTopic)) {
      expect(list).toHaveLength(600);
      expect(new Set(list.map((u) => u.text)).size).toBeGreaterThan(400);
      expect(new Set(list.map((u) => u.sentiment))).toEqual(new Set(['negative', 'neutral', 'positive']));
      for (const u of list) expect(u.text).not.toMatch(/[{}]/);
    }
  });
});
