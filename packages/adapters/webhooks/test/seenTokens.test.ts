import { createHmac } from 'node:crypto';
import { createMemoryDocumentStore } from '@threadline/adapter-memory';
import { createManualClock, type DocumentStore, type FindQuery } from '@threadline/core';
import { describe, expect, it } from 'vitest';
import {
  createDocumentSeenTokens,
  createMemorySeenTokens,
  type SeenTokenStore,
  verifyWebhook,
} from '../src/index.js';

const KEY = 'key-mailgun-signing-test';
const NOW = 1_700_000_000_000;

function mailgunRequest(token: string, seenTokens: SeenTokenStore) {
  const timestamp = String(NOW / 1000);
  const signature = createHmac('sha256', KEY)
    .update(timestamp + token)
    .digest('hex');
  return {
    provider: 'mailgun' as const,
    secret: KEY,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    rawBody: new URLSearchParams({ timestamp, token, signature }).toString(),
    now: NOW,
    seenTokens,
  };
}

/** The memory store, recording every `find` query, with range queries on or off. */
function recording(inner: DocumentStore, rangeQueries: boolean, queries: FindQuery[]): DocumentStore {
  return {
    name: 'recording',
    capabilities: { ...inner.capabilities, rangeQueries },
    defineCollection: (c, d) => inner.defineCollection(c, d),
    get: (c, id, o) => inner.get(c, id, o),
    getMany: (c, ids, o) => inner.getMany(c, ids, o),
    put: (c, d, o) => inner.put(c, d, o),
    delete: (c, id, o) => inner.delete(c, id, o),
    find: (c, q) => {
      queries.push(q ?? {});
      return inner.find(c, q);
    },
  };
}

describe.each([
  ['memory', (clock: ReturnType<typeof createManualClock>) => createMemorySeenTokens({ clock })],
  [
    'document store',
    (clock: ReturnType<typeof createManualClock>) =>
      createDocumentSeenTokens({ store: createMemoryDocumentStore(), clock }),
  ],
])('%s seen tokens', (_name, make) => {
  it('lets exactly one of concurrent requests carrying one token through', async () => {
    const seenTokens = make(createManualClock(NOW));
    const results = await Promise.all(
      Array.from({ length: 6 }, () => verifyWebhook(mailgunRequest('tok-race', seenTokens))),
    );
    expect(results.filter((r) => r.valid)).toHaveLength(1);
    expect(results.filter((r) => !r.valid)).toEqual(
      Array.from({ length: 5 }, () => ({ valid: false, reason: 'replayed' })),
    );
  });

  it('claims a token once until its TTL has passed', async () => {
    const clock = createManualClock(0);
    const seenTokens = make(clock);
    expect(await seenTokens.claim('a', 1000)).toBe(true);
    expect(await seenTokens.claim('a', 1000)).toBe(false);
    expect(await seenTokens.claim('b', 1000)).toBe(true);
    clock.advance(999);
    expect(await seenTokens.claim('a', 1000)).toBe(false);
    clock.advance(1);
    expect(await seenTokens.claim('a', 1000)).toBe(true);
    expect(await seenTokens.claim('a', 1000)).toBe(false);
  });
});

describe('createMemorySeenTokens', () => {
  it('keeps at most maxEntries, forgetting the oldest first', async () => {
    const store = createMemorySeenTokens({ clock: createManualClock(0), maxEntries: 2 });
    for (const token of ['b', 'c', 'd']) expect(await store.claim(token, 1000)).toBe(true);
    expect([await store.claim('c', 1000), await store.claim('d', 1000)]).toEqual([false, false]);
    expect(await store.claim('b', 1000)).toBe(true);
  });

  it('refuses a non-positive maxEntries', () => {
    expect(() => createMemorySeenTokens({ maxEntries: 0 })).toThrow(
      expect.objectContaining({ code: 'CONFIG' }),
    );
  });
});

describe('createDocumentSeenTokens', () => {
  it('is shared by every instance on one store, and does not store the token', async () => {
    const store = createMemoryDocumentStore();
    const clock = createManualClock(NOW);
    const a = createDocumentSeenTokens({ store, clock });
    const b = createDocumentSeenTokens({ store, clock });
    expect((await verifyWebhook(mailgunRequest('tok-shared', a))).valid).toBe(true);
    expect(await verifyWebhook(mailgunRequest('tok-shared', b))).toEqual({
      valid: false,
      reason: 'replayed',
    });
    const { items } = await store.find('webhook_tokens');
    expect(items).toHaveLength(1);
    expect(JSON.stringify(items)).not.toContain('tok-shared');
    // Another tenant or collection is a separate set.
    const other = createDocumentSeenTokens({ store, clock, tenantId: 'acme' });
    expect(await other.claim('tok-shared', 1000)).toBe(true);
  });

  it.each([
    ['with a range index', true],
    ['without range queries', false],
  ])('purgeExpired deletes only expired tokens (%s)', async (_name, rangeQueries) => {
    const inner = createMemoryDocumentStore();
    const queries: FindQuery[] = [];
    const store = recording(inner, rangeQueries, queries);
    const clock = createManualClock(0);
    const tokens = createDocumentSeenTokens({ store, clock });
    for (let i = 0; i < 5; i++) await tokens.claim(`short-${i}`, 1000);
    await tokens.claim('long', 10_000);
    clock.advance(1000);
    expect(await tokens.purgeExpired({ limit: 2 })).toBe(2);
    expect(await tokens.purgeExpired()).toBe(3);
    expect(await tokens.purgeExpired()).toBe(0);
    expect((await inner.find('webhook_tokens')).items).toHaveLength(1);
    expect(await tokens.claim('long', 10_000)).toBe(false);
    expect(await tokens.claim('short-0', 1000)).toBe(true);
    const ranged = queries.some((q) => q.where !== undefined && 'expiresAt' in q.where);
    expect(ranged).toBe(rangeQueries);
    await expect(tokens.purgeExpired({ limit: 0 })).rejects.toMatchObject({
      code: 'VALIDATION',
      path: ['limit'],
    });
  });

  it('refuses a missing store and an empty token', async () => {
    expect(() => createDocumentSeenTokens({ store: {} as never })).toThrow(
      expect.objectContaining({ code: 'CONFIG', path: ['store'] }),
    );
    const tokens = createDocumentSeenTokens({ store: createMemoryDocumentStore() });
    await expect(Promise.resolve().then(() => tokens.claim('', 1))).rejects.toMatchObject({
      code: 'VALIDATION',
    });
  });
});
