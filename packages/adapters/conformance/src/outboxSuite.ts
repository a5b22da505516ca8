import type { EventEnvelope, Outbox, OutboxEntry } from '@threadline/core';
import { testEvent } from './eventLogSuite.js';
import { expectCode, type MaybePromise, type SuiteRunner } from './types.js';

/** Options for {@link outboxSuite}. */
export interface OutboxSuiteOptions extends SuiteRunner {
  /** Suite title (default `Outbox conformance`). */
  name?: string;
  /**
   * Makes an empty outbox (called once per test). The suite assumes nothing else writes to it
   * during a test.
   */
  createOutbox: () => MaybePromise<Outbox>;
  /** Disposes an outbox made by `createOutbox` or `reopen`. */
  disposeOutbox?: (outbox: Outbox) => MaybePromise<void>;
  /**
   * For durable adapters: simulates a crash and a fresh process — drop `outbox` without a clean
   * shutdown and return a new instance over the same data. When given, the suite checks that
   * pending entries, attempts and errors survive and that sequence numbers keep growing.
   */
  reopen?: (outbox: Outbox) => MaybePromise<Outbox>;
  /** Per-test timeout in ms (default 30 000). */
  timeoutMs?: number;
}

/** Reads every pending entry in pages of `page`, publishing none. */
async function allPending(outbox: Outbox, max = 10_000): Promise<OutboxEntry[]> {
  return outbox.pending(max);
}

/**
 * The conformance suite every `Outbox` adapter runs: `add`/`pending` order, `markPublished`,
 * `markFailed` (the entry stays pending with its attempt count and last error; with
 * `maxAttempts` it is dead-lettered), `dead` and `retry`, nothing lost under concurrent adds and
 * a paging drain, validation, and (with `reopen`) pending entries and dead letters surviving a
 * crash-like re-open.
 *
 * @example
 * ```ts
 * import { describe, it, expect } from 'vitest';
 * outboxSuite({ describe, it, expect, createOutbox: () => createMemoryOutbox() });
 * ```
 */
export function outboxSuite(options: OutboxSuiteOptions): void {
  const { describe, it, expect } = options;
  const timeout = options.timeoutMs ?? 30_000;
  const test = (title: string, fn: (outbox: Outbox, holder: { outbox: Outbox }) => Promise<void>) =>
    it(
      title,
      async () => {
        const holder = { outbox: await options.createOutbox() };
        try {
          await fn(holder.outbox, holder);
        } finally {
          await options.disposeOutbox?.(holder.outbox);
        }
      },
      timeout,
    );
  const ids = (entries: readonly OutboxEntry[]) => entries.map((e) => e.event.id);

  describe(options.name ?? 'Outbox conformance', () => {
    test('pending returns added events oldest first, with growing seqs and no attempts', async (outbox) => {
      expect(await outbox.pending()).toEqual([]);
      const first = [testEvent(), testEvent({ payload: { nested: { list: [1, 'ü', null] } } })];
      const second = [testEvent()];
      await outbox.add(first);
      await outbox.add(second);
      const pending = await outbox.pending();
      expect(ids(pending)).toEqual([...first, ...second].map((e) => e.id));
      expect(pending[1]?.event).toEqual(first[1]);
      for (const [i, e] of pending.entries()) {
        expect(e.attempts).toBe(0);
        if (i > 0) expect(e.seq).toBeGreaterThan((pending[i - 1] as OutboxEntry).seq);
      }
    });

    test('pending(limit) returns the oldest entries; markPublished removes exactly those', async (outbox) => {
      const events = Array.from({ length: 5 }, () => testEvent());
      await outbox.add(events);
      const head = await outbox.pending(2);
      expect(ids(head)).toEqual(events.slice(0, 2).map((e) => e.id));
      await outbox.markPublished(head.map((e) => e.seq));
      expect(ids(await outbox.pending())).toEqual(events.slice(2).map((e) => e.id));
      // Publishing again, or unknown seqs, is a no-op.
      await outbox.markPublished([...head.map((e) => e.seq), 999_999_999]);
      expect(ids(await outbox.pending())).toEqual(events.slice(2).map((e) => e.id));
    });

    test('a failed entry stays pending in place, with its attempt count and last error', async (outbox) => {
      const events = [testEvent(), testEvent(), testEvent()];
      await outbox.add(events);
      const [a, b] = await outbox.pending(2);
      await outbox.markFailed([(b as OutboxEntry).seq], new Error('bus down'));
      await outbox.markFailed([(b as OutboxEntry).seq], new Error('bus still down'));
      await outbox.markPublished([(a as OutboxEntry).seq]);
      const pending = await outbox.pending();
      expect(ids(pending)).toEqual([events[1]?.id, events[2]?.id]);
      expect(pending[0]).toMatchObject({ seq: b?.seq, attempts: 2, lastError: 'bus still down' });
      expect(pending[1]?.attempts).toBe(0);
      await outbox.markFailed([(pending[1] as OutboxEntry).seq], 'plain string');
      expect((await outbox.pending())[1]).toMatchObject({ attempts: 1, lastError: 'plain string' });
    });

    test('nothing is lost: concurrent adds, drained page by page, arrive exactly once in add order per batch', async (outbox) => {
      const batches: EventEnvelope[][] = Array.from({ length: 20 }, () =>
        Array.from({ length: 25 }, () => testEvent()),
      );
      await Promise.all(batches.map((b) => outbox.add(b)));
      const delivered: string[] = [];
      for (let guard = 0; guard < 1000; guard++) {
        const page = await outbox.pending(7);
        if (page.length === 0) break;
        delivered.push(...ids(page));
        await outbox.markPublished(page.map((e) => e.seq));
      }
      expect(delivered).toHaveLength(500);
      expect(new Set(delivered).size).toBe(500);
      for (const batch of batches) {
        const at = batch.map((e) => delivered.indexOf(e.id));
        expect([...at].sort((x, y) => x - y)).toEqual(at);
      }
      expect(await allPending(outbox)).toEqual([]);
    });

    test('markFailed with maxAttempts dead-letters an entry that reaches it; the rest keep flowing', async (outbox) => {
      const events = [testEvent(), testEvent(), testEvent()];
      await outbox.add(events);
      const [a, b] = await outbox.pending(2);
      const seqA = (a as OutboxEntry).seq;
      // Below the limit the entry stays pending, in place.
      await outbox.markFailed([seqA], new Error('poison 1'), { maxAttempts: 2 });
      expect(ids(await outbox.pending())).toEqual(events.map((e) => e.id));
      expect(await outbox.dead()).toEqual([]);
      // At the limit it leaves pending (no relay claims it again) and is listed by dead().
      await outbox.markFailed([seqA], new Error('poison 2'), { maxAttempts: 2 });
      expect(ids(await outbox.pending())).toEqual([events[1]?.id, events[2]?.id]);
      const dead = await outbox.dead();
      expect(dead).toHaveLength(1);
      expect(dead[0]).toMatchObject({ seq: seqA, attempts: 2, lastError: 'poison 2' });
      expect(dead[0]?.event).toEqual(events[0]);
      // Publishing or failing a dead entry again changes nothing.
      await outbox.markPublished([seqA]);
      await outbox.markFailed([seqA], new Error('ignored'), { maxAttempts: 2 });
      expect(await outbox.dead()).toEqual(dead);
      // The others are unaffected: b fails once without a limit and stays pending.
      await outbox.markFailed([(b as OutboxEntry).seq], new Error('transient'));
      expect((await outbox.pending())[0]).toMatchObject({ seq: b?.seq, attempts: 1 });
    });

    test('dead(limit) lists dead letters oldest first; retry re-queues exactly those, in place, with attempts reset', async (outbox) => {
      const events = Array.from({ length: 5 }, () => testEvent());
      await outbox.add(events);
      const all = await outbox.pending();
      const seqs = all.map((e) => e.seq);
      // Dead-letter the 4th, then the 2nd and the 5th (maxAttempts 1: the first failure).
      await outbox.markFailed([seqs[3] as number], 'x', { maxAttempts: 1 });
      await outbox.markFailed([seqs[1] as number, seqs[4] as number], 'y', { maxAttempts: 1 });
      expect((await outbox.dead()).map((e) => e.seq)).toEqual([seqs[1], seqs[3], seqs[4]]);
      expect((await outbox.dead(2)).map((e) => e.seq)).toEqual([seqs[1], seqs[3]]);
      expect(ids(await outbox.pending())).toEqual([events[0]?.id, events[2]?.id]);
      // Only dead entries are re-queued: a pending seq and an unknown one are ignored.
      expect(await outbox.retry([seqs[3] as number, seqs[1] as number, seqs[0] as number, 999_999_999])).toBe(
        2,
      );
      expect((await outbox.dead()).map((e) => e.seq)).toEqual([seqs[4]]);
      const pending = await outbox.pending();
      expect(pending.map((e) => e.seq)).toEqual([seqs[0], seqs[1], seqs[2], seqs[3]]);
      expect(pending[1]?.attempts).toBe(0);
      expect(pending[3]?.attempts).toBe(0);
      expect(await outbox.retry([])).toBe(0);
      // A re-queued entry can be published like any other.
      await outbox.markPublished(pending.map((e) => e.seq));
      expect(await outbox.pending()).toEqual([]);
      expect(await outbox.retry([seqs[1] as number])).toBe(0);
    });

    test('dead and pending reject a bad limit; markFailed rejects a bad maxAttempts', async (outbox) => {
      await expectCode(options, () => outbox.dead(0), 'VALIDATION');
      await expectCode(options, () => outbox.pending(0), 'VALIDATION');
      await outbox.add([testEvent()]);
      const [e] = await outbox.pending();
      await expectCode(
        options,
        () => outbox.markFailed([(e as OutboxEntry).seq], 'x', { maxAttempts: 0 }),
        'VALIDATION',
      );
      expect((await outbox.pending())[0]?.attempts).toBe(0);
    });

    test('bad events are VALIDATION errors and add nothing', async (outbox) => {
      await expectCode(options, () => outbox.add([testEvent(), { id: 'x' } as never]), 'VALIDATION');
      await expectCode(options, () => outbox.add([testEvent({ type: 'Not A Type' })]), 'VALIDATION');
      expect(await outbox.pending()).toEqual([]);
    });

    if (options.reopen) {
      const reopen = options.reopen;
      test('pending entries, attempts and errors survive a crash-like re-open; seqs keep growing', async (outbox, holder) => {
        const events = [testEvent(), testEvent(), testEvent()];
        await outbox.add(events);
        const [a, b] = await outbox.pending(2);
        await outbox.markPublished([(a as OutboxEntry).seq]);
        await outbox.markFailed([(b as OutboxEntry).seq], new Error('timeout'));
        holder.outbox = await reopen(outbox);
        const pending = await holder.outbox.pending();
        expect(ids(pending)).toEqual([events[1]?.id, events[2]?.id]);
        expect(pending[0]).toMatchObject({ attempts: 1, lastError: 'timeout' });
        await holder.outbox.add([testEvent()]);
        const after = await holder.outbox.pending();
        expect((after[2] as OutboxEntry).seq).toBeGreaterThan((after[1] as OutboxEntry).seq);
      });

      test('dead letters survive a crash-like re-open and can be re-queued after it', async (outbox, holder) => {
        const events = [testEvent(), testEvent()];
        await outbox.add(events);
        const [a] = await outbox.pending(1);
        await outbox.markFailed([(a as OutboxEntry).seq], new Error('gone'), { maxAttempts: 1 });
        holder.outbox = await reopen(outbox);
        expect(ids(await holder.outbox.pending())).toEqual([events[1]?.id]);
        expect(await holder.outbox.dead()).toMatchObject([{ seq: a?.seq, attempts: 1, lastError: 'gone' }]);
        expect(await holder.outbox.retry([(a as OutboxEntry).seq])).toBe(1);
        expect(ids(await holder.outbox.pending())).toEqual(events.map((e) => e.id));
      });
    }
  });
}
