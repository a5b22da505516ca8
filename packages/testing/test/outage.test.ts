// The demo's outage journey in a simulated day: spike alerts make the customers who contacted about
// the topic (with a phone or an email on file) `outage.customer_affected`; the journey notifies
// the treatment group with WhatsApp → SMS → email fallback and consent respected, holds a tenth
// out, ends on restoration; the report measures contacts against the holdout from events.
import type { EventEnvelope } from '@threadline/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildDayReport, type DayResult, OUTAGE_JOURNEY_ID, simulateDay } from '../src/index.js';

const DAY = { agents: 20, interactions: 800, seed: 2026 } as const;
const payload = (e: EventEnvelope) => e.payload as Record<string, string>;

describe('the outage journey in a simulated day', () => {
  let day: DayResult;
  beforeAll(async () => {
    day = await simulateDay(DAY);
  }, 120_000);

  it('alerts enter the affected customers once each, with a phone or an email, a tenth held out', () => {
    const o = day.outage;
    expect(o?.journeyId).toBe(OUTAGE_JOURNEY_ID);
    if (o === undefined) return;
    expect(o.alerts.length).toBeGreaterThan(0);
    const affected = o.events.filter((e) => e.type === 'outage.customer_affected');
    expect(affected).toHaveLength(o.alerts.reduce((s, a) => s + a.affected, 0));
    expect(new Set(affected.map((e) => payload(e).customerId)).size).toBe(affected.length);
    for (const e of affected) expect(payload(e).phone ?? payload(e).email).toBeDefined();
    const entered = o.events.filter((e) => e.type === 'journey.entered');
    expect(entered).toHaveLength(affected.length);
    const held = entered.filter((e) => payload(e).group === 'holdout').length;
    expect(held / entered.length).toBeGreaterThan(0.03);
    expect(held / entered.length).toBeLessThan(0.2);
  });

  it('sends with fallback and consent: the holdout gets nothing, no WhatsApp after a withdrawal', () => {
    const o = day.outage as NonNullable<DayResult['outage']>;
    const group = new Map<string, string>();
    for (const e of o.events)
      if (e.type === 'journey.entered')
        group.set(payload(e).customerId as string, payload(e).group as string);
    const sent = o.events.filter((e) => e.type === 'journey.message_sent');
    expect(sent.some((e) => group.get(payload(e).customerId as string) === 'holdout')).toBe(false);
    const skipped = o.events.filter((e) => e.type === 'journey.channel_skipped');
    const reasons = new Set(skipped.map((e) => `${payload(e).channel}:${payload(e).reason}`));
    for (const r of ['whatsapp:no_consent', 'whatsapp:failed', 'whatsapp:no_address'])
      expect(reasons).toContain(r);
    // A customer whose WhatsApp consent is withdrawn is reached on another channel, never WhatsApp.
    const refused = new Set(
      skipped.filter((e) => payload(e).reason === 'no_consent').map((e) => payload(e).customerId),
    );
    for (const e of sent)
      if (refused.has(payload(e).customerId)) expect(payload(e).channel).not.toBe('whatsapp');
    expect(Object.values(o.delivered).reduce((s, n) => s + n, 0)).toBe(sent.length);
    // Every treated customer got the notice on some channel (each has a phone or an email).
    const notices = new Set(
      sent.filter((e) => payload(e).stepId === 'notice').map((e) => payload(e).customerId),
    );
    expect(notices.size).toBe([...group.values()].filter((g) => g === 'treatment').length);
    // Restoration (the goal) ends the journeys of the alerts restored before the day ended.
    expect(o.events.some((e) => e.type === 'journey.exited' && payload(e).reason === 'goal')).toBe(true);
  });

  it('the report measures deflection from contacts, apart from the model', () => {
    const report = buildDayReport(day).outage;
    expect(report).not.toBeNull();
    if (report === null) return;
    const d = report.deflection;
    expect(d.treatment.customers + d.holdout.customers + d.pending).toBe(
      report.entered.treatment + report.entered.holdout,
    );
    expect(d.interval).not.toBeNull();
    expect(d.difference).toBe(Number(((d.treatment.rate as number) - (d.holdout.rate as number)).toFixed(3)));
    expect(report.model.deflectedContacts).toBe(DAY.interactions - day.interactions.length);
  });

  it('with the model off (deflection 0) notices go out and no contact is removed', async () => {
    const off = await simulateDay({ ...DAY, outage: { deflection: 0 } });
    expect(off.interactions).toHaveLength(DAY.interactions);
    expect(off.outage?.modelDeflectedContacts).toBe(0);
    expect(off.outage?.events.some((e) => e.type === 'journey.message_sent')).toBe(true);
  }, 120_000);
});
