// The outage journey's section of the report: alerts, notices per channel, skipped channels, and
// the deflection measured against the holdout with insights' `journeyDeflection` — from events
// alone (`journey.entered` and the affected customers' contacts about the outage's topic), never
// from the simulation's deflection probability, which is reported apart as the model's input.
import { journeyDeflection } from '@threadline/insights';
import type { DayResult } from '../day/types.js';
import { localClock, round } from './util.js';

/** Hours after the notice a contact counts (the day ends a few hours after the afternoon alerts). */
export const OUTAGE_WINDOW_HOURS = 4;

/** One group of the experiment. */
export interface OutageGroupRow {
  /** Customers measured (entered, window closed by the end of the day). */
  customers: number;
  /** Of them, customers who contacted about the outage's topic within the window. */
  contacted: number;
  rate: number | null;
  /** Contacts about the topic per customer within the window. */
  contactsPerCustomer: number | null;
}

/** The outage journey's report section. */
export interface OutageReport {
  journeyId: string;
  /** Spike alerts that started notices: topic, local time, customers newly affected. */
  alerts: { topic: string; at: string; affected: number }[];
  /** Customers entered (affected with a phone or an email), by group. */
  entered: { treatment: number; holdout: number };
  /** Messages sent by step and by channel. */
  sent: { notice: number; update: number; byChannel: Record<string, number> };
  /** Channels passed over, as `channel: reason` (no consent, no address, delivery failed). */
  skipped: Record<string, number>;
  /** Sends where no channel was left. */
  sendFailed: number;
  /** Journeys ended by `outage.customer_restored` (the goal). */
  restored: number;
  /** Contacts about the outage's topic within the window after entering: treatment vs holdout. */
  deflection: {
    windowHours: number;
    treatment: OutageGroupRow;
    holdout: OutageGroupRow;
    /** Treatment rate − holdout rate (negative: fewer contacted). */
    difference: number | null;
    /** 95 % confidence interval of the difference (unpooled Wald). */
    interval: [number, number] | null;
    relativeLift: number | null;
    pValue: number | null;
    significant: boolean;
    /** Contacts avoided, scaled to the treatment group: (holdout − treatment contacts per customer) × treated. */
    deflectedContacts: number | null;
    /** Customers whose window had not closed when the day ended (left out). */
    pending: number;
  };
  /** The simulation's model, for the record (inputs and truth, not measurements). */
  model: { deflectionProbability: number; deflectedContacts: number };
}

const group = (
  g: { n: number; x: number; rate: number | null },
  perCustomer: number | null,
): OutageGroupRow => ({
  customers: g.n,
  contacted: g.x,
  rate: round(g.rate),
  contactsPerCustomer: round(perCustomer),
});

/** The outage section of the report, or `null` when the day ran without the outage journey. */
export function outageReport(day: DayResult): OutageReport | null {
  const o = day.outage;
  if (o === undefined) return null;
  const local = localClock(day.options.timeZone);
  // What the measurement reads: the journey's entries, and each affected customer's contacts
  // about the topic they were notified about (as the system classified them).
  const contacts = [];
  for (const r of day.interactions) {
    const area = o.areaOf.get(r.customerId);
    if (area === undefined || r.topicDetected !== area) continue;
    contacts.push({
      id: r.id,
      type: 'contact.arrived',
      occurredAt: r.arrivedAt,
      payload: { customerId: r.customerId },
    });
  }
  const entries = o.events.filter((e) => e.type === 'journey.entered');
  const d = journeyDeflection([...entries, ...contacts], {
    journeyId: o.journeyId,
    contact: 'contact.arrived',
    window: { hours: OUTAGE_WINDOW_HOURS },
    asOf: day.endedAt,
  });

  const entered = { treatment: 0, holdout: 0 };
  const sent = { notice: 0, update: 0, byChannel: {} as Record<string, number> };
  const skipped: Record<string, number> = {};
  let sendFailed = 0;
  let restored = 0;
  for (const e of o.events) {
    const p = e.payload as Record<string, string>;
    if (e.type === 'journey.entered') entered[p.group === 'holdout' ? 'holdout' : 'treatment']++;
    else if (e.type === 'journey.message_sent') {
      if (p.stepId === 'notice') sent.notice++;
      else sent.update++;
      sent.byChannel[p.channel as string] = (sent.byChannel[p.channel as string] ?? 0) + 1;
    } else if (e.type === 'journey.channel_skipped') {
      const k = `${p.channel}: ${p.reason}`;
      skipped[k] = (skipped[k] ?? 0) + 1;
    } else if (e.type === 'journey.send_failed') sendFailed++;
    else if (e.type === 'journey.exited' && p.reason === 'goal') restored++;
  }
  return {
    journeyId: o.journeyId,
    alerts: o.alerts.map((a) => ({ topic: a.topic, at: local(a.at), affected: a.affected })),
    entered,
    sent,
    skipped: Object.fromEntries(Object.entries(skipped).sort(([a], [b]) => a.localeCompare(b))),
    sendFailed,
    restored,
    deflection: {
      windowHours: OUTAGE_WINDOW_HOURS,
      treatment: group(d.treatment, d.contactsPerCustomer.treatment),
      holdout: group(d.control, d.contactsPerCustomer.control),
      difference: round(d.difference),
      interval: d.interval === null ? null : [round(d.interval[0]) as number, round(d.interval[1]) as number],
      relativeLift: round(d.relativeLift),
      pValue: round(d.pValue, 4),
      significant: d.significant,
      deflectedContacts: round(d.deflectedContacts, 1),
      pending: d.pending,
    },
    model: { deflectionProbability: o.deflectionProbability, deflectedContacts: o.modelDeflectedContacts },
  };
}
