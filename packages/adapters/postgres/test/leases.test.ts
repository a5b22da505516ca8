import { PGlite } from '@electric-sql/pglite';
import { type LeasedStorage, leaseSuite } from '@threadline/adapter-conformance';
import { type Clock, isThreadlineError } from '@threadline/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresStorage, type PostgresStorage } from '../src/index.js';
import { dropSchema, IN_CI, MISSING_SERVER, newPool, PG_URL, uniqueSchema } from './server.js';

/** Opens storages on one backend and schema: each `open` is another process (a new pool on a server). */
interface LeaseBackend {
  open(clock?: Clock): Promise<PostgresStorage>;
  close(storage: PostgresStorage): Promise<void>;
  dispose(): Promise<void>;
}

function pgliteLeases(): LeaseBackend {
  const client = new PGlite();
  let migrated: Promise<unknown> | undefined;
  return {
    async open(clock) {
      const storage = createPostgresStorage({ client, ...(clock ? { leaseClock: clock } : {}) });
      migrated ??= storage.migrate();
      await migrated;
      return storage;
    },
    // PGlite is one shared instance: closing happens once, in dispose.
    close: async () => undefined,
    dispose: () => client.close(),
  };
}

function serverLeases(): LeaseBackend {
  const schema = uniqueSchema();
  let migrated: Promise<unknown> | undefined;
  return {
    async open(clock) {
      const storage = createPostgresStorage({
        client: newPool(4),
        schema,
        ...(clock ? { leaseClock: clock } : {}),
      });
      migrated ??= storage.migrate();
      await migrated;
      return storage;
    },
    close: (storage) => storage.close(),
    dispose: () => dropSchema(schema),
  };
}

function leaseTests(label: string, backend: LeaseBackend): void {
  // Starting PGlite and migrating takes seconds (tens on a loaded machine): once, up front,
  // instead of inside the first test's time limit.
  beforeAll(async () => {
    await backend.close(await backend.open());
  }, 180_000);
  afterAll(() => backend.dispose());
  const owners = new WeakMap<object, LeaseBackend>();
  leaseSuite({
    describe,
    it,
    expect,
    name: `${label}: Lease conformance`,
    namespace: `pgls_${process.pid}`,
    createStorage: async (clock) => {
      const s = await backend.open(clock);
      owners.set(s, backend);
      return s as LeasedStorage;
    },
    connect: async (_first, clock) => (await backend.open(clock)) as LeasedStorage,
    disposeStorage: (s) => backend.close(s as PostgresStorage),
  });

  describe(`${label}: leases on the database clock`, () => {
    it('expire by the database clock: refused while held, taken over after the TTL with the next token', async () => {
      const a = await backend.open();
      const b = await backend.open();
      try {
        const name = `dbclock_${process.pid}_${label.length}`;
        const first = await a.leases.acquire(name, 300, { owner: 'a' });
        expect(first).toBeDefined();
        expect(Math.abs((first?.expiresAt ?? 0) - 300 - Date.now())).toBeLessThan(5_000);
        expect(await b.leases.acquire(name, 300, { owner: 'b' })).toBeUndefined();
        await new Promise((r) => setTimeout(r, 450));
        const second = await b.leases.acquire(name, 60_000, { owner: 'b' });
        expect(second?.token).toBe((first?.token as number) + 1);
        await expect(a.documents.put('c', { id: 'late' }, { fence: first?.fence })).rejects.toSatisfy(
          (e) => isThreadlineError(e, 'CONFLICT') && e.details.lease === name,
        );
        expect(await b.documents.put('c', { id: 'late' }, { fence: second?.fence })).toMatchObject({
          version: 1,
        });
        expect(await second?.release()).toBe(true);
      } finally {
        await backend.close(a);
        await backend.close(b);
      }
    });

    it('rejects a leaseClock that is not a Clock (CONFIG)', () => {
      expect(() =>
        createPostgresStorage({ client: new PGlite(), leaseClock: {} as unknown as Clock }),
      ).toThrow(/leaseClock/);
    });
  });
}

describe('PGlite', () => leaseTests('PGlite', pgliteLeases()));
if (PG_URL) describe('PostgreSQL server', () => leaseTests('PostgreSQL server', serverLeases()));
else if (IN_CI)
  it('PostgreSQL server lease suite', () => {
    throw new Error(MISSING_SERVER);
  });
else it.skip('PostgreSQL server lease suite (set THREADLINE_PG_URL to run it)', () => undefined);
