import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EventHeap } from '../src/day/heap.js';

// A step of a run: push an event at a time (few distinct times, so ties are common) or pop one.
const step = fc.oneof(
  fc.record({ op: fc.constant('push' as const), time: fc.integer({ min: 0, max: 12 }) }),
  fc.record({ op: fc.constant('pop' as const) }),
);

describe('EventHeap', () => {
  it('pops by time, and in insertion order within one time, under any interleaving', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 300 }), (steps) => {
        const heap = new EventHeap<number>();
        // The reference: pending [time, insertion number], popped as the smallest pair.
        const pending: [number, number][] = [];
        let n = 0;
        for (const s of steps) {
          if (s.op === 'push') {
            heap.push(s.time, n);
            pending.push([s.time, n++]);
          } else if (pending.length > 0) {
            pending.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
            const [time, id] = pending.shift() as [number, number];
            expect(heap.peekTime()).toBe(time);
            expect(heap.pop()).toBe(id);
          }
          expect(heap.size).toBe(pending.length);
        }
        pending.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
        for (const [, id] of pending) expect(heap.pop()).toBe(id);
        expect(heap.peekTime()).toBeNull();
      }),
      { numRuns: 500 },
    );
  });
});
