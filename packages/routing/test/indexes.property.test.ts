import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Deadline, DeadlineQueue } from '../src/indexes/deadlines.js';
import { HeapPositions } from '../src/indexes/heap.js';
import { IdleHeap } from '../src/indexes/idleHeap.js';
import { IdleLane, IdleLinks } from '../src/indexes/idleLane.js';
import { OfferIndex } from '../src/indexes/offerIndex.js';
import { RingFamily } from '../src/indexes/ringFamily.js';
import { TaskHeap } from '../src/indexes/taskHeap.js';
import { parseTaskInputFast, TaskInputSchema } from '../src/inputs.js';

interface T {
  id: number;
  handle: number;
  agedBase: number;
  createdAt: number;
  seq: number;
}

/** Reference order of a group heap: higher agedBase, then older (LIFO: newer), then lower seq. */
const taskOrder = (lifo: boolean) => (a: T, b: T) =>
  b.agedBase - a.agedBase || (lifo ? b.createdAt - a.createdAt : a.createdAt - b.createdAt) || a.seq - b.seq;

describe('TaskHeap', () => {
  it('keeps several heaps over one position table in order through pushes, removals and handle reuse', () => {
    fc.assert(
      fc.property(
        fc.boolean(),
        fc.array(
          fc.record({
            heap: fc.nat(2),
            remove: fc.boolean(),
            pick: fc.nat(),
            // Few distinct values, so ties on every key level are common.
            base: fc.integer({ min: 0, max: 3 }),
            createdAt: fc.integer({ min: 0, max: 3 }),
          }),
          { maxLength: 120 },
        ),
        (lifo, ops) => {
          const positions = new HeapPositions();
          const heaps = [0, 1, 2].map(() => new TaskHeap<T>(positions, lifo));
          const live: T[][] = [[], [], []];
          let seq = 0;
          for (const op of ops) {
            const heap = heaps[op.heap] as TaskHeap<T>;
            const members = live[op.heap] as T[];
            if (op.remove && members.length > 0) {
              const [victim] = members.splice(op.pick % members.length, 1) as [T];
              expect(heap.remove(victim)).toBe(true);
              expect(heap.remove(victim)).toBe(false);
              expect(heap.has(victim)).toBe(false);
              positions.release(victim.handle);
            } else {
              const t: T = {
                id: seq,
                handle: positions.alloc(),
                agedBase: op.base,
                createdAt: op.createdAt,
                seq: seq++,
              };
              heap.push(t);
              members.push(t);
            }
          }
          heaps.forEach((heap, h) => {
            const expected = [...(live[h] as T[])].sort(taskOrder(lifo)).map((t) => t.id);
            expect(heap.size).toBe(expected.length);
            expect(heap.peek()?.id).toBe(expected[0]);
            if (heap.size > 0) expect(heap.peekBase()).toBe(heap.peek()?.agedBase);
            const visited: number[] = [];
            heap.findInOrder((t) => {
              visited.push(t.id);
              return false;
            });
            expect(visited).toEqual(expected);
            for (const t of live[h] as T[]) expect(heap.has(t)).toBe(true);
          });
        },
      ),
      { seed: 11, numRuns: 300 },
    );
  });

  it('never reuses the handle of a task still in a heap', () => {
    const positions = new HeapPositions();
    const heap = new TaskHeap<T>(positions, false);
    const t: T = { id: 0, handle: positions.alloc(), agedBase: 1, createdAt: 0, seq: 0 };
    heap.push(t);
    positions.release(t.handle);
    expect(positions.alloc()).not.toBe(t.handle);
    expect(heap.peek()).toBe(t);
  });
});

interface E {
  id: number;
  handle: number;
  rank: number;
  idle: number;
}

describe('IdleHeap', () => {
  it('orders by rank, idle-since and order through pushes, re-keys and removals', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            op: fc.constantFrom('push', 'update', 'remove'),
            pick: fc.nat(),
            rank: fc.integer({ min: 0, max: 4 }),
            idle: fc.integer({ min: 0, max: 4 }),
          }),
          { maxLength: 150 },
        ),
        (ops) => {
          const positions = new HeapPositions<E>();
          const heap = new IdleHeap<E>(positions);
          const live: E[] = [];
          let next = 0;
          for (const op of ops) {
            if (op.op === 'push' || live.length === 0) {
              const e: E = { id: next++, handle: -1, rank: op.rank, idle: op.idle };
              e.handle = positions.alloc(e);
              heap.push(e, e.rank, e.idle, e.id);
              live.push(e);
            } else if (op.op === 'update') {
              const e = live[op.pick % live.length] as E;
              e.rank = op.rank;
              e.idle = op.idle;
              heap.update(e, e.rank, e.idle);
            } else {
              const [e] = live.splice(op.pick % live.length, 1) as [E];
              expect(heap.remove(e)).toBe(true);
              expect(heap.has(e)).toBe(false);
              positions.release(e.handle);
            }
          }
          const expected = [...live].sort((a, b) => a.rank - b.rank || a.idle - b.idle || a.id - b.id);
          expect(heap.size).toBe(live.length);
          expect(heap.peek()?.id).toBe(expected[0]?.id);
          const visited: number[] = [];
          heap.findInOrder((e) => {
            visited.push(e.id);
            return false;
          });
          expect(visited).toEqual(expected.map((e) => e.id));
          const all: number[] = [];
          heap.forEach((e) => {
            all.push(e.id);
          });
          expect(all.sort((a, b) => a - b)).toEqual(live.map((e) => e.id).sort((a, b) => a - b));
        },
      ),
      { seed: 5, numRuns: 300 },
    );
  });
});

describe('IdleLane', () => {
  it('orders by rank, idle-since and order through list appends, walk-backs, heap fallbacks, re-keys and removals', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            op: fc.constantFrom('push', 'update', 'update', 'remove'),
            lane: fc.nat(1),
            pick: fc.nat(),
            klass: fc.constantFrom<0 | 1>(0, 1),
            // Mostly growing keys (the lists' common case), sometimes any key (the heap's).
            grow: fc.boolean(),
            rank: fc.integer({ min: 0, max: 3 }),
            idle: fc.integer({ min: 0, max: 3 }),
          }),
          { maxLength: 200 },
        ),
        (ops) => {
          // Two lanes over one position table and one link table, with handle reuse.
          const positions = new HeapPositions<E>();
          const links = new IdleLinks();
          const lanes = [new IdleLane<E>(positions, links), new IdleLane<E>(positions, links)];
          const live: E[][] = [[], []];
          let next = 0;
          let clock = 0;
          const key = (op: { grow: boolean; rank: number; idle: number }) =>
            op.grow ? { rank: op.rank, idle: (clock += op.idle) } : { rank: op.rank, idle: op.idle };
          for (const op of ops) {
            const lane = lanes[op.lane] as IdleLane<E>;
            const members = live[op.lane] as E[];
            if (op.op === 'push' || members.length === 0) {
              const k = key(op);
              const e: E = { id: next++, handle: -1, rank: k.rank, idle: k.idle };
              e.handle = positions.alloc(e);
              lane.push(e, e.rank, e.idle, e.id, op.klass);
              members.push(e);
            } else if (op.op === 'update') {
              const e = members[op.pick % members.length] as E;
              const k = key(op);
              e.rank = k.rank;
              e.idle = k.idle;
              lane.update(e, e.rank, e.idle, e.id, op.klass);
            } else {
              const [e] = members.splice(op.pick % members.length, 1) as [E];
              expect(lane.remove(e)).toBe(true);
              expect(lane.remove(e)).toBe(false);
              expect(lane.has(e)).toBe(false);
              positions.release(e.handle);
            }
          }
          for (const [i, lane] of lanes.entries()) {
            const members = live[i] as E[];
            const expected = [...members].sort((a, b) => a.rank - b.rank || a.idle - b.idle || a.id - b.id);
            expect(lane.size).toBe(members.length);
            expect(lane.peek()?.id).toBe(expected[0]?.id);
            const visited: number[] = [];
            lane.findInOrder((e) => {
              visited.push(e.id);
              return false;
            });
            expect(visited).toEqual(expected.map((e) => e.id));
            // Stopping early returns the entry the visit stopped at.
            const third = expected[2];
            if (third !== undefined) expect(lane.findInOrder((e) => e.id === third.id)?.id).toBe(third.id);
            const all: number[] = [];
            lane.forEach((e) => {
              all.push(e.id);
            });
            expect(all.sort((a, b) => a - b)).toEqual(members.map((e) => e.id).sort((a, b) => a - b));
          }
        },
      ),
      { seed: 7, numRuns: 400 },
    );
  });
});

describe('RingFamily', () => {
  it('answers every ring (level and above) as one sorted list of its members would', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            op: fc.constantFrom('push', 'push', 'update', 'remove'),
            level: fc.integer({ min: 0, max: 10 }),
            pick: fc.nat(),
            klass: fc.constantFrom<0 | 1>(0, 1),
            grow: fc.boolean(),
            rank: fc.integer({ min: 0, max: 3 }),
            idle: fc.integer({ min: 0, max: 3 }),
          }),
          { maxLength: 150 },
        ),
        fc.integer({ min: 0, max: 10 }),
        fc.integer({ min: 1, max: 4 }),
        fc.nat(5),
        (ops, minLevel, n, rejectMod) => {
          const positions = new HeapPositions<E & { level: number }>();
          const family = new RingFamily<E & { level: number }>(positions, new IdleLinks());
          const live: (E & { level: number })[] = [];
          let next = 0;
          let clock = 0;
          for (const op of ops) {
            const rank = op.rank;
            const idle = op.grow ? (clock += op.idle) : op.idle;
            if (op.op === 'push' || live.length === 0) {
              const e = { id: next++, handle: -1, rank, idle, level: op.level };
              e.handle = positions.alloc(e);
              family.bucket(e.level).push(e, rank, idle, e.id, op.klass);
              (family.count[e.level] as number)++;
              live.push(e);
            } else if (op.op === 'update') {
              const e = live[op.pick % live.length] as E & { level: number };
              e.rank = rank;
              e.idle = idle;
              family.bucket(e.level).update(e, rank, idle, e.id, op.klass);
            } else {
              const [e] = live.splice(op.pick % live.length, 1) as [E & { level: number }];
              expect(family.bucket(e.level).remove(e)).toBe(true);
              (family.count[e.level] as number)--;
              positions.release(e.handle);
            }
          }
          const ring = live
            .filter((e) => e.level >= minLevel)
            .sort((a, b) => a.rank - b.rank || a.idle - b.idle || a.id - b.id);
          expect(family.size(minLevel)).toBe(ring.length);
          expect(family.best(minLevel)?.id).toBe(ring[0]?.id);
          // Some entries refused (as ineligible workers are), the rest taken in ring order.
          const accept = (e: E) => rejectMod === 0 || e.id % (rejectMod + 1) !== 0;
          const out: (E & { level: number })[] = [];
          family.firstAccepted(minLevel, n, accept, out);
          expect(out.map((e) => e.id)).toEqual(
            ring
              .filter(accept)
              .slice(0, n)
              .map((e) => e.id),
          );
          expect(family.countAccepted(minLevel, n, accept)).toBe(Math.min(n, ring.filter(accept).length));
          const all: number[] = [];
          family.forEach(minLevel, (e) => {
            all.push(e.id);
          });
          expect(all.sort((a, b) => a - b)).toEqual(ring.map((e) => e.id).sort((a, b) => a - b));
        },
      ),
      { seed: 15, numRuns: 500 },
    );
  });
});

describe('parseTaskInputFast', () => {
  const value = fc.oneof(
    fc.constant(undefined),
    fc.constant(null),
    fc.string({ maxLength: 3 }),
    fc.integer({ min: -2, max: 2_000_000 }),
    fc.double({ noNaN: false }),
    fc.boolean(),
    fc.array(fc.integer(), { maxLength: 2 }),
    fc.dictionary(fc.string({ maxLength: 3 }), fc.integer(), { maxKeys: 3 }),
    fc.date({ noInvalidDate: true }),
  );
  // Mostly plausible inputs (each field usually valid, sometimes not), plus arbitrary values.
  const maybe = <A>(good: fc.Arbitrary<A>) =>
    fc.oneof({ weight: 4, arbitrary: good }, { weight: 1, arbitrary: value });
  const input = fc.oneof(
    fc
      .tuple(
        fc.record(
          {
            id: maybe(fc.string({ minLength: 1, maxLength: 5 })),
            channel: maybe(fc.constantFrom('chat', 'voice')),
            priority: maybe(fc.integer({ min: 0, max: 1_000_000 })),
            attributes: maybe(
              fc.dictionary(fc.string({ maxLength: 3 }), fc.oneof(fc.string(), fc.integer())),
            ),
            preferredWorkerId: maybe(fc.string({ minLength: 1, maxLength: 3 })),
            deadline: maybe(fc.integer()),
            createdAt: maybe(fc.integer()),
          },
          { requiredKeys: ['channel'] },
        ),
        fc.nat(9),
        value,
      )
      // Now and then a key the fast path leaves to the schema.
      .map(([record, roll, extra]) =>
        roll === 0 ? { ...record, requiredSkills: extra } : roll === 1 ? { ...record, extra } : record,
      ),
    value,
  );

  it('accepts only what the schema accepts, with the same output', () => {
    let taken = 0;
    fc.assert(
      fc.property(input, (raw) => {
        const fast = parseTaskInputFast(raw);
        const slow = TaskInputSchema.safeParse(raw);
        if (fast !== undefined) {
          taken++;
          expect(slow.success).toBe(true);
          expect(fast).toEqual(slow.data);
        }
      }),
      { seed: 7, numRuns: 2_000 },
    );
    // The generator must reach the fast path often enough for the comparison to mean something.
    expect(taken).toBeGreaterThan(200);
  });

  it('takes the common input and copies its attributes', () => {
    const attributes = { queue: 'q1', tier: 'vip' };
    const parsed = parseTaskInputFast({ id: 't1', channel: 'chat', priority: 3, attributes });
    expect(parsed).toEqual({ id: 't1', channel: 'chat', priority: 3, attributes });
    expect(parsed?.attributes).not.toBe(attributes);
    expect(parseTaskInputFast({ channel: 'chat' })).toEqual({ channel: 'chat', priority: 0, attributes: {} });
    // Anything unusual goes to the schema, which owns the error report.
    expect(parseTaskInputFast({ channel: 'chat', requiredSkills: { billing: 3 } })).toBeUndefined();
    expect(parseTaskInputFast({ channel: 'chat', createdAt: new Date(0) })).toBeUndefined();
    expect(parseTaskInputFast({ channel: 'chat', priority: 1.5 })).toBeUndefined();
  });
});

describe('DeadlineQueue', () => {
  it('fires offer expiries (FIFO) and other deadlines (heap) by instant, then insertion order', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            op: fc.constantFrom('add', 'add', 'cancel', 'pop'),
            kind: fc.constantFrom('reservation', 'reservation', 'step', 'wrapup'),
            delay: fc.integer({ min: 0, max: 40 }),
            pick: fc.nat(),
            advance: fc.integer({ min: 0, max: 20 }),
          }),
          { maxLength: 200 },
        ),
        (ops) => {
          const q = new DeadlineQueue();
          let live: Deadline[] = [];
          let now = 0;
          const order = (a: Deadline, b: Deadline) => a.at - b.at || a.seq - b.seq;
          for (const op of ops) {
            if (op.op === 'add') {
              // Offer expiries mostly arrive in due order (constant timeout), sometimes not.
              // Other deadlines often fall on the same instant, so ties between the two stores occur.
              const at =
                op.kind === 'reservation'
                  ? now + (op.delay === 40 ? 40 : 30)
                  : now + (op.delay % 2 === 0 ? 30 : op.delay);
              live.push(q.add(at, op.kind as Deadline['kind'], `r${op.pick}`, 0));
            } else if (op.op === 'cancel' && live.length > 0) {
              const [d] = live.splice(op.pick % live.length, 1) as [Deadline];
              q.cancel(d);
              q.cancel(d);
            } else {
              now += op.advance;
              const fired: Deadline[] = [];
              for (let d = q.popDue(now); d; d = q.popDue(now)) fired.push(d);
              const due = live.filter((d) => d.at <= now).sort(order);
              expect(fired).toEqual(due);
              live = live.filter((d) => d.at > now);
            }
            expect(q.size).toBe(live.length);
            expect(q.next()).toBe(live.length === 0 ? null : Math.min(...live.map((d) => d.at)));
            expect([...q.all()].sort(order)).toEqual([...live].sort(order));
          }
        },
      ),
      { seed: 13, numRuns: 300 },
    );
  });

  it('keeps the offer FIFO short when offers are answered out of order', () => {
    const q = new DeadlineQueue();
    const first = q.add(30_000, 'reservation', 'res-0', 0);
    for (let i = 1; i <= 5_000; i++) q.cancel(q.add(30_000 + i, 'reservation', `res-${i}`, 0));
    expect(q.size).toBe(1);
    expect(q.next()).toBe(30_000);
    expect(q.popDue(30_000)).toBe(first);
    expect(q.size).toBe(0);
  });
});

describe('OfferIndex', () => {
  it('answers like a Map across the list/map switch', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ add: fc.boolean(), pick: fc.nat() }), { maxLength: 300 }), (ops) => {
        const index = new OfferIndex<{ id: string }>();
        const reference = new Map<string, { id: string }>();
        let next = 0;
        for (const op of ops) {
          // Bursts of adds push past the list limit; deletes bring it back.
          if (op.add || reference.size === 0) {
            const offer = { id: `res-${next++}` };
            index.add(offer);
            reference.set(offer.id, offer);
          } else {
            const offer = [...reference.values()][op.pick % reference.size] as { id: string };
            index.delete(offer);
            reference.delete(offer.id);
          }
          expect(index.size).toBe(reference.size);
          for (const [id, offer] of reference) expect(index.get(id)).toBe(offer);
          expect(index.get(`res-${next}`)).toBeUndefined();
          expect(new Set(index.values())).toEqual(new Set(reference.values()));
        }
      }),
      { seed: 17, numRuns: 150 },
    );
  });
});
