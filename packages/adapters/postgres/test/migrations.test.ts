import { PGlite } from '@electric-sql/pglite';
import { testEvent } from '@threadline/adapter-conformance';
import { isThreadlineError } from '@threadline/core';
import { afterEach, describe, expect, it } from 'vitest';
import { pgDriver } from '../src/driver/pg.js';
import { pgliteDriver } from '../src/driver/pglite.js';
import { createPostgresStorage } from '../src/index.js';
import { MIGRATIONS, type Migration, migrate } from '../src/migrations.js';
import { tablesOf } from '../src/schema.js';
import { type Backend, dropSchema, forEachBackend, newPool, uniqueSchema } from './server.js';

/** A storage and the driver under it, on a fresh database (PGlite) or a fresh schema (server). */
function rawBackend(label: string) {
  if (label === 'PGlite') {
    const client = new PGlite();
    return { storage: createPostgresStorage({ client }), driver: pgliteDriver(client), drop: async () => {} };
  }
  const schema = uniqueSchema();
  const client = newPool(2);
  return {
    storage: createPostgresStorage({ client, schema }),
    driver: pgDriver(client),
    drop: () => dropSchema(schema),
  };
}

forEachBackend((make, label) => {
  let backend: Backend | undefined;
  afterEach(async () => {
    await backend?.dispose();
    backend = undefined;
  });

  describe('migrate()', () => {
    it('applies versions 1 to 4 once; a second call applies nothing', async () => {
      backend = make();
      const storage = backend.open();
      expect(await storage.migrate()).toEqual({ applied: [1, 2, 3, 4, 5], version: 5 });
      expect(await storage.migrate()).toEqual({ applied: [], version: 5 });
      await storage.documents.put('cases', { id: 'c1' });
      expect(await storage.migrate()).toEqual({ applied: [], version: 5 });
      expect(await storage.documents.get('cases', 'c1')).toMatchObject({ id: 'c1', version: 1 });
    });

    it('two clients migrating at once apply each version exactly once', async () => {
      backend = make();
      const clients = [backend.open(), backend.open(), backend.open()];
      const reports = await Promise.all(clients.map((c) => c.migrate()));
      expect(reports.flatMap((r) => r.applied)).toEqual([1, 2, 3, 4, 5]);
      expect(reports.every((r) => r.version === 5)).toBe(true);
      // Every client sees one working schema.
      await clients[0]?.documents.put('cases', { id: 'a' });
      expect(await clients[2]?.documents.get('cases', 'a')).toBeDefined();
    });

    it('migration 3 is re-runnable over a schema that already has it, and upgrades a v2 outbox in place', async () => {
      const { storage, driver, drop } = rawBackend(label);
      try {
        const tables = tablesOf(storage.schema);
        // A database at version 2 with an entry waiting in the outbox.
        expect(await migrate(driver, tables, MIGRATIONS.slice(0, 2))).toEqual({
          applied: [1, 2],
          version: 2,
        });
        // Written as version 2 wrote it: one row per event (migration 5 keeps reading such rows).
        await driver.query(`INSERT INTO ${tables.outbox} (event) VALUES ($1::jsonb)`, [
          JSON.stringify(testEvent()),
        ]);
        expect(await storage.migrate()).toEqual({ applied: [3, 4, 5], version: 5 });
        const [entry] = await storage.outbox.pending();
        // The statements of version 3 run again without error (IF EXISTS / OR REPLACE).
        for (const statement of (MIGRATIONS[2] as Migration).sql(tables)) await driver.query(statement);
        await storage.outbox.markFailed([(entry as { seq: number }).seq], 'x', { maxAttempts: 1 });
        expect(await storage.outbox.dead()).toMatchObject([{ seq: entry?.seq, attempts: 1 }]);
      } finally {
        await storage.close();
        await drop();
      }
    });

    it('using the storage before migrate() is an ADAPTER error that says to migrate', async () => {
      backend = make();
      const storage = backend.open();
      const error = await storage.documents.get('cases', 'c1').catch((e: unknown) => e);
      expect(isThreadlineError(error, 'ADAPTER')).toBe(true);
      expect((error as Error).message).toContain('migrate()');
    });
  });

  describe('defineCollection', () => {
    it('creates one expression index per declared field, idempotently, also from two clients at once', async () => {
      backend = make();
      const [a, b] = [backend.open(), backend.open()];
      await a.migrate();
      await Promise.all([
        a.documents.defineCollection('cases', { indexes: ['status', 'customer.email'] }),
        b.documents.defineCollection('cases', { indexes: ['status', 'tags'] }),
      ]);
      await a.documents.defineCollection('cases', { indexes: ['status'] });
      // b learns a's declaration from the database, not from its own cache.
      await a.documents.put('cases', { id: 'c1', customer: { email: 'ana@example.com' } });
      const page = await b.documents.find('cases', { where: { 'customer.email': 'ana@example.com' } });
      expect(page.items.map((d) => d.id)).toEqual(['c1']);
    });
  });
});
