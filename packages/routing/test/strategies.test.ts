import { ManualClock } from '@threadline/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRoutingEngine, customScorer, type RoutingEngineOptions } from '../src/index.js';
import { IndexedHeap } from '../src/indexes/heap.js';

function pick(
  strategy: RoutingEngineOptions['strategy'],
  orderBy?: { attribute: string; direction: 'asc' | 'desc' }[],
) {
  const clock = new ManualClock(0);
  const engine = createRoutingEngine({
    clock,
    strategy,
    workflow: {
      queues: [{ id: 'q' }],
      defaultFilter: { targets: [{ queue: 'q', ...(orderBy ? { orderBy } : {}) }] },
    },
  });
  // a: idle longest, lightly skilled; b: busy with one chat, expert; c: idle recently, mid.
  engine.upsertWorker({
    id: 'a',
    status: 'available',
    attributes: { skills: { billing: 2 }, tenure: 1 },
    capacity: { chat: 2 },
  });
  clock.advance(10);
  engine.upsertWorker({
    id: 'b',
    status: 'available',
    attributes: { skills: { billing: 9 }, tenure: 5 },
    capacity: { chat: 4 },
  });
  clock.advance(10);
  engine.upsertWorker({
    id: 'c',
    status: 'available',
    attributes: { skills: { billing: 5 }, tenure: 3 },
    capacity: { chat: 2 },
  });
  const warm = engine.submitTask({ id: 'warm', channel: 'chat' });
  engine.acceptReservation(warm.reservations[0] as string); // goes to a (longest idle under every rank strategy)
  clock.advance(10);
  const t = engine.submitTask({ id: 't', channel: 'chat', requiredSkills: { billing: 1 } });
  return engine.getReservation(t.reservations[0] as string)?.workerId;
}

describe('strategies', () => {
  it('pick deterministically', () => {
    expect(pick('longest-idle')).toBe('b');
    expect(pick('round-robin')).toBe('b');
    expect(pick('least-occupied')).toBe('b');
    expect(pick('most-skilled')).toBe('b');
    expect(pick(customScorer('tenure-asc', (w) => -Number(w.attributes.tenure)))).toBe('a');
    expect(pick('longest-idle', [{ attribute: 'skills.billing', direction: 'asc' }])).toBe('a');
    expect(pick('longest-idle', [{ attribute: 'tenure', direction: 'desc' }])).toBe('b');
  });

  it('least occupied prefers the emptiest worker', () => {
    const engine = createRoutingEngine({
      clock: new ManualClock(0),
      strategy: 'least-occupied',
      workflow: { queues: [{ id: 'q' }], defaultFilter: { targets: [{ queue: 'q' }] } },
    });
    engine.upsertWorker({ id: 'a', status: 'available', capacity: { chat: 2 } });
    engine.upsertWorker({ id: 'b', status: 'available', capacity: { chat: 4 } });
    const seen: string[] = [];
    for (let i = 0; i < 4; i++) {
      const t = engine.submitTask({ id: `t${i}`, channel: 'chat' });
      seen.push(engine.getReservation(t.reservations[0] as string)?.workerId as string);
    }
    expect(seen).toEqual(['a', 'b', 'b', 'a']);
  });
});

describe('IndexedHeap', () => {
  it('pops in order and finds in order after random removals and updates', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 50 }), fc.boolean(), fc.integer({ min: 0, max: 50 }))),
        (ops) => {
          type Item = { key: number; id: number; heapIndex: number };
          const heap = new IndexedHeap<Item>(
            (a, b) => a.key < b.key || (a.key === b.key && a.id < b.id),
            (x) => x.heapIndex,
            (x, i) => {
              x.heapIndex = i;
            },
          );
          const live: Item[] = [];
          ops.forEach(([key, remove, newKey], id) => {
            const item = { key, id, heapIndex: -1 };
            heap.push(item);
            live.push(item);
            if (remove && live.length > 1) {
              const victim = live.splice(newKey % live.length, 1)[0] as Item;
              expect(heap.remove(victim)).toBe(true);
            } else {
              const target = live[newKey % live.length] as Item;
              target.key = newKey;
              heap.update(target);
            }
          });
          const expected = [...live].sort((a, b) => a.key - b.key || a.id - b.id).map((x) => x.id);
          const visited: number[] = [];
          heap.findInOrder((x) => {
            visited.push(x.id);
            return false;
          });
          expect(visited).toEqual(expected);
          const popped: number[] = [];
          for (let x = heap.pop(); x; x = heap.pop()) popped.push(x.id);
          expect(popped).toEqual(expected);
        },
      ),
      { seed: 3, numRuns: 200 },
    );
  });
});
