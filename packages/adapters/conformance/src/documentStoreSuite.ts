import type { DocumentStore, StoredDocument } from '@threadline/core';
import { putManyGroup } from './putManyGroup.js';
import { rangeQueryGroup } from './rangeQueryGroup.js';
import { expectCode, type MaybePromise, type StoreTest, type SuiteRunner, uniqueName } from './types.js';
import { uniqueIndexGroup } from './uniqueIndexGroup.js';

/** Options for {@link documentStoreSuite}. */
export interface DocumentStoreSuiteOptions extends SuiteRunner {
  /** Suite title (default `DocumentStore conformance`). */
  name?: string;
  /** Makes the store under test. Called once per test. */
  createStore: () => MaybePromise<DocumentStore>;
  /** Disposes a store made by `createStore` (default: `store.close?.()`). */
  disposeStore?: (store: DocumentStore) => MaybePromise<void>;
  /**
   * An independent read path (raw SQL, a second client…): returns the stored JSON document or
   * `undefined`. When given, writes are verified through it, not only by round trips.
   */
  readRaw?: (
    collection: string,
    tenantId: string,
    id: string,
  ) => MaybePromise<Record<string, unknown> | undefined>;
  /** Prefix for collection names, so runs against a shared server do not collide. */
  namespace?: string;
  /** Concurrent writers in the optimistic-concurrency test (default 8). */
  concurrentWriters?: number;
  /** Size in bytes of the large-document test (default 512 KiB). */
  largeDocumentBytes?: number;
  /** Per-test timeout in ms (default 30 000). */
  timeoutMs?: number;
}

/**
 * The conformance suite every `DocumentStore` adapter runs: round trips, versions and optimistic
 * concurrency (also under concurrent writers), tenant isolation, indexed `find` and pagination
 * without gaps or duplicates, validation errors, large documents, unicode, deletion,
 * transactions (when `capabilities.transactions`), `putMany` (the adapter's own, or core's
 * fallback helper when it has none), unique indexes (when
 * `capabilities.uniqueIndexes`) and range queries (when `capabilities.rangeQueries`).
 *
 * @example
 * ```ts
 * import { describe, it, expect } from 'vitest';
 * documentStoreSuite({ describe, it, expect, createStore: () => createMemoryDocumentStore() });
 * ```
 */
export function documentStoreSuite(options: DocumentStoreSuiteOptions): void {
  const { describe, it, expect } = options;
  const ns = options.namespace ?? 'ds';
  const timeout = options.timeoutMs ?? 30_000;
  const test: StoreTest = (title, fn) =>
    it(
      title,
      async () => {
        const store = await options.createStore();
        try {
          await fn(store, uniqueName('c', ns));
        } finally {
          if (options.disposeStore) await options.disposeStore(store);
          else await store.close?.();
        }
      },
      timeout,
    );
  const raw = async (collection: string, tenantId: string, id: string) =>
    options.readRaw ? await options.readRaw(collection, tenantId, id) : undefined;

  describe(options.name ?? 'DocumentStore conformance', () => {
    describe('round trips and versions', () => {
      test('put then get returns the document with version 1, then 2', async (store, c) => {
        const first = await store.put(c, {
          id: 'a',
          title: 'Refund',
          nested: { n: 1, list: [1, 'x', null, true] },
        });
        expect(first).toMatchObject({ id: 'a', tenantId: 'default', version: 1, title: 'Refund' });
        const second = await store.put(c, { ...first, title: 'Refund please' });
        expect(second.version).toBe(2);
        const got = await store.get(c, 'a');
        expect(got).toEqual({
          id: 'a',
          tenantId: 'default',
          version: 2,
          title: 'Refund please',
          nested: { n: 1, list: [1, 'x', null, true] },
        });
        if (options.readRaw)
          expect(await raw(c, 'default', 'a')).toMatchObject({ title: 'Refund please', nested: { n: 1 } });
      });

      test('get of a missing document resolves undefined; getMany keeps order and holes', async (store, c) => {
        expect(await store.get(c, 'nope')).toBeUndefined();
        await store.put(c, { id: 'b', v: 2 });
        await store.put(c, { id: 'a', v: 1 });
        const many = await store.getMany(c, ['a', 'missing', 'b', 'a']);
        expect(many.map((d) => d?.v)).toEqual([1, undefined, 2, 1]);
        expect(await store.getMany(c, [])).toEqual([]);
      });

      test('returned documents are not affected by later writes', async (store, c) => {
        await store.put(c, { id: 'a', n: 1 });
        const before = await store.get(c, 'a');
        await store.put(c, { id: 'a', n: 2 });
        expect(before?.n).toBe(1);
      });
    });

    describe('optimistic concurrency', () => {
      test('expectedVersion 0 creates only; a mismatch is CONFLICT and writes nothing', async (store, c) => {
        await store.put(c, { id: 'a', n: 1 }, { expectedVersion: 0 });
        await expectCode(options, () => store.put(c, { id: 'a', n: 2 }, { expectedVersion: 0 }), 'CONFLICT');
        await expectCode(options, () => store.put(c, { id: 'a', n: 3 }, { expectedVersion: 7 }), 'CONFLICT');
        const got = await store.get(c, 'a');
        expect(got).toMatchObject({ n: 1, version: 1 });
        if (options.readRaw) expect(await raw(c, 'default', 'a')).toMatchObject({ n: 1 });
        const ok = await store.put(c, { id: 'a', n: 4 }, { expectedVersion: 1 });
        expect(ok.version).toBe(2);
      });

      test('concurrent writers with the same expected version: exactly one wins', async (store, c) => {
        await store.put(c, { id: 'hot', n: 0 });
        const writers = options.concurrentWriters ?? 8;
        const results = await Promise.allSettled(
          Array.from({ length: writers }, (_, i) =>
            store.put(c, { id: 'hot', n: i + 1 }, { expectedVersion: 1 }),
          ),
        );
        const won = results.filter((r) => r.status === 'fulfilled');
        const lost = results.filter((r) => r.status === 'rejected') as PromiseRejectedResult[];
        expect(won).toHaveLength(1);
        for (const l of lost) expect((l.reason as { code?: string }).code).toBe('CONFLICT');
        const final = await store.get(c, 'hot');
        expect(final?.version).toBe(2);
        expect(final?.n).toBe((won[0] as PromiseFulfilledResult<StoredDocument>).value.n);
      });

      test('a read-modify-write loop under contention loses no increment', async (store, c) => {
        await store.put(c, { id: 'counter', n: 0 });
        const increment = async () => {
          for (;;) {
            const cur = (await store.get(c, 'counter')) as StoredDocument & { n: number };
            try {
              await store.put(c, { ...cur, n: cur.n + 1 }, { expectedVersion: cur.version });
              return;
            } catch (e) {
              if ((e as { code?: string }).code !== 'CONFLICT') throw e;
            }
          }
        };
        await Promise.all(Array.from({ length: 20 }, increment));
        expect((await store.get(c, 'counter'))?.n).toBe(20);
      });
    });

    describe('tenant isolation', () => {
      test('the same id in two tenants are two documents; no read, find or delete crosses', async (store, c) => {
        await store.defineCollection(c, { indexes: ['kind'] });
        await store.put(c, { id: 'x', tenantId: 't1', kind: 'k', owner: 'one' });
        await store.put(c, { id: 'x', tenantId: 't2', kind: 'k', owner: 'two' });
        expect((await store.get(c, 'x', { tenantId: 't1' }))?.owner).toBe('one');
        expect((await store.get(c, 'x', { tenantId: 't2' }))?.owner).toBe('two');
        expect(await store.get(c, 'x')).toBeUndefined();
        expect((await store.getMany(c, ['x'], { tenantId: 't3' }))[0]).toBeUndefined();
        const found = await store.find(c, { tenantId: 't1', where: { kind: 'k' } });
        expect(found.items.map((d) => d.owner)).toEqual(['one']);
        expect((await store.find(c, { tenantId: 't3' })).items).toEqual([]);
        expect(await store.delete(c, 'x', { tenantId: 't3' })).toBe(false);
        expect(await store.delete(c, 'x', { tenantId: 't1' })).toBe(true);
        expect((await store.get(c, 'x', { tenantId: 't2' }))?.owner).toBe('two');
        if (options.readRaw) {
          expect(await raw(c, 't1', 'x')).toBeUndefined();
          expect(await raw(c, 't2', 'x')).toMatchObject({ owner: 'two' });
        }
      });

      test('a version conflict in one tenant does not see the other tenant', async (store, c) => {
        await store.put(c, { id: 'x', tenantId: 't1' });
        await store.put(c, { id: 'x', tenantId: 't1' });
        const created = await store.put(c, { id: 'x', tenantId: 't2' }, { expectedVersion: 0 });
        expect(created.version).toBe(1);
      });
    });

    describe('find', () => {
      test('filters by declared indexes, including array elements and several fields', async (store, c) => {
        await store.defineCollection(c, { indexes: ['status', 'tags', 'profile.email', 'rank'] });
        await store.put(c, {
          id: '1',
          status: 'open',
          tags: ['vip', 'fr'],
          profile: { email: 'a@x.io' },
          rank: 1,
        });
        await store.put(c, {
          id: '2',
          status: 'open',
          tags: ['fr'],
          profile: { email: 'b@x.io' },
          rank: '1',
        });
        await store.put(c, {
          id: '3',
          status: 'closed',
          tags: ['vip'],
          profile: { email: 'a@x.io' },
          rank: 2,
        });
        const ids = async (where: Record<string, string | number | boolean | null>) =>
          (await store.find(c, { where })).items.map((d) => d.id);
        expect(await ids({ status: 'open' })).toEqual(['1', '2']);
        expect(await ids({ tags: 'vip' })).toEqual(['1', '3']);
        expect(await ids({ tags: 'vip', status: 'open' })).toEqual(['1']);
        expect(await ids({ 'profile.email': 'a@x.io' })).toEqual(['1', '3']);
        expect(await ids({ rank: 1 })).toEqual(['1']);
        expect(await ids({ rank: '1' })).toEqual(['2']);
        expect(await ids({ status: 'pending' })).toEqual([]);
        expect((await store.find(c)).items.map((d) => d.id)).toEqual(['1', '2', '3']);
      });

      test('updates and deletes keep indexes in step', async (store, c) => {
        await store.defineCollection(c, { indexes: ['status'] });
        await store.put(c, { id: 'a', status: 'open' });
        await store.put(c, { id: 'a', status: 'solved' });
        await store.put(c, { id: 'b', status: 'open' });
        await store.delete(c, 'b');
        expect((await store.find(c, { where: { status: 'open' } })).items).toEqual([]);
        expect((await store.find(c, { where: { status: 'solved' } })).items.map((d) => d.id)).toEqual(['a']);
      });

      test('indexes declared after writes cover existing documents', async (store, c) => {
        await store.put(c, { id: 'a', color: 'red' });
        await store.defineCollection(c, { indexes: ['color'] });
        await store.defineCollection(c, { indexes: ['color'] });
        expect((await store.find(c, { where: { color: 'red' } })).items.map((d) => d.id)).toEqual(['a']);
      });

      test('pagination visits every document once, in id order', async (store, c) => {
        await store.defineCollection(c, { indexes: ['group'] });
        const all: string[] = [];
        for (let i = 0; i < 137; i++) {
          const id = `doc-${String(i).padStart(4, '0')}`;
          all.push(id);
          await store.put(c, { id, group: i % 2 === 0 ? 'even' : 'odd' });
        }
        const collect = async (where?: Record<string, string>) => {
          const seen: string[] = [];
          let cursor: string | undefined;
          for (let guard = 0; guard < 100; guard++) {
            const pageResult = await store.find(c, {
              limit: 10,
              ...(where ? { where } : {}),
              ...(cursor ? { cursor } : {}),
            });
            seen.push(...pageResult.items.map((d) => d.id));
            if (!pageResult.nextCursor) break;
            cursor = pageResult.nextCursor;
          }
          return seen;
        };
        expect(await collect()).toEqual(all);
        expect(await collect({ group: 'even' })).toEqual(all.filter((_, i) => i % 2 === 0));
      });

      test('pagination has no gaps or duplicates while documents are inserted and deleted between pages', async (store, c) => {
        const stable: string[] = [];
        for (let i = 0; i < 40; i++) {
          const id = `s-${String(i * 10).padStart(4, '0')}`;
          stable.push(id);
          await store.put(c, { id });
        }
        const seen: string[] = [];
        let cursor: string | undefined;
        let n = 0;
        for (let guard = 0; guard < 100; guard++) {
          const p = await store.find(c, { limit: 7, ...(cursor ? { cursor } : {}) });
          seen.push(...p.items.map((d) => d.id));
          // Churn: insert before and after the cursor, delete a transient document.
          await store.put(c, { id: `s-${String(n * 13 + 1).padStart(4, '0')}x` });
          await store.delete(c, `s-${String(n * 13 + 1).padStart(4, '0')}x`);
          await store.put(c, { id: `t-${n++}` });
          if (!p.nextCursor) break;
          cursor = p.nextCursor;
        }
        expect(new Set(seen).size).toBe(seen.length);
        for (const id of stable) expect(seen).toContain(id);
        expect([...seen].sort()).toEqual(seen);
      });
    });

    describe('deletion', () => {
      test('delete removes, reports existence, and honours expectedVersion', async (store, c) => {
        await store.put(c, { id: 'a' });
        await store.put(c, { id: 'a' });
        await expectCode(options, () => store.delete(c, 'a', { expectedVersion: 1 }), 'CONFLICT');
        expect(await store.get(c, 'a')).toBeDefined();
        expect(await store.delete(c, 'a', { expectedVersion: 2 })).toBe(true);
        expect(await store.delete(c, 'a')).toBe(false);
        expect(await store.get(c, 'a')).toBeUndefined();
        if (options.readRaw) expect(await raw(c, 'default', 'a')).toBeUndefined();
        const again = await store.put(c, { id: 'a' }, { expectedVersion: 0 });
        expect(again.version).toBe(1);
      });
    });

    describe('validation', () => {
      test('bad documents are VALIDATION errors naming the field, and write nothing', async (store, c) => {
        const noId = await expectCode(options, () => store.put(c, { title: 'x' } as never), 'VALIDATION');
        expect(noId.issues.map((i) => i.path.join('.'))).toContain('id');
        const bad = await expectCode(
          options,
          () => store.put(c, { id: 'a', when: new Date(0), n: Number.NaN } as never),
          'VALIDATION',
        );
        const paths = bad.issues.map((i) => i.path.join('.'));
        expect(paths).toContain('when');
        expect(paths).toContain('n');
        await expectCode(options, () => store.put(c, { id: 'a', f: () => 1 } as never), 'VALIDATION');
        await expectCode(options, () => store.put(c, { id: '' }), 'VALIDATION');
        await expectCode(options, () => store.put(c, { id: 'a', tenantId: '' }), 'VALIDATION');
        await expectCode(options, () => store.put(c, { id: 'a' }, { expectedVersion: -1 }), 'VALIDATION');
        expect(await store.get(c, 'a')).toBeUndefined();
      });

      test('bad collection names, ids, queries and cursors are VALIDATION errors', async (store, c) => {
        await expectCode(options, () => store.put('bad name;drop', { id: 'a' }), 'VALIDATION');
        await expectCode(options, () => store.get(c, ''), 'VALIDATION');
        await expectCode(options, () => store.find(c, { where: { notIndexed: 1 } }), 'VALIDATION');
        await expectCode(options, () => store.find(c, { limit: 0 }), 'VALIDATION');
        await expectCode(options, () => store.find(c, { limit: 1.5 }), 'VALIDATION');
        await expectCode(options, () => store.find(c, { cursor: 'not-a-cursor' }), 'VALIDATION');
        await expectCode(options, () => store.defineCollection(c, { indexes: ['a b'] }), 'VALIDATION');
      });
    });

    describe('content', () => {
      test('large documents round-trip', async (store, c) => {
        const bytes = options.largeDocumentBytes ?? 512 * 1024;
        const big = 'x'.repeat(bytes);
        const fields: Record<string, number> = {};
        for (let i = 0; i < 2000; i++) fields[`f${i}`] = i;
        await store.put(c, { id: 'big', big, fields, list: Array.from({ length: 5000 }, (_, i) => i) });
        const got = (await store.get(c, 'big')) as StoredDocument;
        expect(got).toBeDefined();
        expect((got.big as string).length).toBe(bytes);
        expect((got.fields as Record<string, number>).f1999).toBe(1999);
        expect((got.list as number[])[4999]).toBe(4999);
      });

      test('unicode ids, values and index keys round-trip', async (store, c) => {
        await store.defineCollection(c, { indexes: ['name'] });
        const values = [
          'Zoë Ünïcödé',
          '日本語のテキスト',
          'emoji 😀👩‍👩‍👧',
          'e\u0301 combining',
          'RTL עברית',
          'quote \' " \\ \n\t',
        ];
        for (const [i, name] of values.entries()) await store.put(c, { id: `ü-${i}-😀`, name });
        for (const [i, name] of values.entries()) {
          expect((await store.get(c, `ü-${i}-😀`))?.name).toBe(name);
          expect((await store.find(c, { where: { name } })).items.map((d) => d.id)).toEqual([`ü-${i}-😀`]);
        }
      });
    });

    describe('transactions', () => {
      test('commit applies every write; a throw applies none', async (store, c) => {
        if (!store.capabilities.transactions || !store.transaction) {
          expect(store.transaction === undefined || store.capabilities.transactions === false).toBe(true);
          return;
        }
        await store.put(c, { id: 'a', n: 1 });
        await store.transaction(async (tx) => {
          const a = await tx.documents.get(c, 'a');
          await tx.documents.put(c, { ...a, id: 'a', n: 2 }, { expectedVersion: a?.version ?? 0 });
          await tx.documents.put(c, { id: 'b', n: 1 }, { expectedVersion: 0 });
          expect((await tx.documents.get(c, 'b'))?.n).toBe(1);
        });
        expect((await store.get(c, 'a'))?.n).toBe(2);
        expect((await store.get(c, 'b'))?.n).toBe(1);
        await expect(
          store.transaction(async (tx) => {
            await tx.documents.put(c, { id: 'a', n: 99 });
            await tx.documents.delete(c, 'b');
            await tx.documents.put(c, { id: 'z', n: 1 });
            throw new Error('abort');
          }),
        ).rejects.toThrow('abort');
        expect((await store.get(c, 'a'))?.n).toBe(2);
        expect((await store.get(c, 'b'))?.n).toBe(1);
        expect(await store.get(c, 'z')).toBeUndefined();
      });

      test('a transaction racing a writer is all-or-nothing and loses no write', async (store, c) => {
        if (!store.capabilities.transactions || !store.transaction) return;
        await store.put(c, { id: 'a', n: 1 });
        const tx = store.transaction(async (t) => {
          const a = await t.documents.get(c, 'a');
          await new Promise((r) => setTimeout(r, 20));
          await t.documents.put(c, { id: 'other', n: 1 });
          await t.documents.put(c, { ...a, id: 'a', n: 10 }, { expectedVersion: a?.version ?? 0 });
        });
        await new Promise((r) => setTimeout(r, 5));
        const outside = store.put(c, { id: 'a', n: 5 });
        const [txResult] = await Promise.allSettled([tx, outside]);
        const a = await store.get(c, 'a');
        if (txResult.status === 'rejected') {
          // Optimistic adapters: the overtaken transaction fails and writes nothing.
          expect((txResult.reason as { code?: string }).code).toBe('CONFLICT');
          expect(await store.get(c, 'other')).toBeUndefined();
          expect(a).toMatchObject({ n: 5, version: 2 });
        } else {
          // Locking adapters: the writer waited for the transaction and came after it.
          expect(await store.get(c, 'other')).toBeDefined();
          expect(a?.version).toBe(3);
        }
      });

      test('find inside a transaction sees its own writes', async (store, c) => {
        if (!store.capabilities.transactions || !store.transaction) return;
        await store.defineCollection(c, { indexes: ['s'] });
        await store.put(c, { id: 'a', s: 'open' });
        await store.put(c, { id: 'b', s: 'open' });
        await store.transaction(async (tx) => {
          await tx.documents.put(c, { id: 'a', s: 'closed' });
          await tx.documents.put(c, { id: 'c', s: 'open' });
          const page = await tx.documents.find(c, { where: { s: 'open' } });
          expect(page.items.map((d) => d.id)).toEqual(['b', 'c']);
        });
      });
    });

    uniqueIndexGroup({ describe, it, expect, test, raw, hasRaw: options.readRaw !== undefined });
    putManyGroup({ describe, it, expect, test, raw, hasRaw: options.readRaw !== undefined });
    rangeQueryGroup({ describe, it, expect, test });
  });
}
