import { createMemoryStorage } from '@threadline/adapter-memory';
import type { DocumentStore, StoredDocument } from '@threadline/core';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { type Backend, forEachBackend } from './server.js';

async function findAllIds(store: DocumentStore, where: Record<string, unknown>, limit: number) {
  const ids: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.find<StoredDocument>('due', {
      where: where as never,
      limit,
      ...(cursor ? { cursor } : {}),
    });
    ids.push(...page.items.map((d) => d.id));
    cursor = page.nextCursor;
  } while (cursor);
  return ids;
}

forEachBackend((make) => {
  let backend: Backend | undefined;
  afterEach(async () => {
    await backend?.dispose();
    backend = undefined;
  });

  describe('unique and range indexes across storage objects', () => {
    it('an index declared by another process is enforced and named in CONFLICT', async () => {
      backend = make();
      const a = backend.open();
      const b = backend.open();
      await a.migrate();
      await a.documents.defineCollection('keys', { indexes: [], unique: [['kind', 'value']] });
      await a.documents.put('keys', { id: 'k1', kind: 'email', value: 'x@example.com' });
      // `b` never declared the index: it learns it from the database when the write fails.
      const error = await b.documents
        .put('keys', { id: 'k2', kind: 'email', value: 'x@example.com' })
        .catch((e: unknown) => e);
      expect(error).toMatchObject({
        code: 'CONFLICT',
        details: { index: 'kind+value', id: 'k2', existingId: 'k1' },
      });
      expect(await b.documents.get('keys', 'k2')).toBeUndefined();
      // The same inside a transaction of a third process that has never seen the collection.
      const c = backend.open();
      const inTx = await c.documents
        .transaction((tx) => tx.documents.put('keys', { id: 'k2', kind: 'email', value: 'x@example.com' }))
        .catch((e: unknown) => e);
      expect(inTx).toMatchObject({ code: 'CONFLICT', details: { index: 'kind+value', existingId: 'k1' } });
      // Same value, other type: not the same key.
      await b.documents.put('keys', { id: 'k3', kind: 'email', value: 1 });
      await b.documents.put('keys', { id: 'k4', kind: 'email', value: '1' });
    });

    it('a unique CONFLICT caught inside a transaction leaves the transaction usable', async () => {
      backend = make();
      const storage = backend.open();
      await storage.migrate();
      await storage.documents.defineCollection('keys', { indexes: [], unique: [['email']] });
      await storage.documents.put('keys', { id: 'a', email: 'x@example.com' });
      const code = await storage.documents.transaction(async (tx) => {
        const caught = await tx.documents
          .put('keys', { id: 'b', email: 'x@example.com' })
          .catch((e: { code?: string; details?: { index?: string } }) => `${e.code}:${e.details?.index}`);
        await tx.documents.put('keys', { id: 'c', email: 'y@example.com' });
        await tx.events?.append('s1', [
          {
            id: 'e1',
            type: 'key.added',
            tenantId: 'default',
            aggregateId: 'c',
            aggregateType: 'key',
            version: 1,
            occurredAt: 0,
            payload: {},
          },
        ]);
        return caught;
      });
      expect(code).toBe('CONFLICT:email');
      expect(await storage.documents.get('keys', 'b')).toBeUndefined();
      expect(await storage.documents.get('keys', 'c')).toMatchObject({ email: 'y@example.com' });
      expect(await storage.events.streamVersion('s1')).toBe(1);
    });

    it('range pages follow the memory adapter’s order for ints, floats and non-numbers', async () => {
      backend = make();
      const storage = backend.open();
      const reader = backend.open();
      await storage.migrate();
      const value = fc.oneof(
        fc.integer({ min: -5, max: 5 }),
        fc.double({ min: -5, max: 5, noNaN: true, noDefaultInfinity: true }),
        fc.constantFrom('3', null, true, [1], { n: 1 }),
      );
      let round = 0;
      await fc.assert(
        fc.asyncProperty(
          fc.array(value, { maxLength: 25 }),
          fc.record({ gte: fc.integer({ min: -6, max: 2 }), lt: fc.integer({ min: -1, max: 6 }) }),
          fc.integer({ min: 1, max: 4 }),
          async (values, bounds, limit) => {
            round++;
            const memory = createMemoryStorage().documents;
            for (const store of [storage.documents, memory]) {
              await store.defineCollection('due', { indexes: ['round'], ranges: ['at'] });
              for (const [i, at] of values.entries()) {
                await store.put('due', { id: `d${String(i).padStart(2, '0')}`, round, at });
              }
            }
            const where = { round, at: bounds };
            // `reader` never declared the range: it reloads the declaration from the database.
            const got = await findAllIds(reader.documents, where, limit);
            expect(got).toEqual(await findAllIds(memory, where, limit));
          },
        ),
        { numRuns: 15 },
      );
    });
  });
});
