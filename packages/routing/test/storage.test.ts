import { createMemoryDocumentStore, createMemoryStorage } from '@threadline/adapter-memory';
import { type DocumentStore, isThreadlineError, ManualClock } from '@threadline/core';
import { describe, expect, it } from 'vitest';
import { createRoutingEngine, type RoutingEngineOptions } from '../src/index.js';

const workflow: RoutingEngineOptions['workflow'] = {
  queues: [{ id: 'q' }],
  defaultFilter: { targets: [{ queue: 'q' }] },
};

function refusal(run: () => unknown) {
  try {
    run();
  } catch (error) {
    if (isThreadlineError(error)) return error;
    throw error;
  }
  throw new Error('expected a ThreadlineError');
}

/** Saves a reserved task through `options` and loads it into a fresh engine with the same options. */
async function roundTrip(options: Pick<RoutingEngineOptions, 'storage' | 'store' | 'journal'>) {
  const clock = new ManualClock(0);
  const engine = createRoutingEngine({ clock, workflow, ...options });
  engine.upsertWorker({ id: 'a', status: 'available', capacity: { chat: 1 } });
  engine.submitTask({ id: 't1', channel: 'chat' });
  await engine.save();
  const copy = createRoutingEngine({ clock, workflow, ...options });
  return { loaded: await copy.load(), snapshot: copy.snapshot(), original: engine.snapshot() };
}

describe('routing engine storage option', () => {
  it('storage and the deprecated store save and load the same state', async () => {
    const storage = createMemoryStorage();
    // Without the journal: a journaling engine builds every event (ids included), so its
    // snapshot's id counters differ from the store-only engine's.
    const viaStorage = await roundTrip({ storage, journal: false });
    const viaStore = await roundTrip({ store: createMemoryDocumentStore() });
    expect(viaStorage.loaded).toBe(true);
    expect(viaStore.loaded).toBe(true);
    expect(viaStorage.snapshot).toEqual(viaStorage.original);
    expect(viaStore.snapshot).toEqual(viaStorage.snapshot);
    // The snapshot went to the bundle's document store.
    expect(await storage.documents.get('routing_snapshots', 'engine', { tenantId: 'default' })).toBeDefined();
  });

  it('refuses a document store missing methods, naming every one', () => {
    const partial = { put: async () => undefined, get: async () => undefined } as unknown as DocumentStore;
    for (const [options, path] of [
      [{ store: partial }, ['store']],
      [{ storage: { ...createMemoryStorage(), documents: partial } }, ['storage', 'documents']],
    ] as const) {
      const error = refusal(() => createRoutingEngine({ clock: new ManualClock(0), workflow, ...options }));
      expect(error.code).toBe('CONFIG');
      expect(error.issues[0]?.path).toEqual(path);
      for (const method of ['defineCollection', 'getMany', 'delete', 'find', 'capabilities.transactions']) {
        expect(error.message).toContain(method);
      }
    }
  });

  it('refuses storage and store together', () => {
    const storage = createMemoryStorage();
    const error = refusal(() =>
      createRoutingEngine({ clock: new ManualClock(0), workflow, storage, store: storage.documents }),
    );
    expect(error.code).toBe('CONFIG');
    expect(error.issues[0]?.path).toEqual(['store']);
  });

  it('refuses a storage that is not an object', () => {
    const error = refusal(() =>
      createRoutingEngine({ clock: new ManualClock(0), workflow, storage: 42 as never }),
    );
    expect(error.code).toBe('CONFIG');
    expect(error.issues[0]?.path).toEqual(['storage']);
  });
});
