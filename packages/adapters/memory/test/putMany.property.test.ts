// `putMany` against a model, outside and inside transactions: a batch lands whole (every version
// check holds and the state after it keeps the unique index) or not at all, with the error the
// model predicts, after any sequence of batches.
import { isThreadlineError, type StoredDocument } from '@threadline/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createMemoryStorage } from '../src/index.js';

interface Item {
  id: string;
  email: string | null;
  expected: number | undefined;
}

const item = fc.record({
  id: fc.constantFrom('a', 'b', 'c', 'd', 'e'),
  email: fc.constantFrom<string | null>('x', 'y', 'z', null),
  expected: fc.constantFrom<number | undefined>(undefined, undefined, 0, 1, 2),
});
// Ids are unique within a batch (a repeated id is VALIDATION, covered by the conformance suite).
const batch = fc.uniqueArray(item, { selector: (i) => i.id, maxLength: 4 });

type Model = Map<string, { version: number; email: string | null }>;

/** What the model predicts for one batch: the new state, or the error code. */
function apply(model: Model, items: readonly Item[]): Model | 'CONFLICT' {
  const next: Model = new Map(model);
  for (const i of items) {
    const current = model.get(i.id)?.version ?? 0;
    if (i.expected !== undefined && i.expected !== current) return 'CONFLICT';
    next.set(i.id, { version: current + 1, email: i.email });
  }
  const holders = new Set<string>();
  for (const { email } of next.values()) {
    if (email === null) continue;
    if (holders.has(email)) return 'CONFLICT';
    holders.add(email);
  }
  return next;
}

describe('putMany (property)', () => {
  for (const inTransaction of [false, true]) {
    it(`lands whole or not at all, as the model says${inTransaction ? ', inside a transaction' : ''}`, async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(batch, { maxLength: 8 }), async (batches) => {
          const storage = createMemoryStorage();
          await storage.documents.defineCollection('c', { indexes: [], unique: [['email']] });
          let model: Model = new Map();
          for (const items of batches) {
            const docs = items.map((i) => (i.email === null ? { id: i.id } : { id: i.id, email: i.email }));
            const options = { expectedVersions: items.map((i) => i.expected) };
            const expected = apply(model, items);
            let outcome: StoredDocument[] | string;
            try {
              outcome = inTransaction
                ? await storage.documents.transaction(
                    async (tx) => (await tx.documents.putMany?.('c', docs, options)) as StoredDocument[],
                  )
                : await storage.documents.putMany('c', docs, options);
            } catch (e) {
              if (!isThreadlineError(e)) throw e;
              outcome = e.code;
            }
            if (expected === 'CONFLICT') {
              expect(outcome).toBe('CONFLICT');
            } else {
              expect(Array.isArray(outcome)).toBe(true);
              expect((outcome as StoredDocument[]).map((d) => d.version)).toEqual(
                items.map((i) => expected.get(i.id)?.version),
              );
              model = expected;
            }
            const stored = (await storage.documents.find('c', { limit: 100 })).items;
            expect(stored.map((d) => [d.id, d.version, d.email ?? null])).toEqual(
              [...model].sort(([a], [b]) => (a < b ? -1 : 1)).map(([id, d]) => [id, d.version, d.email]),
            );
          }
        }),
        { seed: 12, numRuns: 200 },
      );
    });
  }
});
