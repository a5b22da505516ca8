// A connection the server ends while a transaction holds it (here `idle_in_transaction_session_timeout`,
// as a paused process meets it on waking) fails that transaction with ADAPTER; it must not emit an
// unhandled 'error' that crashes the process, and the pool must stay usable.
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { createPostgresStorage } from '../src/index.js';
import { dropSchema, IN_CI, MISSING_SERVER, PG_URL, uniqueSchema } from './server.js';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

describe('pg driver: connection ended by the server during a transaction', () => {
  if (!PG_URL) {
    if (IN_CI)
      it('needs the server', () => {
        throw new Error(MISSING_SERVER);
      });
    else it.skip('needs THREADLINE_PG_URL', () => undefined);
    return;
  }

  it('fails the transaction, discards the connection and keeps the process and pool alive', async () => {
    const schema = uniqueSchema();
    const pool = new pg.Pool({ connectionString: PG_URL, max: 2, idle_in_transaction_session_timeout: 200 });
    const storage = createPostgresStorage({ client: pool, schema });
    const uncaught: unknown[] = [];
    const onUncaught = (error: unknown) => uncaught.push(error);
    process.on('uncaughtException', onUncaught);
    try {
      await storage.migrate();
      await storage.documents.defineCollection('things', { indexes: [] });
      const failed = await storage.documents
        .transaction(async (tx) => {
          await tx.documents.put('things', { id: 'a' });
          await sleep(1_000); // the server ends the session meanwhile
          await tx.documents.put('things', { id: 'b' });
        })
        .then(
          () => undefined,
          (error: unknown) => error,
        );
      expect(failed).toMatchObject({ code: 'ADAPTER' });
      await sleep(50);
      expect(uncaught).toEqual([]);
      // Nothing of it was stored, and the pool serves the next transaction on a fresh connection.
      expect(await storage.documents.getMany('things', ['a', 'b'])).toEqual([undefined, undefined]);
      await storage.documents.transaction(async (tx) => {
        await tx.documents.put('things', { id: 'c' });
      });
      expect((await storage.documents.get('things', 'c'))?.id).toBe('c');
    } finally {
      process.off('uncaughtException', onUncaught);
      await storage.close();
      await dropSchema(schema);
    }
  });
});
