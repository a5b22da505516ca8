import {
  type Clock,
  createManualClock,
  type LeaseStore,
  type ManualClock,
  type StoredDocument,
  type ThreadlineStorage,
} from '@threadline/core';
import { testEvent } from './eventLogSuite.js';
import { expectCode, type MaybePromise, type SuiteRunner, uniqueName } from './types.js';

/** A storage bundle with partition leases. */
export type LeasedStorage = ThreadlineStorage & { leases: LeaseStore };

/** Options for {@link leaseSuite}. */
export interface LeaseSuiteOptions extends SuiteRunner {
  /** Suite title (default `Lease conformance`). */
  name?: string;
  /**
   * Makes the storage bundle under test, once per test, whose leases expire by `clock` (a
   * `ManualClock` the suite moves). Its documents must declare `capabilities.fencing`.
   */
  createStorage: (clock: Clock) => MaybePromise<LeasedStorage>;
  /**
   * Another handle on the same backend, as a second process would open it (for PostgreSQL: a
   * new pool on the same schema), with the same clock. Default: `storage` itself.
   */
  connect?: (storage: LeasedStorage, clock: Clock) => MaybePromise<LeasedStorage>;
  /** Disposes what `createStorage` and `connect` made (default: nothing). */
  disposeStorage?: (storage: LeasedStorage) => MaybePromise<void>;
  /** Prefix for lease, collection and stream names, so runs against a shared server do not collide. */
  namespace?: string;
  /** Concurrent contenders per race (default 8). */
  contenders?: number;
  /** Per-test timeout in ms (default 30 000). */
  timeoutMs?: number;
}

interface Ctx {
  /** The first process. */
  a: LeasedStorage;
  /** A second process on the same backend. */
  b: LeasedStorage;
  clock: ManualClock;
  lease: string;
  collection: string;
  stream: string;
  connect: () => Promise<LeasedStorage>;
}

const START = 1_767_225_600_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The conformance suite a storage bundle with leases runs: exclusive acquisition, expiry then
 * takeover with a larger token, renew extends, renew after loss fails, release lets another
 * acquire at once, monotonic tokens per name, fenced puts and transactions (a stale token is
 * `CONFLICT` naming the lease and writes nothing — documents, appends, outbox rows), a paused
 * holder's late write refused, a fenced transaction racing a takeover (it commits before the
 * takeover or not at all), N contenders racing for one lease (exactly one wins), validation.
 *
 * @example
 * ```ts
 * import { describe, it, expect } from 'vitest';
 * leaseSuite({ describe, it, expect, createStorage: (clock) => createMemoryStorage({ clock }) });
 * ```
 */
export function leaseSuite(options: LeaseSuiteOptions): void {
  const { describe, it, expect } = options;
  const ns = options.namespace ?? 'ls';
  const contenders = options.contenders ?? 8;
  const timeout = options.timeoutMs ?? 30_000;
  const test = (title: string, fn: (ctx: Ctx) => Promise<void>) =>
    it(
      title,
      async () => {
        const clock = createManualClock(START);
        const opened: LeasedStorage[] = [];
        const connect = async () => {
          const first = opened[0] as LeasedStorage;
          const s = options.connect ? await options.connect(first, clock) : first;
          if (s !== first) opened.push(s);
          return s;
        };
        const a = await options.createStorage(clock);
        opened.push(a);
        try {
          const b = await connect();
          await fn({
            a,
            b,
            clock,
            lease: uniqueName('lease', ns),
            collection: uniqueName('c', ns),
            stream: uniqueName('s', ns),
            connect,
          });
        } finally {
          if (options.disposeStorage) for (const s of opened.reverse()) await options.disposeStorage(s);
        }
      },
      timeout,
    );
  const lost = async (fn: () => Promise<unknown>, lease: string) => {
    const error = (await expectCode(options, fn, 'CONFLICT')) as unknown as { details: { lease?: string } };
    expect(error.details.lease).toBe(lease);
  };

  describe(options.name ?? 'Lease conformance', () => {
    test('the documents declare capabilities.fencing', async ({ a }) => {
      expect(a.documents.capabilities.fencing).toBe(true);
    });

    test('exclusive acquisition: a held lease is refused to another owner (undefined)', async (c) => {
      const first = await c.a.leases.acquire(c.lease, 1_000, { owner: 'node-a' });
      expect(first).toBeDefined();
      expect(first?.token).toBeGreaterThanOrEqual(1);
      expect(first?.fence).toEqual({ lease: c.lease, token: first?.token });
      expect(first?.expiresAt).toBe(START + 1_000);
      expect(await c.b.leases.acquire(c.lease, 1_000, { owner: 'node-b' })).toBeUndefined();
      // The same owner asking again is refused too: ownership is the token, not the name.
      expect(await c.a.leases.acquire(c.lease, 1_000, { owner: 'node-a' })).toBeUndefined();
      c.clock.advance(999);
      expect(await c.b.leases.acquire(c.lease, 1_000)).toBeUndefined();
      expect(await c.b.leases.inspect(c.lease)).toEqual({
        name: c.lease,
        token: first?.token,
        owner: 'node-a',
        expiresAt: START + 1_000,
        state: 'held',
      });
      expect(await c.b.leases.inspect(`${c.lease}-never`)).toBeUndefined();
    });

    test('expiry, then takeover with a larger token; the old holder cannot renew', async (c) => {
      const first = await c.a.leases.acquire(c.lease, 1_000, { owner: 'node-a' });
      c.clock.advance(1_000);
      expect((await c.b.leases.inspect(c.lease))?.state).toBe('expired');
      const second = await c.b.leases.acquire(c.lease, 2_000, { owner: 'node-b' });
      expect(second).toBeDefined();
      expect(second?.token).toBeGreaterThan(first?.token as number);
      expect(second?.expiresAt).toBe(START + 3_000);
      await lost(() => first?.renew() as Promise<number>, c.lease);
      expect(await first?.release()).toBe(false);
      expect(await c.a.leases.inspect(c.lease)).toMatchObject({
        token: second?.token,
        owner: 'node-b',
        state: 'held',
      });
    });

    test('renew extends the lease from now (default: the acquired TTL)', async (c) => {
      const lease = await c.a.leases.acquire(c.lease, 1_000);
      c.clock.advance(600);
      expect(await lease?.renew()).toBe(START + 1_600);
      expect(lease?.expiresAt).toBe(START + 1_600);
      c.clock.advance(600); // past the first grant's end, inside the renewed one
      expect(await c.b.leases.acquire(c.lease, 1_000)).toBeUndefined();
      expect(await lease?.renew(5_000)).toBe(START + 6_200);
      c.clock.advance(4_999);
      expect(await c.b.leases.acquire(c.lease, 1_000)).toBeUndefined();
      c.clock.advance(1);
      expect((await c.b.leases.acquire(c.lease, 1_000))?.token).toBe((lease?.token as number) + 1);
    });

    test('an expired lease nobody took is still current: its holder renews and writes', async (c) => {
      const lease = await c.a.leases.acquire(c.lease, 1_000);
      c.clock.advance(5_000);
      await c.a.documents.put(c.collection, { id: 'd', n: 1 }, { fence: lease?.fence });
      expect(await lease?.renew()).toBe(START + 6_000);
      expect(await c.b.leases.acquire(c.lease, 1_000)).toBeUndefined();
    });

    test('renew after loss fails: after release, and after a takeover', async (c) => {
      const lease = await c.a.leases.acquire(c.lease, 1_000);
      expect(await lease?.release()).toBe(true);
      await lost(() => lease?.renew() as Promise<number>, c.lease);
      const again = await c.a.leases.acquire(c.lease, 1_000);
      c.clock.advance(1_000);
      await c.b.leases.acquire(c.lease, 1_000);
      await lost(() => again?.renew() as Promise<number>, c.lease);
      await lost(() => c.a.leases.renew({ lease: `${c.lease}-never`, token: 1 }, 1_000), `${c.lease}-never`);
    });

    test('release lets another owner acquire at once; a second release is false', async (c) => {
      const first = await c.a.leases.acquire(c.lease, 60_000, { owner: 'node-a' });
      expect(await first?.release()).toBe(true);
      expect((await c.a.leases.inspect(c.lease))?.state).toBe('released');
      const second = await c.b.leases.acquire(c.lease, 60_000, { owner: 'node-b' });
      expect(second?.token).toBe((first?.token as number) + 1);
      expect(await first?.release()).toBe(false);
      expect((await c.a.leases.inspect(c.lease))?.state).toBe('held');
    });

    test('tokens grow by one per grant, per lease name, across owners and processes', async (c) => {
      const tokens: number[] = [];
      for (let i = 0; i < 6; i++) {
        const side = i % 2 === 0 ? c.a : c.b;
        const lease = await side.leases.acquire(c.lease, 1_000, { owner: `node-${i % 2}` });
        tokens.push(lease?.token as number);
        if (i % 3 === 0) await lease?.release();
        else c.clock.advance(1_000);
      }
      const firstToken = tokens[0] as number;
      expect(tokens).toEqual(tokens.map((_, i) => firstToken + i));
      expect((await c.a.leases.acquire(`${c.lease}-other`, 1_000))?.token).toBe(1);
    });

    test('fenced puts and transactions write under the current token; a stale token writes nothing', async (c) => {
      const old = await c.a.leases.acquire(c.lease, 1_000, { owner: 'node-a' });
      const oldFence = old?.fence as NonNullable<typeof old>['fence'];
      await c.a.documents.put(c.collection, { id: 'd', by: 'a' }, { fence: oldFence });
      const txn = c.a.documents.transaction?.bind(c.a.documents);
      expect(txn).toBeDefined();
      const run = txn as NonNullable<typeof txn>;
      await run(
        async (tx) => {
          await tx.documents.put(c.collection, { id: 'e', by: 'a' });
        },
        { fence: oldFence },
      );
      c.clock.advance(1_000);
      const next = await c.b.leases.acquire(c.lease, 1_000, { owner: 'node-b' });
      await c.b.documents.put(c.collection, { id: 'd', by: 'b' }, { fence: next?.fence });
      const agg = uniqueName('agg', ns);
      const pendingOf = async () =>
        (await c.a.outbox.pending(10_000)).filter((e) => e.event.aggregateId === agg).length;
      const outboxBefore = await pendingOf();

      await lost(
        () => c.a.documents.put(c.collection, { id: 'd', by: 'a-late' }, { fence: oldFence }),
        c.lease,
      );
      await lost(
        () => c.a.documents.put(c.collection, { id: 'new', by: 'a-late' }, { fence: oldFence }),
        c.lease,
      );
      await lost(
        () =>
          run(
            async (tx) => {
              await tx.documents.put(c.collection, { id: 'f', by: 'a-late' });
              await tx.events?.append(c.stream, [testEvent({ aggregateId: agg })]);
              await tx.outbox.add([testEvent({ aggregateId: agg })]);
            },
            { fence: oldFence },
          ),
        c.lease,
      );
      // A fence on one put inside an unfenced transaction fences the whole commit.
      await lost(
        () =>
          run(async (tx) => {
            await tx.documents.put(c.collection, { id: 'g', by: 'a-late' });
            await tx.outbox.add([testEvent({ aggregateId: agg })]);
            await tx.documents.put(c.collection, { id: 'h', by: 'a-late' }, { fence: oldFence });
          }),
        c.lease,
      );
      expect(await c.a.documents.get(c.collection, 'd')).toMatchObject({ by: 'b', version: 2 });
      for (const id of ['new', 'f', 'g', 'h'])
        expect(await c.a.documents.get(c.collection, id)).toBeUndefined();
      expect(await c.a.events.streamVersion(c.stream)).toBe(0);
      expect(await pendingOf()).toBe(outboxBefore);
      // The current holder's fenced transaction commits everything.
      await run(
        async (tx) => {
          await tx.documents.put(c.collection, { id: 'f', by: 'b' }, { fence: next?.fence });
          await tx.events?.append(c.stream, [testEvent({ aggregateId: agg })]);
          await tx.outbox.add([testEvent({ aggregateId: agg })]);
        },
        { fence: next?.fence },
      );
      expect(await c.a.documents.get(c.collection, 'f')).toMatchObject({ by: 'b' });
      expect(await c.a.events.streamVersion(c.stream)).toBe(1);
      expect(await pendingOf()).toBe(outboxBefore + 1);
    });

    test('a paused holder wakes after a takeover: its late fenced writes are refused', async (c) => {
      const paused = await c.a.leases.acquire(c.lease, 1_000, { owner: 'paused' });
      await c.a.documents.put(c.collection, { id: 'state', step: 1 }, { fence: paused?.fence });
      // The holder stops (GC pause, SIGSTOP) past its TTL; another process takes over.
      c.clock.advance(1_500);
      const live = await c.b.leases.acquire(c.lease, 1_000, { owner: 'live' });
      expect(live?.token).toBeGreaterThan(paused?.token as number);
      const seen = (await c.b.documents.get(c.collection, 'state')) as StoredDocument;
      await c.b.documents.put(
        c.collection,
        { id: 'state', step: 2 },
        { expectedVersion: seen.version, fence: live?.fence },
      );
      // The paused holder resumes and writes what it had computed before the pause.
      await lost(
        () => c.a.documents.put(c.collection, { id: 'state', step: 99 }, { fence: paused?.fence }),
        c.lease,
      );
      await lost(() => paused?.renew() as Promise<number>, c.lease);
      expect(await c.b.documents.get(c.collection, 'state')).toMatchObject({ step: 2, version: 2 });
    });

    test('a fenced transaction racing a takeover commits before the new grant or not at all', async (c) => {
      const holder = await c.a.leases.acquire(c.lease, 1_000);
      c.clock.advance(1_000);
      const run = c.a.documents.transaction?.bind(c.a.documents) as NonNullable<
        LeasedStorage['documents']['transaction']
      >;
      let taken: Promise<StoredDocument | undefined> | undefined;
      const write = run(
        async (tx) => {
          await tx.documents.put(c.collection, { id: 'race', by: 'holder' });
          // The takeover starts while the transaction is open (not awaited: it may have to wait
          // for this transaction, as on PostgreSQL, where the fence holds a row lock).
          taken = c.b.leases
            .acquire(c.lease, 1_000)
            .then((lease) => (lease ? c.b.documents.get(c.collection, 'race') : undefined));
          await sleep(20);
        },
        { fence: holder?.fence },
      ).then(
        () => 'committed' as const,
        (e: { code?: string }) => e.code,
      );
      const outcome = await write;
      const seenByNewOwner = await (taken as Promise<StoredDocument | undefined>);
      expect(['committed', 'CONFLICT']).toContain(outcome);
      // The new owner read after its grant: it sees the holder's write exactly when it committed.
      if (outcome === 'committed') expect(seenByNewOwner).toMatchObject({ by: 'holder' });
      else {
        expect(seenByNewOwner).toBeUndefined();
        expect(await c.a.documents.get(c.collection, 'race')).toBeUndefined();
      }
      expect((await c.a.leases.inspect(c.lease))?.token).toBe((holder?.token as number) + 1);
    });

    test(`${contenders} contenders racing for a free lease: exactly one wins, with the next token`, async (c) => {
      const sides = [c.a, c.b];
      for (let i = 2; i < Math.min(contenders, 4); i++) sides.push(await c.connect());
      const race = () =>
        Promise.all(
          Array.from({ length: contenders }, (_, i) =>
            (sides[i % sides.length] as LeasedStorage).leases.acquire(c.lease, 1_000, { owner: `n${i}` }),
          ),
        );
      const first = (await race()).filter((l) => l !== undefined);
      expect(first).toHaveLength(1);
      c.clock.advance(1_000);
      const second = (await race()).filter((l) => l !== undefined);
      expect(second).toHaveLength(1);
      expect(second[0]?.token).toBe((first[0]?.token as number) + 1);
      expect((await c.a.leases.inspect(c.lease))?.owner).toBe(second[0]?.owner);
    });

    test('bad input is VALIDATION with the path; a fence on an unknown lease is CONFLICT', async (c) => {
      const path = async (fn: () => Promise<unknown>) =>
        (await expectCode(options, fn, 'VALIDATION')).issues[0]?.path;
      expect(await path(() => c.a.leases.acquire('', 1_000))).toEqual(['name']);
      expect(await path(() => c.a.leases.acquire(c.lease, 0))).toEqual(['ttlMs']);
      expect(await path(() => c.a.leases.acquire(c.lease, 1.5))).toEqual(['ttlMs']);
      expect(await path(() => c.a.leases.acquire(c.lease, 1_000, { owner: 'x', extra: 1 } as never))).toEqual(
        ['options'],
      );
      const lease = await c.a.leases.acquire(c.lease, 1_000);
      expect(await path(() => lease?.renew(-1) as Promise<number>)).toEqual(['ttlMs']);
      expect(
        await path(() =>
          c.a.documents.put(c.collection, { id: 'x' }, { fence: { lease: c.lease, token: 0 } }),
        ),
      ).toEqual(['fence', 'token']);
      await lost(
        () => c.a.documents.put(c.collection, { id: 'x' }, { fence: { lease: `${c.lease}-none`, token: 1 } }),
        `${c.lease}-none`,
      );
      // A token never issued is refused too.
      await lost(
        () =>
          c.a.documents.put(
            c.collection,
            { id: 'x' },
            { fence: { lease: c.lease, token: (lease?.token as number) + 1 } },
          ),
        c.lease,
      );
      expect(await c.a.documents.get(c.collection, 'x')).toBeUndefined();
    });
  });
}
