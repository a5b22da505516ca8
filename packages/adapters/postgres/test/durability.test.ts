import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { testEvent } from '@threadline/adapter-conformance';
import { afterEach, describe, expect, it } from 'vitest';
import { createPostgresStorage } from '../src/index.js';

describe('PGlite with a data directory', () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('keeps documents, events, the outbox and index declarations across close and reopen', async () => {
    dir = await mkdtemp(join(tmpdir(), 'threadline-pglite-'));
    const first = createPostgresStorage({ client: new PGlite(dir) });
    expect(first.capabilities.durable).toBe(true);
    await first.migrate();
    await first.documents.defineCollection('cases', { indexes: ['status'] });
    await first.documents.put('cases', { id: 'c1', status: 'open', title: 'Zoë 😀' });
    const appended = await first.events.append('case-c1', [testEvent({ type: 'case.opened' })], {
      idempotencyKey: 'req-1',
    });
    await first.outbox.add([testEvent({ type: 'case.opened' })]);
    await first.close();

    const second = createPostgresStorage({ client: new PGlite(dir) });
    try {
      expect(await second.migrate()).toEqual({ applied: [], version: 5 });
      expect(await second.documents.get('cases', 'c1')).toEqual({
        id: 'c1',
        tenantId: 'default',
        version: 1,
        status: 'open',
        title: 'Zoë 😀',
      });
      const found = await second.documents.find('cases', { where: { status: 'open' } });
      expect(found.items.map((d) => d.id)).toEqual(['c1']);
      expect((await second.events.readStream('case-c1')).map((e) => e.type)).toEqual(['case.opened']);
      // The idempotency record survived too: the retry is answered, not appended again.
      const retry = await second.events.append('case-c1', [testEvent({ type: 'case.opened' })], {
        idempotencyKey: 'req-1',
      });
      expect(retry).toEqual({ ...appended, duplicate: true });
      expect((await second.outbox.pending()).map((e) => e.event.type)).toEqual(['case.opened']);
    } finally {
      await second.close();
    }
  });

  it('reports durable: false for an in-memory PGlite', async () => {
    const storage = createPostgresStorage({ client: new PGlite() });
    expect(storage.capabilities).toEqual({
      transactions: true,
      ordering: true,
      durable: false,
      uniqueIndexes: true,
      rangeQueries: true,
      fencing: true,
    });
    expect(storage.documents.capabilities).toBe(storage.capabilities);
    await storage.close();
  });
});
