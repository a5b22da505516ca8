import { createMemoryStorage } from '@threadline/adapter-memory';
import {
  createAuditTrail,
  createErasureService,
  createIdentityService,
  createIdGenerator,
  ManualClock,
  type PiiRegistry,
} from '@threadline/core';
import { describe, expect, it } from 'vitest';

// The identity service's collections, as a caller would register them for erasure.
const REGISTRY: PiiRegistry = [
  {
    collection: 'customers',
    match: 'id',
    mode: 'anonymize',
    fields: ['profile.name', 'profile.company', 'attributes'],
    stamp: 'erasedAt',
  },
  { collection: 'identities', match: { field: 'customerId' }, mode: 'delete' },
  { collection: 'conversations', match: { field: 'customerId' }, mode: 'anonymize', fields: ['context'] },
];

describe('erasure of a customer created by identity resolution', () => {
  it('removes the identities, so the same contact later resolves to a new customer', async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 5, 9));
    const ids = createIdGenerator({ clock, seed: 21 });
    const { documents: store } = createMemoryStorage();
    const audit = createAuditTrail({ store, clock, ids });
    const identity = createIdentityService({ store, clock, ids, audit });
    const contact = [
      { kind: 'email' as const, value: 'ana@example.com', verified: true },
      { kind: 'phone' as const, value: '+34 600 111 222', verified: true },
    ];
    const first = await identity.resolve(contact);
    expect((await store.find('identities', { where: { customerId: first.customerId } })).items.length).toBe(
      2,
    );

    const erasure = createErasureService({ store, clock, ids, audit, registry: REGISTRY });
    const { tombstone } = await erasure.eraseCustomer(first.customerId, {
      actor: { id: 'dpo', roles: ['admin'] },
      reason: 'erasure request',
    });
    expect(tombstone.collections.find((c) => c.collection === 'identities')?.documents).toBe(2);
    expect((await store.find('identities', { where: { customerId: first.customerId } })).items).toEqual([]);
    expect((await store.get('customers', first.customerId))?.erasedAt).toBe(Date.UTC(2026, 0, 5, 9));
    const stored = JSON.stringify(await store.get('customers', first.customerId));
    expect(stored).not.toMatch(/ana@example\.com|600 111 222/);

    const again = await identity.resolve(contact);
    expect(again.status).toBe('created');
    expect(again.customerId).not.toBe(first.customerId);
  });
});
