// Outbox rows are written packed (row format 2, packedEvents.ts); rows written by earlier
// versions (an array of envelopes, or one `event` before migration 5) must still deliver, fail,
// dead-letter, split and re-queue exactly as before, next to packed ones.
import { PGlite } from '@electric-sql/pglite';
import { testEvent } from '@threadline/adapter-conformance';
import type { EventEnvelope } from '@threadline/core';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { createPostgresStorage } from '../src/index.js';
import { packEvents, unpackEvents } from '../src/packedEvents.js';
import { dropSchema, newPool, PG_URL, uniqueSchema } from './server.js';

const TRACEPARENT = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

/** What a row's events read back as: the JSON text round trip of the envelopes. */
const viaJson = (events: readonly EventEnvelope[]) => JSON.parse(JSON.stringify(events)) as EventEnvelope[];

describe('packed outbox rows (format 2)', () => {
  it('round-trip any well-formed envelopes exactly as their JSON (optional fields, mixed tenants)', () => {
    const text = fc.string({ minLength: 1, maxLength: 12 });
    const envelope = fc.record(
      {
        id: text,
        type: fc.constantFrom('task.queued', 'case.opened', 'reservation.accepted'),
        tenantId: fc.constantFrom('default', 'acme', 'globex'),
        aggregateId: text,
        aggregateType: fc.constantFrom('task', 'case'),
        version: fc.nat(),
        occurredAt: fc.nat(),
        causationId: text,
        correlationId: text,
        trace: fc.constant({ traceparent: TRACEPARENT }),
        payload: fc.jsonValue(),
      },
      { requiredKeys: ['id', 'type', 'tenantId', 'aggregateId', 'aggregateType', 'version', 'occurredAt'] },
    );
    fc.assert(
      fc.property(fc.array(envelope, { minLength: 1, maxLength: 20 }), (events) => {
        const stored = JSON.parse(packEvents(events as EventEnvelope[]));
        expect(unpackEvents(stored, 1)).toEqual(viaJson(events as EventEnvelope[]));
      }),
      { seed: 12, numRuns: 200 },
    );
  });

  it('are smaller than the array of envelopes they replace', () => {
    const events = Array.from({ length: 50 }, () => testEvent());
    expect(packEvents(events).length).toBeLessThan(0.75 * JSON.stringify(events).length);
  });

  it('a malformed stored value is an INTERNAL error naming the row', () => {
    expect(() => unpackEvents({ v: 9, t: 'x', e: [] }, 7)).toThrow(/Outbox row 7 .*unknown format 9/);
    expect(() => unpackEvents({ v: 2, t: 'x', e: [[1, 2]] }, 7)).toThrow(/entry 0/);
  });
});

interface RawBackend {
  label: string;
  exec(sql: string, params?: unknown[]): Promise<unknown>;
  storage: ReturnType<typeof createPostgresStorage>;
  schema: string;
  close(): Promise<void>;
}

const backends: Array<() => RawBackend> = [
  () => {
    const client = new PGlite();
    const schema = 'tl_packed_rows';
    return {
      label: 'PGlite',
      exec: (sql, params) => client.query(sql, params),
      storage: createPostgresStorage({ client, schema }),
      schema,
      close: () => client.close(),
    };
  },
];
if (PG_URL)
  backends.push(() => {
    const pool = newPool(4);
    const schema = uniqueSchema();
    return {
      label: 'PostgreSQL server',
      exec: (sql, params) => pool.query(sql, params),
      storage: createPostgresStorage({ client: pool, schema }),
      schema,
      close: async () => {
        await pool.end();
        await dropSchema(schema);
      },
    };
  });

for (const make of backends) {
  describe('rows of every format on one outbox', () => {
    const b = make();
    afterAll(() => b.close());

    it(`${b.label}: rows written before (one event; an array) deliver, fail, dead-letter, split and re-queue next to packed ones`, async () => {
      await b.storage.migrate();
      const table = `"${b.schema}"."outbox"`;
      const nextSeq = `nextval(pg_get_serial_sequence('${table}', 'seq')) * 131072`;
      const single = testEvent({ causationId: 'c-1' });
      const array = [testEvent(), testEvent({ tenantId: 'acme' }), testEvent()];
      const packed = [
        testEvent({ correlationId: 'corr-1', trace: { traceparent: TRACEPARENT } }),
        testEvent({ tenantId: 'acme' }),
        testEvent({ payload: { text: 'ünïcødé ✓', list: [1, null, { deep: true }] } }),
      ];
      // As migration 1 wrote a row (one jsonb event), then as format 1 did (an array).
      await b.exec(`INSERT INTO ${table} (seq, event) VALUES (${nextSeq}, $1::jsonb)`, [
        JSON.stringify(single),
      ]);
      await b.exec(`INSERT INTO ${table} (seq, events, n) VALUES (${nextSeq}, $1::json, 3)`, [
        JSON.stringify(array),
      ]);
      await b.storage.outbox.add(packed);
      const all = [single, ...array, ...packed];
      const pending = await b.storage.outbox.pending(100);
      expect(pending.map((e) => e.event)).toEqual(viaJson(all));
      // A failure in the middle of each multi-event row splits it; with maxAttempts 1 those go dead.
      const middle = [pending[2]?.seq, pending[5]?.seq] as number[];
      await b.storage.outbox.markFailed(middle, new Error('bus down'), { maxAttempts: 1 });
      const dead = await b.storage.outbox.dead();
      expect(dead.map((e) => e.event)).toEqual(viaJson([array[1], packed[1]] as EventEnvelope[]));
      expect(dead.map((e) => e.seq)).toEqual(middle);
      const rest = await b.storage.outbox.pending(100);
      expect(rest.map((e) => e.event.id)).toEqual(
        all.filter((e) => e !== array[1] && e !== packed[1]).map((e) => e.id),
      );
      expect(rest.map((e) => e.seq)).toEqual(
        pending.filter((e) => !middle.includes(e.seq)).map((e) => e.seq),
      );
      // Re-queued, the dead entries come back with their seqs and whole envelopes.
      expect(await b.storage.outbox.retry(middle)).toBe(2);
      const again = await b.storage.outbox.pending(100);
      expect(again.map((e) => [e.seq, e.event])).toEqual(pending.map((e) => [e.seq, e.event]));
      await b.storage.outbox.markPublished(again.map((e) => e.seq));
      expect(await b.storage.outbox.pending(100)).toEqual([]);
    });
  });
}
