import { isThreadlineError } from '@threadline/core';
import { afterEach, describe, expect, it } from 'vitest';
import { type Backend, forEachBackend } from './server.js';

forEachBackend((make) => {
  let backend: Backend | undefined;
  afterEach(async () => {
    await backend?.dispose();
    backend = undefined;
  });

  describe('migrate()', () => {
    it('applies versions 1 and 2 once; a second call applies nothing', async () => {
      backend = make();
      const storage = backend.open();
      expect(await storage.migrate()).toEqual({ applied: [1, 2], version: 2 });
      expect(await storage.migrate()).toEqual({ applied: [], version: 2 });
      await storage.documents.put('cases', { id: 'c1' });
      expect(await storage.migrate()).toEqual({ applied: [], version: 2 });
      expect(await storage.documents.get('cases', 'c1')).toMatchObject({ id: 'c1', version: 1 });
    });

    it('two clients migrating at once apply each version exactly once', async () => {
      backend = make();
      const clients = [backend.open(), backend.open(), backend.open()];
      const reports = await Promise.all(clients.map((c) => c.migrate()));
      expect(reports.flatMap((r) => r.applied)).toEqual([1, 2]);
      expect(reports.every((r) => r.version === 2)).toBe(true);
      // Every client sees one working schema.
      await clients[0]?.documents.put('cases', { id: 'a' });
      expect(await clients[2]?.documents.get('cases', 'a')).toBeDefined();
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
