// Model-based property tests: random puts, deletes and transactions against the memory store,
// compared with a naive model (a plain map, filtered and sorted on every query).
import type { StoredDocument } from '@threadline/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createMemoryStorage } from '../src/index.js';

type Op =
  | { kind: 'put'; id: string; dueAt: number | string | null; email: string | null }
  | { kind: 'delete'; id: string }
  | { kind: 'txPair'; a: string; b: string; email: string; abort: boolean };

const id = fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h');
const email = fc.option(fc.constantFrom('x@e.io', 'y@e.io', 'z@e.io'), { nil: null });
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constant('put' as const),
    id,
    dueAt: fc.oneof(fc.integer({ min: -5, max: 20 }), fc.constant('soon'), fc.constant(null)),
    email,
  }),
  fc.record({ kind: fc.constant('delete' as const), id }),
  fc.record({
    kind: fc.constant('txPair' as const),
    a: id,
    b: id,
    email: fc.constantFrom('x@e.io', 'y@e.io'),
    abort: fc.boolean(),
  }),
);
const bounds = fc.record(
  {
    gt: fc.integer({ min: -6, max: 21 }),
    gte: fc.integer({ min: -6, max: 21 }),
    lt: fc.integer({ min: -6, max: 21 }),
    lte: fc.integer({ min: -6, max: 21 }),
  },
  { requiredKeys: [] },
);

function inModelRange(v: unknown, b: { gt?: number; gte?: number; lt?: number; lte?: number }): v is number {
  return (
    typeof v === 'number' &&
    (b.gt === undefined || v > b.gt) &&
    (b.gte === undefined || v >= b.gte) &&
    (b.lt === undefined || v < b.lt) &&
    (b.lte === undefined || v <= b.lte)
  );
}

describe('memory indexes against a naive model', () => {
  it('unique and range indexes agree with the model after any sequence of writes', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(op, { maxLength: 40 }),
        bounds,
        fc.integer({ min: 1, max: 4 }),
        async (ops, b, limit) => {
          const { documents } = createMemoryStorage();
          await documents.defineCollection('items', { indexes: [], unique: [['email']], ranges: ['dueAt'] });
          const model = new Map<string, { dueAt: unknown; email: string | null }>();
          const holder = (mail: string | null, except: Set<string>) =>
            mail === null ? undefined : [...model].find(([k, d]) => d.email === mail && !except.has(k))?.[0];
          for (const o of ops) {
            if (o.kind === 'put') {
              const clash = holder(o.email, new Set([o.id]));
              const r = await documents.put('items', { id: o.id, dueAt: o.dueAt, email: o.email }).then(
                () => 'ok',
                (e: { code?: string }) => e.code,
              );
              expect(r).toBe(clash === undefined ? 'ok' : 'CONFLICT');
              if (r === 'ok') model.set(o.id, { dueAt: o.dueAt, email: o.email });
            } else if (o.kind === 'delete') {
              expect(await documents.delete('items', o.id)).toBe(model.delete(o.id));
            } else {
              // Move the key from a to b inside one transaction (legal), unless b already holds
              // another key clash, then maybe abort.
              const clash = holder(o.email, new Set([o.a, o.b]));
              const r = await documents
                .transaction(async (tx) => {
                  await tx.documents.put('items', { id: o.a, dueAt: 1, email: null });
                  await tx.documents.put('items', { id: o.b, dueAt: 2, email: o.email });
                  if (o.abort) throw new Error('abort');
                })
                .then(
                  () => 'ok',
                  (e: { code?: string; message?: string }) => e.code ?? e.message,
                );
              const expected = clash !== undefined ? 'CONFLICT' : o.abort ? 'abort' : 'ok';
              expect(r).toBe(expected);
              if (r === 'ok') {
                model.set(o.a, { dueAt: 1, email: null });
                model.set(o.b, { dueAt: 2, email: o.email });
              }
            }
          }
          const want = [...model]
            .filter(([, d]) => inModelRange(d.dueAt, b))
            .sort(([ka, a], [kb, bb]) => (a.dueAt as number) - (bb.dueAt as number) || (ka < kb ? -1 : 1))
            .map(([k]) => k);
          const got: string[] = [];
          let cursor: string | undefined;
          const where = Object.keys(b).length > 0 ? { dueAt: b } : { dueAt: { gte: -1000 } };
          const all =
            Object.keys(b).length > 0
              ? want
              : [...model].filter(([, d]) => typeof d.dueAt === 'number').length;
          for (let n = 0; n < 100; n++) {
            const p = await documents.find<StoredDocument>('items', {
              where,
              limit,
              ...(cursor ? { cursor } : {}),
            });
            got.push(...p.items.map((d) => d.id));
            if (!p.nextCursor) break;
            cursor = p.nextCursor;
          }
          if (Array.isArray(all)) expect(got).toEqual(want);
          else expect(got).toHaveLength(all);
          for (const mail of ['x@e.io', 'y@e.io', 'z@e.io']) {
            const found = await documents.find('items', { where: { email: mail } });
            expect(found.items.map((d) => d.id)).toEqual(
              [...model]
                .filter(([, d]) => d.email === mail)
                .map(([k]) => k)
                .sort(),
            );
          }
        },
      ),
      { seed: 12, numRuns: 300 },
    );
  });
});
