// A started relay publishes on the outbox's wake-up at once: no timer, debounce or batching
// delay between the notification and the claim, and no second (empty) claim after a short one.
// The clock is injected and its timers never fire here, so anything delivered was delivered by
// the wake-up alone.
import { describe, expect, it } from 'vitest';
import {
  createOutboxRelay,
  type EventEnvelope,
  type Outbox,
  type OutboxEntry,
  type TimerClock,
} from '../src/index.js';

function event(id: string): EventEnvelope {
  return {
    id,
    type: 'case.updated',
    tenantId: 'default',
    aggregateId: 'c-1',
    aggregateType: 'case',
    version: 1,
    occurredAt: 0,
    payload: {},
  };
}

/** An outbox in a list, counting claims, with a wake-up the test raises by hand. */
function fakeOutbox() {
  let next = 1;
  const entries: OutboxEntry[] = [];
  const calls = { pending: 0, markPublished: 0 };
  let listener: (() => void) | undefined;
  const outbox: Outbox = {
    async add(events) {
      for (const e of events) entries.push({ seq: next++, event: e, attempts: 0 });
    },
    async pending(limit = 100) {
      calls.pending++;
      return entries.slice(0, limit);
    },
    async markPublished(seqs) {
      calls.markPublished++;
      for (const s of seqs) {
        const i = entries.findIndex((e) => e.seq === s);
        if (i >= 0) entries.splice(i, 1);
      }
    },
    async markFailed() {},
    async dead() {
      return [];
    },
    async retry() {
      return 0;
    },
    async watch(l) {
      listener = l;
      return async () => {
        listener = undefined;
      };
    },
  };
  return { outbox, calls, wake: () => listener?.(), watching: () => listener !== undefined };
}

/** A clock whose timers are recorded and never fire. */
function frozenClock() {
  const timers: number[] = [];
  const clock: TimerClock = {
    now: () => 0,
    setTimer(_fn, ms) {
      timers.push(ms);
      return () => undefined;
    },
  };
  return { clock, timers };
}

/** Lets pending promise callbacks run (no timers involved). */
const settle = async () => {
  for (let i = 0; i < 20; i++) await Promise.resolve();
};

describe('OutboxRelay wake-up', () => {
  it('a wake-up claims and publishes at once, with no timer and no empty claim after it', async () => {
    const { outbox, calls, wake, watching } = fakeOutbox();
    const { clock, timers } = frozenClock();
    const published: string[] = [];
    const relay = createOutboxRelay({
      outbox,
      clock,
      bus: {
        async publish(events) {
          for (const e of [events].flat()) published.push(e.id);
        },
      },
    });
    relay.start({ intervalMs: 60_000 });
    await settle();
    expect(watching()).toBe(true);
    // The start's own poll found nothing and armed the interval timer, which never fires here.
    expect(calls.pending).toBe(1);
    expect(timers).toEqual([60_000]);

    await outbox.add([event('e-1')]);
    wake();
    await settle();
    expect(published).toEqual(['e-1']);
    // One claim for the wake-up: the short page ended the drain (the next commit wakes it again).
    expect(calls.pending).toBe(2);
    expect(calls.markPublished).toBe(1);
    expect(timers).toEqual([60_000, 60_000]);
    await relay.stop();
  });

  it('a wake-up while publishing makes the loop go round again at once, not at the next timer', async () => {
    const { outbox, calls, wake } = fakeOutbox();
    const { clock, timers } = frozenClock();
    const published: string[] = [];
    let release: (() => void) | undefined;
    const relay = createOutboxRelay({
      outbox,
      clock,
      bus: {
        async publish(events) {
          for (const e of [events].flat()) published.push(e.id);
          // The first publish waits until the test lets it go.
          if (published.length === 1) await new Promise<void>((r) => (release = r));
        },
      },
    });
    relay.start({ intervalMs: 60_000 });
    await settle();
    await outbox.add([event('e-1')]);
    wake();
    await settle();
    expect(published).toEqual(['e-1']);
    // A commit while the relay is publishing: its wake-up is noted, not dropped.
    await outbox.add([event('e-2')]);
    wake();
    release?.();
    await settle();
    expect(published).toEqual(['e-1', 'e-2']);
    expect(calls.pending).toBe(3);
    // No timer was armed between the two: one at start, one after the loop went quiet.
    expect(timers).toEqual([60_000, 60_000]);
    await relay.stop();
  });
});
