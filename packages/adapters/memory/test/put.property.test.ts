// The put path against the construction it replaced: the stored document is what
// `frozenCopy({ ...document, id, tenantId, version })` gave (same keys in the same order, deep
// frozen, `undefined` values dropped), a value shared with the previous version stays the same
// frozen object, a body that is not JSON is VALIDATION with core's paths, and the equality
// indexes (scalars, arrays, `1` vs `'1'`, `null`) agree with a scan after any sequence of writes.
import { isThreadlineError, type StoredDocument, validateDocumentInput } from '@threadline/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { frozenCopy } from '../src/freeze.js';
import { createMemoryStorage } from '../src/index.js';

function isDeepFrozen(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return true;
  if (!Object.isFrozen(value)) return false;
  return Object.values(value).every(isDeepFrozen);
}

function errorPaths(fn: () => unknown): string[] | 'ok' {
  try {
    fn();
    return 'ok';
  } catch (e) {
    if (isThreadlineError(e, 'VALIDATION')) return e.issues.map((i) => i.path.join('.'));
    throw e;
  }
}

const scalar = fc.oneof(
  fc.constantFrom<unknown>(1, '1', true, 'true', null, 0, 'x'),
  fc.string({ maxLength: 3 }),
);
const tagValue = fc.oneof(scalar, fc.array(scalar, { maxLength: 3 }), fc.constant(undefined));
/** Values that break the JSON rule, planted now and then. */
const notJson = fc.constantFrom<unknown>(
  Number.NaN,
  Number.POSITIVE_INFINITY,
  new Date(0),
  [undefined],
  () => 1,
);

describe('memory put', () => {
  it('stores what the spread-and-copy construction stored, deep frozen (property)', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.constantFrom('a', 'b', 'version', 'tenantId', 'c', 'id', 'nested'), fc.jsonValue()),
        fc.option(notJson, { freq: 4 }),
        (body, bad) => {
          const { documents } = createMemoryStorage();
          const doc: Record<string, unknown> = { ...body, id: 'd1' };
          if (doc.tenantId !== undefined) doc.tenantId = 't1';
          if (bad !== null) doc.bad = { deep: [bad] };
          const result = errorPaths(() => documents.putSync('items', doc as never));
          const expected = errorPaths(() => validateDocumentInput(doc, undefined));
          expect(result).toEqual(expected);
          if (result !== 'ok') return;
          const stored = documents.getSync('items', 'd1', {
            tenantId: (doc.tenantId as string) ?? 'default',
          });
          const model = frozenCopy({ ...doc, id: 'd1', tenantId: doc.tenantId ?? 'default', version: 1 });
          expect(Object.keys(stored as object)).toEqual(Object.keys(model));
          expect(stored).toEqual(model);
          expect(isDeepFrozen(stored)).toBe(true);
        },
      ),
      { seed: 15, numRuns: 300 },
    );
  });

  it('shares the unchanged values of the previous version and copies the caller’s', () => {
    const { documents } = createMemoryStorage();
    const tags = ['vip'];
    const first = documents.putSync('items', { id: 'd1', tags, profile: { name: 'Ana' } });
    expect(first.tags).not.toBe(tags);
    tags.push('changed');
    expect(first.tags).toEqual(['vip']);
    const next = documents.putSync('items', { ...first, status: 'closed' }, { expectedVersion: 1 });
    expect(next.tags).toBe(first.tags);
    expect(next.profile).toBe(first.profile);
    expect(Object.keys(next)).toEqual(['id', 'tags', 'profile', 'tenantId', 'version', 'status']);
    expect(next.version).toBe(2);
  });

  it('keeps equality indexes equal to a scan after any sequence of writes (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.oneof(
            fc.record({
              id: fc.constantFrom('a', 'b', 'c', 'd'),
              tag: tagValue,
              deep: tagValue,
              share: fc.boolean(),
            }),
            fc.record({ id: fc.constantFrom('a', 'b', 'c', 'd'), remove: fc.constant(true) }),
          ),
          { maxLength: 30 },
        ),
        scalar,
        async (ops, probe) => {
          const { documents } = createMemoryStorage();
          await documents.defineCollection('items', { indexes: ['tag', 'meta.deep'] });
          const model = new Map<string, StoredDocument>();
          for (const op of ops) {
            if ('remove' in op) {
              await documents.delete('items', op.id);
              model.delete(op.id);
              continue;
            }
            const prev = model.get(op.id);
            // Half the writes start from the stored version (sharing its frozen values).
            const base = op.share && prev ? { ...prev } : { id: op.id };
            const doc = { ...base, tag: op.tag, meta: op.share && prev ? prev.meta : { deep: op.deep } };
            model.set(op.id, documents.putSync('items', doc));
          }
          for (const field of ['tag', 'meta.deep'] as const) {
            const { items } = await documents.find('items', {
              where: { [field]: probe as string },
              limit: 1000,
            });
            const read = (d: StoredDocument) =>
              field === 'tag' ? d.tag : (d.meta as { deep?: unknown } | undefined)?.deep;
            const expected = [...model.values()]
              .filter((d) => {
                const v = read(d);
                return Array.isArray(v) ? v.some((x) => Object.is(x, probe)) : Object.is(v, probe);
              })
              .map((d) => d.id)
              .sort();
            expect(items.map((d) => d.id)).toEqual(expected);
          }
        },
      ),
      { seed: 15, numRuns: 200 },
    );
  });
});
