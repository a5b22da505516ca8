import { testEvent } from '@threadline/adapter-conformance';
import { createOutboxRelay, type EventEnvelope, SystemClock } from '@threadline/core';
import { afterEach, describe, expect, it } from 'vitest';
import { type Backend, forEachBackend } from './server.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

forEachBackend((make) => {
  let backend: Backend | undefined;
  afterEach(async () => {
    await backend?.dispose();
    backend = undefined;
  });

  describe('outbox', () => {
    it('two relays draining at once never publish an entry twice and together publish all', async () => {
      backend = make();
      const [a, b] = [backend.open(), backend.open()];
      await a.migrate();
      const events = Array.from({ length: 120 }, () => testEvent());
      for (let i = 0; i < events.length; i += 10) await a.outbox.add(events.slice(i, i + 10));
      const published: string[] = [];
      const byRelay = { a: 0, b: 0 };
      const busFor = (name: 'a' | 'b') => ({
        async publish(batch: EventEnvelope | readonly EventEnvelope[]) {
          // Yield so the other relay claims while this batch is in flight.
          await sleep(2);
          for (const e of Array.isArray(batch) ? batch : [batch]) {
            published.push(e.id);
            byRelay[name]++;
          }
        },
      });
      const relays = [
        createOutboxRelay({ outbox: a.outbox, bus: busFor('a'), batchSize: 7 }),
        createOutboxRelay({ outbox: b.outbox, bus: busFor('b'), batchSize: 7 }),
      ];
      const totals = await Promise.all(relays.map((r) => r.drain()));
      expect(totals[0]! + totals[1]!).toBe(events.length);
      expect(new Set(published).size).toBe(published.length);
      expect([...published].sort()).toEqual(events.map((e) => e.id).sort());
      expect(await a.outbox.pending()).toEqual([]);
      // Both relays did work, so the claims really raced.
      expect(byRelay.a).toBeGreaterThan(0);
      expect(byRelay.b).toBeGreaterThan(0);
    });

    it('a claimed entry is hidden from other relays until it is marked; its claimer sees it again', async () => {
      backend = make();
      const storage = backend.open();
      const other = backend.open();
      await storage.migrate();
      await storage.outbox.add([testEvent()]);
      await storage.outbox.add([testEvent()]);
      const claimed = await storage.outbox.pending(1);
      expect(claimed).toHaveLength(1);
      const rest = await other.outbox.pending();
      expect(rest.map((e) => e.seq)).not.toContain(claimed[0]?.seq);
      expect(await other.outbox.pending()).toEqual(rest);
      expect(await storage.outbox.pending()).toEqual(claimed);
      // A failed attempt releases the claim at once, counted and with the error kept.
      await other.outbox.markFailed(
        rest.map((e) => e.seq),
        new Error('bus down'),
      );
      const retried = await storage.outbox.pending();
      expect(retried.map((e) => [e.seq, e.attempts, e.lastError])).toEqual([
        [claimed[0]?.seq, 0, undefined],
        ...rest.map((e) => [e.seq, 1, 'bus down']),
      ]);
      await storage.outbox.markPublished(retried.map((e) => e.seq));
      expect(await storage.outbox.pending()).toEqual([]);
      expect(await other.outbox.pending()).toEqual([]);
    });

    it('one add is one row: its entries are claimed together, page by page, and a failure splits the row', async () => {
      backend = make();
      const storage = backend.open();
      const other = backend.open();
      await storage.migrate();
      const events = Array.from({ length: 10 }, () => testEvent());
      const extra = testEvent();
      await storage.outbox.add(events);
      await storage.outbox.add([extra]);
      const page = await storage.outbox.pending(4);
      expect(page.map((e) => e.event.id)).toEqual(events.slice(0, 4).map((e) => e.id));
      // Consecutive seqs inside the row; the next add's row starts further on.
      expect(page.map((e) => e.seq - (page[0]?.seq ?? 0))).toEqual([0, 1, 2, 3]);
      // The rest of the row is claimed with it: another relay gets the next row only.
      expect((await other.outbox.pending()).map((e) => e.seq)).toHaveLength(1);
      await storage.outbox.markPublished(page.map((e) => e.seq));
      // Marking releases the claim: the row's next page is anyone's (here the same outbox's).
      const next = await storage.outbox.pending(3);
      expect(next.map((e) => e.event.id)).toEqual(events.slice(4, 7).map((e) => e.id));
      // A failed page is split off with its attempt; the rest of the row is released.
      await storage.outbox.markFailed(
        next.map((e) => e.seq),
        new Error('bus down'),
      );
      const all = await other.outbox.pending(100);
      expect(all.map((e) => [e.event.id, e.attempts])).toEqual([
        ...events.slice(4).map((e, i) => [e.id, i < 3 ? 1 : 0]),
        [extra.id, 0],
      ]);
      expect(all.map((e) => e.seq)).toEqual([...next.map((e) => e.seq), ...all.slice(3).map((e) => e.seq)]);
      // Marking out of order (one entry in the middle) publishes exactly that entry.
      await other.outbox.markPublished([all[4]?.seq as number]);
      const left = await other.outbox.pending(100);
      expect(left.map((e) => e.event.id)).toEqual(all.filter((_, i) => i !== 4).map((e) => e.event.id));
      await other.outbox.markPublished(left.map((e) => e.seq));
      expect(await storage.outbox.pending(100)).toEqual([]);
      expect(await storage.outbox.dead()).toEqual([]);
    });

    it('an abandoned claim is handed out again after outboxClaimTimeoutMs', async () => {
      backend = make();
      const first = backend.open({ outboxClaimTimeoutMs: 300 });
      const second = backend.open();
      await first.migrate();
      await first.outbox.add([testEvent()]);
      const claimed = await first.outbox.pending();
      expect(claimed).toHaveLength(1);
      expect(await second.outbox.pending()).toEqual([]);
      await sleep(350);
      expect((await second.outbox.pending()).map((e) => e.seq)).toEqual(claimed.map((e) => e.seq));
    });

    it('transaction writes commit with the documents, or not at all', async () => {
      backend = make();
      const storage = backend.open();
      await storage.migrate();
      const opened = testEvent({ type: 'case.opened' });
      await storage.documents.transaction(async (tx) => {
        await tx.documents.put('cases', { id: 'c1', status: 'open' }, { expectedVersion: 0 });
        await tx.outbox.add([opened]);
      });
      await expect(
        storage.documents.transaction(async (tx) => {
          await tx.documents.put('cases', { id: 'c2', status: 'open' }, { expectedVersion: 0 });
          await tx.outbox.add([testEvent({ type: 'case.opened' })]);
          throw new Error('abort');
        }),
      ).rejects.toThrow('abort');
      expect(await storage.documents.get('cases', 'c2')).toBeUndefined();
      expect((await storage.outbox.pending()).map((e) => e.event)).toEqual([opened]);
    });

    it('a started relay wakes on NOTIFY at commit: delivered long before its poll interval', async () => {
      backend = make();
      const storage = backend.open();
      const writer = backend.open();
      await storage.migrate();
      const seen: { id: string; at: number }[] = [];
      const relay = createOutboxRelay({
        storage,
        bus: {
          async publish(batch: EventEnvelope | readonly EventEnvelope[]) {
            for (const e of Array.isArray(batch) ? batch : [batch]) seen.push({ id: e.id, at: Date.now() });
          },
        },
        clock: new SystemClock(),
      });
      relay.start({ intervalMs: 60_000 });
      try {
        await sleep(100); // LISTEN is set up
        const events = [testEvent(), testEvent()];
        // Committed in a transaction by another client (another process, for the server).
        const committedAt = Date.now();
        await writer.documents.transaction(async (tx) => {
          await tx.outbox.add(events);
        });
        for (let i = 0; i < 200 && seen.length < 2; i++) await sleep(10);
        expect(seen.map((s) => s.id)).toEqual(events.map((e) => e.id));
        expect((seen[1]?.at ?? Number.POSITIVE_INFINITY) - committedAt).toBeLessThan(2_000);
        // A plain add (its own statement, autocommitted) wakes it as well.
        await writer.outbox.add([testEvent()]);
        for (let i = 0; i < 200 && seen.length < 3; i++) await sleep(10);
        expect(seen).toHaveLength(3);
        // Stopped, it hears nothing; restarted, a re-queued dead letter wakes it.
        await relay.stop();
        const late = testEvent();
        await writer.outbox.add([late]);
        const [entry] = await writer.outbox.pending();
        await writer.outbox.markFailed([entry?.seq as number], 'gone', { maxAttempts: 1 });
        relay.start({ intervalMs: 60_000 });
        await sleep(100);
        expect(await writer.outbox.retry([entry?.seq as number])).toBe(1);
        for (let i = 0; i < 200 && seen.length < 4; i++) await sleep(10);
        expect(seen.map((s) => s.id).at(-1)).toBe(late.id);
      } finally {
        await relay.stop();
      }
    });

    it('several relays with maxAttempts: a poison entry is dead-lettered once, the rest delivered once', async () => {
      backend = make();
      const [a, b] = [backend.open(), backend.open()];
      await a.migrate();
      const events = Array.from({ length: 30 }, () => testEvent());
      const poison = events[7]?.id;
      await a.outbox.add(events);
      const published: string[] = [];
      const bus = {
        async publish(batch: EventEnvelope | readonly EventEnvelope[]) {
          const list = Array.isArray(batch) ? batch : [batch];
          await sleep(1);
          if (list.some((e) => e.id === poison)) throw new Error('poison');
          published.push(...list.map((e) => e.id));
        },
      };
      const relays = [a, b].map((s) =>
        createOutboxRelay({ storage: s, bus, maxAttempts: 2, batchSize: 4, backoff: { initialMs: 0 } }),
      );
      for (let round = 0; round < 50 && published.length < 29; round++)
        await Promise.all(relays.map((r) => r.tick()));
      expect([...published].sort()).toEqual(
        events
          .filter((e) => e.id !== poison)
          .map((e) => e.id)
          .sort(),
      );
      expect(new Set(published).size).toBe(published.length);
      const dead = await a.outbox.dead();
      expect(dead.map((e) => [e.event.id, e.attempts, e.lastError])).toEqual([[poison, 2, 'poison']]);
      expect(relays[0]!.stats().deadLettered + relays[1]!.stats().deadLettered).toBe(1);
      expect(await b.outbox.pending()).toEqual([]);
    });

    it('bad events are VALIDATION errors with paths and write nothing', async () => {
      backend = make();
      const storage = backend.open();
      await storage.migrate();
      const error = await storage.outbox
        .add([testEvent(), { ...testEvent(), type: 'Bad' }])
        .catch((e: unknown) => e as { code: string; issues: { path: unknown[] }[] });
      expect(error).toMatchObject({ code: 'VALIDATION' });
      expect((error as { issues: { path: unknown[] }[] }).issues[0]?.path).toEqual(['events', 1, 'type']);
      expect(await storage.outbox.pending()).toEqual([]);
    });
  });
});
