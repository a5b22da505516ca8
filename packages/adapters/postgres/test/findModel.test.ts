// Property: for any documents and any equality query on declared fields, `find` on PostgreSQL
// returns exactly what the reference memory store returns, page by page (same typed keys, array
// elements, nested paths, null, missing fields, id order).
import { PGlite } from '@electric-sql/pglite';
import { createMemoryDocumentStore } from '@threadline/adapter-memory';
import type { DocumentStore } from '@threadline/core';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresStorage, type PostgresStorage } from '../src/index.js';

const FIELDS = ['k', 'tags', 'p.q'] as const;
const scalar = fc.oneof(
  fc.constantFrom('a', 'b', '1', '', 'Zoë'),
  fc.constantFrom(0, 1, -1, 1.5),
  fc.boolean(),
  fc.constant(null),
);
const fieldValue = fc.oneof(
  scalar,
  fc.array(scalar, { maxLength: 3 }),
  fc.constant({ nested: 'object' }),
  fc.constant(undefined),
);
const doc = fc.record({
  id: fc.stringMatching(/^[a-z0-9]{1,4}$/),
  k: fieldValue,
  tags: fieldValue,
  p: fc.oneof(fc.record({ q: fieldValue }), scalar, fc.constant(undefined)),
});
const query = fc.dictionary(fc.constantFrom(...FIELDS), scalar, { maxKeys: 2 });

async function all(store: DocumentStore, collection: string, where: Record<string, unknown>, limit: number) {
  const ids: string[] = [];
  let cursor: string | undefined;
  for (let guard = 0; guard < 100; guard++) {
    const page = await store.find(collection, {
      where: where as Record<string, string | number | boolean | null>,
      limit,
      ...(cursor ? { cursor } : {}),
    });
    ids.push(...page.items.map((d) => d.id));
    if (!page.nextCursor) break;
    cursor = page.nextCursor;
  }
  return ids;
}

describe('find agrees with the memory reference store', () => {
  let client: PGlite;
  let storage: PostgresStorage;
  beforeAll(async () => {
    client = new PGlite();
    storage = createPostgresStorage({ client });
    await storage.migrate();
  });
  afterAll(() => client.close());

  let run = 0;
  it('for random documents, queries and page sizes', { timeout: 120_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(doc, { selector: (d) => d.id, maxLength: 12 }),
        fc.array(query, { minLength: 1, maxLength: 4 }),
        fc.integer({ min: 1, max: 5 }),
        async (docs, queries, limit) => {
          const collection = `prop_${run++}`;
          const memory = createMemoryDocumentStore();
          for (const store of [memory, storage.documents] as DocumentStore[]) {
            await store.defineCollection(collection, { indexes: [...FIELDS] });
            for (const d of docs) await store.put(collection, d);
          }
          for (const where of queries) {
            expect(await all(storage.documents, collection, where, limit)).toEqual(
              await all(memory, collection, where, limit),
            );
          }
        },
      ),
      { numRuns: 40, seed: 20261207 },
    );
  });
});
