// The demo's outage journey, wired: a spike alert from the detector names a topic (the "area");
// every customer who contacted about it so far and whose identities hold a phone or an email is
// `outage.customer_affected`, the journey engine (connected to the bus, driven by the day's
// scheduler) sends the notice through the simulated sender with consent checked, and
// `outage.customer_restored` ends the journeys when the problem is over. The simulation's model of
// what a notice does — a notified customer skips a share of their later contacts about that
// topic — lives in `deflects`; the report measures the effect from events alone.
import { createJourneyEngine, type JourneyEngine } from '@threadline/automation';
import {
  type Clock,
  createConsentService,
  createSendGuard,
  type DocumentStore,
  type EventBus,
  type EventEnvelope,
  type IdentityService,
  type IdGenerator,
  type Schedulable,
} from '@threadline/core';
import type { SignalDetectedEvent } from '@threadline/insights';
import type { InteractionRecord } from '../day/types.js';
import {
  createSimulatedSender,
  OUTAGE_JOURNEY_ID,
  outageJourney,
  seededShare,
  sendingHours,
} from './outageJourney.js';
import type { Arrival } from './traffic.js';

const HOUR = 3_600_000;

/** Options of the demo's outage notices (every share is a documented model input, seeded). */
export interface OutageOptions {
  /**
   * The simulation's model: the chance that a notified customer skips a later contact about the
   * outage's topic (default 0.35). The report never reads it: it measures contacts.
   */
  deflection?: number;
  /** Hours after the alert the problem is over and `outage.customer_restored` is published (default 3). */
  restoreAfterHours?: number;
  /** Share of affected customers who had withdrawn WhatsApp consent (default 0.15). */
  whatsappOptOut?: number;
  /** Share of phone numbers not on WhatsApp: those deliveries fail, SMS takes over (default 0.2). */
  notOnWhatsApp?: number;
}

/** What the outage journey did over the day. */
export interface OutageResult {
  journeyId: string;
  /** The model's deflection probability (an input, for the record; the report measures). */
  deflectionProbability: number;
  /** One row per spike alert: topic, when, and the customers it made affected (new ones). */
  alerts: { topic: string; at: number; affected: number }[];
  /** Every `outage.*` and `journey.*` event of the day, in publication order. */
  events: EventEnvelope[];
  /** The area (topic) each affected customer was notified about (first alert wins). */
  areaOf: Map<string, string>;
  /** Deliveries the simulated sender accepted, per channel. */
  delivered: { whatsapp: number; sms: number; email: number };
  /** Contacts the model removed (simulation truth, not a measurement). */
  modelDeflectedContacts: number;
}

/** Dependencies: the day's engines and records. */
export interface OutageDeps {
  bus: EventBus;
  clock: Clock;
  ids: IdGenerator;
  store: DocumentStore;
  identity: IdentityService;
  /** The day's contact records so far (who contacted about what, and which person they are). */
  records: ReadonlyMap<string, InteractionRecord>;
  seed: number;
  timeZone: string;
  options?: OutageOptions;
}

/** The wired outage notices (internal to the day). */
export interface OutageNotices {
  /** Add to the day's scheduler after insights: publishes what alerts and restorations cause. */
  readonly schedulable: Schedulable;
  /** The journey engine's waits as a scheduler target (add it after `schedulable`). */
  readonly journeySchedulable: Schedulable;
  /** The journey engine, for inspection. */
  readonly engine: JourneyEngine;
  /** The model: true when this arrival does not happen because its person was notified. */
  deflects(a: Arrival): boolean;
  result(): OutageResult;
}

/** Wires the outage journey into a simulated day (see the module comment). */
export function createOutageNotices(deps: OutageDeps): OutageNotices {
  const { bus, clock, ids, store, identity, records, seed } = deps;
  const o = deps.options ?? {};
  const deflection = o.deflection ?? 0.35;
  const restoreAfter = (o.restoreAfterHours ?? 3) * HOUR;
  const optOut = o.whatsappOptOut ?? 0.15;
  const notOnWhatsApp = o.notOnWhatsApp ?? 0.2;

  const consent = createConsentService({ store, clock, ids, optOutPurposes: ['service'] });
  const sender = createSimulatedSender({
    clock,
    notOnWhatsApp: (phone) => seededShare(seed, `wa:${phone}`) < notOnWhatsApp,
  });
  const journeys = createJourneyEngine({
    journeys: [outageJourney()],
    sender,
    guard: createSendGuard({ consent, clock }),
    calendars: { sending: sendingHours(deps.timeZone) },
    clock,
    bus,
  });
  journeys.connect();

  const events: EventEnvelope[] = [];
  const areaOf = new Map<string, string>();
  const alerts: OutageResult['alerts'] = [];
  const pending: { topic: string; at: number }[] = [];
  const restores: { at: number; topic: string; customers: string[] }[] = [];
  /** Person → topics they were notified about, and when (the model reads the person, the truth). */
  const notified = new Map<number, Map<string, number>>();
  const personsOf = new Map<string, Set<number>>();
  let modelDeflected = 0;

  bus.subscribe('outage.*', (e) => {
    events.push(e);
  });
  bus.subscribe('journey.*', (e) => {
    events.push(e);
    if (e.type !== 'journey.message_sent') return;
    const p = e.payload as { customerId: string; stepId: string };
    if (p.stepId !== 'notice') return;
    const area = areaOf.get(p.customerId);
    if (area === undefined) return;
    for (const person of personsOf.get(p.customerId) ?? []) {
      let topics = notified.get(person);
      if (topics === undefined) notified.set(person, (topics = new Map()));
      if (!topics.has(area)) topics.set(area, e.occurredAt);
    }
  });
  bus.subscribe('signal.detected', (e) => {
    const signal = (e as SignalDetectedEvent).payload;
    if (signal.kind === 'spike' && signal.subject.type === 'topic')
      pending.push({ topic: signal.subject.id, at: e.occurredAt });
  });

  const envelope = (type: string, id: string, customerId: string, payload: Record<string, unknown>) => ({
    id,
    type,
    tenantId: 'default',
    aggregateId: customerId,
    aggregateType: 'customer',
    version: 1,
    occurredAt: clock.now(),
    payload: { customerId, ...payload },
  });

  /** The customers who contacted about `topic` so far, with a phone or an email on file. */
  async function affectedBy(topic: string, alert: number): Promise<EventEnvelope[]> {
    const customers: string[] = [];
    for (const r of records.values()) {
      if (r.topicDetected !== topic) continue;
      let persons = personsOf.get(r.customerId);
      if (persons === undefined) {
        personsOf.set(r.customerId, (persons = new Set()));
        customers.push(r.customerId);
      }
      persons.add(r.person);
    }
    const out: EventEnvelope[] = [];
    for (const customerId of customers) {
      if (areaOf.has(customerId)) continue;
      let phone: string | undefined;
      let email: string | undefined;
      for (const i of await identity.identitiesOf(customerId)) {
        if (i.blocked) continue;
        if (i.kind === 'phone') phone ??= i.value;
        if (i.kind === 'email') email ??= i.value;
      }
      if (phone === undefined && email === undefined) continue;
      areaOf.set(customerId, topic);
      if (seededShare(seed, `optout:${customerId}`) < optOut)
        await consent.record(
          { customerId, channel: 'whatsapp', purpose: 'service', granted: false, source: 'whatsapp_stop' },
          { actor: { id: 'simulation', roles: ['system'] } },
        );
      out.push(
        envelope('outage.customer_affected', `outage:${topic}:${alert}:${customerId}`, customerId, {
          area: topic,
          ...(phone === undefined ? {} : { phone }),
          ...(email === undefined ? {} : { email }),
        }),
      );
    }
    return out;
  }

  const schedulable: Schedulable = {
    nextDeadline: () => {
      if (pending.length > 0) return clock.now();
      let next: number | undefined;
      for (const r of restores) if (next === undefined || r.at < next) next = r.at;
      return next;
    },
    advanceTo: async (now: number) => {
      while (pending.length > 0) {
        const alert = pending.shift() as { topic: string; at: number };
        const index = alerts.length;
        const affected = await affectedBy(alert.topic, index);
        alerts.push({ topic: alert.topic, at: alert.at, affected: affected.length });
        if (affected.length === 0) continue;
        restores.push({
          at: alert.at + restoreAfter,
          topic: alert.topic,
          customers: affected.map((e) => e.aggregateId),
        });
        await bus.publish(affected);
        await journeys.idle();
      }
      for (let i = 0; i < restores.length; ) {
        const r = restores[i] as (typeof restores)[number];
        if (r.at > now) {
          i++;
          continue;
        }
        restores.splice(i, 1);
        await bus.publish(
          r.customers.map((c) =>
            envelope('outage.customer_restored', `restored:${r.topic}:${r.at}:${c}`, c, { area: r.topic }),
          ),
        );
        await journeys.idle();
      }
    },
  };

  const journeySchedulable: Schedulable = {
    nextDeadline: () => journeys.nextDeadline(),
    advanceTo: async (now: number) => {
      await journeys.advanceTo(now);
    },
  };

  return {
    schedulable,
    journeySchedulable,
    engine: journeys,
    deflects(a) {
      const at = notified.get(a.person)?.get(a.topic);
      if (at === undefined || a.at < at) return false;
      if (seededShare(seed, `deflect:${a.id}`) >= deflection) return false;
      modelDeflected++;
      return true;
    },
    result: () => ({
      journeyId: OUTAGE_JOURNEY_ID,
      deflectionProbability: deflection,
      alerts,
      events,
      areaOf,
      delivered: { ...sender.delivered },
      modelDeflectedContacts: modelDeflected,
    }),
  };
}
