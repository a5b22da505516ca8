import { describe, expect, it } from 'vitest';
import {
  createLease,
  fenceProblem,
  isThreadlineError,
  type LeaseFence,
  leaseConflictError,
  parseAcquireLease,
  parseFence,
  resolveDocumentStoreOption,
  ThreadlineError,
} from '../src/index.js';

const pathOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    if (isThreadlineError(e, 'VALIDATION')) return e.path;
    throw e;
  }
  throw new Error('expected a VALIDATION error');
};

describe('lease helpers', () => {
  it('parseAcquireLease and parseFence name the bad field', () => {
    expect(parseAcquireLease('p', 10, { owner: 'n1' })).toEqual({ name: 'p', ttlMs: 10, owner: 'n1' });
    expect(parseAcquireLease('p', 10, undefined)).toEqual({ name: 'p', ttlMs: 10, owner: undefined });
    expect(pathOf(() => parseAcquireLease('a\u0000b', 10, undefined))).toEqual(['name']);
    expect(pathOf(() => parseAcquireLease('p', 2 ** 31, undefined))).toEqual(['ttlMs']);
    expect(pathOf(() => parseAcquireLease('p', 10, { owner: '' }))).toEqual(['options', 'owner']);
    expect(parseFence({ lease: 'p', token: 3 })).toEqual({ lease: 'p', token: 3 });
    expect(pathOf(() => parseFence({ lease: 'p', token: 1.5 }))).toEqual(['fence', 'token']);
    expect(pathOf(() => parseFence({ lease: '', token: 1 }, ['options', 'fence']))).toEqual([
      'options',
      'fence',
      'lease',
    ]);
    expect(pathOf(() => parseFence(undefined))).toEqual(['fence']);
  });

  it('fenceProblem accepts only the current, unreleased token', () => {
    const fence: LeaseFence = { lease: 'p', token: 2 };
    expect(fenceProblem(fence, { token: 2, released: false })).toBeUndefined();
    expect(fenceProblem(fence, undefined)).toMatch(/never acquired/);
    expect(fenceProblem(fence, { token: 3, released: false })).toMatch(/stale/);
    expect(fenceProblem(fence, { token: 1, released: false })).toMatch(/never issued/);
    expect(fenceProblem(fence, { token: 2, released: true })).toMatch(/released/);
    const error = leaseConflictError(fence, { token: 3, released: false }, 'write');
    expect(error).toBeInstanceOf(ThreadlineError);
    expect(error.code).toBe('CONFLICT');
    expect(error.details).toEqual({ lease: 'p', token: 2, currentToken: 3 });
    expect(leaseConflictError(fence, undefined, 'renew').details).toEqual({ lease: 'p', token: 2 });
  });

  it('createLease renews with the acquired TTL by default and tracks expiresAt', async () => {
    const calls: [LeaseFence, number][] = [];
    const lease = createLease(
      {
        renew: async (f, ttl) => {
          calls.push([f, ttl]);
          return 1_000 + ttl;
        },
        release: async () => true,
      },
      { name: 'p', token: 4, owner: 'n1', expiresAt: 500, ttlMs: 300 },
    );
    expect(lease.fence).toEqual({ lease: 'p', token: 4 });
    expect(lease.expiresAt).toBe(500);
    expect(await lease.renew()).toBe(1_300);
    expect(await lease.renew(50)).toBe(1_050);
    expect(lease.expiresAt).toBe(1_050);
    expect(calls.map(([, ttl]) => ttl)).toEqual([300, 50]);
    expect(await lease.release()).toBe(true);
  });

  it('a storage bundle with a malformed leases part is one CONFIG error naming it', () => {
    const port = (methods: string[]) => Object.fromEntries(methods.map((m) => [m, () => undefined]));
    const caps = { capabilities: { transactions: false, ordering: true, durable: false } };
    const storage = {
      documents: { ...caps, ...port(['defineCollection', 'get', 'getMany', 'put', 'delete', 'find']) },
      events: { ...caps, ...port(['append', 'readStream', 'readAll', 'streamVersion']) },
      outbox: port(['add', 'pending', 'markPublished', 'markFailed', 'dead', 'retry']),
    };
    expect(resolveDocumentStoreOption('engine', storage as never, undefined)).toBe(storage.documents);
    const withLeases = { ...storage, leases: port(['acquire', 'renew', 'release', 'inspect']) };
    expect(resolveDocumentStoreOption('engine', withLeases as never, undefined)).toBe(storage.documents);
    try {
      resolveDocumentStoreOption('engine', { ...storage, leases: port(['acquire']) } as never, undefined);
      throw new Error('expected CONFIG');
    } catch (e) {
      expect(isThreadlineError(e, 'CONFIG')).toBe(true);
      expect((e as ThreadlineError).path).toEqual(['storage', 'leases']);
      expect((e as ThreadlineError).message).toMatch(/renew, release, inspect/);
    }
  });
});
