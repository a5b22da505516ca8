import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isThreadlineError } from '@threadline/core';
import { afterAll, describe, expect, it } from 'vitest';
import { openStorage, parseStoreSpec } from '../src/storage.js';

const PG_URL = process.env.THREADLINE_PG_URL;
const dir = mkdtempSync(join(tmpdir(), 'threadline-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('parseStoreSpec', () => {
  it.each([
    ['memory', { kind: 'memory' }],
    [' memory ', { kind: 'memory' }],
    ['pglite:./data', { kind: 'pglite', dir: './data' }],
    ['pglite:/var/lib/threadline', { kind: 'pglite', dir: '/var/lib/threadline' }],
    [
      'postgres://postgres@127.0.0.1:5432/test',
      { kind: 'postgres', url: 'postgres://postgres@127.0.0.1:5432/test' },
    ],
    [
      'postgresql://app:pw@db.internal/threadline',
      { kind: 'postgres', url: 'postgresql://app:pw@db.internal/threadline' },
    ],
  ])('reads %j', (spec, expected) => {
    expect(parseStoreSpec(spec)).toEqual(expected);
  });

  it.each([
    ['', /expected memory, pglite:<dir> or postgres:/],
    ['sqlite:./db', /expected memory, pglite:<dir> or postgres:/],
    ['Memory', /expected memory/],
    ['pglite:', /pglite needs a directory/],
    ['pglite:  ', /pglite needs a directory/],
    ['pglite://data', /not a URL/],
    ['postgres://', /not a valid URL|no host/],
    ['postgres://127.0.0.1:5432', /no database/],
    ['postgres://127.0.0.1:99999/test', /not a valid URL/],
  ])('refuses %j with VALIDATION at path store', (spec, message) => {
    let error: unknown;
    try {
      parseStoreSpec(spec);
    } catch (e) {
      error = e;
    }
    expect(isThreadlineError(error, 'VALIDATION')).toBe(true);
    expect((error as Error).message).toMatch(message);
    expect((error as { path?: unknown }).path).toEqual(['store']);
  });
});

describe('openStorage', () => {
  it('memory: not durable, nothing to close', async () => {
    const opened = await openStorage();
    expect(opened.durable).toBe(false);
    expect(opened.storage.documents.capabilities.durable).toBe(false);
    await opened.close();
  });

  it('pglite:<dir>: migrated, durable, and the data is there after reopening', async () => {
    const first = await openStorage(`pglite:${join(dir, 'nested', 'data')}`);
    expect(first.durable).toBe(true);
    expect(first.storage.documents.capabilities.durable).toBe(true);
    await first.storage.documents.put('notes', { id: 'n1', text: 'kept' });
    await first.close();
    const second = await openStorage({ kind: 'pglite', dir: 'data' }, { cwd: join(dir, 'nested') });
    expect(await second.storage.documents.get('notes', 'n1')).toMatchObject({ text: 'kept' });
    await second.close();
  });

  it('a server that does not answer is ADAPTER, not a hang or a crash', async () => {
    const error = await openStorage('postgres://postgres@127.0.0.1:1/nowhere').catch((e: unknown) => e);
    expect(isThreadlineError(error, 'ADAPTER')).toBe(true);
    expect((error as Error).message).toMatch(/could not open the postgres store/);
  });

  it.skipIf(PG_URL === undefined)(
    'postgres://… (THREADLINE_PG_URL): migrated into its own schema',
    async () => {
      const schema = `store_${process.pid}_${Date.now().toString(36)}`;
      const opened = await openStorage(PG_URL as string, { schema });
      try {
        expect(opened.durable).toBe(true);
        await opened.storage.documents.put('notes', { id: 'n1', text: 'kept' });
        expect(await opened.storage.documents.get('notes', 'n1')).toMatchObject({ text: 'kept' });
      } finally {
        const { default: pg } = await import('pg');
        const pool = new pg.Pool({ connectionString: PG_URL });
        await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
        await pool.end();
        await opened.close();
      }
    },
  );
});
