import { ManualClock } from '@threadline/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRoutingEngine } from '../src/index.js';
import {
  CompleteOptionsSchema,
  parseCompleteOptionsFast,
  parseRejectOptionsFast,
  RejectOptionsSchema,
} from '../src/inputs.js';
import { AdmitTable, admitTableFor } from '../src/workflow/admitTable.js';

describe('AdmitTable', () => {
  it('answers exactly what was last recorded for the worker under its current stamp', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            op: fc.constantFrom('set', 'upsert', 'ask'),
            worker: fc.nat(40),
            admitted: fc.boolean(),
          }),
          { maxLength: 300 },
        ),
        (ops) => {
          const table = new AdmitTable();
          // Reference: the stamp each worker holds now, and the answers recorded per (worker, stamp).
          const stamps = new Map<number, number>();
          const answers = new Map<string, boolean>();
          let lastStamp = 0;
          const stampOf = (w: number) => {
            let st = stamps.get(w);
            if (st === undefined) {
              st = ++lastStamp;
              stamps.set(w, st);
            }
            return st;
          };
          for (const { op, worker, admitted } of ops) {
            const stamp = stampOf(worker);
            if (op === 'upsert') stamps.set(worker, ++lastStamp);
            else if (op === 'set') {
              table.set(worker, stamp, admitted);
              answers.set(`${worker}|${stamp}`, admitted);
            }
            for (const [w, st] of stamps) {
              const want = answers.get(`${w}|${st}`);
              expect(table.answer(w, st)).toBe(want === undefined ? -1 : want ? 1 : 0);
            }
          }
        },
      ),
      { seed: 15, numRuns: 300 },
    );
  });

  it('shares a table per key and starts the registry afresh past its bound', () => {
    const tables = new Map<string, AdmitTable>();
    const a = admitTableFor(tables, 'x');
    expect(admitTableFor(tables, 'x')).toBe(a);
    for (let i = 0; i < 64; i++) admitTableFor(tables, `k${i}`);
    expect(tables.size).toBeLessThanOrEqual(64);
    expect(admitTableFor(tables, 'x')).not.toBe(a);
  });

  it('routes expression steps as a fresh evaluation would after the worker changes', () => {
    // A worker who stops speaking French must not keep an answer computed for the old attributes.
    const clock = new ManualClock(0);
    const engine = createRoutingEngine({
      clock,
      workflow: {
        queues: [{ id: 'q' }],
        filters: [{ name: 'f', targets: [{ queue: 'q', expression: 'task.language IN worker.languages' }] }],
      },
    });
    engine.upsertWorker({
      id: 'w',
      status: 'available',
      attributes: { languages: ['fr'] },
      capacity: { chat: 1 },
    });
    const first = engine.submitTask({ id: 't1', channel: 'chat', attributes: { language: 'fr' } });
    expect(first.status).toBe('reserved');
    engine.cancelTask('t1', 'test');
    engine.upsertWorker({
      id: 'w',
      status: 'available',
      attributes: { languages: ['en'] },
      capacity: { chat: 1 },
    });
    expect(engine.submitTask({ id: 't2', channel: 'chat', attributes: { language: 'fr' } }).status).toBe(
      'pending',
    );
    engine.upsertWorker({
      id: 'w',
      status: 'available',
      attributes: { languages: ['en', 'fr'] },
      capacity: { chat: 1 },
    });
    expect(engine.getTask('t2')?.status).toBe('reserved');
  });
});

describe('entering a multi-offer step', () => {
  it('offers k workers at once after a step timeout, with or without traces', () => {
    for (const trace of [false, true]) {
      const clock = new ManualClock(0);
      const engine = createRoutingEngine({
        clock,
        trace,
        workflow: {
          queues: [{ id: 'b', workers: { skills: { billing: 3 } } }],
          filters: [
            {
              name: 'f',
              targets: [
                { queue: 'b', requires: { skills: { billing: 7 } }, timeout: 20_000 },
                { queue: 'b', offers: 2 },
              ],
            },
          ],
        },
      });
      for (const [id, level] of [
        ['w1', 4],
        ['w2', 5],
        ['w3', 6],
      ] as const)
        engine.upsertWorker({
          id,
          status: 'available',
          attributes: { skills: { billing: level } },
          capacity: { chat: 1 },
        });
      expect(engine.submitTask({ id: 't', channel: 'chat' }).status).toBe('pending');
      clock.advance(21_000);
      engine.advanceTo(clock.now());
      const task = engine.getTask('t');
      expect(task?.step).toBe(1);
      // Longest idle first: the two registered first.
      expect(task?.reservations.map((r) => engine.getReservation(r)?.workerId)).toEqual(['w1', 'w2']);
      expect(engine.stats()).toMatchObject({ decisions: 1, offers: 2, waiting: 0 });
    }
  });
});

describe('option fast paths', () => {
  const value = fc.oneof(
    fc.constant(undefined),
    fc.constant(null),
    fc.string({ maxLength: 600 }),
    fc.integer({ min: -3, max: 3 }),
    fc.double(),
    fc.constant(Number.MAX_SAFE_INTEGER + 2),
    fc.boolean(),
    fc.array(fc.integer(), { maxLength: 2 }),
  );
  const options = (key: string, good: fc.Arbitrary<unknown>) =>
    fc.oneof(
      { weight: 4, arbitrary: fc.record({ [key]: fc.oneof({ weight: 3, arbitrary: good }, value) }) },
      { weight: 1, arbitrary: fc.record({ [key]: good, extra: value }) },
      { weight: 1, arbitrary: fc.dictionary(fc.string({ maxLength: 8 }), value, { maxKeys: 2 }) },
      { weight: 1, arbitrary: value },
    );

  it('rejectReservation: accepts only what the schema accepts, with the same output, as a copy', () => {
    let taken = 0;
    fc.assert(
      fc.property(options('reason', fc.string({ maxLength: 10 })), (raw) => {
        const fast = parseRejectOptionsFast(raw);
        const slow = RejectOptionsSchema.safeParse(raw);
        if (fast === undefined) return;
        taken++;
        expect(slow.success).toBe(true);
        expect(fast).toEqual(slow.data);
        expect(fast).not.toBe(raw);
      }),
      { seed: 15, numRuns: 2_000 },
    );
    expect(taken).toBeGreaterThan(200);
  });

  it('completeTask: accepts only what the schema accepts, with the same output, as a copy', () => {
    let taken = 0;
    fc.assert(
      fc.property(options('wrapUpMs', fc.integer({ min: 0, max: 100_000 })), (raw) => {
        const fast = parseCompleteOptionsFast(raw);
        const slow = CompleteOptionsSchema.safeParse(raw);
        if (fast === undefined) return;
        taken++;
        expect(slow.success).toBe(true);
        expect(fast).toEqual(slow.data);
        expect(fast).not.toBe(raw);
      }),
      { seed: 15, numRuns: 2_000 },
    );
    expect(taken).toBeGreaterThan(200);
  });

  it('leaves bad options to the schema, whose error names the field', () => {
    const engine = createRoutingEngine({
      clock: new ManualClock(0),
      workflow: { queues: [{ id: 'q' }], filters: [{ name: 'f', targets: [{ queue: 'q' }] }] },
    });
    engine.upsertWorker({ id: 'w', status: 'available', capacity: { chat: 1 } });
    const t = engine.submitTask({ id: 't', channel: 'chat' });
    const res = t.reservations[0] as string;
    expect(() => engine.rejectReservation(res, { reason: '' })).toThrow(
      expect.objectContaining({ code: 'VALIDATION' }),
    );
    engine.acceptReservation(res);
    let error: unknown;
    try {
      engine.completeTask('t', { wrapUpMs: -1 });
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: 'VALIDATION' });
    expect(JSON.stringify((error as { issues?: unknown }).issues ?? error)).toContain('wrapUpMs');
  });
});
