import type { DocumentStore, FindQuery, StoredDocument } from '@threadline/core';
import { expectCode, type StoreTest, type SuiteRunner } from './types.js';

/** What the range-query group needs from the document-store suite. */
export interface RangeQueryGroupContext extends SuiteRunner {
  test: StoreTest;
}

/** `true` when the store declares `rangeQueries`; otherwise checks it does not claim them. */
function supports(ctx: SuiteRunner, store: DocumentStore): boolean {
  if (store.capabilities.rangeQueries === true) return true;
  ctx.expect(store.capabilities.rangeQueries ?? false).toBe(false);
  return false;
}

/** Every page of a query, following cursors. */
async function findAll(
  store: Pick<DocumentStore, 'find'>,
  c: string,
  query: FindQuery,
  between?: (page: number) => Promise<void>,
): Promise<StoredDocument[]> {
  const out: StoredDocument[] = [];
  let cursor: string | undefined;
  for (let n = 0; n < 1000; n++) {
    const p = await store.find(c, { ...query, ...(cursor ? { cursor } : {}) });
    out.push(...p.items);
    if (between) await between(n);
    if (!p.nextCursor) return out;
    cursor = p.nextCursor;
  }
  throw new Error('pagination did not end after 1000 pages');
}

/**
 * Range queries on declared numeric indexes (`defineCollection(c, { indexes, ranges })` and
 * `where: { field: { lt, lte, gt, gte } }`), run by `documentStoreSuite` for stores whose
 * `capabilities.rangeQueries` is true.
 */
export function rangeQueryGroup(ctx: RangeQueryGroupContext): void {
  const { describe, expect, test } = ctx;
  describe('range queries', () => {
    test('bounds select finite numbers only, ordered by the field then id', async (store, c) => {
      if (!supports(ctx, store)) return;
      await store.defineCollection(c, { indexes: ['queue'], ranges: ['dueAt'] });
      const docs: [string, unknown, string][] = [
        ['e', 50, 'q1'],
        ['a', 10, 'q1'],
        ['d', 30, 'q2'],
        ['b', 30, 'q1'],
        ['c', 20, 'q2'],
        ['f', -5, 'q1'],
        ['g', '15', 'q1'],
        ['h', null, 'q1'],
        ['i', [12], 'q1'],
        ['j', 0.5, 'q2'],
      ];
      for (const [id, dueAt, queue] of docs) await store.put(c, { id, dueAt, queue });
      await store.put(c, { id: 'k', queue: 'q1' });
      const ids = async (where: FindQuery['where']) => (await findAll(store, c, { where })).map((d) => d.id);
      expect(await ids({ dueAt: { lte: 30 } })).toEqual(['f', 'j', 'a', 'c', 'b', 'd']);
      expect(await ids({ dueAt: { lt: 30 } })).toEqual(['f', 'j', 'a', 'c']);
      expect(await ids({ dueAt: { gt: 30 } })).toEqual(['e']);
      expect(await ids({ dueAt: { gte: 30 } })).toEqual(['b', 'd', 'e']);
      expect(await ids({ dueAt: { gte: 10, lt: 50 } })).toEqual(['a', 'c', 'b', 'd']);
      expect(await ids({ dueAt: { gt: 10, lte: 20 } })).toEqual(['c']);
      expect(await ids({ dueAt: { gt: 100 } })).toEqual([]);
      expect(await ids({ dueAt: { gte: 30, lt: 30 } })).toEqual([]);
      expect(await ids({ dueAt: { lte: 30 }, queue: 'q2' })).toEqual(['j', 'c', 'd']);
      // A range field is an equality index too.
      expect(await ids({ dueAt: 30 })).toEqual(['b', 'd']);
    });

    test('updates move documents in the range; deletes and non-numbers leave it', async (store, c) => {
      if (!supports(ctx, store)) return;
      await store.defineCollection(c, { indexes: [], ranges: ['dueAt'] });
      await store.put(c, { id: 'a', dueAt: 100 });
      await store.put(c, { id: 'b', dueAt: 200 });
      await store.put(c, { id: 'c', dueAt: 300 });
      await store.put(c, { id: 'a', dueAt: 250 });
      await store.put(c, { id: 'b', dueAt: 'later' });
      await store.delete(c, 'c');
      await store.put(c, { id: 'd', dueAt: 150 });
      const found = await findAll(store, c, { where: { dueAt: { gte: 0 } } });
      expect(found.map((d) => [d.id, d.dueAt])).toEqual([
        ['d', 150],
        ['a', 250],
      ]);
    });

    test('a range index declared after writes covers existing documents', async (store, c) => {
      if (!supports(ctx, store)) return;
      await store.put(c, { id: 'a', at: 3 });
      await store.put(c, { id: 'b', at: 1 });
      await store.defineCollection(c, { indexes: [], ranges: ['at'] });
      await store.defineCollection(c, { indexes: [], ranges: ['at'] });
      expect((await store.find(c, { where: { at: { lt: 10 } } })).items.map((d) => d.id)).toEqual(['b', 'a']);
    });

    test('pagination visits every match once, in order, including ties', async (store, c) => {
      if (!supports(ctx, store)) return;
      await store.defineCollection(c, { indexes: ['kind'], ranges: ['dueAt'] });
      const expected: [number, string][] = [];
      for (let i = 0; i < 120; i++) {
        const id = `d-${String((i * 37) % 120).padStart(3, '0')}`;
        const dueAt = (i % 13) * 1000;
        await store.put(c, { id, dueAt, kind: i % 3 === 0 ? 'x' : 'y' });
        if (dueAt >= 2000 && dueAt < 11_000) expected.push([dueAt, id]);
      }
      expected.sort((a, b) => a[0] - b[0] || (a[1] < b[1] ? -1 : 1));
      const got = await findAll(store, c, { where: { dueAt: { gte: 2000, lt: 11_000 } }, limit: 7 });
      expect(got.map((d) => [d.dueAt, d.id])).toEqual(expected);
    });

    test('pagination has no gaps or duplicates while documents are written between pages', async (store, c) => {
      if (!supports(ctx, store)) return;
      await store.defineCollection(c, { indexes: [], ranges: ['dueAt'] });
      const stable: string[] = [];
      for (let i = 0; i < 50; i++) {
        stable.push(`s-${String(i).padStart(2, '0')}`);
        await store.put(c, { id: `s-${String(i).padStart(2, '0')}`, dueAt: i * 10 });
      }
      const seen = await findAll(
        store,
        c,
        { where: { dueAt: { gte: 0, lt: 1000 } }, limit: 6 },
        async (n) => {
          // Churn before, at and after the cursor: new matches, a transient one, and non-matches.
          await store.put(c, { id: `n-${n}-lo`, dueAt: n });
          await store.put(c, { id: `n-${n}-hi`, dueAt: 600 + n });
          await store.put(c, { id: `t-${n}`, dueAt: n * 10 + 5 });
          await store.delete(c, `t-${n}`);
          await store.put(c, { id: `o-${n}`, dueAt: 5000 });
        },
      );
      const ids = seen.map((d) => d.id);
      expect(new Set(ids).size).toBe(ids.length);
      for (const id of stable) expect(ids).toContain(id);
      const values = seen.map((d) => d.dueAt as number);
      expect([...values].sort((a, b) => a - b)).toEqual(values);
      for (const v of values) expect(v >= 0 && v < 1000).toBe(true);
    });

    test('range queries on undeclared or non-range fields and bad bounds are VALIDATION with the path', async (store, c) => {
      if (!supports(ctx, store)) return;
      await store.defineCollection(c, { indexes: ['status'], ranges: ['dueAt', 'score'] });
      const path = async (query: FindQuery) =>
        (await expectCode(ctx, () => store.find(c, query), 'VALIDATION')).issues.map((i) => i.path.join('.'));
      expect(await path({ where: { other: { lt: 1 } } })).toContain('where.other');
      expect(await path({ where: { status: { lt: 1 } } })).toContain('where.status');
      expect(await path({ where: { dueAt: {} } })).toContain('where.dueAt');
      expect(await path({ where: { dueAt: { lt: Number.NaN } } })).toContain('where.dueAt.lt');
      expect(await path({ where: { dueAt: { lt: '5' } as never } })).toContain('where.dueAt.lt');
      expect(await path({ where: { dueAt: { below: 5 } as never } })).toContain('where.dueAt.below');
      expect(await path({ where: { dueAt: { lt: 5 }, score: { gt: 1 } } })).toContain('where.score');
      await expectCode(ctx, () => store.defineCollection(c, { indexes: [], ranges: ['a b'] }), 'VALIDATION');
    });

    test('a cursor keeps its place; a cursor from an id-ordered query is rejected', async (store, c) => {
      if (!supports(ctx, store)) return;
      await store.defineCollection(c, { indexes: [], ranges: ['at'] });
      for (let i = 0; i < 5; i++) await store.put(c, { id: `x${i}`, at: 5 - i });
      const plain = await store.find(c, { limit: 2 });
      expect(plain.nextCursor).toBeDefined();
      await expectCode(
        ctx,
        () => store.find(c, { where: { at: { gte: 0 } }, cursor: plain.nextCursor as string }),
        'VALIDATION',
      );
      const first = await store.find(c, { where: { at: { gte: 0 } }, limit: 2 });
      expect(first.items.map((d) => d.id)).toEqual(['x4', 'x3']);
      const second = await store.find(c, {
        where: { at: { gte: 0 } },
        limit: 2,
        cursor: first.nextCursor as string,
      });
      expect(second.items.map((d) => d.id)).toEqual(['x2', 'x1']);
    });

    test('inside a transaction, a range query sees the transaction’s own writes', async (store, c) => {
      if (!supports(ctx, store) || !store.capabilities.transactions || !store.transaction) return;
      await store.defineCollection(c, { indexes: [], ranges: ['dueAt'] });
      await store.put(c, { id: 'a', dueAt: 10 });
      await store.put(c, { id: 'b', dueAt: 20 });
      await store.put(c, { id: 'c', dueAt: 30 });
      await store.transaction(async (tx) => {
        await tx.documents.put(c, { id: 'a', dueAt: 99 });
        await tx.documents.put(c, { id: 'd', dueAt: 15 });
        await tx.documents.delete(c, 'c');
        const p = await tx.documents.find(c, { where: { dueAt: { lt: 50 } } });
        expect(p.items.map((d) => d.id)).toEqual(['d', 'b']);
      });
    });
  });
}
