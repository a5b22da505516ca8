import { createMemoryStorage } from '@threadline/adapter-memory';
import {
  declaredCollections,
  declarePersonalData,
  isThreadlineError,
  listPersonalDataDeclarations,
  PERSONAL_DATA_COLLECTION,
} from '@threadline/core';
import { describe, expect, it } from 'vitest';

describe('declarePersonalData', () => {
  it('records declarations in the store, one per owner, read back in owner order', async () => {
    const { documents } = createMemoryStorage();
    await declarePersonalData(documents, {
      owner: 'zeta/app',
      collections: [{ collection: 'notes', match: { field: 'customerId' }, mode: 'delete' }],
    });
    await declarePersonalData(documents, {
      owner: '@threadline/cases',
      collections: [
        { collection: 'cases', match: { field: 'customerId' }, mode: 'anonymize', fields: ['subject'] },
      ],
      streams: [{ streamPrefix: 'case-audit:', customerPaths: ['customerId'] }],
    });
    const all = await listPersonalDataDeclarations(documents);
    expect(all.map((d) => d.owner)).toEqual(['@threadline/cases', 'zeta/app']);
    expect(all[0]?.streams).toEqual([{ streamPrefix: 'case-audit:', customerPaths: ['customerId'] }]);
    // Defaults are applied on the way in.
    expect(all[1]?.collections[0]).toMatchObject({ fields: [], redactFields: [] });
    expect(declaredCollections(all).map((c) => c.collection)).toEqual(['cases', 'notes']);
    // It is an ordinary document: another process on the same store reads it.
    expect(await documents.get(PERSONAL_DATA_COLLECTION, 'pii:zeta/app')).toBeDefined();
  });

  it('replaces an owner’s earlier declaration instead of adding to it', async () => {
    const { documents } = createMemoryStorage();
    const owner = 'app';
    await declarePersonalData(documents, {
      owner,
      collections: [{ collection: 'a', match: 'id', mode: 'delete' }],
    });
    await declarePersonalData(documents, {
      owner,
      collections: [{ collection: 'b', match: 'id', mode: 'delete' }],
    });
    const all = await listPersonalDataDeclarations(documents);
    expect(all).toHaveLength(1);
    expect(declaredCollections(all).map((c) => c.collection)).toEqual(['b']);
  });

  it('rejects a bad declaration with a VALIDATION error naming the field, and writes nothing', async () => {
    const { documents } = createMemoryStorage();
    const bad = { owner: 'x', collections: [{ collection: 'n', match: 'id', mode: 'anonymize' }] };
    const error = await declarePersonalData(documents, bad as never).catch((e: unknown) => e);
    expect(isThreadlineError(error) && error.code).toBe('VALIDATION');
    expect(JSON.stringify((error as { issues?: unknown }).issues)).toContain('collections');
    const wrongPath = { owner: 'x', streams: [{ streamPrefix: 's', customerPaths: ['a..b'] }] };
    const error2 = await declarePersonalData(documents, wrongPath).catch((e: unknown) => e);
    expect(isThreadlineError(error2) && error2.code).toBe('VALIDATION');
    expect(await listPersonalDataDeclarations(documents)).toEqual([]);
  });
});
