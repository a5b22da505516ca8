import type { DocumentStore } from '@threadline/core';
import { expectCode, type MaybePromise, type StoreTest, type SuiteRunner } from './types.js';

/** What the unique-index group needs from the document-store suite. */
export interface UniqueIndexGroupContext extends SuiteRunner {
  test: StoreTest;
  raw: (
    collection: string,
    tenantId: string,
    id: string,
  ) => MaybePromise<Record<string, unknown> | undefined>;
  hasRaw: boolean;
}

/** `true` when the store declares `uniqueIndexes`; otherwise checks it does not claim them. */
function enforces(ctx: SuiteRunner, store: DocumentStore): boolean {
  if (store.capabilities.uniqueIndexes === true) return true;
  ctx.expect(store.capabilities.uniqueIndexes ?? false).toBe(false);
  return false;
}

async function expectUniqueConflict(
  ctx: SuiteRunner,
  fn: () => Promise<unknown>,
  index: string,
): Promise<void> {
  const error = (await expectCode(ctx, fn, 'CONFLICT')) as unknown as { details?: { index?: string } };
  ctx.expect(error.details?.index).toBe(index);
}

/**
 * Unique indexes (`defineCollection(c, { indexes, unique })`), run by `documentStoreSuite` for
 * stores whose `capabilities.uniqueIndexes` is true.
 */
export function uniqueIndexGroup(ctx: UniqueIndexGroupContext): void {
  const { describe, expect, test } = ctx;
  describe('unique indexes', () => {
    test('a second document with the key is CONFLICT naming the index, and writes nothing', async (store, c) => {
      if (!enforces(ctx, store)) return;
      await store.defineCollection(c, { indexes: [], unique: [['email']] });
      await store.put(c, { id: 'a', email: 'ana@example.com' });
      await expectUniqueConflict(ctx, () => store.put(c, { id: 'b', email: 'ana@example.com' }), 'email');
      expect(await store.get(c, 'b')).toBeUndefined();
      if (ctx.hasRaw) expect(await ctx.raw(c, 'default', 'b')).toBeUndefined();
      // The holder may rewrite itself with the same key; unique fields are equality indexes too.
      const again = await store.put(c, { id: 'a', email: 'ana@example.com', name: 'Ana' });
      expect(again.version).toBe(2);
      const found = await store.find(c, { where: { email: 'ana@example.com' } });
      expect(found.items.map((d) => d.id)).toEqual(['a']);
    });

    test('a released key (changed or deleted holder) can be taken', async (store, c) => {
      if (!enforces(ctx, store)) return;
      await store.defineCollection(c, { indexes: [], unique: [['email']] });
      await store.put(c, { id: 'a', email: 'x@example.com' });
      await store.put(c, { id: 'a', email: 'y@example.com' });
      await store.put(c, { id: 'b', email: 'x@example.com' });
      await expectUniqueConflict(ctx, () => store.put(c, { id: 'c', email: 'y@example.com' }), 'email');
      await store.delete(c, 'a');
      expect((await store.put(c, { id: 'c', email: 'y@example.com' })).version).toBe(1);
    });

    test('missing and null values are not constrained; values compare by type; tenants are apart', async (store, c) => {
      if (!enforces(ctx, store)) return;
      await store.defineCollection(c, { indexes: [], unique: [['code']] });
      await store.put(c, { id: 'a' });
      await store.put(c, { id: 'b' });
      await store.put(c, { id: 'c', code: null });
      await store.put(c, { id: 'd', code: null });
      await store.put(c, { id: 'e', code: 1 });
      await store.put(c, { id: 'f', code: '1' });
      await store.put(c, { id: 'g', code: 1, tenantId: 't2' });
      await expectUniqueConflict(ctx, () => store.put(c, { id: 'h', code: 1 }), 'code');
      await expectUniqueConflict(ctx, () => store.put(c, { id: 'h', code: 1, tenantId: 't2' }), 'code');
    });

    test('a composite index constrains the combination only', async (store, c) => {
      if (!enforces(ctx, store)) return;
      await store.defineCollection(c, { indexes: [], unique: [['kind', 'value']] });
      await store.put(c, { id: 'a', kind: 'email', value: 'ana@example.com' });
      await store.put(c, { id: 'b', kind: 'phone', value: 'ana@example.com' });
      await store.put(c, { id: 'c', kind: 'email', value: 'bob@example.com' });
      await expectUniqueConflict(
        ctx,
        () => store.put(c, { id: 'd', kind: 'email', value: 'ana@example.com' }),
        'kind+value',
      );
      expect(await store.get(c, 'd')).toBeUndefined();
    });

    test('declaring a unique index that existing documents violate is CONFLICT and changes nothing', async (store, c) => {
      if (!enforces(ctx, store)) return;
      await store.put(c, { id: 'a', sku: 'S1' });
      await store.put(c, { id: 'b', sku: 'S1' });
      await expectUniqueConflict(
        ctx,
        () => store.defineCollection(c, { indexes: [], unique: [['sku']] }),
        'sku',
      );
      // Not installed: a third duplicate is still accepted.
      await store.put(c, { id: 'c', sku: 'S1' });
      expect((await store.get(c, 'c'))?.sku).toBe('S1');
    });

    test('a violation inside a transaction rolls the whole transaction back', async (store, c) => {
      if (!enforces(ctx, store) || !store.capabilities.transactions || !store.transaction) return;
      await store.defineCollection(c, { indexes: [], unique: [['email']] });
      await store.put(c, { id: 'a', email: 'x@example.com' });
      let caught: unknown;
      try {
        await store.transaction(async (tx) => {
          await tx.documents.put(c, { id: 'z', n: 1 });
          await tx.documents.put(c, { id: 'b', email: 'x@example.com' });
        });
      } catch (e) {
        caught = e;
      }
      expect((caught as { code?: string } | undefined)?.code).toBe('CONFLICT');
      expect((caught as { details?: { index?: string } }).details?.index).toBe('email');
      expect(await store.get(c, 'z')).toBeUndefined();
      expect(await store.get(c, 'b')).toBeUndefined();
    });

    test('a transaction may move a key from one document to another', async (store, c) => {
      if (!enforces(ctx, store) || !store.capabilities.transactions || !store.transaction) return;
      await store.defineCollection(c, { indexes: [], unique: [['email']] });
      await store.put(c, { id: 'a', email: 'x@example.com' });
      await store.transaction(async (tx) => {
        await tx.documents.put(c, { id: 'a', email: 'old@example.com' });
        await tx.documents.put(c, { id: 'b', email: 'x@example.com' });
      });
      expect((await store.find(c, { where: { email: 'x@example.com' } })).items.map((d) => d.id)).toEqual([
        'b',
      ]);
    });

    test('bad unique definitions are VALIDATION errors', async (store, c) => {
      if (!enforces(ctx, store)) return;
      await expectCode(ctx, () => store.defineCollection(c, { indexes: [], unique: [[]] }), 'VALIDATION');
      await expectCode(
        ctx,
        () => store.defineCollection(c, { indexes: [], unique: [['a b']] }),
        'VALIDATION',
      );
      await expectCode(
        ctx,
        () => store.defineCollection(c, { indexes: [], uniq: [['a']] } as never),
        'VALIDATION',
      );
    });
  });
}
