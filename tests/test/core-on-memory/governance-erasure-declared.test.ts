// Erasure driven by declarations in the store: collections, streams, event types and aliases
// declared with `declarePersonalData` (by this process or another) are erased without a registry;
// customer references held in arrays match; outbox rows not yet delivered are replaced.
import { createMemoryStorage } from '@threadline/adapter-memory';
import {
  createErasureService,
  createEvent,
  createIdGenerator,
  declarePersonalData,
  isThreadlineError,
  ManualClock,
} from '@threadline/core';
import { describe, expect, it } from 'vitest';

const admin = { id: 'dpo', roles: ['admin'] };

function setup() {
  const clock = new ManualClock(Date.UTC(2026, 0, 5, 9));
  const ids = createIdGenerator({ clock, seed: 3 });
  const storage = createMemoryStorage();
  const event = (type: string, aggregateId: string, payload: Record<string, unknown>, tenantId = 'default') =>
    createEvent({ clock, ids }, { type, aggregateType: 'thing', aggregateId, version: 1, tenantId, payload });
  return { clock, ids, storage, event };
}

describe('erasure from declarations', () => {
  it('reads declarations made after the service was built (another process on the same store)', async () => {
    const { clock, ids, storage } = setup();
    const erasure = createErasureService({ storage, clock, ids });
    await storage.documents.defineCollection('notes', { indexes: ['authorId'] });
    await storage.documents.put('notes', { id: 'n1', authorId: 'c1', text: 'mail me at jo@example.com' });
    await storage.documents.put('notes', { id: 'n2', authorId: 'c2', text: 'kept@example.com' });
    await declarePersonalData(storage.documents, {
      owner: 'notes-app',
      collections: [
        { collection: 'notes', match: { field: 'authorId' }, mode: 'anonymize', redactFields: ['text'] },
      ],
    });
    const { tombstone } = await erasure.eraseCustomer('c1', { actor: admin });
    expect(tombstone.collections).toEqual([{ collection: 'notes', mode: 'anonymize', documents: 1 }]);
    expect((await storage.documents.get('notes', 'n1'))?.text).toBe('mail me at [EMAIL]');
    expect((await storage.documents.get('notes', 'n2'))?.text).toBe('kept@example.com');
  });

  it('matches array members at customer paths: registry fields, declared streams and declared event types', async () => {
    const { clock, ids, storage, event } = setup();
    await storage.documents.defineCollection('threads', { indexes: ['memberIds'] });
    await storage.documents.put('threads', { id: 't1', memberIds: ['c9', 'c1'], topic: 'jo@example.com' });
    await declarePersonalData(storage.documents, {
      owner: 'threads-app',
      collections: [
        { collection: 'threads', match: { field: 'memberIds' }, mode: 'anonymize', fields: ['topic'] },
      ],
      streams: [{ streamPrefix: 'thread-', customerPaths: ['memberIds'] }],
      events: [{ typePrefix: 'group.', customerPaths: ['people'], fields: ['label'] }],
    });
    await storage.events.append('thread-t1', [
      event('thread.posted', 't1', { memberIds: ['c9', 'c1'], text: 'jo@example.com' }),
    ]);
    // Same payload path outside the declared stream prefix: not matched.
    await storage.events.append('other-1', [
      event('thread.posted', 'o1', { memberIds: ['c1'], text: 'left@example.com' }),
    ]);
    await storage.events.append('groups', [
      event('group.formed', 'g1', { people: ['c1'], label: 'Jo Smith' }),
    ]);
    const erasure = createErasureService({
      storage,
      clock,
      ids,
      eventErasure: { customerPaths: ['customerId', 'ownerIds'] },
    });
    await storage.events.append('misc', [
      event('misc.noted', 'm1', { ownerIds: ['c7', 'c1'], text: 'jo@example.com' }),
    ]);
    const { tombstone } = await erasure.eraseCustomer('c1', { actor: admin });
    expect(tombstone.events).toEqual({ status: 'redacted', events: 3 });
    expect((await storage.documents.get('threads', 't1'))?.topic).toBe('[erased]');
    const payloads = Object.fromEntries((await storage.events.readAll()).map((e) => [e.streamId, e.payload]));
    expect(payloads['thread-t1']).toMatchObject({ text: '[EMAIL]' });
    expect(payloads['other-1']).toMatchObject({ text: 'left@example.com' });
    expect(payloads.groups).toMatchObject({ label: '[erased]' });
    expect(payloads.misc).toMatchObject({ text: '[EMAIL]' });
  });

  it('erases declared aliases transitively and records them on the tombstone', async () => {
    const { clock, ids, storage } = setup();
    await storage.documents.defineCollection('people', { indexes: ['sameAs'] });
    await storage.documents.put('people', { id: 'p1', name: 'Jo' });
    await storage.documents.put('people', { id: 'p2', name: 'Jo', sameAs: 'p1' });
    await storage.documents.put('people', { id: 'p3', name: 'Jo', sameAs: 'p2' });
    await storage.documents.put('people', { id: 'p4', name: 'Other' });
    await declarePersonalData(storage.documents, {
      owner: 'people',
      collections: [{ collection: 'people', match: 'id', mode: 'anonymize', fields: ['name'] }],
      aliases: [{ collection: 'people', field: 'sameAs' }],
    });
    const { tombstone } = await createErasureService({ storage, clock, ids }).eraseCustomer('p1', {
      actor: admin,
    });
    expect(tombstone.aliases).toEqual(['p2', 'p3']);
    const names = (await storage.documents.getMany('people', ['p1', 'p2', 'p3', 'p4'])).map((d) => d?.name);
    expect(names).toEqual(['[erased]', '[erased]', '[erased]', 'Other']);
  });

  it('replaces undelivered outbox rows with erased copies under the same event id, and only that tenant’s', async () => {
    const { clock, ids, storage, event } = setup();
    const mine = event('order.placed', 'o1', { customerId: 'c1', email: 'jo@example.com' });
    const other = event('order.placed', 'o2', { customerId: 'c2', email: 'kim@example.com' });
    const elsewhere = event('order.placed', 'o3', { customerId: 'c1', email: 'jo@example.com' }, 't2');
    await storage.outbox.add([mine, other, elsewhere]);
    const { tombstone } = await createErasureService({ storage, clock, ids }).eraseCustomer('c1', {
      actor: admin,
    });
    expect(tombstone.outbox).toEqual({ status: 'redacted', entries: 1 });
    const rows = (await storage.outbox.pending()).map((r) => r.event);
    // Then the erasure's own `customer.erased` event, committed with the tombstone: ids only.
    expect(rows.map((e) => e.id)).toEqual([other.id, elsewhere.id, mine.id, tombstone.eventId]);
    expect(rows[2]?.payload).toEqual({ customerId: 'c1', email: '[EMAIL]' });
    expect(rows[1]?.payload).toEqual(elsewhere.payload);
    expect(rows[3]).toMatchObject({ type: 'customer.erased', tenantId: 'default', aggregateId: 'c1' });
    expect(rows[3]?.payload).toEqual({ customerId: 'c1', customerIds: ['c1'], erasedAt: clock.now() });
  });

  it('a tenant declaration applies to that tenant only', async () => {
    const { clock, ids, storage } = setup();
    await storage.documents.defineCollection('notes', { indexes: ['customerId'] });
    for (const tenantId of ['t1', 't2']) {
      await storage.documents.put('notes', { id: 'n1', tenantId, customerId: 'c1', text: 'x' });
    }
    await declarePersonalData(
      storage.documents,
      {
        owner: 'notes',
        collections: [{ collection: 'notes', match: { field: 'customerId' }, mode: 'delete' }],
      },
      { tenantId: 't1' },
    );
    const erasure = createErasureService({ storage, clock, ids });
    await erasure.eraseCustomer('c1', { actor: { ...admin, tenantId: 't1' }, tenantId: 't1' });
    await erasure.eraseCustomer('c1', { actor: { ...admin, tenantId: 't2' }, tenantId: 't2' });
    expect(await storage.documents.get('notes', 'n1', { tenantId: 't1' })).toBeUndefined();
    expect(await storage.documents.get('notes', 'n1', { tenantId: 't2' })).toBeDefined();
  });

  it('needs storage or a store (CONFIG), not two different ones', () => {
    const { clock, ids, storage } = setup();
    const missing = (() => {
      try {
        createErasureService({ clock, ids } as never);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(isThreadlineError(missing, 'CONFIG')).toBe(true);
    const both = (() => {
      try {
        createErasureService({ storage, store: createMemoryStorage().documents, clock, ids });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(isThreadlineError(both, 'CONFIG')).toBe(true);
    expect(() => createErasureService({ storage, store: storage.documents, clock, ids })).not.toThrow();
  });
});
