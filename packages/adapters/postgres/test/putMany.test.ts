// `putMany` on PostgreSQL beyond the conformance suite: one statement per chunk, unique indexes
// this process has not seen declared (the database reports the violation), violations inside a
// transaction that stays usable, and fences.
import { PGlite } from '@electric-sql/pglite';
import { isThreadlineError } from '@threadline/core';
import { afterEach, describe, expect, it } from 'vitest';
import { createPostgresStorage } from '../src/index.js';
import { ROWS_PER_STATEMENT } from '../src/putMany.js';
import { type Backend, forEachBackend } from './server.js';

describe('putMany statements (PGlite)', () => {
  it('writes a batch in one statement per chunk of rows, and no transaction for one chunk', async () => {
    const db = new PGlite();
    const statements: string[] = [];
    const counting = {
      query: (sql: string, params?: unknown[]) => {
        statements.push(sql);
        return db.query(sql, params);
      },
      transaction: <T>(fn: (tx: { query: PGlite['query'] }) => Promise<T>) => {
        statements.push('BEGIN');
        return db.transaction((tx) =>
          fn({
            query: ((sql: string, params?: unknown[]) => {
              statements.push(sql);
              return tx.query(sql, params);
            }) as PGlite['query'],
          }),
        );
      },
      close: () => db.close(),
    };
    try {
      const storage = createPostgresStorage({ client: counting });
      await storage.migrate();
      const docs = (n: number, from = 0) => Array.from({ length: n }, (_, i) => ({ id: `d${from + i}`, i }));
      statements.length = 0;
      await storage.documents.putMany('cases', docs(300), { expectedVersion: 0 });
      expect(statements).toHaveLength(1);
      statements.length = 0;
      const n = ROWS_PER_STATEMENT * 2 + 1;
      const written = await storage.documents.putMany('cases', docs(n, 1000));
      expect(written).toHaveLength(n);
      // BEGIN, then three statements (COMMIT is PGlite's own).
      expect(statements).toHaveLength(4);
      expect(statements[0]).toBe('BEGIN');
    } finally {
      await db.close();
    }
  });
});

forEachBackend((make) => {
  let backend: Backend | undefined;
  afterEach(async () => {
    await backend?.dispose();
    backend = undefined;
  });

  it('a unique index declared by another storage: the database refusal is CONFLICT naming index and holder', async () => {
    backend = make();
    const a = backend.open();
    await a.migrate();
    await a.documents.defineCollection('people', { indexes: [], unique: [['email']] });
    await a.documents.put('people', { id: 'ana', email: 'ana@x.io' });
    const b = backend.open();
    let caught: unknown;
    try {
      await b.documents.putMany('people', [
        { id: 'bo', email: 'bo@x.io' },
        { id: 'cy', email: 'ana@x.io' },
      ]);
    } catch (e) {
      caught = e;
    }
    expect(isThreadlineError(caught, 'CONFLICT')).toBe(true);
    expect((caught as { details: unknown }).details).toMatchObject({
      index: 'email',
      id: 'cy',
      existingId: 'ana',
    });
    const c = backend.open();
    await expect(
      c.documents.putMany('people', [
        { id: 'dee', email: 'same@x.io' },
        { id: 'eve', email: 'same@x.io' },
      ]),
    ).rejects.toMatchObject({ code: 'CONFLICT', details: { index: 'email', id: 'eve', existingId: 'dee' } });
    expect((await a.documents.find('people')).items.map((d) => d.id)).toEqual(['ana']);
  });

  it('inside a transaction a refused putMany writes nothing and the transaction goes on', async () => {
    backend = make();
    const storage = backend.open();
    await storage.migrate();
    await storage.documents.defineCollection('people', { indexes: [], unique: [['email']] });
    await storage.documents.put('people', { id: 'ana', email: 'ana@x.io', version: 1 });
    await storage.documents.transaction(async (tx) => {
      await expect(
        tx.documents.putMany?.('people', [
          { id: 'bo', email: 'bo@x.io' },
          { id: 'cy', email: 'ana@x.io' },
        ]),
      ).rejects.toMatchObject({ code: 'CONFLICT', details: { index: 'email' } });
      await expect(
        tx.documents.putMany?.('people', [{ id: 'ana', email: 'ana@x.io' }], { expectedVersions: [7] }),
      ).rejects.toMatchObject({
        code: 'CONFLICT',
        details: { id: 'ana', expectedVersion: 7, actualVersion: 1 },
      });
      expect(await tx.documents.get('people', 'bo')).toBeUndefined();
      await tx.documents.putMany?.('people', [{ id: 'dee', email: 'dee@x.io' }]);
    });
    expect((await storage.documents.find('people')).items.map((d) => d.id)).toEqual(['ana', 'dee']);
  });

  it('a fenced putMany under a lost lease is CONFLICT naming the lease and writes nothing', async () => {
    backend = make();
    const storage = backend.open();
    await storage.migrate();
    const name = `pm_${process.pid}`;
    const first = await storage.leases.acquire(name, 60_000, { owner: 'a' });
    await first?.release();
    const second = await storage.leases.acquire(name, 60_000, { owner: 'b' });
    await expect(
      storage.documents.putMany('c', [{ id: 'x' }, { id: 'y' }], { fence: first?.fence }),
    ).rejects.toSatisfy((e) => isThreadlineError(e, 'CONFLICT') && e.details.lease === name);
    expect(await storage.documents.get('c', 'x')).toBeUndefined();
    const ok = await storage.documents.putMany('c', [{ id: 'x' }], { fence: second?.fence });
    expect(ok[0]?.version).toBe(1);
  });
});
