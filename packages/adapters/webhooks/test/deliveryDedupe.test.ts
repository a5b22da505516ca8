import { createMemoryDocumentStore } from '@threadline/adapter-memory';
import { createManualClock } from '@threadline/core';
import { describe, expect, it } from 'vitest';
import { createDeliveryDedupe } from '../src/index.js';

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
