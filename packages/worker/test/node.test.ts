import { createMemoryStorage } from '@threadline/adapter-memory';
import type { SlaPolicyInput } from '@threadline/cases';
import { ManualClock, type ThreadlineStorage } from '@threadline/core';
import { describe, expect, it } from 'vitest';
import {
  commandEvent,
  createCommandSequencer,
  createWorkerNode,
  partitionOf,
  type SequencedCommand,
  type WorkerCommand,
  type WorkerNode,
} from '../src/index.js';

const T0 = Date.UTC(2026, 0, 5, 9);
const policies: SlaPolicyInput[] = [
  {
    id: 'default',
    targets: { first_reply: { normal: { minutes: 30 } }, resolution: { normal: { hours: 8 } } },
  },
];
const workflow = { queues: [{ id: 'support' }], defaultFilter: { targets: [{ queue: 'support' }] } };
const TTL = 3000;

function nodeOn(storage: ThreadlineStorage, clock: ManualClock, nodeId: string, extra = {}): WorkerNode {
  return createWorkerNode({
    storage,
    partitions: 4,
    tenants: ['acme', 'globex'],
    routing: () => ({ workflow, reservationTimeoutMs: 60 * 60_000 }),
    cases: { calendars: {}, policies },
    nodeId,
    leaseTtlMs: TTL,
    snapshotEvery: 5,
    clock,
    ...extra,
  });
}

const worker = (tenantId: string, id: string): WorkerCommand => ({
  kind: 'routing',
  tenantId,
  op: 'upsertWorker',
  args: [{ id, status: 'available', capacity: { chat: 1 } }],
});
const task = (tenantId: string, id: string): WorkerCommand => ({
  kind: 'routing',
  tenantId,
  op: 'submitTask',
  args: [{ id, channel: 'chat' }],
});

describe('worker node', () => {
  it('runs the partitions it holds, fences their writes and fails over to another node', async () => {
    const clock = new ManualClock(T0);
    const storage = createMemoryStorage({ clock });
    const a = nodeOn(storage, clock, 'node-a');
    await a.tick();
    expect(a.held()).toEqual([0, 1, 2, 3]); // alone: every partition

    const seq = createCommandSequencer({ partitions: 4, idPrefix: 'gen' });
    const acme = partitionOf('acme', 4);
    const commands: SequencedCommand[] = [
      seq.next(worker('acme', 'w1'), T0),
      seq.next(task('acme', 't1'), T0 + 1000),
      seq.next({ kind: 'routing', tenantId: 'acme', op: 'acceptTask', args: ['t1'] }, T0 + 2000),
      seq.next(task('acme', 't2'), T0 + 3000),
      seq.next(
        {
          kind: 'cases',
          caseId: 'case-1',
          tenantId: 'acme',
          op: 'openCase',
          args: [
            {
              id: 'case-1',
              tenantId: 'acme',
              customerId: 'u1',
              subject: 'Hi',
              priority: 'normal',
              channel: 'chat',
            },
          ],
        },
        T0 + 4000,
      ),
    ];
    const outcomes = await Promise.all(commands.map((c) => a.submit(c)));
    expect(outcomes.map((o) => o.status)).toEqual(['applied', 'applied', 'applied', 'applied', 'applied']);
    // A redelivery is recognised, not applied again.
    expect(await a.submit(commands[1] as SequencedCommand)).toEqual({ status: 'duplicate' });
    expect(a.partition(acme)?.routingEngine('acme')?.getTask('t1')?.status).toBe('assigned');

    // Node a stops renewing (paused); b takes over after the TTL and recovers.
    const b = nodeOn(storage, clock, 'node-b');
    await b.tick();
    expect(b.held()).toEqual([]); // all held by a
    clock.advance(TTL + 1);
    await b.tick();
    // a's heartbeat is older than a TTL: b counts itself alone and takes everything.
    expect(b.held()).toEqual([0, 1, 2, 3]);
    const caseP = partitionOf('case-1', 4);
    const bHeld = new Set(b.held());
    expect([acme, caseP, partitionOf('globex', 4)].every((p) => bHeld.has(p))).toBe(true);
    {
      const engine = b.partition(acme)?.routingEngine('acme');
      expect(engine?.getTask('t1')?.status).toBe('assigned');
      expect(engine?.getTask('t2')?.status).toBe('pending');
      // The same command again, now at b: a duplicate (its effect is stored).
      expect(await b.submit(commands[3] as SequencedCommand)).toEqual({ status: 'duplicate' });
    }
    expect(b.partition(caseP)?.casesEngine().getCase('case-1', { tenantId: 'acme' })?.status).toBe('new');

    // a wakes up: a command it still takes is refused by fencing and the partition stops.
    const taken = partitionOf('globex', 4);
    const late = task('globex', 'late');
    const lateCmd = { ...seq.next(late, T0 + 9000) };
    await expect(a.submit(lateCmd)).rejects.toMatchObject({
      code: 'NOT_OWNER',
      details: { owner: 'node-b' },
    });
    expect(a.stats().fencingRejections).toBe(1);
    expect(a.held()).not.toContain(taken);
    // The renewal finds the other lost leases.
    await a.tick();
    expect(a.held().filter((p) => bHeld.has(p))).toEqual([]);
    // b applies it.
    expect(await b.submit(lateCmd)).toEqual({ status: 'applied' });
  });

  it('answers NOT_OWNER naming the owner for a partition it does not hold', async () => {
    const clock = new ManualClock(T0);
    const storage = createMemoryStorage({ clock });
    const a = nodeOn(storage, clock, 'node-a');
    await a.tick();
    const b = nodeOn(storage, clock, 'node-b');
    const seq = createCommandSequencer({ partitions: 4, idPrefix: 'gen' });
    const error = await b.submit(seq.next(task('acme', 't1'), T0)).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'NOT_OWNER',
      details: { partition: partitionOf('acme', 4), owner: 'node-a' },
      issues: [{ path: ['partition'] }],
    });
  });

  it('shares the partitions fairly between live nodes, handing over when a node joins', async () => {
    const clock = new ManualClock(T0);
    const storage = createMemoryStorage({ clock });
    const a = nodeOn(storage, clock, 'node-a');
    const b = nodeOn(storage, clock, 'node-b');
    await a.tick();
    await b.tick(); // heartbeat: now two live nodes
    await a.tick(); // a gives up two
    await b.tick(); // b takes them
    expect(a.held().length).toBe(2);
    expect(b.held().length).toBe(2);
    expect([...a.held(), ...b.held()].sort()).toEqual([0, 1, 2, 3]);
    await a.stop(); // releases: b takes every partition on its next tick
    clock.advance(TTL + 1);
    await b.tick();
    expect(b.held()).toEqual([0, 1, 2, 3]);
  });

  it('validates commands and options at the boundary', async () => {
    const clock = new ManualClock(T0);
    const storage = createMemoryStorage({ clock });
    const a = nodeOn(storage, clock, 'node-a');
    await a.tick();
    const wrongPartition = {
      id: 'x',
      partition: (partitionOf('acme', 4) + 1) % 4,
      seq: 1,
      at: T0,
      command: task('acme', 't'),
    };
    await expect(a.submit(wrongPartition)).rejects.toMatchObject({
      code: 'VALIDATION',
      issues: [{ path: ['partition'] }],
    });
    await expect(
      a.submit({ id: 'x', partition: 0, seq: 0, at: T0, command: { kind: 'advance', partition: 0 } }),
    ).rejects.toMatchObject({ code: 'VALIDATION', issues: [{ path: ['seq'] }] });
    expect(() => nodeOn(storage, clock, 'n', { partitions: 0 })).toThrow(
      expect.objectContaining({ code: 'CONFIG' }),
    );
    expect(() => nodeOn(storage, clock, 'n', { prefix: 'Bad.Prefix' })).toThrow(
      expect.objectContaining({ code: 'CONFIG', issues: [expect.objectContaining({ path: ['prefix'] })] }),
    );
    const e = commandEvent('worker', {
      id: 'c1',
      partition: 2,
      seq: 1,
      at: T0,
      command: { kind: 'advance', partition: 2 },
    });
    expect(e.type).toBe('worker_p2.command_submitted');
  });
});

describe('worker node: a recovery longer than the lease TTL', () => {
  it('keeps the lease renewed while the partition recovers', async () => {
    const clock = new ManualClock(T0);
    const storage = createMemoryStorage({ clock });
    // Recovery reads the progress markers first: hold that read until the test lets it go.
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const documents = storage.documents;
    const getMany: typeof documents.getMany = async (collection, ids, options) => {
      if (collection === 'worker_progress') await gate;
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
    const a = nodeOn(slow, clock, 'node-a', { partitions: 1 });
    void a.tick(); // acquires partition 0 and starts recovering it (stuck at the gate)
    await new Promise((r) => setTimeout(r, 50));
    expect(a.held()).toEqual([]); // not serving yet
    // Two thirds of a TTL later a round renews the lease of the partition still recovering …
    clock.advance((2 * TTL) / 3);
    void a.tick();
    await new Promise((r) => setTimeout(r, 50));
    clock.advance((2 * TTL) / 3); // … so past the first grant's expiry, nobody else gets it.
    const b = nodeOn(storage, clock, 'node-b', { partitions: 1 });
    await b.tick();
    expect(b.held()).toEqual([]);
    release();
    await new Promise((r) => setTimeout(r, 50));
    expect(a.held()).toEqual([0]);
    expect(a.stats()).toMatchObject({ acquired: 1, lost: 0 });
  });
});
