import {
  applyDeliveryState,
  DELIVERY_STATES,
  type DeliveryRecord,
  type DeliveryState,
  InboundChannelItemSchema,
  SendRequestSchema,
} from '@threadline/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const base: DeliveryRecord = {
  id: 'dlv-1',
  idempotencyKey: 'k1',
  conversationId: 'conv-1',
  channel: 'sms',
  provider: 'twilio',
  to: '+447700900123',
  state: 'queued',
  createdAt: 0,
  updatedAt: 0,
  attempts: 1,
  history: [{ state: 'queued', at: 0, applied: true }],
};

/** What the reports prove, whatever order they came in. */
function expected(states: readonly DeliveryState[]): DeliveryState {
  if (states.includes('read')) return 'read';
  if (states.includes('delivered')) return 'delivered';
  if (states.includes('failed')) return 'failed';
  if (states.includes('sent')) return 'sent';
  return 'queued';
}

describe('applyDeliveryState', () => {
  it('never moves backwards when callbacks arrive out of order, and keeps every report', () => {
    let r = applyDeliveryState(base, { state: 'delivered', at: 30 });
    r = applyDeliveryState(r, { state: 'sent', at: 10 });
    expect(r.state).toBe('delivered');
    expect(r.history.map((h) => [h.state, h.applied])).toEqual([
      ['queued', true],
      ['sent', false],
      ['delivered', true],
    ]);
    expect(r.updatedAt).toBe(30);
  });

  it('a failure after delivery does not undo it; a delivery after a failure proves it', () => {
    const delivered = applyDeliveryState(base, { state: 'delivered', at: 5 });
    expect(applyDeliveryState(delivered, { state: 'failed', at: 6 }).state).toBe('delivered');
    const failed = applyDeliveryState(base, {
      state: 'failed',
      at: 5,
      error: { code: '30003', message: 'unreachable' },
    });
    expect(failed.state).toBe('failed');
    expect(failed.error).toEqual({ code: '30003', message: 'unreachable', retryable: false });
    const healed = applyDeliveryState(failed, { state: 'delivered', at: 7 });
    expect(healed.state).toBe('delivered');
    expect(healed.error).toBeUndefined();
  });

  it('the final state depends only on the set of reports, not their order (property)', () => {
    const report = fc.record({
      state: fc.constantFrom(...DELIVERY_STATES),
      at: fc.integer({ min: 1, max: 1000 }),
    });
    fc.assert(
      fc.property(fc.array(report, { maxLength: 8 }), fc.infiniteStream(fc.nat()), (reports, seeds) => {
        const shuffled = [...reports];
        for (let i = shuffled.length - 1; i > 0; i--) {
          const j = (seeds.next().value as number) % (i + 1);
          [shuffled[i], shuffled[j]] = [
            shuffled[j] as (typeof shuffled)[number],
            shuffled[i] as (typeof shuffled)[number],
          ];
        }
        const a = reports.reduce(applyDeliveryState, base);
        const b = shuffled.reduce(applyDeliveryState, base);
        expect(a.state).toBe(b.state);
        expect(a.state).toBe(expected(['queued', ...reports.map((r) => r.state)]));
        expect(a.history).toHaveLength(reports.length + 1);
      }),
    );
  });
});

describe('normalised channel schemas', () => {
  it('parse a message with defaults and reject a message without identities, naming the path', () => {
    const ok = InboundChannelItemSchema.parse({
      kind: 'message',
      channel: 'sms',
      provider: 'twilio',
      occurredAt: 1,
      providerMessageId: 'SM1',
      from: { identities: [{ kind: 'phone', value: '+447700900123' }] },
      to: '+15005550006',
      text: 'hi',
    });
    expect(ok.kind === 'message' && ok.attachments).toEqual([]);
    const bad = InboundChannelItemSchema.safeParse({ ...ok, from: { identities: [] } });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.path).toEqual(['from', 'identities']);
  });

  it('a send request needs some content', () => {
    const r = SendRequestSchema.safeParse({
      conversationId: 'c',
      channel: 'email',
      to: 'a@example.com',
      content: {},
      idempotencyKey: 'k',
    });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.path).toEqual(['content', 'text']);
  });
});
