// A deadlock (SQLSTATE 40P01) or a serialization failure (40001) aborts a transaction that would
// succeed when run again: the adapter reports it as the ports' retryable CONFLICT, not as a raw
// driver error.

import { testEvent } from '@threadline/adapter-conformance';
import { isThreadlineError } from '@threadline/core';
import { afterAll, describe, expect, it } from 'vitest';
import { adapterError } from '../src/driver/driver.js';
import { createPostgresStorage } from '../src/index.js';
import { dropSchema, IN_CI, MISSING_SERVER, newPool, PG_URL, uniqueSchema } from './server.js';

describe('retryable SQLSTATEs', () => {
  it('40P01 and 40001 are CONFLICT with the SQLSTATE and retryable; others stay ADAPTER', () => {
    for (const code of ['40P01', '40001']) {
      const cause = Object.assign(new Error('deadlock detected'), { code });
      const error = adapterError(cause);
      expect(isThreadlineError(error, 'CONFLICT')).toBe(true);
      expect(error).toMatchObject({ details: { sqlState: code, retryable: true }, cause });
    }
    const other = adapterError(Object.assign(new Error('disk full'), { code: '53100' }));
    expect(isThreadlineError(other, 'ADAPTER')).toBe(true);
    expect(other).toMatchObject({ details: { sqlState: '53100' } });
  });
});

describe('two transactions appending to two streams in opposite orders (PostgreSQL server)', () => {
  if (!PG_URL) {
    if (IN_CI)
      it('needs the server', () => {
        throw new Error(MISSING_SERVER);
      });
    else it.skip('needs the server (set THREADLINE_PG_URL)', () => undefined);
    return;
  }
  const schema = uniqueSchema();
  const pool = newPool(4);
  const storage = createPostgresStorage({ client: pool, schema });
  afterAll(async () => {
    await pool.end();
    await dropSchema(schema);
  });

  it('one of them fails with the retryable CONFLICT (40P01), the other commits, and a retry then commits', {
    timeout: 30_000,
  }, async () => {
    await storage.migrate();
    const transaction = storage.documents.transaction?.bind(storage.documents);
    if (transaction === undefined) throw new Error('expected transactions');
    // Each transaction locks its first stream, waits until the other has locked its own, then
    // appends to the other's stream: a lock cycle the server breaks by aborting one of them.
    let arrived = 0;
    let go: () => void = () => undefined;
    const bothLocked = new Promise<void>((r) => (go = r));
    const crossing = (first: string, second: string) =>
      transaction(async (tx) => {
        await tx.events?.append(first, [testEvent()]);
        if (++arrived === 2) go();
        await bothLocked;
        await tx.events?.append(second, [testEvent()]);
      });
    const results = await Promise.allSettled([
      crossing('stream-a', 'stream-b'),
      crossing('stream-b', 'stream-a'),
    ]);
    const failed = results.filter((r) => r.status === 'rejected');
    expect(failed).toHaveLength(1);
    const error = (failed[0] as PromiseRejectedResult).reason;
    expect(isThreadlineError(error, 'CONFLICT')).toBe(true);
    expect(error).toMatchObject({ details: { sqlState: '40P01', retryable: true } });
    // Rolled back whole: the winner's two events are all there is; run again, the loser commits.
    const count = async () =>
      (await storage.events.readStream('stream-a')).length +
      (await storage.events.readStream('stream-b')).length;
    expect(await count()).toBe(2);
    await transaction(async (tx) => {
      await tx.events?.append('stream-b', [testEvent()]);
      await tx.events?.append('stream-a', [testEvent()]);
    });
    expect(await count()).toBe(4);
  });
});
