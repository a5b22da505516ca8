// Identity delivery: a bus failing after commit never fails the operation; with a storage bundle,
// events are committed to the outbox in the same transaction as the documents.
import { createMemoryDocumentStore, createMemoryStorage } from '@threadline/adapter-memory';
import {
  createIdentityService,
  createInProcessEventBus,
  createOutboxRelay,
  createSequentialIds,
  type DeliveryErrorContext,
  type DocumentStore,
  type EventEnvelope,
  IDENTITY_COLLECTIONS,
  ManualClock,
  type TransactionContext,
} from '@threadline/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const T0 = Date.UTC(2026, 0, 5, 9);
const supervisor = { id: 'sup-1', roles: ['supervisor'] };
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
beforeEach(() => {
  unhandled.length = 0;
  process.on('unhandledRejection', onUnhandled);
});
afterEach(() => {
  process.off('unhandledRejection', onUnhandled);
});

/** The store, with transactions whose puts to `failOn` throw (to make a commit fail midway). */
function failingPuts(documents: DocumentStore, failOn: { collection: string | undefined }): DocumentStore {
  return new Proxy(documents, {
    get(target, key) {
      if (key === 'transaction') {
        return <R>(fn: (tx: TransactionContext) => Promise<R>) =>
          (target.transaction as NonNullable<DocumentStore['transaction']>)((tx) =>
            fn({
              ...tx,
              documents: new Proxy(tx.documents, {
                get(t, k) {
                  const v = Reflect.get(t, k, t);
                  if (k === 'put') {
                    return (collection: string, ...rest: unknown[]) => {
                      if (collection === failOn.collection) throw new Error(`write to ${collection} failed`);
                      return (v as (...a: unknown[]) => unknown).call(t, collection, ...rest);
                    };
                  }
                  return typeof v === 'function' ? v.bind(t) : v;
                },
              }),
            }),
          );
      }
      const v = Reflect.get(target, key, target);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}

describe('identity delivery', () => {
  it('a bus that rejects after commit: resolve and merge still succeed, the failure is counted and reported', async () => {
    const reports: DeliveryErrorContext[] = [];
    const store = createMemoryDocumentStore();
    const service = createIdentityService({
      store,
      clock: new ManualClock(T0),
      ids: createSequentialIds(),
      bus: { publish: () => Promise.reject(new Error('bus down')) },
      onError: (_e, context) => reports.push(context),
    });
    const a = await service.resolve([{ kind: 'email', value: 'ana@x.com', verified: true }]);
    const b = await service.resolve([{ kind: 'phone', value: '+34600111222', verified: true }]);
    const record = await service.merge(a.customerId, b.customerId, {
      reason: 'same person',
      actor: supervisor,
    });
    expect(record.status).toBe('applied');
    expect(await store.get(IDENTITY_COLLECTIONS.merges, record.id)).toBeDefined();
    expect(service.stats().publishFailures).toBe(3);
    expect(reports.map((r) => r.events.map((e) => e.type))).toEqual([
      ['customer.created', 'identity.attached'],
      ['customer.created', 'identity.attached'],
      ['customer.merged'],
    ]);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(unhandled).toEqual([]);
  });

  it('with storage: events land in the outbox with the documents, the bus is not called, a relay delivers them', async () => {
    const storage = createMemoryStorage();
    const direct: EventEnvelope[] = [];
    const service = createIdentityService({
      storage,
      clock: new ManualClock(T0),
      ids: createSequentialIds(),
      bus: { publish: async (e) => void direct.push(...(Array.isArray(e) ? e : [e])) },
    });
    const r = await service.resolve([{ kind: 'email', value: 'ana@x.com', verified: true }]);
    expect(direct).toEqual([]);
    const pending = await storage.outbox.pending();
    expect(pending.map((p) => p.event.type)).toEqual(['customer.created', 'identity.attached']);
    expect(pending[0]?.event.aggregateId).toBe(r.customerId);

    const bus = createInProcessEventBus();
    const seen: string[] = [];
    bus.subscribe('*', (e) => seen.push(e.type));
    const relay = createOutboxRelay({ storage, bus, clock: new ManualClock(T0) });
    expect(await relay.tick()).toBe(2);
    expect(seen).toEqual(['customer.created', 'identity.attached']);
    expect(relay.stats()).toMatchObject({ delivered: 2, pending: 0 });
  });

  it('with storage: a failing write leaves neither the documents nor the events', async () => {
    const storage = createMemoryStorage();
    const failOn = { collection: undefined as string | undefined };
    const service = createIdentityService({
      storage: { ...storage, documents: failingPuts(storage.documents, failOn) },
      clock: new ManualClock(T0),
      ids: createSequentialIds(),
    });
    const a = await service.resolve([{ kind: 'email', value: 'ana@x.com', verified: true }]);
    const b = await service.resolve([{ kind: 'phone', value: '+34600111222', verified: true }]);
    const before = (await storage.outbox.pending()).length;
    expect(before).toBe(4);

    failOn.collection = IDENTITY_COLLECTIONS.identities; // the merge's third kind of write fails
    await expect(
      service.merge(a.customerId, b.customerId, { reason: 'same person', actor: supervisor }),
    ).rejects.toThrow('write to identities failed');
    expect((await storage.outbox.pending()).length).toBe(before);
    const merges = await storage.documents.find(IDENTITY_COLLECTIONS.merges, { limit: 10 });
    expect(merges.items).toEqual([]);
    expect(
      (await storage.documents.get(IDENTITY_COLLECTIONS.customers, b.customerId))?.mergedInto,
    ).toBeUndefined();

    failOn.collection = undefined;
    await service.merge(a.customerId, b.customerId, { reason: 'same person', actor: supervisor });
    const types = (await storage.outbox.pending()).map((p) => p.event.type);
    expect(types.slice(before)).toEqual(['customer.merged']);
  });
});
