// Failover timing: a survivor takes a dead node's partition when its lease lapses, not at its
// next tick, and a slow recovery does not hold the next grants back.
import { createMemoryStorage } from '@threadline/adapter-memory';
import { ManualClock, type ThreadlineStorage, type TimerClock } from '@threadline/core';
import { describe, expect, it } from 'vitest';
import { createWorkerNode, partitionOf, type WorkerNode } from '../src/index.js';

const T0 = Date.UTC(2026, 0, 5, 9);
const TTL = 3000;
const workflow = { queues: [{ id: 'support' }], defaultFilter: { targets: [{ queue: 'support' }] } };
const settle = () => new Promise((r) => setTimeout(r, 30));

/** A manual clock whose timers fire when the test moves it (`run`), or never (`frozen`). */
class TestClock implements TimerClock {
  readonly #clock: ManualClock;
  readonly #timers = new Set<{ at: number; fn: () => void }>();
  readonly frozen: boolean;
  constructor(clock: ManualClock, frozen = false) {
    this.#clock = clock;
    this.frozen = frozen;
  }
  now(): number {
    return this.#clock.now();
  }
  setTimer(fn: () => void, ms: number): () => void {
    const timer = { at: this.now() + ms, fn };
    if (!this.frozen) this.#timers.add(timer);
    return () => {
      this.#timers.delete(timer);
    };
  }
  /** Moves time to `at`, firing the timers due on the way, in order, letting each round settle. */
  async run(at: number): Promise<void> {
    for (;;) {
      const due = [...this.#timers].filter((t) => t.at <= at).sort((a, b) => a.at - b.at)[0];
      if (due === undefined) break;
      this.#timers.delete(due);
      if (due.at > this.now()) this.#clock.set(due.at);
      due.fn();
      await settle();
    }
    if (at > this.now()) this.#clock.set(at);
    await settle();
  }
}

function node(storage: ThreadlineStorage, clock: TimerClock, nodeId: string, partitions: number): WorkerNode {
  return createWorkerNode({
    storage,
    partitions,
    tenants: ['acme'],
    routing: () => ({ workflow }),
    cases: { calendars: {}, policies: [] },
    nodeId,
    leaseTtlMs: TTL,
    clock,
  });
}

describe('failover timing', () => {
  it('takes a dead node’s partition when its lease lapses, before the next tick', async () => {
    const manual = new ManualClock(T0);
    const storage = createMemoryStorage({ clock: manual });
    const clock = new TestClock(manual);
    // The node that dies: it ticks once, then its timers never fire (as after SIGKILL).
    const dead = node(storage, new TestClock(manual, true), 'node-dead', 2);
    await dead.tick();
    expect(dead.held()).toEqual([0, 1]);
    const survivor = node(storage, clock, 'node-survivor', 2);
    survivor.start();
    await settle();
    expect(survivor.held()).toEqual([]); // both partitions held by a live node
    // The dead node's last renewals landed 1500 ms after its heartbeat (a heartbeat is written
    // before the renewals, and they can lag under load), so its heartbeat ages out first.
    await clock.run(T0 + 1500);
    for (const p of dead.held()) await dead.partition(p)?.lease.renew(TTL);
    const lapse = T0 + 1500 + TTL;
    // Ticks every TTL / 3: the one at T0 + 4000 sees the heartbeat aged out but the leases held.
    await clock.run(T0 + 4001);
    expect(survivor.held()).toEqual([]);
    // The next tick would be at T0 + 5000; the leases lapse at T0 + 4500.
    await clock.run(lapse + 20);
    expect(survivor.held()).toEqual([0, 1]);
    await survivor.stop();
  });

  it('grants the next partitions while an earlier grant is still recovering', async () => {
    const manual = new ManualClock(T0);
    const storage = createMemoryStorage({ clock: manual });
    // Recovery of partition 0 reads its progress markers first: hold that read until released.
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const documents = storage.documents;
    const getMany: typeof documents.getMany = async (collection, ids, options) => {
      if (collection === 'worker_progress' && ids.includes('worker:0')) await gate;
      return documents.getMany(collection, ids, options);
    };
    const slowDocuments = new Proxy(documents, {
      get: (target, key) => {
        if (key === 'getMany') return getMany;
        const value = Reflect.get(target, key, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const slow = { ...storage, documents: slowDocuments } as ThreadlineStorage;
    // A live node holds partitions 1 and 3; the survivor (whose order starts at partition 0) wants
    // its fair share of 2: its first batch is [0, 1] (0 granted and recovering slowly, 1 refused),
    // its second [2]. A batch used to wait for the slowest recovery of the one before.
    const other = node(storage, new TestClock(manual, true), 'node-other', 4);
    await other.tick();
    for (const p of [0, 2]) await other.partition(p)?.lease.release();
    const id = Array.from({ length: 100 }, (_, i) => `node-s${i}`).find(
      (n) => partitionOf(n, 4) === 0,
    ) as string;
    const survivor = node(slow, new TestClock(manual), id, 4);
    const ticking = survivor.tick();
    for (let i = 0; i < 5 && survivor.held().length === 0; i++) await settle();
    // Partition 0 is still recovering, yet partition 2 is served already.
    expect(survivor.held()).toEqual([2]);
    release();
    await ticking;
    expect(survivor.held()).toEqual([0, 2]);
  });
});
