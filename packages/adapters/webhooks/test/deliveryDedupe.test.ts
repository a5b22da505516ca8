import { createMemoryDocumentStore } from '@threadline/adapter-memory';
import { createManualClock, ThreadlineError } from '@threadline/core';
import { describe, expect, it } from 'vitest';
import { createDeliveryDedupe, HTTP_STATUS_BY_CODE, httpStatusOf, processOnce } from '../src/index.js';

describe('createDeliveryDedupe', () => {
  it('answers false the first time, true for a retry, false again after the TTL', async () => {
    const clock = createManualClock(1_000);
    const dedupe = createDeliveryDedupe({ store: createMemoryDocumentStore(), ttlMs: 60_000, clock });
    expect(await dedupe.seen('msg_1')).toBe(false);
    expect(await dedupe.seen('msg_1')).toBe(true);
    expect(await dedupe.seen('msg_2')).toBe(false);
    clock.advance(59_999);
    expect(await dedupe.seen('msg_1')).toBe(true);
    clock.advance(1);
    expect(await dedupe.seen('msg_1')).toBe(false);
    expect(await dedupe.seen('msg_1')).toBe(true);
  });

  it('lets exactly one of concurrent deliveries of one id through', async () => {
    const dedupe = createDeliveryDedupe({
      store: createMemoryDocumentStore(),
      ttlMs: 60_000,
      clock: createManualClock(0),
    });
    const answers = await Promise.all(Array.from({ length: 8 }, () => dedupe.seen('msg_race')));
    expect(answers.filter((seen) => !seen)).toHaveLength(1);
  });

  it('keeps tenants and collections apart', async () => {
    const store = createMemoryDocumentStore();
    const clock = createManualClock(0);
    const a = createDeliveryDedupe({ store, ttlMs: 1000, clock, tenantId: 'a' });
    const b = createDeliveryDedupe({ store, ttlMs: 1000, clock, tenantId: 'b' });
    const c = createDeliveryDedupe({ store, ttlMs: 1000, clock, tenantId: 'a', collection: 'other' });
    expect([await a.seen('x'), await b.seen('x'), await c.seen('x'), await a.seen('x')]).toEqual([
      false,
      false,
      false,
      true,
    ]);
  });

  it('refuses bad options with CONFIG and an empty id with VALIDATION', async () => {
    const store = createMemoryDocumentStore();
    expect(() => createDeliveryDedupe({ store, ttlMs: 0 })).toThrow(
      expect.objectContaining({ code: 'CONFIG', path: ['ttlMs'] }),
    );
    expect(() => createDeliveryDedupe({ store: {} as never, ttlMs: 1 })).toThrow(
      expect.objectContaining({ code: 'CONFIG', path: ['store'] }),
    );
    await expect(createDeliveryDedupe({ store, ttlMs: 1 }).seen('')).rejects.toMatchObject({
      code: 'VALIDATION',
    });
  });
});

describe('claim / complete / release', () => {
  it('refuses a claim in flight, lets a released one be claimed again, and remembers a completed one', async () => {
    const clock = createManualClock(0);
    const dedupe = createDeliveryDedupe({ store: createMemoryDocumentStore(), ttlMs: 60_000, clock });
    expect(await dedupe.claim('d1')).toBe('claimed');
    expect(await dedupe.claim('d1')).toBe('in_flight');
    await dedupe.release('d1');
    expect(await dedupe.claim('d1')).toBe('claimed');
    await dedupe.complete('d1');
    expect(await dedupe.claim('d1')).toBe('completed');
    await dedupe.release('d1'); // a completed delivery stays completed
    expect(await dedupe.claim('d1')).toBe('completed');
    clock.advance(60_000);
    expect(await dedupe.claim('d1')).toBe('claimed');
  });

  it('lets a claim expire after claimTtlMs so a crashed processing does not lose the message', async () => {
    const clock = createManualClock(0);
    const dedupe = createDeliveryDedupe({
      store: createMemoryDocumentStore(),
      ttlMs: 60_000,
      claimTtlMs: 500,
      clock,
    });
    expect(await dedupe.claim('d2')).toBe('claimed');
    clock.advance(499);
    expect(await dedupe.claim('d2')).toBe('in_flight');
    clock.advance(1);
    expect(await dedupe.claim('d2')).toBe('claimed');
    expect(() =>
      createDeliveryDedupe({ store: createMemoryDocumentStore(), ttlMs: 1, claimTtlMs: -1 }),
    ).toThrow(expect.objectContaining({ code: 'CONFIG', path: ['claimTtlMs'] }));
  });

  it('gives exactly one of concurrent claims the delivery', async () => {
    const dedupe = createDeliveryDedupe({
      store: createMemoryDocumentStore(),
      ttlMs: 60_000,
      clock: createManualClock(0),
    });
    const claims = await Promise.all(Array.from({ length: 8 }, () => dedupe.claim('race')));
    expect(claims.filter((c) => c === 'claimed')).toHaveLength(1);
    expect(claims.filter((c) => c === 'in_flight')).toHaveLength(7);
  });
});

describe('processOnce', () => {
  it('processes, refuses a duplicate, and releases the claim when processing throws', async () => {
    const dedupe = createDeliveryDedupe({
      store: createMemoryDocumentStore(),
      ttlMs: 60_000,
      clock: createManualClock(0),
    });
    const seen: string[] = [];
    const failed = await processOnce(dedupe, 'k', () => {
      throw new Error('boom');
    });
    expect(failed).toMatchObject({ outcome: 'failed', error: { message: 'boom' } });
    expect(await processOnce(dedupe, 'k', () => seen.push('k'))).toEqual({ outcome: 'processed' });
    expect(await processOnce(dedupe, 'k', () => seen.push('again'))).toEqual({
      outcome: 'duplicate',
      claim: 'completed',
    });
    expect(seen).toEqual(['k']);
  });
});

describe('httpStatusOf', () => {
  it('maps codes to one documented status and keeps an error’s own status', () => {
    const cases: [unknown, number][] = [
      [new ThreadlineError('VALIDATION', 'bad'), 400],
      [new ThreadlineError('UNAUTHENTICATED_WEBHOOK', 'sig'), 401],
      [new ThreadlineError('CONFLICT', 'dup'), 409],
      [new ThreadlineError('CAPACITY', 'big'), 413],
      [new ThreadlineError('VALIDATION', 'big file', { details: { status: 413 } }), 413],
      [new ThreadlineError('VALIDATION', 'nonsense', { details: { status: 200 } }), 400],
      [new ThreadlineError('INTERNAL', 'bug'), 500],
      [new Error('plain'), 500],
      ['string', 500],
    ];
    for (const [error, status] of cases) expect(httpStatusOf(error)).toBe(status);
    expect(HTTP_STATUS_BY_CODE.CONFLICT).toBe(409);
  });
});

describe('release after a claim expired', () => {
  it('does not give up a claim another request took after ours lapsed', async () => {
    const clock = createManualClock(0);
    const store = createMemoryDocumentStore();
    const slow = createDeliveryDedupe({ store, ttlMs: 60_000, claimTtlMs: 100, clock });
    const other = createDeliveryDedupe({ store, ttlMs: 60_000, claimTtlMs: 100, clock });
    expect(await slow.claim('d')).toBe('claimed');
    clock.advance(100); // the slow processing outlived its claim
    expect(await other.claim('d')).toBe('claimed');
    await slow.release('d'); // the slow one fails: its release must not free the other's claim
    expect(await slow.claim('d')).toBe('in_flight');
    await other.complete('d');
    expect(await slow.claim('d')).toBe('completed');
  });
});

describe('purgeExpired', () => {
  it('deletes completed ids past ttlMs and claims past claimTtlMs, and keeps the live ones', async () => {
    const store = createMemoryDocumentStore();
    const clock = createManualClock(0);
    const dedupe = createDeliveryDedupe({ store, ttlMs: 10_000, claimTtlMs: 1000, clock });
    for (const id of ['done-1', 'done-2']) {
      await dedupe.claim(id);
      await dedupe.complete(id);
    }
    await dedupe.claim('abandoned'); // a crashed processing: never completed nor released
    clock.advance(5000);
    await dedupe.claim('fresh');
    await dedupe.complete('fresh');
    expect(await dedupe.purgeExpired()).toBe(1); // only the abandoned claim has expired
    clock.advance(5000);
    expect(await dedupe.purgeExpired()).toBe(2);
    const { items } = await store.find('webhook_deliveries');
    expect(items.map((d) => d.id)).toEqual(['fresh']);
    expect(await dedupe.claim('fresh')).toBe('completed');
    expect(await dedupe.claim('done-1')).toBe('claimed');
  });

  it('reads only expired ids through a range index on expiresAt, at most limit per call', async () => {
    const store = createMemoryDocumentStore();
    const clock = createManualClock(0);
    const dedupe = createDeliveryDedupe({ store, ttlMs: 100, clock });
    for (let i = 0; i < 7; i++) expect(await dedupe.seen(`d${i}`)).toBe(false);
    clock.advance(100);
    const live = await store.find('webhook_deliveries', { where: { expiresAt: { lte: clock.now() } } });
    expect(live.items).toHaveLength(7); // the range index exists
    expect(await dedupe.purgeExpired({ limit: 5 })).toBe(5);
    expect(await dedupe.purgeExpired({ limit: 5 })).toBe(2);
    expect((await store.find('webhook_deliveries')).items).toHaveLength(0);
  });
});
