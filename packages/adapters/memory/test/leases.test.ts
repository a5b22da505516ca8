import { type LeasedStorage, leaseSuite, type SuiteRunner } from '@threadline/adapter-conformance';
import {
  type Clock,
  createManualClock,
  type DocumentInput,
  type DocumentStore,
  isThreadlineError,
  type LeaseStore,
  type PutOptions,
  type TransactionContext,
  validateAdapter,
} from '@threadline/core';
import { describe, expect, it } from 'vitest';
import { createMemoryDocumentStore, createMemoryLeaseStore, createMemoryStorage } from '../src/index.js';

leaseSuite({ describe, it, expect, createStorage: (clock) => createMemoryStorage({ clock }) });

describe('memory leases', () => {
  it('passes validateAdapter as a LeaseStore', () => {
    expect(validateAdapter('LeaseStore', createMemoryLeaseStore())).toBeDefined();
    expect(() => validateAdapter('LeaseStore', { acquire: () => undefined })).toThrow(
      /missing: renew, release, inspect/,
    );
  });

  it('a document store without a lease store declares no fencing and refuses a fence (UNSUPPORTED)', async () => {
    const store = createMemoryDocumentStore();
    expect(store.capabilities.fencing).toBe(false);
    const fence = { lease: 'p', token: 1 };
    await expect(store.put('c', { id: 'd' }, { fence })).rejects.toSatisfy((e) =>
      isThreadlineError(e, 'UNSUPPORTED'),
    );
    await expect(store.transaction(async () => undefined, { fence })).rejects.toSatisfy((e) =>
      isThreadlineError(e, 'UNSUPPORTED'),
    );
    expect(await store.get('c', 'd')).toBeUndefined();
  });

  it('a lease taken over while a fenced transaction awaits makes its commit CONFLICT, writing nothing', async () => {
    const clock = createManualClock(0);
    const storage = createMemoryStorage({ clock });
    const first = await storage.leases.acquire('p', 100);
    const commit = storage.documents.transaction(
      async (tx) => {
        await tx.documents.put('c', { id: 'd' });
        clock.advance(100);
        await storage.leases.acquire('p', 100);
      },
      { fence: first?.fence },
    );
    await expect(commit).rejects.toSatisfy((e) => isThreadlineError(e, 'CONFLICT'));
    expect(await storage.documents.get('c', 'd')).toBeUndefined();
  });
});

// The suite is only worth running if it fails on a wrong adapter: collect its tests with a runner
// that records instead of registering, run them against deliberately broken storages, and check
// that the tests meant to catch each defect fail (and that the real adapter passes them all).
interface Collected {
  title: string;
  fn: () => Promise<void> | void;
}

function collectLeaseTests(createStorage: (clock: Clock) => LeasedStorage): Collected[] {
  const tests: Collected[] = [];
  const runner: SuiteRunner = {
    describe: (_name, fn) => fn(),
    it: (name, fn) => tests.push({ title: name, fn }),
    expect,
  };
  leaseSuite({ ...runner, createStorage });
  return tests;
}

async function failing(tests: readonly Collected[]): Promise<string[]> {
  const failed: string[] = [];
  for (const t of tests) {
    try {
      await t.fn();
    } catch {
      failed.push(t.title);
    }
  }
  return failed;
}

/** A put that drops its fence (the defect: fences ignored). */
const unfenced =
  (store: DocumentStore) => (collection: string, document: DocumentInput, options?: PutOptions) => {
    const { fence: _dropped, ...rest } = options ?? {};
    return store.put(collection, document, rest);
  };

function ignoringFences(clock: Clock): LeasedStorage {
  const real = createMemoryStorage({ clock });
  const documents: DocumentStore = {
    name: real.documents.name,
    capabilities: real.documents.capabilities,
    defineCollection: (c, d) => real.documents.defineCollection(c, d),
    get: (c, id, o) => real.documents.get(c, id, o),
    getMany: (c, ids, o) => real.documents.getMany(c, ids, o),
    put: unfenced(real.documents) as DocumentStore['put'],
    delete: (c, id, o) => real.documents.delete(c, id, o),
    find: (c, q) => real.documents.find(c, q),
    transaction: (fn) =>
      real.documents.transaction((tx: TransactionContext) =>
        fn({ ...tx, documents: { ...tx.documents, put: unfenced(tx.documents) as DocumentStore['put'] } }),
      ),
  };
  return { ...real, documents };
}

function grantingAlways(clock: Clock): LeasedStorage {
  const real = createMemoryStorage({ clock });
  const leases: LeaseStore = {
    name: 'always',
    // The defect: a held lease is granted again (the holder's grant is silently released).
    acquire: async (name, ttlMs, options) => {
      const info = await real.leases.inspect(name);
      if (info) await real.leases.release({ lease: name, token: info.token });
      return real.leases.acquire(name, ttlMs, options);
    },
    renew: (f, ttl) => real.leases.renew(f, ttl),
    release: (f) => real.leases.release(f),
    inspect: (name) => real.leases.inspect(name),
  };
  return { ...real, leases };
}

function checkThenAct(clock: Clock): LeasedStorage {
  const real = createMemoryStorage({ clock });
  const leases: LeaseStore = {
    name: 'check-then-act',
    // The defect: the "is it free?" check and the grant are two steps, so contenders interleave.
    acquire: async (name, ttlMs, options) => {
      const info = await real.leases.inspect(name);
      if (info?.state === 'held') return undefined;
      await new Promise((r) => setTimeout(r, 1));
      const now = await real.leases.inspect(name);
      if (now?.state === 'held') await real.leases.release({ lease: name, token: now.token });
      return real.leases.acquire(name, ttlMs, options);
    },
    renew: (f, ttl) => real.leases.renew(f, ttl),
    release: (f) => real.leases.release(f),
    inspect: (name) => real.leases.inspect(name),
  };
  return { ...real, leases };
}

describe('the lease suite catches broken adapters', () => {
  it('the real memory storage passes every collected test (control)', async () => {
    expect(await failing(collectLeaseTests((clock) => createMemoryStorage({ clock })))).toEqual([]);
  });

  it('fences ignored: the fencing tests fail', async () => {
    const failed = await failing(collectLeaseTests(ignoringFences));
    expect(failed).toEqual(
      expect.arrayContaining([
        'fenced puts and transactions write under the current token; a stale token writes nothing',
        'a paused holder wakes after a takeover: its late fenced writes are refused',
        'bad input is VALIDATION with the path; a fence on an unknown lease is CONFLICT',
      ]),
    );
  });

  it('a held lease granted again: exclusivity and the race fail', async () => {
    const failed = await failing(collectLeaseTests(grantingAlways));
    expect(failed).toEqual(
      expect.arrayContaining([
        'exclusive acquisition: a held lease is refused to another owner (undefined)',
        'renew extends the lease from now (default: the acquired TTL)',
      ]),
    );
  });

  it('acquire checks then acts across an await: the race fails, the sequential tests pass', async () => {
    const failed = await failing(collectLeaseTests(checkThenAct));
    expect(failed).toEqual(['8 contenders racing for a free lease: exactly one wins, with the next token']);
  });
});
