import type { StoredDocument, ThreadlineStorage, TransactionContext } from '@threadline/core';
import { testEvent } from './eventLogSuite.js';
import { type MaybePromise, type SuiteRunner, uniqueName } from './types.js';

/** Options for {@link concurrencySuite}. */
export interface ConcurrencySuiteOptions extends SuiteRunner {
  /** Suite title (default `Concurrency conformance`). */
  name?: string;
  /**
   * Makes the storage bundle under test (`{ documents, events, outbox }` of one backend), once
   * per test, with an empty outbox.
   */
  createStorage: () => MaybePromise<ThreadlineStorage>;
  /** Disposes a storage made by `createStorage` (default: `close?.()` on each port). */
  disposeStorage?: (storage: ThreadlineStorage) => MaybePromise<void>;
  /** Prefix for collection and stream names, so runs against a shared server do not collide. */
  namespace?: string;
  /** Concurrent contenders per race (default 8). */
  writers?: number;
  /** Per-test timeout in ms (default 30 000). */
  timeoutMs?: number;
}

type Settled<T> = PromiseSettledResult<T>;
const codeOf = (r: Settled<unknown>) =>
  r.status === 'rejected' ? (r.reason as { code?: string }).code : 'OK';

/**
 * The concurrency suite a storage bundle runs: two writers on one key, unique-index races under
 * `Promise.all` (exactly one wins, the others get `CONFLICT` naming the index), transactions
 * that race, and rollback on throw leaving documents, events and outbox untouched. Groups that
 * need `capabilities.transactions` or `capabilities.uniqueIndexes` check only that the flag is
 * off when the store does not declare it.
 *
 * @example
 * ```ts
 * import { describe, it, expect } from 'vitest';
 * concurrencySuite({ describe, it, expect, createStorage: () => createMemoryStorage() });
 * ```
 */
export function concurrencySuite(options: ConcurrencySuiteOptions): void {
  const { describe, it, expect } = options;
  const ns = options.namespace ?? 'cc';
  const writers = options.writers ?? 8;
  const timeout = options.timeoutMs ?? 30_000;
  const test = (
    title: string,
    fn: (s: ThreadlineStorage, collection: string, stream: string) => Promise<void>,
  ) =>
    it(
      title,
      async () => {
        const storage = await options.createStorage();
        try {
          await fn(storage, uniqueName('c', ns), uniqueName('s', ns));
        } finally {
          if (options.disposeStorage) await options.disposeStorage(storage);
          else {
            await storage.documents.close?.();
            await storage.events.close?.();
          }
        }
      },
      timeout,
    );
  const withTx = (
    s: ThreadlineStorage,
  ): s is ThreadlineStorage & {
    documents: { transaction: NonNullable<ThreadlineStorage['documents']['transaction']> };
  } => {
    if (s.documents.capabilities.transactions && s.documents.transaction) return true;
    expect(s.documents.capabilities.transactions && s.documents.transaction !== undefined).toBe(false);
    return false;
  };
  const withUnique = (s: ThreadlineStorage) => {
    if (s.documents.capabilities.uniqueIndexes === true) return true;
    expect(s.documents.capabilities.uniqueIndexes ?? false).toBe(false);
    return false;
  };
  /** `tx.events`, which a transactional storage bundle must provide. */
  const txEvents = (tx: TransactionContext) => {
    expect(tx.events).toBeDefined();
    return tx.events as NonNullable<TransactionContext['events']>;
  };

  describe(options.name ?? 'Concurrency conformance', () => {
    test('two writers creating one key: exactly one wins, the other is CONFLICT', async (s, c) => {
      const results = await Promise.allSettled([
        s.documents.put(c, { id: 'k', by: 'one' }, { expectedVersion: 0 }),
        s.documents.put(c, { id: 'k', by: 'two' }, { expectedVersion: 0 }),
      ]);
      expect(results.map(codeOf).sort()).toEqual(['CONFLICT', 'OK']);
      const winner = results.find((r) => r.status === 'fulfilled') as PromiseFulfilledResult<StoredDocument>;
      expect(await s.documents.get(c, 'k')).toEqual(winner.value);
    });

    test('a unique-index race under Promise.all: exactly one document takes the key', async (s, c) => {
      if (!withUnique(s)) return;
      await s.documents.defineCollection(c, { indexes: [], unique: [['email']] });
      const results = await Promise.allSettled(
        Array.from({ length: writers }, (_, i) =>
          s.documents.put(c, { id: `p${i}`, email: 'same@example.com' }),
        ),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      for (const r of results.filter((x) => x.status === 'rejected') as PromiseRejectedResult[]) {
        expect((r.reason as { code?: string }).code).toBe('CONFLICT');
        expect((r.reason as { details?: { index?: string } }).details?.index).toBe('email');
      }
      const found = await s.documents.find(c, { where: { email: 'same@example.com' } });
      expect(found.items).toHaveLength(1);
    });

    test('a unique-index race between transactions: one commits, with its outbox row and events', async (s, c, stream) => {
      if (!withTx(s) || !withUnique(s)) return;
      await s.documents.defineCollection(c, { indexes: [], unique: [['email']] });
      const before = await s.outbox.pending(10_000);
      const results = await Promise.allSettled(
        Array.from({ length: writers }, (_, i) =>
          s.documents.transaction(async (tx) => {
            await tx.documents.put(c, { id: `p${i}`, email: 'race@example.com' }, { expectedVersion: 0 });
            await txEvents(tx).append(`${stream}-${i}`, [testEvent({ aggregateId: `p${i}` })]);
            await tx.outbox.add([testEvent({ aggregateId: `p${i}` })]);
            // Yield so the transactions interleave.
            await new Promise((r) => setTimeout(r, 1));
          }),
        ),
      );
      const won = results.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []));
      expect(won).toHaveLength(1);
      for (const r of results) if (r.status === 'rejected') expect(codeOf(r)).toBe('CONFLICT');
      const added = (await s.outbox.pending(10_000)).slice(before.length);
      expect(added.map((e) => e.event.aggregateId)).toEqual([`p${won[0]}`]);
      for (let i = 0; i < writers; i++)
        expect(await s.events.streamVersion(`${stream}-${i}`)).toBe(i === won[0] ? 1 : 0);
    });

    test('two transactions updating one document: one commits, the other is CONFLICT and writes nothing', async (s, c) => {
      if (!withTx(s)) return;
      await s.documents.put(c, { id: 'hot', n: 0 });
      const bump = (by: number) =>
        s.documents.transaction(async (tx) => {
          const cur = (await tx.documents.get(c, 'hot')) as StoredDocument & { n: number };
          await new Promise((r) => setTimeout(r, 5));
          await tx.documents.put(c, { ...cur, n: cur.n + by }, { expectedVersion: cur.version });
          await tx.documents.put(c, { id: `side-${by}` });
        });
      const results = await Promise.allSettled([bump(1), bump(10)]);
      expect(results.map(codeOf).sort()).toEqual(['CONFLICT', 'OK']);
      const hot = await s.documents.get(c, 'hot');
      const winner = results[0]?.status === 'fulfilled' ? 1 : 10;
      expect(hot).toMatchObject({ n: winner, version: 2 });
      expect(await s.documents.get(c, `side-${winner === 1 ? 10 : 1}`)).toBeUndefined();
    });

    test('a throw inside a transaction leaves documents, events and outbox untouched', async (s, c, stream) => {
      if (!withTx(s)) return;
      await s.documents.defineCollection(c, { indexes: ['status'] });
      const a = await s.documents.put(c, { id: 'a', status: 'open' });
      await s.events.append(stream, [testEvent()]);
      await s.outbox.add([testEvent()]);
      const streamBefore = await s.events.readStream(stream);
      const allBefore = await s.events.readAll({ limit: 10_000 });
      const outboxBefore = await s.outbox.pending(10_000);
      await expect(
        s.documents.transaction(async (tx) => {
          await tx.documents.put(c, { ...a, status: 'closed' }, { expectedVersion: 1 });
          await tx.documents.put(c, { id: 'b', status: 'open' });
          await tx.documents.delete(c, 'a');
          const appended = await txEvents(tx).append(stream, [testEvent(), testEvent()], {
            expectedVersion: 1,
          });
          expect(appended.streamVersion).toBe(3);
          expect(await txEvents(tx).streamVersion(stream)).toBe(3);
          await txEvents(tx).append(`${stream}-new`, [testEvent()], { idempotencyKey: `${stream}-key` });
          await tx.outbox.add([testEvent(), testEvent()]);
          throw new Error('abort after writing');
        }),
      ).rejects.toThrow('abort after writing');
      expect(await s.documents.get(c, 'a')).toEqual(a);
      expect(await s.documents.get(c, 'b')).toBeUndefined();
      expect((await s.documents.find(c, { where: { status: 'open' } })).items.map((d) => d.id)).toEqual([
        'a',
      ]);
      expect(await s.events.readStream(stream)).toEqual(streamBefore);
      expect(await s.events.streamVersion(`${stream}-new`)).toBe(0);
      expect(await s.events.readAll({ limit: 10_000 })).toEqual(allBefore);
      expect(await s.outbox.pending(10_000)).toEqual(outboxBefore);
      // The idempotency key was not consumed by the rolled-back append.
      const retry = await s.events.append(`${stream}-new`, [testEvent()], {
        idempotencyKey: `${stream}-key`,
      });
      expect(retry.duplicate).toBe(false);
    });

    test('a committed transaction makes documents, events and outbox rows visible together', async (s, c, stream) => {
      if (!withTx(s)) return;
      const before = (await s.outbox.pending(10_000)).length;
      const event = testEvent({ aggregateId: 'case-1' });
      const result = await s.documents.transaction(async (tx) => {
        await tx.documents.put(c, { id: 'case-1', status: 'open' }, { expectedVersion: 0 });
        const appended = await txEvents(tx).append(stream, [event], { expectedVersion: 0 });
        expect(await txEvents(tx).readStream(stream)).toHaveLength(1);
        await tx.outbox.add([event]);
        return appended;
      });
      expect((await s.documents.get(c, 'case-1'))?.status).toBe('open');
      const stored = await s.events.readStream(stream);
      expect(stored.map((e) => e.id)).toEqual([event.id]);
      expect(stored[0]?.position).toBe(result.firstPosition);
      expect(result).toMatchObject({
        streamVersion: 1,
        lastPosition: result.firstPosition,
        duplicate: false,
      });
      const pending = await s.outbox.pending(10_000);
      expect(pending.slice(before).map((e) => e.event.id)).toEqual([event.id]);
    });

    test('a transaction overtaken by an outside append to its stream is CONFLICT and writes nothing', async (s, c, stream) => {
      if (!withTx(s)) return;
      await s.events.append(stream, [testEvent()]);
      const outboxBefore = (await s.outbox.pending(10_000)).length;
      const tx = s.documents.transaction(async (t) => {
        await txEvents(t).append(stream, [testEvent()], { expectedVersion: 1 });
        await t.documents.put(c, { id: 'x' });
        await t.outbox.add([testEvent()]);
        await new Promise((r) => setTimeout(r, 20));
      });
      await new Promise((r) => setTimeout(r, 5));
      const outside = s.events.append(stream, [testEvent()], { expectedVersion: 1 });
      const [txResult, outsideResult] = await Promise.allSettled([tx, outside]);
      // Exactly one of the two appends based on version 1 may succeed.
      expect([codeOf(txResult), codeOf(outsideResult)].sort()).toEqual(['CONFLICT', 'OK']);
      expect(await s.events.streamVersion(stream)).toBe(2);
      if (txResult.status === 'rejected') {
        expect(await s.documents.get(c, 'x')).toBeUndefined();
        expect(await s.outbox.pending(10_000)).toHaveLength(outboxBefore);
      } else {
        expect(await s.documents.get(c, 'x')).toBeDefined();
      }
    });
  });
}
