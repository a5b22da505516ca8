import type { Channel, ChannelSender, DeliveryRecord, EventEnvelope, SendRequest } from '@threadline/core';

/** A sender that records what it sent, idempotent by key, failing on the channels in `fail`. */
export interface RecordingSender extends ChannelSender {
  /** Every accepted request (one per idempotency key). */
  sent: SendRequest[];
  /** Every call, duplicates included. */
  calls: number;
  fail: Set<Channel>;
}

export function recordingSender(
  channels: Channel[] = ['whatsapp', 'sms', 'email'],
  fail: Channel[] = [],
): RecordingSender {
  const records = new Map<string, DeliveryRecord>();
  const sender: RecordingSender = {
    name: 'recording',
    channels,
    sent: [],
    calls: 0,
    fail: new Set(fail),
    async send(request) {
      sender.calls++;
      const existing = records.get(request.idempotencyKey);
      if (existing) return existing;
      const failed = sender.fail.has(request.channel);
      const record: DeliveryRecord = {
        id: `dlv-${records.size + 1}`,
        idempotencyKey: request.idempotencyKey,
        conversationId: request.conversationId,
        channel: request.channel,
        provider: 'recording',
        to: request.to,
        state: failed ? 'failed' : 'sent',
        createdAt: 0,
        updatedAt: 0,
        attempts: 1,
        history: [],
      };
      records.set(request.idempotencyKey, record);
      if (!failed) sender.sent.push(request);
      return record;
    },
    async applyStatus() {
      return undefined;
    },
    async getDelivery(ref) {
      if ('idempotencyKey' in ref) return records.get(ref.idempotencyKey);
      return [...records.values()].find((r) => r.id === ref.id);
    },
  };
  return sender;
}

let n = 0;
/** A minimal event envelope. */
export function event(
  type: string,
  payload: Record<string, unknown>,
  extra: Partial<EventEnvelope> = {},
): EventEnvelope {
  n++;
  return {
    id: `e-${n}`,
    type,
    tenantId: 'default',
    aggregateId: String(payload.customerId ?? 'x'),
    aggregateType: 'test',
    version: 1,
    occurredAt: 0,
    payload,
    ...extra,
  };
}
