// Single-use tokens and delivery ids on a shared PostgreSQL store (PGlite always; a real server
// too when THREADLINE_PG_URL is set): of concurrent claims exactly one wins, and purgeExpired
// deletes only expired entries through the range index on `expiresAt`.
import { PGlite } from '@electric-sql/pglite';
import { createPostgresStorage } from '@threadline/adapter-postgres';
import { createDeliveryDedupe, createDocumentSeenTokens } from '@threadline/adapter-webhooks';
import { createManualClock, type DocumentStore } from '@threadline/core';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';

const closers: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const close of closers.splice(0)) await close();
});

const targets: [string, () => Promise<DocumentStore>][] = [
  [
    'PGlite',
    async () => {
      const client = new PGlite();
      closers.push(() => client.close());
      const storage = createPostgresStorage({ client });
      await storage.migrate();
      return storage.documents;
    },
  ],
];
const url = process.env.THREADLINE_PG_URL;
if (url) {
  targets.push([
    'PostgreSQL',
    async () => {
      const pool = new pg.Pool({ connectionString: url, max: 8 });
      const schema = `i14_tokens_${process.pid}_${Date.now()}`;
      closers.push(async () => {
        await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
        await pool.end();
      });
      const storage = createPostgresStorage({ client: pool, schema });
      await storage.migrate();
      return storage.documents;
    },
  ]);
}

describe.each(targets)('webhook tokens and delivery ids on %s', (_name, open) => {
  it('one claim of concurrent ones wins; purgeExpired deletes only expired entries', {
    timeout: 120_000,
  }, async () => {
    const store = await open();
    expect(store.capabilities.rangeQueries).toBe(true);
    const clock = createManualClock(Date.UTC(2026, 11, 7, 12));
    // Two instances sharing the store, as behind a load balancer.
    const a = createDocumentSeenTokens({ store, clock });
    const b = createDocumentSeenTokens({ store, clock });
    const claims = await Promise.all(
      Array.from({ length: 8 }, (_, i) => (i % 2 === 0 ? a : b).claim('tok-race', 60_000)),
    );
    expect(claims.filter(Boolean)).toHaveLength(1);
    for (let i = 0; i < 4; i++) expect(await a.claim(`short-${i}`, 1_000)).toBe(true);
    clock.advance(1_000);
    expect(await b.purgeExpired({ limit: 3 })).toBe(3);
    expect(await b.purgeExpired()).toBe(1);
    expect(await a.claim('tok-race', 60_000)).toBe(false); // still live: kept by the purge
    expect(await a.claim('short-0', 1_000)).toBe(true); // purged: a new claim

    const dedupe = createDeliveryDedupe({ store, ttlMs: 10_000, claimTtlMs: 1_000, clock });
    const results = await Promise.all(Array.from({ length: 6 }, () => dedupe.claim('d-race')));
    expect(results.filter((r) => r === 'claimed')).toHaveLength(1);
    await dedupe.complete('d-race');
    await dedupe.claim('d-abandoned');
    clock.advance(1_000);
    expect(await dedupe.purgeExpired()).toBe(1);
    expect(await dedupe.claim('d-race')).toBe('completed');
    clock.advance(9_000);
    expect(await dedupe.purgeExpired()).toBe(1);
    expect((await store.find('webhook_deliveries')).items).toEqual([]);
  });
});
