import type { EventEnvelope, EventLog } from '@threadline/core';
import { expectCode, type MaybePromise, type SuiteRunner, uniqueName } from './types.js';

/** Options for {@link eventLogSuite}. */
export interface EventLogSuiteOptions extends SuiteRunner {
  name?: string;
  /** Makes the log under test. Called once per test. */
  createLog: () => MaybePromise<EventLog>;
  disposeLog?: (log: EventLog) => MaybePromise<void>;
  /** Independent read path: the stored events of a stream, in order, as raw JSON envelopes. */
  readRaw?: (tenantId: string, streamId: string) => MaybePromise<Record<string, unknown>[]>;
  /** Prefix for stream and tenant names, so runs against a shared server do not collide. */
  namespace?: string;
  /** Concurrent appenders in the concurrency test (default 8). */
  concurrentWriters?: number;
  timeoutMs?: number;
}

let seq = 0;
// Unique per process: remote buses dedupe by event id across runs (e.g. NATS's Nats-Msg-Id window).
const runId = globalThis.crypto.randomUUID().slice(0, 8);
/** A valid event envelope for tests. */
export function testEvent(overrides: Partial<EventEnvelope> = {}): EventEnvelope {
  seq++;
  return {
    id: `evt-${runId}-${seq}`,
    type: 'case.updated',
    tenantId: 'default',
    aggregateId: 'agg',
    aggregateType: 'case',
    version: 1,
    occurredAt: 1_767_225_600_000 + seq,
    payload: { n: seq },
    ...overrides,
  };
}

/**
 * The conformance suite every `EventLog` adapter runs: stream versions and optimistic
 * concurrency, idempotent appends, ordering within a stream, global position monotonicity,
 * tenant isolation, validation, large and unicode payloads.
 *
 * @example
 * ```ts
 * eventLogSuite({ describe, it, expect, createLog: () => createMemoryEventLog() });
 * ```
 */
export function eventLogSuite(options: EventLogSuiteOptions): void {
  const { describe, it, expect } = options;
  const ns = options.namespace ?? 'el';
  const timeout = options.timeoutMs ?? 30_000;
  const test = (title: string, fn: (log: EventLog, stream: string, tenant: string) => Promise<void>) =>
    it(
      title,
      async () => {
        const log = await options.createLog();
        try {
          await fn(log, uniqueName('s', ns), uniqueName('t', ns));
        } finally {
          if (options.disposeLog) await options.disposeLog(log);
          else await log.close?.();
        }
      },
      timeout,
    );
  const ev = (tenantId: string, n: number, extra: Partial<EventEnvelope> = {}) =>
    Array.from({ length: n }, (_, i) => testEvent({ tenantId, payload: { i }, ...extra }));

  describe(options.name ?? 'EventLog conformance', () => {
    test('appends number stream versions from 1 and global positions upward', async (log, s, t) => {
      const r1 = await log.append(s, ev(t, 3), { tenantId: t, expectedVersion: 0 });
      expect(r1).toMatchObject({ streamId: s, streamVersion: 3, duplicate: false });
      expect(r1.lastPosition - r1.firstPosition).toBe(2);
      const r2 = await log.append(s, ev(t, 2), { tenantId: t, expectedVersion: 3 });
      expect(r2.streamVersion).toBe(5);
      expect(r2.firstPosition).toBeGreaterThan(r1.lastPosition);
      const events = await log.readStream(s, { tenantId: t });
      expect(events.map((e) => e.streamVersion)).toEqual([1, 2, 3, 4, 5]);
      expect(events.map((e) => (e.payload as { i: number }).i)).toEqual([0, 1, 2, 0, 1]);
      expect(await log.streamVersion(s, { tenantId: t })).toBe(5);
      if (options.readRaw) {
        const rawEvents = await options.readRaw(t, s);
        expect(rawEvents.map((e) => e.id)).toEqual(events.map((e) => e.id));
      }
    });

    test('expectedVersion mismatch is CONFLICT and writes nothing', async (log, s, t) => {
      await log.append(s, ev(t, 2), { tenantId: t });
      await expectCode(
        options,
        () => log.append(s, ev(t, 1), { tenantId: t, expectedVersion: 0 }),
        'CONFLICT',
      );
      await expectCode(
        options,
        () => log.append(s, ev(t, 1), { tenantId: t, expectedVersion: 5 }),
        'CONFLICT',
      );
      expect(await log.streamVersion(s, { tenantId: t })).toBe(2);
    });

    test('concurrent appends at the same expected version: exactly one wins, atomically', async (log, s, t) => {
      await log.append(s, ev(t, 1), { tenantId: t });
      const n = options.concurrentWriters ?? 8;
      const results = await Promise.allSettled(
        Array.from({ length: n }, (_, w) =>
          log.append(s, ev(t, 3, { aggregateId: `w${w}` }), { tenantId: t, expectedVersion: 1 }),
        ),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      for (const r of results)
        if (r.status === 'rejected') expect((r.reason as { code?: string }).code).toBe('CONFLICT');
      const events = await log.readStream(s, { tenantId: t });
      expect(events).toHaveLength(4);
      expect(new Set(events.slice(1).map((e) => e.aggregateId)).size).toBe(1);
    });

    test('a retried append with the same idempotency key writes nothing and returns the original result', async (log, s, t) => {
      const batch = ev(t, 2);
      const first = await log.append(s, batch, { tenantId: t, idempotencyKey: 'req-1' });
      const again = await log.append(s, batch, { tenantId: t, idempotencyKey: 'req-1' });
      expect(again).toEqual({ ...first, duplicate: true });
      // Also when the retry would otherwise conflict on expectedVersion.
      const again2 = await log.append(s, batch, { tenantId: t, idempotencyKey: 'req-1', expectedVersion: 0 });
      expect(again2.streamVersion).toBe(first.streamVersion);
      expect(await log.readStream(s, { tenantId: t })).toHaveLength(2);
      // Keys are per tenant.
      const other = uniqueName('t', ns);
      const r = await log.append(s, ev(other, 1), { tenantId: other, idempotencyKey: 'req-1' });
      expect(r.duplicate).toBe(false);
      // Reusing a key for another stream is a conflict, not a silent success.
      await expectCode(
        options,
        () => log.append(`${s}-b`, ev(t, 1), { tenantId: t, idempotencyKey: 'req-1' }),
        'CONFLICT',
      );
    });

    test('concurrent retries with one idempotency key append once', async (log, s, t) => {
      const batch = ev(t, 2);
      const results = await Promise.allSettled(
        Array.from({ length: 5 }, () => log.append(s, batch, { tenantId: t, idempotencyKey: 'k' })),
      );
      expect(results.every((r) => r.status === 'fulfilled')).toBe(true);
      expect(await log.readStream(s, { tenantId: t })).toHaveLength(2);
    });

    test('readStream honours fromVersion and limit, in order', async (log, s, t) => {
      for (let i = 0; i < 10; i++) await log.append(s, ev(t, 1), { tenantId: t });
      const part = await log.readStream(s, { tenantId: t, fromVersion: 4, limit: 3 });
      expect(part.map((e) => e.streamVersion)).toEqual([4, 5, 6]);
      expect(await log.readStream(`${s}-none`, { tenantId: t })).toEqual([]);
    });

    test('readAll is ordered by a strictly increasing global position, pages with after', async (log, s, t) => {
      for (let i = 0; i < 5; i++) {
        await log.append(`${s}-a`, ev(t, 2), { tenantId: t });
        await log.append(`${s}-b`, ev(t, 1), { tenantId: t });
      }
      const all = await log.readAll({ tenantId: t, limit: 1000 });
      expect(all).toHaveLength(15);
      for (let i = 1; i < all.length; i++) expect(all[i]!.position).toBeGreaterThan(all[i - 1]!.position);
      const paged: number[] = [];
      let after = 0;
      for (;;) {
        const page = await log.readAll({ tenantId: t, after, limit: 4 });
        if (page.length === 0) break;
        paged.push(...page.map((e) => e.position));
        after = page[page.length - 1]!.position;
      }
      expect(paged).toEqual(all.map((e) => e.position));
    });

    test('tenants are isolated: same stream id, separate versions, readAll filtered', async (log, s, t) => {
      const t2 = uniqueName('t', ns);
      await log.append(s, ev(t, 2), { tenantId: t });
      await log.append(s, ev(t2, 1), { tenantId: t2, expectedVersion: 0 });
      expect(await log.streamVersion(s, { tenantId: t })).toBe(2);
      expect(await log.streamVersion(s, { tenantId: t2 })).toBe(1);
      expect((await log.readStream(s, { tenantId: t2 })).every((e) => e.tenantId === t2)).toBe(true);
      expect((await log.readAll({ tenantId: t2 })).map((e) => e.tenantId)).toEqual([t2]);
      expect(await log.readStream(s)).toEqual([]);
    });

    test('bad input is VALIDATION with paths, and writes nothing', async (log, s, t) => {
      await expectCode(options, () => log.append(s, [], { tenantId: t }), 'VALIDATION');
      const wrongTenant = await expectCode(
        options,
        () => log.append(s, [testEvent({ tenantId: 'someone-else' })], { tenantId: t }),
        'VALIDATION',
      );
      expect(wrongTenant.issues[0]?.path).toEqual(['events', 0, 'tenantId']);
      const badType = await expectCode(
        options,
        () => log.append(s, [testEvent({ tenantId: t, type: 'NotAType' })], { tenantId: t }),
        'VALIDATION',
      );
      expect(badType.issues[0]?.path).toEqual(['events', 0, 'type']);
      await expectCode(options, () => log.append('', ev(t, 1), { tenantId: t }), 'VALIDATION');
      await expectCode(
        options,
        () => log.append(s, ev(t, 1), { tenantId: t, expectedVersion: -2 }),
        'VALIDATION',
      );
      await expectCode(options, () => log.readStream(s, { tenantId: t, fromVersion: 0 }), 'VALIDATION');
      await expectCode(options, () => log.readAll({ after: -1 }), 'VALIDATION');
      expect(await log.streamVersion(s, { tenantId: t })).toBe(0);
    });

    test('large and unicode payloads round-trip', async (log, s, t) => {
      const payload = {
        text: '日本語 😀 Zoë e\u0301 עברית "quotes" \\ \n',
        big: 'y'.repeat(256 * 1024),
        list: Array.from({ length: 1000 }, (_, i) => i),
      };
      await log.append(
        s,
        [testEvent({ tenantId: t, payload, correlationId: 'corr-😀', causationId: 'cause' })],
        { tenantId: t },
      );
      const [e] = await log.readStream(s, { tenantId: t });
      expect(e?.payload).toEqual(payload);
      expect(e?.correlationId).toBe('corr-😀');
      expect(e?.causationId).toBe('cause');
    });
  });
}
