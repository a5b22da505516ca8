// Identity keys are unique in the store: two services (standing in for two processes) on one
// storage resolving the same person at the same time end with one customer and no error.
import { createMemoryDocumentStore, createMemoryStorage } from '@threadline/adapter-memory';
import {
  createIdentityService,
  createSequentialIds,
  type DocumentStore,
  IDENTITY_COLLECTIONS,
  type IdentityInput,
  type IdGenerator,
  isThreadlineError,
  ManualClock,
  type StoredIdentity,
} from '@threadline/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const T0 = Date.UTC(2026, 0, 5, 9);

/** Ids that never collide between the two services (as real generators would not). */
function idsFor(tag: string): IdGenerator {
  const seq = createSequentialIds();
  return { next: (prefix = 'id') => `${seq.next(prefix)}-${tag}` };
}

/** Counts commits that lost a race on the `matchKey` unique index (the race really happened). */
function countingLostRaces(documents: DocumentStore): { store: DocumentStore; lost: () => number } {
  let lost = 0;
  const store = new Proxy(documents, {
    get(target, key) {
      if (key === 'transaction') {
        return async <R>(fn: Parameters<NonNullable<DocumentStore['transaction']>>[0]) => {
          try {
            return (await (target.transaction as NonNullable<DocumentStore['transaction']>)(fn)) as R;
          } catch (error) {
            if (isThreadlineError(error, 'CONFLICT') && error.details.index === 'matchKey') lost++;
            throw error;
          }
        };
      }
      const value = Reflect.get(target, key, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { store, lost: () => lost };
}

function twoServices() {
  const storage = createMemoryStorage();
  const counted = countingLostRaces(storage.documents);
  const clock = new ManualClock(T0);
  const shared = { ...storage, documents: counted.store };
  const a = createIdentityService({ storage: shared, clock, ids: idsFor('a') });
  const b = createIdentityService({ storage: shared, clock, ids: idsFor('b') });
  return { storage, a, b, lost: counted.lost };
}

async function liveCustomers(storage: ReturnType<typeof createMemoryStorage>): Promise<string[]> {
  const { items } = await storage.documents.find(IDENTITY_COLLECTIONS.customers, { limit: 1000 });
  return items.filter((c) => c.mergedInto === undefined).map((c) => c.id);
}

const email = (n: number): IdentityInput => ({ kind: 'email', value: `p${n}@example.com`, verified: true });
const phone = (n: number): IdentityInput => ({
  kind: 'phone',
  value: `+4930${String(1000000 + n)}`,
  verified: true,
});

describe('identity keys unique in the store', () => {
  it('declares a unique index on matchKey: a second owner of a key is CONFLICT naming it', async () => {
    const { storage, a } = twoServices();
    const { customerId } = await a.resolve([email(1)]);
    const [held] = (
      await storage.documents.find<StoredIdentity>(IDENTITY_COLLECTIONS.identities, {
        where: { matchKey: 'email:p1@example.com' },
      })
    ).items;
    expect(held?.customerId).toBe(customerId);
    const copy = { ...held, id: 'idn-copy', customerId: 'cus-other' } as Record<string, unknown>;
    delete copy.version;
    await expect(
      storage.documents.put(IDENTITY_COLLECTIONS.identities, copy as { id: string }),
    ).rejects.toMatchObject({ code: 'CONFLICT', details: { index: 'matchKey' } });
  });

  it('two services resolving the same email at once: one customer, same id, no error (100 people)', async () => {
    const { storage, a, b, lost } = twoServices();
    for (let n = 0; n < 100; n++) {
      const [ra, rb] = await Promise.all([a.resolve([email(n)]), b.resolve([email(n)])]);
      expect(ra.customerId).toBe(rb.customerId);
      expect([ra.status, rb.status].sort()).toEqual(['created', 'matched']);
    }
    expect(await liveCustomers(storage)).toHaveLength(100);
    // The two calls really raced: without the retry each of these would have been an error.
    expect(lost()).toBeGreaterThan(0);
  });

  it('mixes of email and phone from both services end with one customer per person (property)', async () => {
    const contact = fc.constantFrom<'email' | 'phone' | 'both'>('email', 'phone', 'both');
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.boolean(), contact), { minLength: 2, maxLength: 6 }),
        async (calls) => {
          const { storage, a, b } = twoServices();
          const n = 7;
          const inputs = (c: 'email' | 'phone' | 'both') =>
            c === 'email' ? [email(n)] : c === 'phone' ? [phone(n)] : [email(n), phone(n)];
          const results = await Promise.all(calls.map(([onA, c]) => (onA ? a : b).resolve(inputs(c))));
          // A call that saw only the email and another that saw only the phone may first make two
          // customers; a later call holding both links (merges) them. Every id returned must lead
          // to the one surviving customer, and each key has exactly one owner.
          const live = await liveCustomers(storage);
          const linked = calls.some(([, c]) => c === 'both');
          const kinds = new Set(calls.map(([, c]) => c));
          if (linked || kinds.size === 1) expect(live).toHaveLength(1);
          for (const key of ['email:p7@example.com', `phone:+4930${1000000 + n}`]) {
            const owners = await storage.documents.find<StoredIdentity>(IDENTITY_COLLECTIONS.identities, {
              where: { matchKey: key },
            });
            expect(owners.items.length).toBeLessThanOrEqual(1);
          }
          const survivors = new Set(
            await Promise.all(
              results.map(async (r) => {
                let id = r.customerId;
                for (;;) {
                  const doc = await storage.documents.get(IDENTITY_COLLECTIONS.customers, id);
                  if (typeof doc?.mergedInto !== 'string') return id;
                  id = doc.mergedInto;
                }
              }),
            ),
          );
          for (const id of survivors) expect(live).toContain(id);
          if (linked || kinds.size === 1) expect(survivors.size).toBe(1);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('same email, same service, many concurrent calls: the in-process queue still gives one customer', async () => {
    // A store without unique indexes: only the per-service queue protects uniqueness.
    const documents = createMemoryDocumentStore();
    const plain = new Proxy(documents, {
      get(target, key) {
        if (key === 'capabilities') return { ...target.capabilities, uniqueIndexes: false };
        const value = Reflect.get(target, key, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const identity = createIdentityService({ store: plain, clock: new ManualClock(T0), ids: idsFor('s') });
    const results = await Promise.all(Array.from({ length: 10 }, () => identity.resolve([email(3)])));
    expect(new Set(results.map((r) => r.customerId)).size).toBe(1);
    // No unique index was declared: a second holder of the key is accepted by this store.
    const [held] = (
      await documents.find<StoredIdentity>(IDENTITY_COLLECTIONS.identities, {
        where: { matchKey: 'email:p3@example.com' },
      })
    ).items;
    const { version: _v, ...copy } = held as StoredIdentity;
    await expect(
      documents.put(IDENTITY_COLLECTIONS.identities, { ...copy, id: 'idn-copy' }),
    ).resolves.toMatchObject({ id: 'idn-copy' });
  });

  it('unblocking a value one customer holds twice (after a merge) gives matchKey to one of them', async () => {
    const { a } = twoServices();
    const supervisor = { id: 'sup-1', roles: ['supervisor'] };
    const shared: IdentityInput = { kind: 'email', value: 'family@example.com', verified: true };
    const first = await a.resolve([shared, email(1)]);
    await a.setBlocked(shared, true, { actor: supervisor });
    const second = await a.resolve([shared, email(2)]);
    expect(second.customerId).not.toBe(first.customerId);
    await a.merge(first.customerId, second.customerId, { reason: 'same household', actor: supervisor });
    const held = (await a.identitiesOf(first.customerId)).filter((d) => d.key === 'email:family@example.com');
    expect(held).toHaveLength(2);
    const unblocked = await a.setBlocked(shared, false, { actor: supervisor });
    expect(unblocked.every((d) => !d.blocked)).toBe(true);
    expect(unblocked.filter((d) => d.matchKey !== undefined)).toHaveLength(1);
    expect(await a.lookup(shared)).toBe(first.customerId);
  });
});
