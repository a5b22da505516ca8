// Puts issued together share one multi-row statement, and appends without an idempotency key are
// one statement: these check that the fast paths keep every single-call guarantee.
import { testEvent } from '@threadline/adapter-conformance';
import { isThreadlineError } from '@threadline/core';
import { afterEach, describe, expect, it } from 'vitest';
import { type Backend, forEachBackend } from './server.js';

forEachBackend((make) => {
  let backend: Backend | undefined;
  afterEach(async () => {
    await backend?.dispose();
    backend = undefined;
  });

  describe('batched puts', () => {
    it('concurrent puts of different ids all land with version 1; an update in the next batch gets 2', async () => {
      backend = make();
      const storage = backend.open();
      await storage.migrate();
      const docs = Array.from({ length: 50 }, (_, i) => ({ id: `d${i}`, n: i, tags: ['ü', i] }));
      const stored = await Promise.all(docs.map((d) => storage.documents.put('cases', d)));
      expect(stored.map((d) => d.version)).toEqual(docs.map(() => 1));
      expect(stored[7]).toEqual({ ...docs[7], tenantId: 'default', version: 1 });
      const again = await Promise.all(
        docs.slice(0, 5).map((d) => storage.documents.put('cases', { ...d, n: -1 })),
      );
      expect(again.map((d) => d.version)).toEqual([2, 2, 2, 2, 2]);
      expect(await storage.documents.get('cases', 'd3')).toMatchObject({ n: -1, version: 2 });
    });

    it('the same id twice in one tick: both puts apply (versions 1 and 2), the later one last', async () => {
      backend = make();
      const storage = backend.open();
      await storage.migrate();
      const [a, b] = await Promise.all([
        storage.documents.put('cases', { id: 'same', by: 'a' }),
        storage.documents.put('cases', { id: 'same', by: 'b' }),
        storage.documents.put('cases', { id: 'other' }),
      ]);
      expect([a?.version, b?.version].sort()).toEqual([1, 2]);
      const final = await storage.documents.get('cases', 'same');
      expect(final?.version).toBe(2);
      expect(final?.by).toBe((a?.version === 2 ? a : b)?.by);
    });

    it('expectedVersion 0 in one tick: existing ids are CONFLICT, new ones are created', async () => {
      backend = make();
      const storage = backend.open();
      await storage.migrate();
      await storage.documents.put('cases', { id: 'taken' });
      const results = await Promise.allSettled(
        ['taken', 'new1', 'new2', 'new1'].map((id) =>
          storage.documents.put('cases', { id }, { expectedVersion: 0 }),
        ),
      );
      const codes = results.map((r) =>
        r.status === 'fulfilled' ? 'OK' : ((r.reason as { code?: string }).code ?? 'other'),
      );
      expect(codes[0]).toBe('CONFLICT');
      expect(codes[2]).toBe('OK');
      // One of the two creations of new1 wins.
      expect([codes[1], codes[3]].sort()).toEqual(['CONFLICT', 'OK']);
    });

    it('a unique-index violation inside a batch fails only that put, naming the index', async () => {
      backend = make();
      const storage = backend.open();
      await storage.migrate();
      await storage.documents.defineCollection('people', { indexes: [], unique: [['email']] });
      await storage.documents.put('people', { id: 'p0', email: 'ana@example.com' });
      const results = await Promise.allSettled([
        storage.documents.put('people', { id: 'p1', email: 'bo@example.com' }),
        storage.documents.put('people', { id: 'p2', email: 'ana@example.com' }),
        storage.documents.put('people', { id: 'p3', email: 'cy@example.com' }),
      ]);
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      const reason = (results[1] as PromiseRejectedResult).reason;
      expect(isThreadlineError(reason, 'CONFLICT')).toBe(true);
      expect(reason.details.index).toBe('email');
      expect(await storage.documents.get('people', 'p2')).toBeUndefined();
    });
  });

  describe('one-statement appends', () => {
    it('concurrent appends to one stream without expectedVersion all land, versions contiguous', async () => {
      backend = make();
      const [a, b] = [backend.open(), backend.open()];
      await a.migrate();
      const results = await Promise.all(
        Array.from({ length: 12 }, (_, i) => (i % 2 ? a : b).events.append('s1', [testEvent(), testEvent()])),
      );
      expect(results.map((r) => r.streamVersion).sort((x, y) => x - y)).toEqual(
        Array.from({ length: 12 }, (_, i) => 2 * (i + 1)),
      );
      const stream = await a.events.readStream('s1');
      expect(stream.map((e) => e.streamVersion)).toEqual(Array.from({ length: 24 }, (_, i) => i + 1));
      // Positions are visible in order: the global read is strictly increasing and complete.
      const all = await a.events.readAll();
      expect(all.map((e) => e.position)).toEqual([...all.map((e) => e.position)].sort((x, y) => x - y));
      expect(all).toHaveLength(24);
    });

    it('concurrent appends with the same expectedVersion: one wins, the rest are CONFLICT', async () => {
      backend = make();
      const [a, b] = [backend.open(), backend.open()];
      await a.migrate();
      await a.events.append('s1', [testEvent()]);
      const results = await Promise.allSettled(
        Array.from({ length: 6 }, (_, i) =>
          (i % 2 ? a : b).events.append('s1', [testEvent()], { expectedVersion: 1 }),
        ),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      for (const r of results.filter((x) => x.status === 'rejected') as PromiseRejectedResult[]) {
        expect(isThreadlineError(r.reason, 'CONFLICT')).toBe(true);
      }
      expect(await a.events.streamVersion('s1')).toBe(2);
    });
  });
});
