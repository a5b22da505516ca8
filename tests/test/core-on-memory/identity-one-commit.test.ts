// Identity commits once per command: `resolve` (creation, merges, attachments, touches, conflicts)
// and `merge` stage everything and commit it in one transaction with their outbox rows, so a
// failure anywhere leaves nothing written and nothing queued.
import { createMemoryStorage, type MemoryStorage } from '@threadline/adapter-memory';
import {
  IDENTITY_COLLECTIONS as C,
  createIdentityService,
  createSequentialIds,
  type DocumentStore,
  ManualClock,
  type ThreadlineStorage,
  type TransactionContext,
} from '@threadline/core';
import { describe, expect, it } from 'vitest';

const T0 = Date.UTC(2026, 0, 5, 9);
const supervisor = { id: 'sup-1', roles: ['supervisor'] };

/** The storage, counting transactions and writes made outside them; puts to `failOn` throw inside. */
function counted(storage: MemoryStorage, failOn: { collection?: string } = {}) {
  const counts = { transactions: 0, directWrites: 0 };
  const documents = new Proxy(storage.documents, {
    get(target, key) {
      if (key === 'transaction') {
        return <R>(fn: (tx: TransactionContext) => Promise<R>) => {
          counts.transactions++;
          return target.transaction((tx) =>
            fn({
              ...tx,
              documents: new Proxy(tx.documents, {
                get(t, k) {
                  const v = Reflect.get(t, k, t);
                  if (k !== 'put') return typeof v === 'function' ? v.bind(t) : v;
                  return (collection: string, ...rest: unknown[]) => {
                    if (collection === failOn.collection) throw new Error(`write to ${collection} failed`);
                    return (v as (...a: unknown[]) => unknown).call(t, collection, ...rest);
                  };
                },
              }),
            }),
          );
        };
      }
      if (key === 'put' || key === 'delete') {
        return (collection: string, ...rest: unknown[]) => {
          if (collection !== 'threadline_personal_data') counts.directWrites++;
          return (Reflect.get(target, key, target) as (...a: unknown[]) => unknown).call(
            target,
            collection,
            ...rest,
          );
        };
      }
      const v = Reflect.get(target, key, target);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  }) as DocumentStore;
  const bundle: ThreadlineStorage = { documents, events: storage.events, outbox: storage.outbox };
  return { bundle, counts };
}

async function setup(config: { autoMerge?: boolean; limits?: Record<string, number> } = {}) {
  const storage = createMemoryStorage();
  const failOn: { collection?: string } = {};
  const { bundle, counts } = counted(storage, failOn);
  const identity = createIdentityService({
    storage: bundle,
    clock: new ManualClock(T0),
    ids: createSequentialIds(),
    config,
  });
  await identity.ready();
  counts.directWrites = 0;
  return { storage, identity, counts, failOn };
}

describe('identity commits once per command', () => {
  it('a resolve that merges two customers, attaches and touches is one transaction', async () => {
    const { storage, identity, counts } = await setup();
    const a = await identity.resolve([{ kind: 'email', value: 'ana@example.com', verified: true }]);
    const b = await identity.resolve([{ kind: 'phone', value: '+34600111222', verified: true }]);
    expect(counts.transactions).toBe(2);
    const before = (await storage.outbox.pending()).length;
    const r = await identity.resolve([
      { kind: 'email', value: 'ana@example.com', verified: true },
      { kind: 'phone', value: '+34600111222', verified: true },
      { kind: 'channel_handle', namespace: 'whatsapp', value: '+34600111222' },
    ]);
    expect(r.merges).toHaveLength(1);
    expect(r.attached).toEqual(['channel_handle:whatsapp:+34600111222']);
    expect(counts.transactions).toBe(3);
    expect(counts.directWrites).toBe(0);
    const types = (await storage.outbox.pending()).slice(before).map((e) => e.event.type);
    expect(types).toEqual(['customer.merged', 'identity.attached']);
    // The merged customer's identities moved, and the events carry the versions the store assigned.
    const merged = (await storage.outbox.pending()).find((e) => e.event.type === 'customer.merged');
    const survivor = await storage.documents.get(C.customers, r.customerId);
    expect(merged?.event.version).toBe(survivor?.version);
    expect((await identity.identitiesOf(r.customerId)).map((i) => i.key).sort()).toEqual([
      'channel_handle:whatsapp:+34600111222',
      'email:ana@example.com',
      'phone:+34600111222',
    ]);
    expect([a.customerId, b.customerId]).toContain(r.customerId);
  });

  it('a resolve that creates a customer and records a conflict is one transaction', async () => {
    const { storage, identity, counts } = await setup({ autoMerge: false });
    await identity.resolve([{ kind: 'email', value: 'a@example.com', verified: true }]);
    await identity.resolve([{ kind: 'email', value: 'b@example.com', verified: true }]);
    const r = await identity.resolve([
      { kind: 'email', value: 'a@example.com', verified: true },
      { kind: 'email', value: 'b@example.com', verified: true },
    ]);
    expect(r.conflicts).toHaveLength(1);
    expect(counts.transactions).toBe(3);
    expect(counts.directWrites).toBe(0);
    const again = await identity.resolve([
      { kind: 'email', value: 'a@example.com', verified: true },
      { kind: 'email', value: 'b@example.com', verified: true },
    ]);
    expect(again.conflicts).toEqual(r.conflicts);
    const conflict = await storage.documents.get(C.conflicts, r.conflicts[0] as string);
    expect(conflict?.occurrences).toBe(2);
    expect(conflict?.version).toBe(2);
  });

  it('a failure in the last write of a resolve leaves no attachment, no conflict and no outbox row', async () => {
    const { storage, identity, failOn } = await setup({ autoMerge: false });
    await identity.resolve([{ kind: 'email', value: 'a@example.com', verified: true }]);
    await identity.resolve([{ kind: 'email', value: 'b@example.com', verified: true }]);
    const image = JSON.stringify(storage.snapshot());
    // Attaching the handle comes first, recording the conflict last: the conflict write fails.
    failOn.collection = C.conflicts;
    const contact = [
      { kind: 'email' as const, value: 'a@example.com', verified: true },
      { kind: 'email' as const, value: 'b@example.com', verified: true },
      { kind: 'channel_handle' as const, namespace: 'whatsapp', value: '+34600111222' },
    ];
    await expect(identity.resolve(contact)).rejects.toThrow('write to identity_conflicts failed');
    expect(JSON.stringify(storage.snapshot())).toBe(image);
    failOn.collection = undefined;
    const r = await identity.resolve(contact);
    expect(r.attached).toEqual(['channel_handle:whatsapp:+34600111222']);
    expect(r.conflicts).toHaveLength(1);
  });

  it('merge is one transaction with its event', async () => {
    const { storage, identity, counts } = await setup({ autoMerge: false });
    const a = await identity.resolve([{ kind: 'email', value: 'a@example.com', verified: true }]);
    const b = await identity.resolve([{ kind: 'email', value: 'b@example.com', verified: true }]);
    const record = await identity.merge(a.customerId, b.customerId, {
      reason: 'same person',
      actor: supervisor,
    });
    expect(counts.transactions).toBe(3);
    expect(counts.directWrites).toBe(0);
    expect(await storage.documents.get(C.merges, record.id)).toEqual(record);
  });
});
