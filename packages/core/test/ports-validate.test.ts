// The shared validation every storage adapter uses for collection definitions, find queries and
// cursors: bad input is a VALIDATION error with a path, never another kind of failure.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeCursor,
  encodeCursor,
  isThreadlineError,
  normalizeCollectionDefinition,
  normalizeFindQuery,
} from '../src/index.js';

const INDEXES = new Set(['status', 'dueAt', 'score']);
const RANGES = new Set(['dueAt', 'score']);

describe('normalizeCollectionDefinition', () => {
  it('adds unique and range fields to the equality indexes and names unique indexes', () => {
    expect(
      normalizeCollectionDefinition({
        indexes: ['a'],
        unique: [['kind', 'value'], ['a']],
        ranges: ['dueAt', 'dueAt'],
      }),
    ).toEqual({
      indexes: ['a', 'kind', 'value', 'dueAt'],
      unique: [
        { name: 'kind+value', fields: ['kind', 'value'] },
        { name: 'a', fields: ['a'] },
      ],
      ranges: ['dueAt'],
    });
  });

  it('rejects unknown keys, empty unique indexes and bad paths with the path', () => {
    const paths = (def: unknown) => {
      try {
        normalizeCollectionDefinition(def);
      } catch (e) {
        if (isThreadlineError(e, 'VALIDATION')) return e.issues.map((i) => i.path.join('.'));
        throw e;
      }
      throw new Error('expected VALIDATION');
    };
    expect(paths({ indexes: [], uniq: [] })).toEqual(['']);
    expect(paths({ indexes: [], unique: [[]] })).toEqual(['unique.0']);
    expect(paths({ indexes: [], ranges: ['a b'] })).toEqual(['ranges.0']);
    expect(paths({ indexes: 'a' })).toEqual(['indexes']);
  });
});

describe('normalizeFindQuery', () => {
  it('splits equality and range conditions and reads range cursors', () => {
    const q = normalizeFindQuery(
      'c',
      { where: { status: 'open', dueAt: { gte: 1, lt: 5 } }, limit: 3 },
      INDEXES,
      RANGES,
    );
    expect(q).toMatchObject({
      where: [['status', 'open']],
      range: { field: 'dueAt', gte: 1, lt: 5 },
      limit: 3,
    });
    const next = normalizeFindQuery(
      'c',
      { where: { dueAt: { gte: 1 } }, cursor: encodeCursor('x', 2.5) },
      INDEXES,
      RANGES,
    );
    expect(next).toMatchObject({ after: 'x', afterValue: 2.5 });
  });

  it('any where object either normalises or is a VALIDATION error naming a where path (property)', () => {
    const value = fc.oneof(
      fc.string(),
      fc.double(),
      fc.boolean(),
      fc.constant(null),
      fc.dictionary(fc.constantFrom('lt', 'lte', 'gt', 'gte', 'eq', 'x'), fc.oneof(fc.double(), fc.string())),
      fc.array(fc.integer()),
    );
    const where = fc.dictionary(fc.constantFrom('status', 'dueAt', 'score', 'other'), value);
    fc.assert(
      fc.property(where, (w) => {
        try {
          const q = normalizeFindQuery('c', { where: w as never }, INDEXES, RANGES);
          expect(q.where.length + (q.range ? 1 : 0)).toBe(Object.keys(w).length);
          if (q.range)
            for (const k of ['lt', 'lte', 'gt', 'gte'] as const)
              if (q.range[k] !== undefined) expect(Number.isFinite(q.range[k])).toBe(true);
        } catch (e) {
          expect(isThreadlineError(e, 'VALIDATION')).toBe(true);
          const path = (e as { issues: { path: (string | number)[] }[] }).issues[0]?.path ?? [];
          expect(path[0]).toBe('where');
        }
      }),
      { seed: 3, numRuns: 500 },
    );
  });

  it('cursors round-trip; any other string is a VALIDATION error (property)', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1 }),
        fc.option(fc.double({ noNaN: true, noDefaultInfinity: true }), { nil: undefined }),
        (id, v) => {
          expect(decodeCursor(encodeCursor(id, v))).toBe(id);
        },
      ),
      { seed: 4 },
    );
    fc.assert(
      fc.property(fc.string(), (s) => {
        try {
          decodeCursor(s);
        } catch (e) {
          expect(isThreadlineError(e, 'VALIDATION')).toBe(true);
        }
      }),
      { seed: 5 },
    );
  });
});
