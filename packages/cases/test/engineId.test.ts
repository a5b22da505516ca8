// Option `engineId`: engines that share one tenant's storage (one per partition of the cases)
// keep their metric sequence counters in rows of their own, so their commits never collide and
// each recovers its own numbering.
import { createMemoryStorage } from '@threadline/adapter-memory';
import { isThreadlineError, ManualClock, type ThreadlineStorage } from '@threadline/core';
import { describe, expect, it } from 'vitest';
import { type CaseEngine, createCaseEngine, type SlaPolicyInput } from '../src/index.js';

const T0 = Date.UTC(2026, 0, 5, 9);
const policies: SlaPolicyInput[] = [
  {
    id: 'default',
    targets: { first_reply: { normal: { minutes: 30 } }, resolution: { normal: { hours: 8 } } },
  },
];

function engine(storage: ThreadlineStorage, clock: ManualClock, engineId?: string): CaseEngine {
  return createCaseEngine({
    clock,
    calendars: {},
    policies,
    storage,
    ...(engineId === undefined ? {} : { engineId }),
  });
}

const open = (e: CaseEngine, id: string) =>
  e.openCase({ id, customerId: 'u', subject: 'S', priority: 'normal', channel: 'chat', tenantId: 'acme' });

async function seqsOf(storage: ThreadlineStorage, id: string): Promise<number[]> {
  const doc = (await storage.documents.get('cases', id, { tenantId: 'acme' })) as unknown as
    | { engineState: { records: Array<{ seq: number }> } }
    | undefined;
  return doc?.engineState.records.map((r) => r.seq) ?? [];
}

describe('case engine option engineId', () => {
  it('lets two engines of one tenant commit concurrently, each with its own counter row', async () => {
    const storage = createMemoryStorage();
    const clock = new ManualClock(T0);
    const a = engine(storage, clock, 'p0');
    const b = engine(storage, clock, 'p1');
    for (let i = 0; i < 5; i++) {
      open(a, `a${i}`);
      open(b, `b${i}`);
      await Promise.all([a.flush(), b.flush()]);
    }
    const rows = await storage.documents.getMany('case_counters', ['sla-seq:p0', 'sla-seq:p1', 'sla-seq'], {
      tenantId: 'acme',
    });
    expect(rows.map((r) => r?.next)).toEqual([10, 10, undefined]);
  });

  it('without it, the same two engines collide on the tenant’s counter row (CONFLICT)', async () => {
    const storage = createMemoryStorage();
    const clock = new ManualClock(T0);
    const a = engine(storage, clock);
    const b = engine(storage, clock);
    open(a, 'a0');
    open(b, 'b0');
    const results = await Promise.allSettled([a.flush(), b.flush()]);
    const failures = results.filter((r) => r.status === 'rejected');
    expect(failures).toHaveLength(1);
  });

  it('a recovered engine continues its own numbering, not another engine’s', async () => {
    const storage = createMemoryStorage();
    const clock = new ManualClock(T0);
    const a = engine(storage, clock, 'p0');
    const b = engine(storage, clock, 'p1');
    for (let i = 0; i < 3; i++) open(a, `a${i}`);
    open(b, 'b0');
    await Promise.all([a.flush(), b.flush()]);
    // `b` stops; its replacement recovers under the same id and opens another case.
    const b2 = engine(storage, clock, 'p1');
    await b2.recover({ tenantId: 'acme', include: (id) => id.startsWith('b') });
    open(b2, 'b1');
    await b2.flush();
    expect(await seqsOf(storage, 'b0')).toEqual([0, 1]);
    expect(await seqsOf(storage, 'b1')).toEqual([2, 3]);
    // An uninterrupted engine numbers the same way.
    const ref = createMemoryStorage();
    const r = engine(ref, clock, 'p1');
    open(r, 'b0');
    open(r, 'b1');
    await r.flush();
    expect(await seqsOf(ref, 'b1')).toEqual(await seqsOf(storage, 'b1'));
  });

  it.each([[''], ['a b'], ['x'.repeat(201)], [42]])(
    'refuses engineId %j with CONFIG naming the field',
    (bad) => {
      let error: unknown;
      try {
        createCaseEngine({
          clock: new ManualClock(T0),
          calendars: {},
          policies,
          engineId: bad as string,
        });
      } catch (e) {
        error = e;
      }
      expect(isThreadlineError(error, 'CONFIG')).toBe(true);
      expect((error as { issues: Array<{ path: unknown[] }> }).issues.map((i) => i.path)).toContainEqual([
        'engineId',
      ]);
    },
  );
});
