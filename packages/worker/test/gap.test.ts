// Bus deliveries behind a missing command: a consumer holds a bounded number of handler calls, so
// a call that waits for an earlier command which has not arrived (it was with a dead node and
// will be redelivered behind the waiting ones) must be released, or the consumer never reads it.
import { createMemoryStorage } from '@threadline/adapter-memory';
import { type EventEnvelope, ManualClock, type TimerClock } from '@threadline/core';
import { describe, expect, it } from 'vitest';
import {
  createCommandSequencer,
  createWorkerNode,
  type DurableEventBus,
  partitionOf,
  type SequencedCommand,
  type WorkerNode,
} from '../src/index.js';

const T0 = Date.UTC(2026, 0, 5, 9);
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

/** A bus that hands its subscribers' handlers to the test (a delivery = a handler call). */
function capturingBus() {
  const handlers = new Map<string, (e: EventEnvelope) => unknown>();
  const bus: DurableEventBus = {
    publish: async () => undefined,
    subscribe: (_pattern, handler, options) => {
      handlers.set(options?.durable as string, handler as (e: EventEnvelope) => unknown);
      return () => handlers.delete(options?.durable as string);
    },
  };
  return { bus, handlers };
}

async function setup(gapWaitMs?: number) {
  const clock = new StepClock(T0);
  const storage = createMemoryStorage({ clock });
  const { bus, handlers } = capturingBus();
  const node: WorkerNode = createWorkerNode({
    storage,
    bus,
    partitions: 2,
    tenants: ['acme'],
    routing: () => ({ workflow }),
    cases: { calendars: {}, policies: [] },
    nodeId: 'n',
    leaseTtlMs: 4000,
    ...(gapWaitMs === undefined ? {} : { gapWaitMs }),
    clock,
  });
  await node.tick();
  const p = partitionOf('acme', 2);
  const seq = createCommandSequencer({ partitions: 2, idPrefix: 'g' });
  const commands: SequencedCommand[] = [1, 2, 3].map((i) =>
    seq.next(
      {
        kind: 'routing',
        tenantId: 'acme',
        op: 'upsertWorker',
        args: [{ id: `w${i}`, status: 'available', capacity: { chat: 1 } }],
      },
      T0 + i,
    ),
  );
  const handler = handlers.get(`worker_p${p}`) as (e: EventEnvelope) => Promise<unknown>;
  const deliver = (c: SequencedCommand) => handler({ payload: c } as unknown as EventEnvelope);
  return { clock, node, p, commands, deliver };
}

describe('bus deliveries behind a missing command', () => {
  it('are released with TIMEOUT after gapWaitMs, stay queued, and apply once the gap fills', async () => {
    const { clock, node, p, commands, deliver } = await setup(250);
    const [c1, c2, c3] = commands as [SequencedCommand, SequencedCommand, SequencedCommand];
    const third = deliver(c3);
    const second = deliver(c2);
    clock.fire();
    await expect(third).rejects.toMatchObject({
      code: 'TIMEOUT',
      details: { partition: p, seq: 3, missing: 1 },
    });
    await expect(second).rejects.toMatchObject({ code: 'TIMEOUT', details: { seq: 2, missing: 1 } });
    expect(node.stats().gapReleases).toBe(2);
    // The missing command arrives: it and the two queued ones are applied; their redeliveries are duplicates.
    await expect(deliver(c1)).resolves.toEqual({ status: 'applied' });
    expect(node.partition(p)?.resolved).toBe(3);
    expect(node.partition(p)?.routingEngine('acme')?.getWorker('w3')).toBeDefined();
    await expect(deliver(c2)).resolves.toEqual({ status: 'duplicate' });
    await expect(deliver(c3)).resolves.toEqual({ status: 'duplicate' });
    expect(node.stats()).toMatchObject({ applied: 1, duplicates: 2 });
  });

  it('keep waiting when nothing is missing (behind a block in progress)', async () => {
    const { clock, node, commands, deliver } = await setup(250);
    const all = commands.map((c) => deliver(c));
    clock.fire(); // every earlier command is queued: no gap, the timers re-arm
    expect(clock.timers.length).toBe(3);
    expect((await Promise.all(all)).map((o) => (o as { status: string }).status)).toEqual([
      'applied',
      'applied',
      'applied',
    ]);
    expect(node.stats().gapReleases).toBe(0);
  });

  it('do not apply to direct submit calls, which wait for the gap', async () => {
    const { clock, node, commands } = await setup(250);
    const [c1, c2] = commands as [SequencedCommand, SequencedCommand];
    const second = node.submit(c2);
    clock.fire();
    expect(clock.timers).toEqual([]);
    await node.submit(c1);
    await expect(second).resolves.toEqual({ status: 'applied' });
  });

  it('refuses a gapWaitMs below 10 ms with CONFIG naming the field', () => {
    const storage = createMemoryStorage();
    expect(() =>
      createWorkerNode({
        storage,
        partitions: 2,
        routing: () => ({ workflow }),
        cases: { calendars: {}, policies: [] },
        gapWaitMs: 5,
        clock: new ManualClock(T0),
      }),
    ).toThrow(
      expect.objectContaining({ code: 'CONFIG', issues: [expect.objectContaining({ path: ['gapWaitMs'] })] }),
    );
  });
});
