// The demo's proactive outage notice: the journey definition, the sending hours, and a simulated
// ChannelSender (WhatsApp, SMS, email) whose WhatsApp deliveries fail for numbers that are not on
// WhatsApp, so the WhatsApp → SMS → email fallback is exercised.
import type { JourneyDefinition } from '@threadline/automation';
import {
  type BusinessCalendar,
  type ChannelSender,
  type Clock,
  createBusinessCalendar,
  type DeliveryRecord,
} from '@threadline/core';

/** Id of the demo's outage journey. */
export const OUTAGE_JOURNEY_ID = 'outage-notice';

/**
 * The outage journey: entered by `outage.customer_affected`, a notice on WhatsApp → SMS → email
 * (purpose `service`: consent is checked, a withdrawal is respected), an update two hours later,
 * then open until `outage.customer_restored` (the goal) ends it. A tenth of the affected customers are held
 * out (they receive nothing) so the report can measure what the notice changed.
 */
export function outageJourney(): JourneyDefinition {
  return {
    id: OUTAGE_JOURNEY_ID,
    version: 1,
    trigger: {
      on: 'outage.customer_affected',
      capture: {
        whatsapp: 'payload.phone',
        sms: 'payload.phone',
        email: 'payload.email',
        area: 'payload.area',
      },
    },
    goal: { on: 'outage.customer_restored' },
    split: { seed: 'outage-2026', holdout: 0.1, variants: [{ id: 'notify', weight: 1 }] },
    quietHours: { calendar: 'sending' },
    steps: [
      {
        type: 'send',
        id: 'notice',
        channels: ['whatsapp', 'sms', 'email'],
        purpose: 'service',
        content: {
          subject: 'We know about the {{data.area}} problem',
          text: 'We know about the {{data.area}} problem and are working on it: no need to call, we will keep you posted here.',
        },
      },
      { type: 'wait', id: 'later', duration: { hours: 2 } },
      {
        type: 'send',
        id: 'update',
        channels: ['whatsapp', 'sms', 'email'],
        purpose: 'service',
        content: {
          subject: 'Update on the {{data.area}} problem',
          text: 'Still on it: the {{data.area}} problem is not over yet. We will tell you when it is.',
        },
      },
      // Open until the problem is over: the goal event ends the journey (exit reason `goal`).
      { type: 'wait_for', id: 'restored', event: 'outage.customer_restored', timeout: { days: 2 } },
    ],
  };
}

/** The hours the demo sends proactive messages: 08:00–21:00 every day, in the center's zone. */
export function sendingHours(timeZone: string): BusinessCalendar {
  const day: [string, string][] = [['08:00', '21:00']];
  return createBusinessCalendar({
    timeZone,
    hours: { mon: day, tue: day, wed: day, thu: day, fri: day, sat: day, sun: day },
  });
}

/** A stable number in [0, 1) for a seed and a key (FNV-1a), independent of call order. */
export function seededShare(seed: number, key: string): number {
  let h = 0x811c9dc5 ^ (seed | 0);
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  h ^= h >>> 12;
  return (h >>> 0) / 4_294_967_296;
}

/** The simulated sender and what it delivered. */
export interface SimulatedSender extends ChannelSender {
  /** Accepted deliveries per channel. */
  readonly delivered: Record<'whatsapp' | 'sms' | 'email', number>;
}

/**
 * A ChannelSender for the simulation: idempotent by key; WhatsApp fails (`failed` record) for the
 * numbers `notOnWhatsApp` picks, so the journey falls back to SMS.
 */
export function createSimulatedSender(options: {
  clock: Clock;
  notOnWhatsApp: (phone: string) => boolean;
}): SimulatedSender {
  const records = new Map<string, DeliveryRecord>();
  const delivered = { whatsapp: 0, sms: 0, email: 0 };
  return {
    name: 'simulated',
    channels: ['whatsapp', 'sms', 'email'],
    delivered,
    async send(request) {
      const existing = records.get(request.idempotencyKey);
      if (existing) return existing;
      const now = options.clock.now();
      const failed = request.channel === 'whatsapp' && options.notOnWhatsApp(request.to);
      const record: DeliveryRecord = {
        id: `dlv-${records.size + 1}`,
        idempotencyKey: request.idempotencyKey,
        conversationId: request.conversationId,
        channel: request.channel,
        provider: 'simulated',
        to: request.to,
        state: failed ? 'failed' : 'sent',
        createdAt: now,
        updatedAt: now,
        attempts: 1,
        history: [{ state: failed ? 'failed' : 'sent', at: now, applied: true }],
      };
      records.set(request.idempotencyKey, record);
      if (!failed && request.channel in delivered) delivered[request.channel as keyof typeof delivered]++;
      return record;
    },
    async applyStatus() {
      return undefined;
    },
    async getDelivery(ref) {
      if ('idempotencyKey' in ref) return records.get(ref.idempotencyKey);
      for (const r of records.values()) if (r.id === ref.id) return r;
      return undefined;
    },
  };
}
