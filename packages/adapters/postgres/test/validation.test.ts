import { PGlite } from '@electric-sql/pglite';
import { testEvent } from '@threadline/adapter-conformance';
import { isThreadlineError } from '@threadline/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresStorage, type PostgresStorage } from '../src/index.js';

async function caught(p: Promise<unknown>): Promise<{ code?: string; issues?: { path: unknown[] }[] }> {
  try {
    await p;
  } catch (e) {
    return e as { code?: string; issues?: { path: unknown[] }[] };
  }
  throw new Error('expected a rejection');
}

describe('what PostgreSQL cannot store is rejected before any SQL', () => {
  let client: PGlite;
  let storage: PostgresStorage;
  beforeAll(async () => {
    client = new PGlite();
    storage = createPostgresStorage({ client });
    await storage.migrate();
    await storage.documents.defineCollection('cases', { indexes: ['status'] });
  });
  afterAll(() => client.close());

  it('U+0000 in a value, a key or an id is VALIDATION naming the field', async () => {
    const value = await caught(storage.documents.put('cases', { id: 'a', note: { text: 'x\u0000y' } }));
    expect(value.code).toBe('VALIDATION');
    expect(value.issues?.[0]?.path).toEqual(['note', 'text']);
    const key = await caught(storage.documents.put('cases', { id: 'a', ['k\u0000']: 1 }));
    expect(key.issues?.[0]?.path).toEqual(['k\u0000']);
    expect((await caught(storage.documents.get('cases', 'a\u0000'))).code).toBe('VALIDATION');
    const where = await caught(storage.documents.find('cases', { where: { status: 'o\u0000' } }));
    expect(where.issues?.[0]?.path).toEqual(['where', 'status']);
    expect(await storage.documents.get('cases', 'a')).toBeUndefined();
  });

  it('an unpaired surrogate is VALIDATION, not silently replaced', async () => {
    const lone = await caught(storage.documents.put('cases', { id: 'a', title: 'bad \ud800 half' }));
    expect(lone.code).toBe('VALIDATION');
    expect(lone.issues?.[0]?.path).toEqual(['title']);
    // A complete pair is fine.
    await storage.documents.put('cases', { id: 'b', title: 'ok 😀' });
    expect((await storage.documents.get('cases', 'b'))?.title).toBe('ok 😀');
  });

  it('event payloads with U+0000 are VALIDATION with the event path and append nothing', async () => {
    const error = await caught(
      storage.events.append('s1', [testEvent(), testEvent({ payload: { text: '\u0000' } })]),
    );
    expect(error.code).toBe('VALIDATION');
    expect(error.issues?.[0]?.path).toEqual(['events', 1, 'payload', 'text']);
    expect(await storage.events.streamVersion('s1')).toBe(0);
  });

  it('nested transactions are UNSUPPORTED, not silently flattened', async () => {
    const error = await caught(
      storage.documents.transaction(async (tx) => {
        await (tx.documents.transaction?.(async () => undefined) ?? Promise.resolve());
      }),
    );
    expect(error.code).toBe('UNSUPPORTED');
  });

  it('redactEvents rewrites payloads in place, keeping ids, types and positions', async () => {
    await storage.events.append('r1', [testEvent({ payload: { email: 'ana@example.com' } }), testEvent()], {
      tenantId: 'default',
    });
    const before = await storage.events.readStream('r1');
    const n = await storage.events.redactEvents(
      { tenantId: 'default', streamIds: ['r1'], match: (e) => 'email' in (e.payload as object) },
      () => ({ email: '[erased]' }),
    );
    expect(n).toBe(1);
    const after = await storage.events.readStream('r1');
    expect(after.map((e) => [e.id, e.type, e.position])).toEqual(
      before.map((e) => [e.id, e.type, e.position]),
    );
    expect(after[0]?.payload).toEqual({ email: '[erased]' });
    expect(after[1]?.payload).toEqual(before[1]?.payload);
  });
});

describe('createPostgresStorage options', () => {
  it('rejects a bad schema, an unknown client and unknown options as CONFIG', () => {
    const client = {
      query: async () => ({ rows: [] }),
      connect: async () => ({}) as never,
      end: async () => {},
    };
    const codeOf = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return isThreadlineError(e) ? e.code : 'not a ThreadlineError';
      }
      return 'no error';
    };
    expect(codeOf(() => createPostgresStorage({ client, schema: 'Bad"; drop' }))).toBe('CONFIG');
    expect(codeOf(() => createPostgresStorage({ client: {} as never }))).toBe('CONFIG');
    expect(codeOf(() => createPostgresStorage({ client, schma: 'x' } as never))).toBe('CONFIG');
    expect(codeOf(() => createPostgresStorage({ client, outboxClaimTimeoutMs: 0 }))).toBe('CONFIG');
    expect(createPostgresStorage({ client }).capabilities).toEqual({
      transactions: true,
      ordering: true,
      durable: true,
      uniqueIndexes: true,
      rangeQueries: true,
      fencing: true,
    });
  });
});
