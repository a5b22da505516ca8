import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DeadlineIndex, type DeadlineItem } from '../src/sla/deadlineIndex.js';

type Op = { k: 'upsert'; item: number; at: number } | { k: 'remove'; item: number } | { k: 'pop' };

describe('DeadlineIndex', () => {
  it('always yields the earliest (instant, seq) under random upserts, removes and pops', () => {
    const opArb: fc.Arbitrary<Op> = fc.oneof(
      fc.record({
        k: fc.constant('upsert' as const),
        item: fc.integer({ min: 0, max: 30 }),
        at: fc.integer({ min: 0, max: 50 }),
      }),
      fc.record({ k: fc.constant('remove' as const), item: fc.integer({ min: 0, max: 30 }) }),
      fc.constant({ k: 'pop' as const }),
    );
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 200 }), (ops) => {
        const items: DeadlineItem[] = Array.from({ length: 31 }, (_, seq) => ({
          nextAt: undefined,
          seq,
          heapIndex: -1,
        }));
        const index = new DeadlineIndex<DeadlineItem>();
        const model = new Map<number, number>(); // seq -> at
        const earliest = () => {
          let best: [number, number] | undefined;
          for (const [seq, at] of model)
            if (!best || at < best[1] || (at === best[1] && seq < best[0])) best = [seq, at];
          return best;
        };
        for (const op of ops) {
          const item = op.k === 'pop' ? undefined : (items[op.item] as DeadlineItem);
          if (op.k === 'upsert' && item) {
            item.nextAt = op.at;
            index.upsert(item);
            model.set(item.seq, op.at);
          } else if (op.k === 'remove' && item) {
            index.remove(item);
            model.delete(item.seq);
            expect(item.heapIndex).toBe(-1);
          } else if (op.k === 'pop') {
            const want = earliest();
            const got = index.pop();
            expect(got?.seq).toBe(want?.[0]);
            if (want) model.delete(want[0]);
          }
          expect(index.size).toBe(model.size);
          expect(index.peek()?.seq).toBe(earliest()?.[0]);
        }
      }),
      { numRuns: 300, seed: 11 },
    );
  });
});
