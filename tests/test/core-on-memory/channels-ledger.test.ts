import { createMemoryStorage } from '@threadline/adapter-memory';
import {
  createDeliveryLedger,
  createIdGenerator,
  isThreadlineError,
  ManualClock,
  SendRequestSchema,
} from '@threadline/core';
import { describe, expect, it } from 'vitest';

function setup() {
  const clock = new ManualClock(1_000);
  const storage = createMemoryStorage();
  const ids = createIdGenerator({ clock, seed: 1 });
  const ledger = createDeliveryLedger({ store: storage.documents, clock, ids, provider: 'twilio' });
  const request = SendRequestSchema.parse({
    conversationId: 'conv-1',
    channel: 'sms',
    to: '+447700900123',
    content: { text: 'hello' },
    idempotencyKey: 'reply-1',
  });
  return { clock, storage, ids, ledger, request };
}

describe('createDeliveryLedger', () => {
  it('makes one record per idempotency key, also when two sends race', async () => {
    const { ledger, request } = setup();
    const [a, b] = await Promise.all([ledger.begin(request), ledger.begin(request)]);
    expect([a.status, b.status].sort()).toEqual(['duplicate', 'new']);
    expect(a.record.id).toBe(b.record.id);
    expect((await ledger.get({ idempotencyKey: 'reply-1' }))?.id).toBe(a.record.id);
  });

  it('settles with the provider id and reconciles callbacks that arrive out of order', async () => {
    const { ledger, request, clock } = setup();
    const { record } = await ledger.begin(request);
    clock.advance(10);
    const sent = await ledger.settle(record.id, { state: 'sent', providerMessageId: 'SM9', attempts: 2 });
    expect(sent).toMatchObject({ state: 'sent', providerMessageId: 'SM9', attempts: 2 });
    await ledger.applyStatus({ providerMessageId: 'SM9', state: 'read', occurredAt: 3_000 });
    const late = await ledger.applyStatus({
      providerMessageId: 'SM9',
      state: 'delivered',
      occurredAt: 2_000,
    });
    expect(late?.state).toBe('read');
    expect(late?.history.map((h) => h.state)).toEqual(['queued', 'sent', 'delivered', 'read']);
    expect(
      await ledger.applyStatus({ providerMessageId: 'unknown', state: 'read', occurredAt: 1 }),
    ).toBeUndefined();
  });

  it('records a refused send as failed with its error, and names a missing record', async () => {
    const { ledger, request } = setup();
    const { record } = await ledger.begin(request);
    const failed = await ledger.settle(record.id, {
      state: 'failed',
      error: { code: '21211', message: 'invalid To number', retryable: false },
      attempts: 1,
    });
    expect(failed.state).toBe('failed');
    expect(failed.error).toEqual({ code: '21211', message: 'invalid To number', retryable: false });
    const error = await ledger
      .settle('nope', { state: 'sent', providerMessageId: 'x', attempts: 1 })
      .catch((e: unknown) => e);
    expect(isThreadlineError(error) && error.code).toBe('NOT_FOUND');
  });

  it('serves one tenant and says so', async () => {
    const { storage, clock, ids, request } = setup();
    const ledger = createDeliveryLedger({
      store: storage.documents,
      clock,
      ids,
      provider: 'twilio',
      tenantId: 'acme',
    });
    const error = await ledger.begin({ ...request, tenantId: 'other' }).catch((e: unknown) => e);
    expect(isThreadlineError(error) && error.code).toBe('VALIDATION');
    const { record } = await ledger.begin({ ...request, tenantId: 'acme' });
    expect(await storage.documents.get('channel_deliveries', record.id, { tenantId: 'acme' })).toBeDefined();
  });
});
