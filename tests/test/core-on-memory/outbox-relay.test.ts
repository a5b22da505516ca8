// The outbox relay: at least once, exponential backoff on a deterministic clock, a poison entry
// given up after maxAttempts without blocking the rest, and the figures of stats().
import { createMemoryStorage } from '@threadline/adapter-memory';
import {
  createOutboxRelay,
  type EventEnvelope,
  type EventPublisher,
  isThreadlineError,
  ManualClock,
} from '@threadline/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const T0 = Date.UTC(2026, 0, 5, 9);

function event(n: number, at = T0): EventEnvelope {
  return {
    id: `evt_${n}`,
    type: 'case.opened',
    tenantId: 'default',
    aggregateId: `c${n}`,
    aggregateType: 'case',
    version: 1,
    occurredAt: at,
    payload: { n },
  };
}

/** A bus that refuses `failures` publishes, then accepts; `poison` ids are refused forever. */
function flakyBus(failures: number, poison: ReadonlySet<string> = new Set()) {
  const delivered: string[] = [];
  let left = failures;
  const bus: EventPublisher = {
    async publish(events) {
      const list = Array.isArray(events) ? events : [events as EventEnvelope];
      if (left > 0) {
        left--;
        throw new Error('bus down');
      }
      if (list.some((e) => poison.has(e.id))) throw new Error('poison');
      delivered.push(...list.map((e) => e.id));
    },
  };
  return { bus, delivered };
}

describe('createOutboxRelay', () => {
  it('retries a bus that fails N times with exponential backoff, then delivers everything once, in order', async () => {
    const storage = createMemoryStorage();
    await storage.outbox.add([event(1), event(2), event(3)]);
    const clock = new ManualClock(T0 + 500);
    const { bus, delivered } = flakyBus(3);
    const errors: string[] = [];
    const relay = createOutboxRelay({
      storage,
      bus,
      clock,
      backoff: { initialMs: 100, factor: 2, maxMs: 10_000 },
      onError: (e) => errors.push((e as Error).message),
    });

    expect(await relay.tick()).toBe(0); // first failure
    expect(relay.nextDeadline()).toBe(T0 + 600);
    expect(await relay.tick()).toBe(0); // still backing off: no attempt
    expect(errors).toHaveLength(1);
    clock.set(T0 + 600);
    expect(await relay.tick()).toBe(0); // second failure: wait doubles
    expect(relay.nextDeadline()).toBe(T0 + 800);
    clock.set(T0 + 800);
    expect(await relay.tick()).toBe(0); // third
    expect(relay.nextDeadline()).toBe(T0 + 1200);
    expect(relay.stats()).toEqual({
      pending: 3,
      delivered: 0,
      deadLettered: 0,
      failed: 0,
      retries: 5, // one batch of three, then evt_1 alone twice
      lagMs: 800,
      lastError: 'bus down',
    });
    clock.set(T0 + 1200);
    expect(await relay.tick()).toBe(3);
    expect(delivered).toEqual(['evt_1', 'evt_2', 'evt_3']);
    expect(relay.nextDeadline()).toBeNull();
    expect(storage.outbox.size).toBe(0);
    expect(relay.stats()).toMatchObject({ pending: 0, delivered: 3, failed: 0, lagMs: 0 });
    expect(errors).toEqual(['bus down', 'bus down', 'bus down']);
  });

  it('dead-letters a poison entry after maxAttempts; the entries behind it are delivered; retry re-queues it', async () => {
    const storage = createMemoryStorage();
    await storage.outbox.add([event(1), event(2), event(3)]);
    const clock = new ManualClock(T0);
    const { bus, delivered } = flakyBus(0, new Set(['evt_2']));
    const relay = createOutboxRelay({ storage, bus, clock, maxAttempts: 3, backoff: { initialMs: 10 } });
    // Batch [1,2,3] fails on evt_2; then one at a time: evt_1 ok, evt_2 fails until given up.
    for (let i = 0; i < 10 && relay.stats().deadLettered === 0; i++) {
      await relay.tick();
      clock.advance(1_000);
    }
    await relay.tick();
    expect(delivered).toEqual(['evt_1', 'evt_3']);
    const stats = relay.stats();
    expect(stats).toMatchObject({
      pending: 0,
      delivered: 2,
      deadLettered: 1,
      failed: 1,
      lastError: 'poison',
    });
    // The dead entry left the line but stays in the outbox (attempts recorded) for the host.
    expect(await storage.outbox.pending()).toEqual([]);
    const dead = await storage.outbox.dead();
    expect(dead.map((e) => [e.event.id, e.attempts, e.lastError])).toEqual([['evt_2', 3, 'poison']]);
    // New entries are not blocked by it; a fresh relay never sees it.
    await storage.outbox.add([event(4)]);
    const fresh = createOutboxRelay({ storage, bus, clock, maxAttempts: 3, batchSize: 1 });
    expect(await fresh.drain()).toBe(1);
    expect(delivered).toEqual(['evt_1', 'evt_3', 'evt_4']);
    expect(fresh.stats()).toMatchObject({ deadLettered: 0, pending: 0 });
    // Once the cause is fixed the host re-queues it, and it is delivered with its original id.
    const { bus: healed, delivered: later } = flakyBus(0);
    expect(await storage.outbox.retry(dead.map((e) => e.seq))).toBe(1);
    const after = createOutboxRelay({ storage, bus: healed, clock, maxAttempts: 3 });
    expect(await after.drain()).toBe(1);
    expect(later).toEqual(['evt_2']);
    expect(await storage.outbox.dead()).toEqual([]);
  });

  it('an entry that failed more often than a new maxAttempts allows gets one more attempt, then is dead-lettered', async () => {
    const storage = createMemoryStorage();
    await storage.outbox.add([event(1), event(2)]);
    const [first] = await storage.outbox.pending(1);
    for (let i = 0; i < 5; i++) await storage.outbox.markFailed([first?.seq as number], 'old failure');
    const clock = new ManualClock(T0);
    const { bus, delivered } = flakyBus(0, new Set(['evt_1']));
    const relay = createOutboxRelay({ storage, bus, clock, maxAttempts: 3 });
    await relay.tick();
    clock.advance(60_000);
    await relay.tick();
    expect(delivered).toEqual(['evt_2']);
    expect(relay.stats()).toMatchObject({ deadLettered: 1, retries: 0, pending: 0 });
    expect((await storage.outbox.dead()).map((e) => e.attempts)).toEqual([6]);
  });

  it('a permanently failing bus: nothing is lost, everything is given up after maxAttempts, tick never throws', async () => {
    const storage = createMemoryStorage();
    await storage.outbox.add([event(1), event(2)]);
    const clock = new ManualClock(T0);
    const { bus } = flakyBus(Number.POSITIVE_INFINITY);
    const relay = createOutboxRelay({
      storage,
      bus,
      clock,
      maxAttempts: 2,
      backoff: { initialMs: 1, maxMs: 5 },
    });
    for (let i = 0; i < 20; i++) {
      await expect(relay.tick()).resolves.toBe(0);
      clock.advance(5);
    }
    expect(relay.stats()).toMatchObject({ delivered: 0, deadLettered: 2, pending: 0, lastError: 'bus down' });
    expect(await storage.outbox.pending()).toEqual([]);
    expect((await storage.outbox.dead()).map((e) => e.attempts)).toEqual([2, 2]);
  });

  it('relayOnce still rethrows for callers that drive it by hand; lag is measured by the clock', async () => {
    const storage = createMemoryStorage();
    await storage.outbox.add([event(1, T0 - 2_000)]);
    const clock = new ManualClock(T0);
    const { bus } = flakyBus(1);
    const relay = createOutboxRelay({ outbox: storage.outbox, bus, clock });
    await expect(relay.relayOnce()).rejects.toThrow('bus down');
    expect(relay.stats().lagMs).toBe(2_000);
    clock.advance(1_000);
    expect(relay.stats().lagMs).toBe(3_000);
    expect(await relay.drain()).toBe(1);
  });

  it('start() needs a timer clock; options without an outbox are VALIDATION errors naming the field', () => {
    const storage = createMemoryStorage();
    const relay = createOutboxRelay({ storage, bus: flakyBus(0).bus, clock: new ManualClock(T0) });
    expect(() => relay.start()).toThrow(/setTimer/);
    try {
      createOutboxRelay({ bus: flakyBus(0).bus } as never);
      expect.unreachable();
    } catch (error) {
      expect(isThreadlineError(error, 'VALIDATION')).toBe(true);
      expect(JSON.stringify((error as { issues?: unknown }).issues)).toContain('storage');
    }
  });
});

describe('createOutboxRelay adapters', () => {
  it('an outbox or bus missing methods is one ADAPTER error naming every missing method and the option', () => {
    const storage = createMemoryStorage();
    const partial = {
      add: storage.outbox.add.bind(storage.outbox),
      pending: storage.outbox.pending.bind(storage.outbox),
      markPublished: storage.outbox.markPublished.bind(storage.outbox),
    };
    const refusal = (options: unknown) => {
      try {
        createOutboxRelay(options as never);
      } catch (error) {
        if (isThreadlineError(error, 'ADAPTER')) return error;
        throw error;
      }
      throw new Error('expected an ADAPTER error');
    };
    const viaStorage = refusal({ storage: { ...storage, outbox: partial }, bus: flakyBus(0).bus });
    expect(viaStorage.details).toMatchObject({ port: 'Outbox', missing: ['markFailed', 'dead', 'retry'] });
    expect(viaStorage.issues[0]?.path).toEqual(['storage', 'outbox']);
    const viaOutbox = refusal({ outbox: partial, bus: flakyBus(0).bus });
    expect(viaOutbox.issues[0]?.path).toEqual(['outbox']);
    const bus = refusal({ storage, bus: { send: async () => {} } });
    expect(bus.details).toMatchObject({ port: 'EventPublisher', missing: ['publish'] });
    expect(bus.issues[0]?.path).toEqual(['bus']);
    expect(bus.message).toContain('publish');
  });
});

describe('OutboxRelay.start', () => {
  it('wakes on a commit when the outbox can watch: delivery does not wait for the poll interval', async () => {
    const storage = createMemoryStorage();
    let now = T0;
    const timers: { at: number; fn: () => void; canceled: boolean }[] = [];
    const clock = {
      now: () => now,
      setTimer(fn: () => void, ms: number) {
        const t = { at: now + ms, fn, canceled: false };
        timers.push(t);
        return () => {
          t.canceled = true;
        };
      },
    };
    // A dead letter, set aside before the relay starts.
    await storage.outbox.add([event(3)]);
    const [third] = await storage.outbox.pending();
    await storage.outbox.markFailed([third?.seq as number], 'gone', { maxAttempts: 1 });
    const { bus, delivered } = flakyBus(0);
    const relay = createOutboxRelay({ storage, bus, clock });
    const settle = () => new Promise((resolve) => setTimeout(resolve, 5));
    relay.start({ intervalMs: 3_600_000 });
    await settle();
    await storage.outbox.add([event(1)]);
    await settle();
    // No timer fired: the watch woke the relay.
    expect(delivered).toEqual(['evt_1']);
    expect(timers.every((t) => t.at === T0 + 3_600_000)).toBe(true);
    // Inside a transaction the wake-up comes with the commit, not before.
    await storage.documents.transaction(async (tx) => {
      await tx.outbox.add([event(2)]);
      await settle();
      expect(delivered).toEqual(['evt_1']);
    });
    await settle();
    expect(delivered).toEqual(['evt_1', 'evt_2']);
    // A re-queued dead letter wakes it too.
    expect(await storage.outbox.retry([third?.seq as number])).toBe(1);
    await settle();
    expect(delivered).toEqual(['evt_1', 'evt_2', 'evt_3']);
    // After stop() nothing wakes it.
    await relay.stop();
    await storage.outbox.add([event(4)]);
    await settle();
    expect(delivered).toEqual(['evt_1', 'evt_2', 'evt_3']);
    expect(timers.every((t) => t.canceled || t.at === T0 + 3_600_000)).toBe(true);
    now += 1;
  });

  it('runs tick on the clock timers: at the backoff deadline after a failure, every intervalMs otherwise; stop() cancels', async () => {
    const storage = createMemoryStorage();
    await storage.outbox.add([event(1)]);
    let now = T0;
    const timers: { at: number; fn: () => void; canceled: boolean }[] = [];
    const clock = {
      now: () => now,
      setTimer(fn: () => void, ms: number) {
        const t = { at: now + ms, fn, canceled: false };
        timers.push(t);
        return () => {
          t.canceled = true;
        };
      },
    };
    const { bus, delivered } = flakyBus(1);
    const relay = createOutboxRelay({ storage, bus, clock, backoff: { initialMs: 250 } });
    const settle = () => new Promise((resolve) => setTimeout(resolve, 5));
    relay.start({ intervalMs: 1_000 });
    relay.start(); // idempotent
    await settle();
    expect(delivered).toEqual([]);
    expect(timers.map((t) => t.at - T0)).toEqual([250]); // retry at the backoff deadline
    now = T0 + 250;
    timers[0]?.fn();
    await settle();
    expect(delivered).toEqual(['evt_1']);
    expect(timers.map((t) => t.at - T0)).toEqual([250, 1_250]); // then poll every second
    relay.stop();
    expect(timers[1]?.canceled).toBe(true);
  });
});

describe('createOutboxRelay (property)', () => {
  it('whatever the failures: every healthy event is delivered in order, poison ones are given up, nothing is lost', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 12 }), // events
        fc.array(fc.boolean(), { maxLength: 40 }), // transient refusals of the first publish calls
        fc.uniqueArray(fc.integer({ min: 1, max: 12 }), { maxLength: 3 }), // poison events
        fc.integer({ min: 1, max: 5 }), // batch size
        async (count, refusals, poisonIds, batchSize) => {
          const storage = createMemoryStorage();
          await storage.outbox.add(Array.from({ length: count }, (_, i) => event(i + 1)));
          const poison = new Set(poisonIds.filter((n) => n <= count).map((n) => `evt_${n}`));
          const delivered: string[] = [];
          let call = 0;
          const bus: EventPublisher = {
            async publish(events) {
              const list = Array.isArray(events) ? events : [events as EventEnvelope];
              if (refusals[call++] === true) throw new Error('transient');
              if (list.some((e) => poison.has(e.id))) throw new Error('poison');
              delivered.push(...list.map((e) => e.id));
            },
          };
          const clock = new ManualClock(T0);
          const maxAttempts = 41; // more than the refusals: a healthy entry is never given up
          const relay = createOutboxRelay({
            storage,
            bus,
            clock,
            batchSize,
            maxAttempts,
            backoff: { maxMs: 1 },
          });
          for (let i = 0; i < 2_000 && storage.outbox.size > 0; i++) {
            await relay.tick();
            clock.advance(1);
          }
          const healthy = Array.from({ length: count }, (_, i) => `evt_${i + 1}`).filter(
            (id) => !poison.has(id),
          );
          // At least once; with this bus a publish that succeeded was never retried, so exactly once.
          expect(delivered).toEqual(healthy);
          const stats = relay.stats();
          expect(stats.delivered).toBe(healthy.length);
          expect(stats.pending).toBe(0);
          expect(await storage.outbox.pending()).toEqual([]);
          expect((await storage.outbox.dead(1000)).map((e) => e.event.id).sort()).toEqual([...poison].sort());
          expect(stats.deadLettered).toBe(poison.size);
        },
      ),
      { seed: 12, numRuns: 150 },
    );
  });
});
