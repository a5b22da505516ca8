import { createMemoryStorage } from '@threadline/adapter-memory';
import {
  createAuditTrail,
  createErasureService,
  createIdGenerator,
  declarePersonalData,
  listPersonalDataDeclarations,
  ManualClock,
} from '@threadline/core';
import { describe, expect, it } from 'vitest';
import {
  createRoutingEngine,
  ROUTING_PERSONAL_DATA,
  type RoutingEngineOptions,
  type RoutingSnapshot,
  SNAPSHOT_COLLECTION,
  snapshotCustomerIds,
} from '../src/index.js';

const workflow: RoutingEngineOptions['workflow'] = {
  queues: [{ id: 'q' }],
  defaultFilter: { targets: [{ queue: 'q' }] },
};
const NAME = 'Ana Lopez';
const EMAIL = 'ana.lopez@example.com';

/** The snapshot without task attributes (what erasure may change) and its timestamp. */
function shape(s: RoutingSnapshot): unknown {
  return { ...s, takenAt: 0, tasks: s.tasks.map((t) => ({ ...t, attributes: {} })) };
}

describe('routing personal data', () => {
  it('lists the customers of a snapshot by attributes.customerId, sorted and distinct', () => {
    expect(
      snapshotCustomerIds([
        { attributes: { customerId: 'c2' } },
        { attributes: { customerId: 'c1' } },
        { attributes: { customerId: 'c2' } },
        { attributes: { customerId: 7 } },
        { attributes: {} },
        {},
      ]),
    ).toEqual(['c1', 'c2']);
  });

  it('declares itself in the store, and erasure deletes snapshots and rewrites journal entries; recover() still rebuilds the routing', async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 5, 9));
    const storage = createMemoryStorage();
    const options = {
      clock,
      ids: createIdGenerator({ clock, seed: 3 }),
      workflow,
      storage,
      journal: { engineId: 'pd', snapshotEvery: 4, flushIntervalMs: 0 },
    };
    const engine = createRoutingEngine(options);
    engine.upsertWorker({ id: 'w1', status: 'available', capacity: { chat: 1 } });
    engine.upsertWorker({ id: 'w2', status: 'available', capacity: { chat: 1 } });
    engine.submitTask({
      id: 't1',
      channel: 'chat',
      attributes: { customerId: 'c1', name: NAME, email: EMAIL },
    });
    engine.submitTask({ id: 't2', channel: 'chat', attributes: { customerId: 'c2', name: 'Bo Berg' } });
    engine.submitTask({ id: 't3', channel: 'chat', attributes: { customerId: 'c1', note: `call ${NAME}` } });
    await engine.flush();
    await engine.save('copy');
    const before = engine.snapshot();

    const declared = await listPersonalDataDeclarations(storage.documents);
    expect(declared.find((d) => d.owner === '@threadline/routing')).toMatchObject({
      streams: ROUTING_PERSONAL_DATA.streams,
    });
    const snapshots = await storage.documents.find(SNAPSHOT_COLLECTION, { limit: 10 });
    expect(snapshots.items.map((d) => [d.id, d.customerIds])).toEqual([
      ['copy', ['c1', 'c2']],
      ['journal:pd', ['c1', 'c2']],
    ]);

    // The customer's identifying values live in the host's own customer documents.
    await storage.documents.put('customers', { id: 'c1', profile: { name: NAME } } as never);
    await declarePersonalData(storage.documents, {
      owner: 'host',
      identifyingValues: [{ collection: 'customers', match: 'id', fields: ['profile.name'] }],
    });
    const erasure = createErasureService({
      storage,
      clock,
      ids: createIdGenerator({ clock, seed: 9 }),
      audit: createAuditTrail({
        store: storage.documents,
        clock,
        ids: createIdGenerator({ clock, seed: 8 }),
      }),
    });
    await erasure.eraseCustomer('c1', { actor: { id: 'dpo', roles: ['admin'] }, reason: 'art. 17' });

    expect((await storage.documents.find(SNAPSHOT_COLLECTION, { limit: 10 })).items).toEqual([]);
    const journal = JSON.stringify(await storage.events.readStream('routing-journal:default:pd'));
    expect(journal).not.toContain(EMAIL);
    expect(journal).not.toContain('Lopez');
    expect(journal).toContain('Bo Berg'); // another customer's task is left alone

    const fresh = createRoutingEngine({ ...options, ids: createIdGenerator({ clock, seed: 3 }) });
    await fresh.recover();
    const after = fresh.snapshot();
    // Same workers, tasks, offers and counters; only c1's attributes lost their personal data.
    expect(shape(after)).toEqual(shape(before));
    expect(after.tasks.find((t) => t.id === 't1')?.attributes.customerId).toBe('c1');
    expect(after.tasks.find((t) => t.id === 't2')?.attributes).toEqual({ customerId: 'c2', name: 'Bo Berg' });
    expect(JSON.stringify(after)).not.toContain('Lopez');
    expect(await fresh.load('copy')).toBe(false);
  });
});
