// The pg driver begins transactions lazily: BEGIN goes out with the first statement, so a
// transaction that only adds outbox rows is one autocommit INSERT (one round trip; its NOTIFY goes
// out with it) and one that sends nothing costs nothing. Counted on a recording pool (no server),
// then checked against the real backends: the rows, their order and their all-or-nothing hold.
import { testEvent } from '@threadline/adapter-conformance';
import { afterEach, describe, expect, it } from 'vitest';
import type { PgClientLike, PgPoolLike } from '../src/driver/pg.js';
import { createPostgresStorage } from '../src/index.js';
import { unpackEvents } from '../src/packedEvents.js';
import {
  type Backend,
  dropSchema,
  forEachBackend,
  IN_CI,
  MISSING_SERVER,
  newPool,
  PG_URL,
  uniqueSchema,
} from './server.js';

/** A pool that records every statement: `pool` for autocommit ones, `conn` for a checked-out client. */
function recordingPool() {
  const log: Array<{ on: 'pool' | 'conn'; sql: string; params: unknown[] }> = [];
  let connects = 0;
  let releases = 0;
  const pool: PgPoolLike = {
    async query(sql, params = []) {
      log.push({ on: 'pool', sql, params });
      return { rows: [] };
    },
    async connect(): Promise<PgClientLike> {
      connects++;
      return {
        async query(sql, params = []) {
          log.push({ on: 'conn', sql, params });
          return { rows: [] };
        },
        release() {
          releases++;
        },
        on() {},
        off() {},
      };
    },
    async end() {},
  };
  return { pool, log, counts: () => ({ connects, releases }) };
}

const firstWord = (sql: string) => sql.trim().split(/\s+/)[0];

describe('pg driver: lazy BEGIN (recorded statements)', () => {
  it('an outbox-only transaction is one autocommit INSERT: no connection, no BEGIN, no COMMIT', async () => {
    const { pool, log, counts } = recordingPool();
    const storage = createPostgresStorage({ client: pool, schema: 'lazy_tx' });
    const e = testEvent();
    await storage.documents.transaction(async (tx) => {
      await tx.outbox.add([e]);
    });
    expect(log.map((l) => [l.on, firstWord(l.sql)])).toEqual([['pool', 'INSERT']]);
    expect(log[0]?.sql).toContain('"lazy_tx"."outbox"');
    // The row's events, packed (packedEvents.ts).
    expect(unpackEvents(JSON.parse(log[0]?.params[0] as string), 0)).toEqual([e]);
    expect(counts()).toEqual({ connects: 0, releases: 0 });
  });

  it('several adds in an outbox-only transaction are still one statement, rows in the order added', async () => {
    const { pool, log } = recordingPool();
    const storage = createPostgresStorage({ client: pool, schema: 'lazy_tx' });
    const [a, b, c] = [testEvent(), testEvent(), testEvent()];
    await storage.documents.transaction(async (tx) => {
      await tx.outbox.add([a]);
      await tx.outbox.add([b, c]);
    });
    expect(log).toHaveLength(1);
    expect(log[0]?.on).toBe('pool');
    expect(log[0]?.params.map((p) => (typeof p === 'string' ? unpackEvents(JSON.parse(p), 0) : p))).toEqual([
      [a],
      1,
      [b, c],
      2,
    ]);
  });

  it('a transaction with any other statement begins with it and commits, the outbox rows inside', async () => {
    const { pool, log, counts } = recordingPool();
    const storage = createPostgresStorage({ client: pool, schema: 'lazy_tx' });
    await storage.documents.transaction(async (tx) => {
      await tx.outbox.add([testEvent()]);
      await tx.documents.get('things', 'a');
    });
    const words = log.map((l) => [l.on, firstWord(l.sql)]);
    expect(words[0]).toEqual(['conn', 'BEGIN']);
    expect(words[words.length - 1]).toEqual(['conn', 'COMMIT']);
    expect(log.every((l) => l.on === 'conn')).toBe(true);
    expect(counts()).toEqual({ connects: 1, releases: 1 });
  });

  it('a transaction that sends nothing, or throws before sending anything, costs no statement', async () => {
    const { pool, log, counts } = recordingPool();
    const storage = createPostgresStorage({ client: pool, schema: 'lazy_tx' });
    expect(await storage.documents.transaction(async () => 42)).toBe(42);
    const boom = new Error('boom');
    await expect(
      storage.documents.transaction(async (tx) => {
        await tx.outbox.add([testEvent()]);
        throw boom;
      }),
    ).rejects.toBe(boom);
    expect(log).toEqual([]);
    expect(counts()).toEqual({ connects: 0, releases: 0 });
  });

  it('a transaction that fails after it began rolls back on its connection and releases it', async () => {
    const { pool, log, counts } = recordingPool();
    const storage = createPostgresStorage({ client: pool, schema: 'lazy_tx' });
    const boom = new Error('boom');
    await expect(
      storage.documents.transaction(async (tx) => {
        await tx.documents.get('things', 'a');
        throw boom;
      }),
    ).rejects.toBe(boom);
    const words = log.map((l) => firstWord(l.sql));
    expect(words[0]).toBe('BEGIN');
    expect(words[words.length - 1]).toBe('ROLLBACK');
    expect(words).not.toContain('COMMIT');
    expect(counts()).toEqual({ connects: 1, releases: 1 });
  });
});

forEachBackend((make) => {
  let backend: Backend | undefined;
  afterEach(async () => {
    await backend?.dispose();
    backend = undefined;
  });

  describe('outbox-only transactions', () => {
    it('commit every row, in order, and roll back together when the callback throws', async () => {
      backend = make();
      const storage = backend.open();
      await storage.migrate();
      const first = [testEvent()];
      const second = [testEvent(), testEvent()];
      await storage.documents.transaction(async (tx) => {
        await tx.outbox.add(first);
        await tx.outbox.add(second);
      });
      await storage.documents
        .transaction(async (tx) => {
          await tx.outbox.add([testEvent()]);
          throw new Error('boom');
        })
        .catch(() => undefined);
      const ids = (await storage.outbox.pending(10)).map((e) => e.event.id);
      expect(ids).toEqual([...first, ...second].map((e) => e.id));
    });
  });
});

describe('outbox claims commit asynchronously, for their own statement only', () => {
  if (!PG_URL) {
    if (IN_CI)
      it('needs the server', () => {
        throw new Error(MISSING_SERVER);
      });
    else it.skip('needs THREADLINE_PG_URL', () => undefined);
    return;
  }

  it('the pooled connection keeps its synchronous_commit after a claim and a mark', async () => {
    const schema = uniqueSchema();
    // One connection, so the claim, the mark and the checks all run on it.
    const pool = newPool(1);
    const storage = createPostgresStorage({ client: pool, schema });
    const setting = async () => (await pool.query('SHOW synchronous_commit')).rows[0];
    try {
      await storage.migrate();
      const before = await setting();
      expect(before).not.toEqual({ synchronous_commit: 'off' });
      await storage.outbox.add([testEvent()]);
      const [entry] = await storage.outbox.pending(10);
      expect(entry).toBeDefined();
      expect(await setting()).toEqual(before);
      await storage.outbox.markPublished([entry?.seq as number]);
      expect(await setting()).toEqual(before);
      expect(await storage.outbox.pending(10)).toEqual([]);
    } finally {
      await storage.close();
      await dropSchema(schema);
    }
  });
});
