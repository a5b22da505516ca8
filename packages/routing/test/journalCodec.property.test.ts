// The compact journal encoding (format 2) keeps every input of every command: decoding an
// encoded batch, also after a JSON round trip through the store, gives back the entries (less
// the derived `customerId`).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeJournalBatch, encodeJournalBatch, JOURNAL_OPS, type JournalEntry } from '../src/index.js';

const json: fc.Arbitrary<unknown> = fc.jsonValue().map((v) => JSON.parse(JSON.stringify(v)) as unknown);

const entry: fc.Arbitrary<JournalEntry> = fc
  .record(
    {
      op: fc.constantFrom(...JOURNAL_OPS),
      args: fc.array(json, { maxLength: 3 }),
      at: fc.integer({ min: 0, max: 2 ** 45 }),
      ids: fc.array(fc.tuple(fc.string({ maxLength: 4 }), fc.string({ maxLength: 8 })), {
        minLength: 1,
        maxLength: 3,
      }),
      customerId: fc.string({ maxLength: 6 }),
    },
    { requiredKeys: ['op', 'args', 'at'] },
  )
  .map((e) => e as JournalEntry);

describe('compact journal batches', () => {
  it('decode(encode(entries)) gives the entries back, before and after JSON', () => {
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 20 }), fc.integer({ min: 1, max: 1e9 }), (entries, first) => {
        const expected = entries.map(({ customerId: _c, ...rest }) => rest);
        const batch = encodeJournalBatch(first, entries, []);
        expect(batch.first).toBe(first);
        expect(decodeJournalBatch(batch)).toEqual(expected);
        expect(decodeJournalBatch(JSON.parse(JSON.stringify(batch)))).toEqual(expected);
      }),
      { seed: 12, numRuns: 300 },
    );
  });

  it('is smaller than format 1 for the commands a routing decision journals', () => {
    const at = Date.UTC(2026, 0, 5, 9);
    const entries: JournalEntry[] = [];
    for (let i = 0; i < 100; i++) {
      entries.push(
        {
          op: 'submitTask',
          args: [{ id: `t${i}`, channel: 'chat', attributes: { queue: 'q1' } }],
          at: at + i,
        },
        { op: 'acceptReservation', args: [`res-${i}`], at: at + i },
        { op: 'completeTask', args: [`t${i}`], at: at + i },
      );
    }
    const v1 = JSON.stringify({ first: 1, entries, customerIds: [] }).length;
    const v2 = JSON.stringify(encodeJournalBatch(1, entries, [])).length;
    expect(v2).toBeLessThan(v1 * 0.5);
  });
});
