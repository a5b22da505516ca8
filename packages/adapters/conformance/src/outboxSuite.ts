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
 * `markFailed` (the entry stays pending with its attempt count and last error), nothing lost
 * under concurrent adds and a paging drain, validation, and (with `reopen`) pending entries
 * surviving a crash-like re-open.
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
    }
  });
}
