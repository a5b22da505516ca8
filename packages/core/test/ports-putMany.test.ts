// Core's `putMany` helper over adapters that have no `putMany` of their own: a loop of `put`
// inside a transaction when the store has one (all or nothing), a plain loop otherwise (bodies
// checked first); and `validatePutMany`, the call check every adapter shares.
import { describe, expect, it } from 'vitest';
import {
  type DocumentInput,
  type DocumentStore,
  isThreadlineError,
  type PutOptions,
  putMany,
  type StoredDocument,
  ThreadlineError,
  type TransactionContext,
  validateAdapter,
  validatePutMany,
} from '../src/index.js';

/** A minimal third-party store without `putMany`: a Map, optional snapshot transactions. */
function fakeStore(transactions: boolean): DocumentStore & { docs: Map<string, StoredDocument> } {
  const docs = new Map<string, StoredDocument>();
  const key = (c: string, t: string, id: string) => `${c}/${t}/${id}`;
  const store: DocumentStore & { docs: Map<string, StoredDocument> } = {
    docs,
    name: 'fake',
    capabilities: { transactions, ordering: true, durable: false },
    defineCollection: async () => {},
    get: async <T extends StoredDocument>(c: string, id: string, o?: { tenantId?: string }) =>
      docs.get(key(c, o?.tenantId ?? 'default', id)) as T | undefined,
    getMany: async () => [],
    put: async <T extends StoredDocument>(c: string, d: DocumentInput, o?: PutOptions) => {
      const tenantId = d.tenantId ?? 'default';
      const current = docs.get(key(c, tenantId, d.id))?.version ?? 0;
      if (o?.expectedVersion !== undefined && o.expectedVersion !== current) {
        throw new ThreadlineError('CONFLICT', 'version', {
          details: { expectedVersion: o.expectedVersion, actualVersion: current },
        });
      }
      const stored = { ...d, tenantId, version: current + 1 } as StoredDocument;
      docs.set(key(c, tenantId, d.id), stored);
      return stored as T;
    },
    delete: async () => false,
    find: async () => ({ items: [] }),
  };
  if (transactions) {
    store.transaction = async <R>(fn: (tx: TransactionContext) => Promise<R>) => {
      const before = new Map(docs);
      try {
        return await fn({ documents: store, outbox: { add: async () => {} } });
      } catch (error) {
        docs.clear();
        for (const [k, v] of before) docs.set(k, v);
        throw error;
      }
    };
  }
  return store;
}

describe('putMany helper over a store without putMany', () => {
  it('with transactions: returns versions in order, and a conflict writes nothing', async () => {
    const store = fakeStore(true);
    const out = await putMany(store, 'c', [{ id: 'a' }, { id: 'b' }], { expectedVersion: 0 });
    expect(out.map((d) => [d.id, d.version])).toEqual([
      ['a', 1],
      ['b', 1],
    ]);
    let caught: unknown;
    try {
      await putMany(store, 'c', [{ id: 'z' }, { id: 'a', n: 2 }], { expectedVersions: [0, 4] });
    } catch (e) {
      caught = e;
    }
    expect(isThreadlineError(caught, 'CONFLICT')).toBe(true);
    expect((caught as ThreadlineError).details).toMatchObject({
      collection: 'c',
      id: 'a',
      position: 1,
      expectedVersion: 4,
      actualVersion: 1,
    });
    expect(store.docs.has('c/default/z')).toBe(false);
    expect(store.docs.get('c/default/a')?.version).toBe(1);
  });

  it('without transactions: a bad body anywhere writes nothing; a conflict stops the loop there', async () => {
    const store = fakeStore(false);
    let caught: unknown;
    try {
      await putMany(store, 'c', [{ id: 'a' }, { id: 'b', n: Number.NaN }]);
    } catch (e) {
      caught = e;
    }
    expect(isThreadlineError(caught, 'VALIDATION')).toBe(true);
    expect((caught as ThreadlineError).issues.map((i) => i.path.join('.'))).toEqual(['documents.1.n']);
    expect(store.docs.size).toBe(0);
    await store.put('c', { id: 'b' });
    await expect(
      putMany(store, 'c', [{ id: 'a' }, { id: 'b' }], { expectedVersion: 0 }),
    ).rejects.toMatchObject({
      code: 'CONFLICT',
      details: { id: 'b' },
    });
    // Documented: not atomic without transactions.
    expect(store.docs.has('c/default/a')).toBe(true);
  });

  it('inside a transaction whose tx.documents refuses to nest (UNSUPPORTED): the plain loop, atomic with the transaction', async () => {
    const store = fakeStore(true);
    const inner = store.transaction as NonNullable<DocumentStore['transaction']>;
    let nested = 0;
    const txDocuments: DocumentStore = {
      ...store,
      transaction: async () => {
        nested++;
        throw new ThreadlineError('UNSUPPORTED', 'Transactions do not nest');
      },
    };
    await expect(
      inner(async () => {
        await putMany(txDocuments, 'c', [{ id: 'a' }, { id: 'b' }]);
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    expect(nested).toBe(1);
    expect(store.docs.size).toBe(0);
    const out = await inner(() => putMany(txDocuments, 'c', [{ id: 'a' }, { id: 'b' }]));
    expect(out.map((d) => d.version)).toEqual([1, 1]);
  });

  it("uses the store's own putMany when it has one", async () => {
    const store = fakeStore(false);
    const calls: unknown[] = [];
    const own = {
      ...store,
      putMany: async <T extends StoredDocument>(c: string, d: readonly DocumentInput[]) => {
        calls.push([c, d.length]);
        return [] as T[];
      },
    };
    await putMany(own, 'c', [{ id: 'a' }]);
    expect(calls).toEqual([['c', 1]]);
  });
});

describe('validatePutMany', () => {
  const paths = (fn: () => unknown) => {
    try {
      fn();
    } catch (e) {
      expect(isThreadlineError(e, 'VALIDATION')).toBe(true);
      return (e as ThreadlineError).issues.map((i) => i.path.join('.'));
    }
    throw new Error('expected VALIDATION');
  };

  it('names every bad slot', () => {
    expect(paths(() => validatePutMany('c', [{ id: '' }, 3, { id: 'x', tenantId: 7 }], undefined))).toEqual([
      'documents.0.id',
      'documents.1',
      'documents.2.tenantId',
    ]);
    expect(
      paths(() => validatePutMany('c', [{ id: 'a' }], { expectedVersion: 0, expectedVersions: [0] })),
    ).toEqual(['expectedVersions']);
    expect(paths(() => validatePutMany('c', [{ id: 'a' }], { expectedVersions: [1.5] }))).toEqual([
      'expectedVersions.0',
    ]);
    expect(
      paths(() => validatePutMany('c', [{ id: 'a' }, { id: 'a', tenantId: 't' }, { id: 'a' }], {})),
    ).toEqual(['documents.2.id']);
  });

  it('returns each document with its tenant and expected version', () => {
    const entries = validatePutMany('c', [{ id: 'a' }, { id: 'b', tenantId: 't' }], {
      expectedVersions: [3, undefined],
    });
    expect(entries.map((e) => [e.index, e.id, e.tenantId, e.expectedVersion])).toEqual([
      [0, 'a', 'default', 3],
      [1, 'b', 't', undefined],
    ]);
  });

  it('validateAdapter refuses a putMany that is not a function', () => {
    const store = { ...fakeStore(false), putMany: 'yes' };
    expect(() => validateAdapter('DocumentStore', store)).toThrow(/putMany/);
  });
});
