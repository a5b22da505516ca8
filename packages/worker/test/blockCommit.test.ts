// Group commit: a block of commands is one fenced transaction holding every engine's writes (the
// routing journal, the case changes, their outbox rows) and the progress markers; callers are
// answered (the bus acknowledges) only after it committed. A block that fails writes nothing,
// and its commands apply once at the next holder.
import { createMemoryStorage } from '@threadline/adapter-memory';
import {
  type DocumentStore,
  ManualClock,
  ThreadlineError,
  type ThreadlineStorage,
  type TimerClock,
} from '@threadline/core';
import { describe, expect, it } from 'vitest';
import {
  createCommandSequencer,
  createWorkerNode,
  PROGRESS_COLLECTION,
  type SequencedCommand,
  type WorkerNode,
  type WorkerNodeOptions,
} from '../src/index.js';

const T0 = Date.UTC(2026, 0, 5, 9);
const TTL = 2000;
const workflow = { queues: [{ id: 'support' }], defaultFilter: { targets: [{ queue: 'support' }] } };

/** A manual clock whose timers fire only when `fire()` is called. */
class StepClock extends ManualClock implements TimerClock {
  timers: Array<() => void> = [];
  setTimer(fn: () => void): () => void {
    this.timers.push(fn);
    return () => {
      this.timers = this.timers.filter((t) => t !== fn);
    };
  }
  fire(): void {
    const due = this.timers;
    this.timers = [];
    for (const t of due) t();
  }
}

/** Memory storage whose document transactions are counted, and fail while `failing` is set. */
function countingStorage(clock: ManualClock) {
  const inner = createMemoryStorage({ clock });
  const probe = { transactions: 0, failing: false };
  const docs = inner.documents;
  const transaction: NonNullable<DocumentStore['transaction']> = (fn, options) => {
    probe.transactions++;
    if (probe.failing) return Promise.reject(new ThreadlineError('ADAPTER', 'injected: the store is down'));
    return (docs.transaction as NonNullable<DocumentStore['transaction']>)(fn, options);
  };
  const documents = new Proxy(docs, {
    get(target, key) {
      if (key === 'transaction') return transaction;
      const value = Reflect.get(target, key);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  const storage: ThreadlineStorage = { ...inner, documents };
  return { storage, probe };
}

function nodeOn(
  storage: ThreadlineStorage,
  clock: ManualClock,
  nodeId: string,
  extra: Partial<WorkerNodeOptions> = {},
): WorkerNode {
  return createWorkerNode({
    storage,
    partitions: 1,
    tenants: ['acme'],
    routing: () => ({ workflow, reservationTimeoutMs: 60 * 60_000 }),
    cases: {
      calendars: {},
      policies: [{ id: 'default', targets: { first_reply: { normal: { minutes: 30 } } } }],
    },
    nodeId,
    leaseTtlMs: TTL,
    clock,
    ...extra,
  });
}

/** Routing and case commands of one partition: both engines change in the block. */
function commands(): SequencedCommand[] {
  const seq = createCommandSequencer({ partitions: 1, idPrefix: 'g' });
  return [
    {
      kind: 'routing' as const,
      tenantId: 'acme',
      op: 'upsertWorker' as const,
      args: [{ id: 'w1', status: 'available', capacity: { chat: 2 } }],
    },
    {
      kind: 'routing' as const,
      tenantId: 'acme',
      op: 'submitTask' as const,
      args: [{ id: 't1', channel: 'chat' }],
    },
    {
      kind: 'cases' as const,
      caseId: 'c1',
      tenantId: 'acme',
      op: 'openCase' as const,
      args: [
        { id: 'c1', tenantId: 'acme', customerId: 'u', subject: 's', priority: 'normal', channel: 'chat' },
      ],
    },
    { kind: 'routing' as const, tenantId: 'acme', op: 'acceptTask' as const, args: ['t1'] },
    {
      kind: 'cases' as const,
      caseId: 'c1',
      tenantId: 'acme',
      op: 'recordMessage' as const,
      args: [{ author: 'agent', public: true }, { tenantId: 'acme' }],
    },
  ].map((c, i) => seq.next(c, T0 + i * 1000));
}

async function stored(storage: ThreadlineStorage) {
  const markers = await storage.documents.getMany(PROGRESS_COLLECTION, [
    'worker:0',
    'worker:0:routing:acme',
    'worker:0:cases',
  ]);
  const cases = (await storage.documents.find('cases', { tenantId: 'acme', limit: 10 })).items.map(
    ({ version: _v, ...d }) => d,
  );
  const events = (await storage.outbox.pending(1000)).map((r) => r.event);
  return { markers: markers.map((m) => m?.seq), cases, events };
}

describe('group commit: one transaction per block', () => {
  it('commits a block of routing and case commands, their events and the markers in one transaction', async () => {
    const clock = new StepClock(T0);
    const { storage, probe } = countingStorage(clock);
    const node = nodeOn(storage, clock, 'a', { blockDelayMs: 5 });
    await node.tick();
    const stream = commands();
    const before = probe.transactions;
    const pending = Promise.all(stream.map((c) => node.submit(c)));
    // The idle partition waits `blockDelayMs` for the burst: nothing runs before the timer fires.
    await new Promise((r) => setImmediate(r));
    expect(node.partition(0)?.resolved).toBe(0);
    clock.fire();
    expect((await pending).map((o) => o.status)).toEqual([
      'applied',
      'applied',
      'applied',
      'applied',
      'applied',
    ]);
    expect(probe.transactions - before).toBe(1);
    expect(node.stats().blocks).toBe(1);
    const s = await stored(storage);
    // The partition reached 5; the routing engine last ran command 4, the case engine 5.
    expect(s.markers).toEqual([5, 4, 5]);
    expect(s.cases.map((c) => c.id)).toEqual(['c1']);
    expect(s.events.some((e) => e.type === 'case.opened')).toBe(true);
    expect(s.events.some((e) => e.type.startsWith('reservation.'))).toBe(true);
    // A redelivery (the acknowledgement was lost) is a duplicate, here and at the next holder.
    expect(await node.submit(stream[2] as SequencedCommand)).toEqual({ status: 'duplicate' });
    clock.advance(TTL + 1);
    const b = nodeOn(storage, clock, 'b');
    await b.tick();
    expect(b.held()).toEqual([0]);
    for (const c of stream) expect(await b.submit(c)).toEqual({ status: 'duplicate' });
    expect((await stored(storage)).events).toEqual(s.events);
  });

  it('writes nothing of a block whose transaction fails; the next holder applies it once', async () => {
    const clock = new StepClock(T0);
    const { storage, probe } = countingStorage(clock);
    const a = nodeOn(storage, clock, 'a', { blockDelayMs: 5 });
    await a.tick();
    const stream = commands();
    probe.failing = true;
    const pending = Promise.allSettled(stream.map((c) => a.submit(c)));
    await new Promise((r) => setImmediate(r));
    clock.fire();
    const outcomes = await pending;
    probe.failing = false;
    for (const o of outcomes) {
      expect(o.status).toBe('rejected');
      expect((o as PromiseRejectedResult).reason).toMatchObject({ code: 'NOT_OWNER' });
    }
    expect(a.held()).toEqual([]);
    expect(await stored(storage)).toEqual({
      markers: [undefined, undefined, undefined],
      cases: [],
      events: [],
    });

    // The lease expires; b recovers from the store (nothing of the block) and gets every delivery.
    clock.advance(TTL + 1);
    const b = nodeOn(storage, clock, 'b');
    await b.tick();
    expect((await Promise.all(stream.map((c) => b.submit(c)))).every((o) => o.status === 'applied')).toBe(
      true,
    );

    const refClock = new StepClock(T0);
    const ref = countingStorage(refClock);
    const r = nodeOn(ref.storage, refClock, 'ref');
    await r.tick();
    await Promise.all(stream.map((c) => r.submit(c)));
    const got = await stored(storage);
    const want = await stored(ref.storage);
    expect(got.cases).toEqual(want.cases);
    expect(got.events).toEqual(want.events);
    expect(got.markers).toEqual([5, 4, 5]);
  });

  it('refuses a blockDelayMs outside 0–1,000 with CONFIG naming the field', () => {
    const clock = new StepClock(T0);
    const { storage } = countingStorage(clock);
    for (const blockDelayMs of [-1, 1001, 2.5])
      expect(() => nodeOn(storage, clock, 'a', { blockDelayMs })).toThrow(
        expect.objectContaining({
          code: 'CONFIG',
          issues: expect.arrayContaining([expect.objectContaining({ path: ['blockDelayMs'] })]),
        }),
      );
  });
});
