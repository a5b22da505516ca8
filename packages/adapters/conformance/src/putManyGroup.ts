import {
  type DocumentInput,
  type DocumentStore,
  type PutManyOptions,
  putMany,
  type StoredDocument,
} from '@threadline/core';
import { expectCode, type MaybePromise, type StoreTest, type SuiteRunner } from './types.js';

/** What the putMany group needs from the document-store suite. */
export interface PutManyGroupContext extends SuiteRunner {
  test: StoreTest;
  raw: (
    collection: string,
    tenantId: string,
    id: string,
  ) => MaybePromise<Record<string, unknown> | undefined>;
  hasRaw: boolean;
  /** Documents in the batch that spans several of the adapter's statements (default 2 500). */
  largeBatch?: number;
}

type Details = { details?: Record<string, unknown>; issues: { path: (string | number)[] }[] };

/**
 * Core's `putMany` helper: the adapter's own `putMany` when it has one, else the helper's
 * fallback (a loop of `put` in a transaction) — so adapters without the method run the same
 * guarantees through the path their callers use.
 */
const writeMany = (store: DocumentStore, c: string, docs: readonly DocumentInput[], o?: PutManyOptions) =>
  putMany(store, c, docs, o);

/**
 * `putMany` (run by `documentStoreSuite`): versions in order, all-or-nothing on a version
 * conflict, a bad document or a unique-index violation (against stored documents, inside one
 * batch, and between two racing batches), batches larger than one statement, tenants, and
 * `putMany` inside a transaction.
 */
export function putManyGroup(ctx: PutManyGroupContext): void {
  const { describe, expect, test } = ctx;
  const ids = async (store: DocumentStore, c: string, tenantId?: string) =>
    (await store.find(c, { limit: 1000, ...(tenantId ? { tenantId } : {}) })).items.map((d) => d.id);

  describe('putMany', () => {
    test('writes every document and returns them with their versions, in order', async (store, c) => {
      const created = await writeMany(store, c, [
        { id: 'b', n: 1 },
        { id: 'a', n: 2, nested: { x: [1] } },
      ]);
      expect(created.map((d) => [d.id, d.version, d.tenantId])).toEqual([
        ['b', 1, 'default'],
        ['a', 1, 'default'],
      ]);
      expect(created[1]).toMatchObject({ n: 2, nested: { x: [1] } });
      await store.put(c, { id: 'd', n: 0 });
      await store.put(c, { id: 'd', n: 0 });
      // Mixed: an update at its version, a create-only, an overwrite.
      const next = await writeMany(store, c, [{ id: 'a', n: 3 }, { id: 'c' }, { id: 'd', n: 9 }], {
        expectedVersions: [1, 0, undefined],
      });
      expect(next.map((d) => d.version)).toEqual([2, 1, 3]);
      expect(await store.get(c, 'a')).toMatchObject({ n: 3, version: 2 });
      expect(await store.get(c, 'd')).toMatchObject({ n: 9, version: 3 });
      if (ctx.hasRaw) expect(await ctx.raw(c, 'default', 'a')).toMatchObject({ n: 3 });
      expect(await writeMany(store, c, [])).toEqual([]);
    });

    test('a version conflict is CONFLICT naming the document and writes nothing', async (store, c) => {
      await store.put(c, { id: 'a', n: 1 });
      const error = (await expectCode(
        ctx,
        () =>
          writeMany(store, c, [{ id: 'b' }, { id: 'a', n: 2 }, { id: 'z' }], { expectedVersions: [0, 5, 0] }),
        'CONFLICT',
      )) as unknown as Details;
      expect(error.details).toMatchObject({ id: 'a', expectedVersion: 5, actualVersion: 1 });
      await expectCode(
        ctx,
        () => writeMany(store, c, [{ id: 'y' }, { id: 'a' }], { expectedVersion: 0 }),
        'CONFLICT',
      );
      expect(await ids(store, c)).toEqual(['a']);
      expect(await store.get(c, 'a')).toMatchObject({ n: 1, version: 1 });
      if (ctx.hasRaw) expect(await ctx.raw(c, 'default', 'b')).toBeUndefined();
    });

    test('bad input is VALIDATION with the path under documents, and writes nothing', async (store, c) => {
      const bad = (await expectCode(
        ctx,
        () => writeMany(store, c, [{ id: 'ok' }, { id: 'x', when: new Date(0) } as never]),
        'VALIDATION',
      )) as unknown as Details;
      expect(bad.issues.map((i) => i.path.join('.'))).toContain('documents.1.when');
      const dup = (await expectCode(
        ctx,
        () => writeMany(store, c, [{ id: 'a' }, { id: 'b' }, { id: 'a' }]),
        'VALIDATION',
      )) as unknown as Details;
      expect(dup.issues.map((i) => i.path.join('.'))).toContain('documents.2.id');
      const noId = (await expectCode(
        ctx,
        () => writeMany(store, c, [{ n: 1 } as never]),
        'VALIDATION',
      )) as unknown as Details;
      expect(noId.issues.map((i) => i.path.join('.'))).toContain('documents.0.id');
      const slots = (await expectCode(
        ctx,
        () => writeMany(store, c, [{ id: 'a' }, { id: 'b' }], { expectedVersions: [0] }),
        'VALIDATION',
      )) as unknown as Details;
      expect(slots.issues.map((i) => i.path.join('.'))).toContain('expectedVersions');
      await expectCode(
        ctx,
        () => writeMany(store, c, [{ id: 'a' }], { expectedVersions: [-1] }),
        'VALIDATION',
      );
      await expectCode(ctx, () => writeMany(store, c, 'nope' as never), 'VALIDATION');
      await expectCode(ctx, () => writeMany(store, 'bad name', [{ id: 'a' }]), 'VALIDATION');
      expect(await ids(store, c)).toEqual([]);
    });

    test('the same id in two tenants is two documents', async (store, c) => {
      const out = await writeMany(store, c, [
        { id: 'x', tenantId: 't1', owner: 'one' },
        { id: 'x', tenantId: 't2', owner: 'two' },
      ]);
      expect(out.map((d) => d.tenantId)).toEqual(['t1', 't2']);
      expect((await store.get(c, 'x', { tenantId: 't2' }))?.owner).toBe('two');
      expect(await store.get(c, 'x')).toBeUndefined();
    });

    test(`a batch larger than one statement is still all or nothing`, async (store, c) => {
      const n = ctx.largeBatch ?? 2500;
      const docs = Array.from({ length: n }, (_, i) => ({ id: `d-${String(i).padStart(5, '0')}`, i }));
      await store.put(c, { id: docs[n - 1]?.id as string, i: -1 });
      await expectCode(ctx, () => writeMany(store, c, docs, { expectedVersion: 0 }), 'CONFLICT');
      expect(await ids(store, c)).toEqual([docs[n - 1]?.id]);
      const written = await writeMany(store, c, docs);
      expect(written.filter((d) => d.version === 1)).toHaveLength(n - 1);
      expect(written[n - 1]?.version).toBe(2);
      expect((await store.get(c, docs[0]?.id as string))?.i).toBe(0);
    });

    test('a unique-index violation, stored or inside the batch, is CONFLICT naming the index and writes nothing', async (store, c) => {
      if (store.capabilities.uniqueIndexes !== true) return;
      await store.defineCollection(c, { indexes: [], unique: [['email']] });
      await store.put(c, { id: 'a', email: 'ana@example.com' });
      const stored = (await expectCode(
        ctx,
        () =>
          writeMany(store, c, [
            { id: 'b', email: 'bo@example.com' },
            { id: 'c', email: 'ana@example.com' },
          ]),
        'CONFLICT',
      )) as unknown as Details;
      expect(stored.details?.index).toBe('email');
      const inBatch = (await expectCode(
        ctx,
        () =>
          writeMany(store, c, [
            { id: 'd', email: 'x@example.com' },
            { id: 'e', email: 'x@example.com' },
          ]),
        'CONFLICT',
      )) as unknown as Details;
      expect(inBatch.details?.index).toBe('email');
      expect(await ids(store, c)).toEqual(['a']);
      if (ctx.hasRaw) expect(await ctx.raw(c, 'default', 'b')).toBeUndefined();
      // The holder may rewrite itself in a batch.
      const again = await writeMany(store, c, [
        { id: 'a', email: 'ana@example.com', v: 2 },
        { id: 'f', email: 'f@x.io' },
      ]);
      expect(again.map((d) => d.version)).toEqual([2, 1]);
    });

    test('two batches racing for one unique key: exactly one commits, the other writes nothing', async (store, c) => {
      if (store.capabilities.uniqueIndexes !== true) return;
      await store.defineCollection(c, { indexes: [], unique: [['email']] });
      const batch = (k: number) =>
        writeMany(store, c, [
          { id: `own-${k}`, email: `own-${k}@x.io` },
          { id: `race-${k}`, email: 'race@x.io' },
        ]);
      const results = await Promise.allSettled([batch(1), batch(2), batch(3)]);
      const won = results.filter((r) => r.status === 'fulfilled');
      expect(won).toHaveLength(1);
      for (const r of results) {
        if (r.status === 'rejected') {
          expect((r.reason as { code?: string }).code).toBe('CONFLICT');
          expect((r.reason as Details).details?.index).toBe('email');
        }
      }
      const winner = ((won[0] as PromiseFulfilledResult<StoredDocument[]>).value[0] as StoredDocument).id;
      const k = winner.slice('own-'.length);
      expect(await ids(store, c)).toEqual([`own-${k}`, `race-${k}`]);
    });

    test('inside a transaction: committed with it, rolled back with it, and a failed putMany writes nothing', async (store, c) => {
      if (!store.capabilities.transactions || !store.transaction) return;
      await store.put(c, { id: 'a', n: 1 });
      await store.transaction(async (tx) => {
        const out = await writeMany(
          tx.documents,
          c,
          [
            { id: 'a', n: 2 },
            { id: 'b', n: 1 },
          ],
          {
            expectedVersions: [1, 0],
          },
        );
        expect(out.map((d) => d.version)).toEqual([2, 1]);
        expect((await tx.documents.get(c, 'b'))?.n).toBe(1);
      });
      expect(await store.get(c, 'a')).toMatchObject({ n: 2, version: 2 });
      await expect(
        store.transaction(async (tx) => {
          await writeMany(tx.documents, c, [{ id: 'a', n: 99 }, { id: 'z' }]);
          throw new Error('abort');
        }),
      ).rejects.toThrow('abort');
      expect(await store.get(c, 'a')).toMatchObject({ n: 2, version: 2 });
      expect(await store.get(c, 'z')).toBeUndefined();
      await store.transaction(async (tx) => {
        const own = tx.documents;
        // Only an adapter's own putMany promises a failed call leaves the transaction untouched.
        if (typeof own.putMany !== 'function') return;
        await expectCode(
          ctx,
          () =>
            own.putMany?.(c, [{ id: 'y' }, { id: 'a', n: 5 }], {
              expectedVersions: [0, 1],
            }) as Promise<unknown>,
          'CONFLICT',
        );
        expect(await own.get(c, 'y')).toBeUndefined();
        await own.put(c, { id: 'after', n: 1 });
      });
      expect(await store.get(c, 'y')).toBeUndefined();
      if (typeof store.putMany === 'function') expect(await store.get(c, 'after')).toMatchObject({ n: 1 });
    });
  });
}
