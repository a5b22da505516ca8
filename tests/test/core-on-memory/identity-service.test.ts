import { createMemoryDocumentStore } from '@threadline/adapter-memory';
import {
  type AuditEntry,
  createIdentityService,
  createSequentialIds,
  type DocumentStore,
  type EventEnvelope,
  IDENTITY_COLLECTIONS,
  type IdentityResolutionConfig,
  InProcessEventBus,
  isThreadlineError,
  ManualClock,
  type StoredDocument,
} from '@threadline/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const T0 = Date.UTC(2026, 0, 5, 9);
const supervisor = { id: 'sup-1', roles: ['supervisor'] };

function setup(config?: IdentityResolutionConfig, store: DocumentStore = createMemoryDocumentStore()) {
  const clock = new ManualClock(T0);
  const ids = createSequentialIds();
  const bus = new InProcessEventBus();
  const events: EventEnvelope[] = [];
  bus.subscribe('*', (e) => {
    events.push(e);
  });
  const audit: AuditEntry[] = [];
  const service = createIdentityService({
    store,
    clock,
    ids,
    bus,
    audit: { record: async (e) => void audit.push(e) },
    ...(config ? { config } : {}),
  });
  return { store, clock, ids, bus, events, audit, service };
}

async function expectCode(p: Promise<unknown>, code: string, path?: string): Promise<void> {
  try {
    await p;
  } catch (e) {
    expect(isThreadlineError(e)).toBe(true);
    if (isThreadlineError(e)) {
      expect(e.code).toBe(code);
      if (path !== undefined) expect(e.path?.join('.')).toBe(path);
    }
    return;
  }
  throw new Error(`expected ${code}`);
}

describe('IdentityService.resolve', () => {
  it('creates a customer, then finds it again by any eligible identity', async () => {
    const { service, events, audit } = setup();
    const first = await service.resolve(
      [
        { kind: 'email', value: 'Ana@X.com', verified: true },
        { kind: 'channel_handle', namespace: 'whatsapp', value: '34600111222', channel: 'whatsapp' },
      ],
      { profile: { name: 'Ana' } },
    );
    expect(first).toMatchObject({ status: 'created', confidence: 0.9, verified: true });
    expect(first.attached.sort()).toEqual(['channel_handle:whatsapp:34600111222', 'email:ana@x.com']);
    expect(events.map((e) => e.type)).toEqual(['customer.created', 'identity.attached', 'identity.attached']);
    expect(audit.map((a) => a.action)).toEqual(['customer.created']);

    const byHandle = await service.resolve([
      { kind: 'channel_handle', namespace: 'whatsapp', value: '34600111222' },
    ]);
    expect(byHandle).toMatchObject({ customerId: first.customerId, status: 'matched', confidence: 0.7 });
    const byEmail = await service.resolve([{ kind: 'email', value: 'ana@x.com', verified: true }]);
    expect(byEmail.customerId).toBe(first.customerId);
    expect(await service.lookup({ kind: 'email', value: 'ANA@x.com' })).toBe(first.customerId);
    const stored = await service.identitiesOf(first.customerId);
    expect(stored).toHaveLength(2);
  });

  it('does not match an unverified email and leaves it with its owner', async () => {
    const { service } = setup();
    const a = await service.resolve([{ kind: 'email', value: 'ana@x.com', verified: true }]);
    const b = await service.resolve([
      { kind: 'email', value: 'ana@x.com' },
      { kind: 'phone', value: '+14155552671' },
    ]);
    expect(b.customerId).not.toBe(a.customerId);
    expect(b.ignored).toContainEqual({
      key: 'email:ana@x.com',
      reason: 'owned_by_other_customer',
      customerId: a.customerId,
    });
    expect((await service.identitiesOf(b.customerId)).map((i) => i.key)).toEqual(['phone:+14155552671']);
  });

  it('never merges through blocked values but records them on the customer', async () => {
    const { service } = setup();
    const a = await service.resolve([
      { kind: 'email', value: 'noreply@shop.com', verified: true },
      { kind: 'external_id', value: 'A' },
    ]);
    const b = await service.resolve([
      { kind: 'email', value: 'noreply@shop.com', verified: true },
      { kind: 'external_id', value: 'B' },
    ]);
    expect(b.customerId).not.toBe(a.customerId);
    expect(b.ignored).toContainEqual({ key: 'email:noreply@shop.com', reason: 'blocked' });
    const ids = await service.identitiesOf(b.customerId);
    expect(ids.find((i) => i.key === 'email:noreply@shop.com')).toMatchObject({ blocked: true });
    expect(ids.find((i) => i.key === 'email:noreply@shop.com')?.matchKey).toBeUndefined();
    expect(await service.lookup({ kind: 'email', value: 'noreply@shop.com' })).toBeUndefined();
  });

  it('merges customers linked by one contact, with events and audit', async () => {
    const { service, events, audit } = setup();
    const a = await service.resolve([{ kind: 'email', value: 'ana@x.com', verified: true }]);
    const b = await service.resolve([{ kind: 'phone', value: '+14155552671', verified: true }]);
    events.length = 0;
    const r = await service.resolve([
      { kind: 'phone', value: '+1 415 555 2671', verified: true },
      { kind: 'email', value: 'ana@x.com', verified: true },
    ]);
    expect(r.customerId).toBe(a.customerId);
    expect(r.merges).toHaveLength(1);
    expect(events.map((e) => e.type)).toEqual(['customer.merged']);
    expect(events[0]?.payload).toMatchObject({
      survivorId: a.customerId,
      mergedId: b.customerId,
      evidence: [{ key: 'phone:+14155552671' }],
    });
    expect(audit.at(-1)).toMatchObject({ action: 'customer.merged', actor: { id: 'identity-resolver' } });
    expect(await service.lookup({ kind: 'phone', value: '+14155552671' })).toBe(a.customerId);
    const merge = await service.getMerge(r.merges[0] as string);
    expect(merge).toMatchObject({ status: 'applied', reason: 'identity resolution' });
  });

  it('records a conflict (deduplicated) instead of merging two external ids', async () => {
    const { service, events } = setup();
    const a = await service.resolve([
      { kind: 'external_id', value: 'A' },
      { kind: 'email', value: 'ana@x.com', verified: true },
    ]);
    const b = await service.resolve([
      { kind: 'external_id', value: 'B' },
      { kind: 'phone', value: '+14155552671', verified: true },
    ]);
    const contact = [
      { kind: 'email' as const, value: 'ana@x.com', verified: true },
      { kind: 'phone' as const, value: '+14155552671', verified: true },
    ];
    const r1 = await service.resolve(contact);
    const r2 = await service.resolve(contact);
    expect(r1.customerId).toBe(a.customerId);
    expect(r1.merges).toEqual([]);
    expect(r1.conflicts).toHaveLength(1);
    expect(r2.conflicts).toEqual(r1.conflicts);
    const { items } = await service.listConflicts({ status: 'open', customerId: b.customerId });
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ kind: 'limit_exceeded', limit: 'external_id', occurrences: 2 });
    expect(events.filter((e) => e.type === 'identity.conflict_detected')).toHaveLength(2);

    const closed = await service.resolveConflict(items[0]?.id as string, {
      status: 'dismissed',
      resolution: 'shared family phone',
      actor: supervisor,
    });
    expect(closed.status).toBe('dismissed');
    await expectCode(
      service.resolveConflict(closed.id, { status: 'resolved', actor: supervisor }),
      'CONFLICT',
    );
    expect((await service.listConflicts({ status: 'open' })).items).toEqual([]);
  });

  it('creates a new customer for a new external id that contradicts weaker evidence', async () => {
    const { service } = setup();
    const a = await service.resolve([
      { kind: 'external_id', value: 'A' },
      { kind: 'email', value: 'ana@x.com', verified: true },
    ]);
    const r = await service.resolve([
      { kind: 'external_id', value: 'B' },
      { kind: 'email', value: 'ana@x.com', verified: true },
    ]);
    expect(r.status).toBe('created');
    expect(r.customerId).not.toBe(a.customerId);
    const { items } = await service.listConflicts({ customerId: r.customerId });
    expect([...(items[0]?.customerIds ?? [])].sort()).toEqual([a.customerId, r.customerId].sort());
  });

  it('blocks and unblocks values administratively', async () => {
    const { service, audit } = setup();
    const a = await service.resolve([{ kind: 'email', value: 'info@shop.com', verified: true }]);
    await service.setBlocked({ kind: 'email', value: 'info@shop.com' }, true, { actor: supervisor });
    expect(audit.at(-1)?.action).toBe('identity.blocked');
    const b = await service.resolve([{ kind: 'email', value: 'info@shop.com', verified: true }]);
    expect(b.customerId).not.toBe(a.customerId);
    await expectCode(
      service.setBlocked({ kind: 'email', value: 'info@shop.com' }, false, { actor: supervisor }),
      'CONFLICT',
    );
  });

  it('rejects bad input with paths', async () => {
    const { service } = setup();
    await expectCode(service.resolve([]), 'VALIDATION');
    await expectCode(service.resolve([{ kind: 'email', value: 'not-an-email' }]), 'VALIDATION', '0.value');
    await expectCode(
      service.resolve([
        { kind: 'email', value: 'a@x.com' },
        { kind: 'phone', value: '555 1234' },
      ]),
      'VALIDATION',
      '1.value',
    );
    await expectCode(service.resolve([{ kind: 'fax' as 'email', value: 'x' }]), 'VALIDATION', '0.kind');
    await expectCode(
      service.resolve([{ kind: 'email', value: 'a@x.com' }], { tenantId: 'a b' }),
      'VALIDATION',
      'tenantId',
    );
    await expectCode(service.resolve([{ kind: 'email', value: 'a@x.com', extra: 1 } as never]), 'VALIDATION');
    expect(() => createIdentityService({} as never)).toThrow(/store, clock and ids/);
  });

  it('finds one customer whichever way a phone or an IDN email is written', async () => {
    const { service } = setup({ defaultCountryCode: '44' });
    const first = await service.resolve([
      { kind: 'phone', value: '+44 (0)20 7946 0958', verified: true },
      { kind: 'email', value: 'ana@münchen.de', verified: true },
    ]);
    for (const identity of [
      { kind: 'phone' as const, value: '020 7946 0958', verified: true },
      { kind: 'phone' as const, value: '(+44) 20 7946 0958', verified: true },
      { kind: 'email' as const, value: 'Ana@XN--MNCHEN-3YA.DE', verified: true },
    ]) {
      const again = await service.resolve([identity]);
      expect(again, identity.value).toMatchObject({ customerId: first.customerId, status: 'matched' });
    }
    expect(await service.lookup({ kind: 'phone', value: '+4402079460958' })).toBe(first.customerId);
    expect((await service.identitiesOf(first.customerId)).map((i) => i.key).sort()).toEqual([
      'email:ana@xn--mnchen-3ya.de',
      'phone:+442079460958',
    ]);
  });

  it('keeps tenants apart', async () => {
    const { service } = setup();
    const a = await service.resolve([{ kind: 'email', value: 'ana@x.com', verified: true }], {
      tenantId: 't1',
    });
    const b = await service.resolve([{ kind: 'email', value: 'ana@x.com', verified: true }], {
      tenantId: 't2',
    });
    expect(b.status).toBe('created');
    expect(b.customerId).not.toBe(a.customerId);
    expect(await service.lookup({ kind: 'email', value: 'ana@x.com' })).toBeUndefined();
  });

  it('only ever reads through indexes (no find without where)', async () => {
    const inner = createMemoryDocumentStore();
    const unindexed: string[] = [];
    const spy: DocumentStore = {
      name: 'spy',
      capabilities: inner.capabilities,
      defineCollection: (c, d) => inner.defineCollection(c, d),
      get: (c, id, o) => inner.get(c, id, o),
      getMany: (c, ids, o) => inner.getMany(c, ids, o),
      put: (c, d, o) => inner.put(c, d, o),
      delete: (c, id, o) => inner.delete(c, id, o),
      find: (c, q) => {
        if (!q?.where || Object.keys(q.where).length === 0) unindexed.push(c);
        return inner.find(c, q);
      },
      transaction: (fn) => inner.transaction(fn),
    };
    const { service } = setup(undefined, spy);
    const a = await service.resolve([
      { kind: 'email', value: 'a@x.com', verified: true },
      { kind: 'external_id', value: 'A' },
    ]);
    const b = await service.resolve([{ kind: 'phone', value: '+14155552671', verified: true }]);
    await service.resolve([
      { kind: 'email', value: 'a@x.com', verified: true },
      { kind: 'phone', value: '+14155552671', verified: true },
      { kind: 'email', value: 'noreply@x.com', verified: true },
    ]);
    await service.resolve([
      { kind: 'external_id', value: 'B' },
      { kind: 'email', value: 'a@x.com', verified: true },
    ]);
    const record = await service.merge(
      a.customerId,
      (await service.resolve([{ kind: 'device', value: 'd1' }])).customerId,
      {
        reason: 'x',
        actor: supervisor,
      },
    );
    await service.previewMerge(a.customerId, b.customerId).catch(() => undefined);
    await service.unmerge(record.id);
    await service.listConflicts({ status: 'open' });
    expect(unindexed).toEqual([]);
  });

  it('serialises concurrent resolves of the same new contact', async () => {
    const { service } = setup();
    const contact = [{ kind: 'email' as const, value: 'ana@x.com', verified: true }];
    const [a, b] = await Promise.all([service.resolve(contact), service.resolve(contact)]);
    expect(a.customerId).toBe(b.customerId);
  });
});

describe('merge / unmerge / previewMerge', () => {
  async function twoCustomers() {
    const ctx = setup();
    const a = await ctx.service.resolve([{ kind: 'email', value: 'ana@x.com', verified: true }], {
      profile: { name: 'Ana' },
      attributes: { tier: 'gold' },
    });
    const b = await ctx.service.resolve([{ kind: 'phone', value: '+14155552671', verified: true }], {
      profile: { locale: 'es' },
      attributes: { tier: 'silver', region: 'eu' },
    });
    await ctx.store.put(IDENTITY_COLLECTIONS.conversations, {
      id: 'conv-b',
      customerId: b.customerId,
      channel: 'sms',
      status: 'open',
    });
    return { ...ctx, a: a.customerId, b: b.customerId };
  }

  it('previews without writing', async () => {
    const { service, store, a, b } = await twoCustomers();
    const before = await store.get(IDENTITY_COLLECTIONS.customers, b);
    const preview = await service.previewMerge(a, b);
    expect(preview).toMatchObject({
      allowed: true,
      conversationIds: ['conv-b'],
      filled: ['profile.locale', 'attributes.region'],
      survivorAfter: { profile: { name: 'Ana', locale: 'es' }, attributes: { tier: 'gold', region: 'eu' } },
    });
    expect(preview.identities.map((i) => i.key)).toEqual(['phone:+14155552671']);
    expect(await store.get(IDENTITY_COLLECTIONS.customers, b)).toEqual(before);
  });

  it('merges with evidence and unmerges back', async () => {
    const { service, store, events, audit, a, b } = await twoCustomers();
    const record = await service.merge(a, b, {
      reason: 'confirmed on call',
      actor: supervisor,
      evidence: [{ note: 'customer confirmed both numbers' }],
    });
    expect(record).toMatchObject({ survivorId: a, mergedId: b, status: 'applied', actor: supervisor });
    expect((await store.get(IDENTITY_COLLECTIONS.conversations, 'conv-b'))?.customerId).toBe(a);
    expect((await store.get(IDENTITY_COLLECTIONS.customers, b))?.mergedInto).toBe(a);
    await expectCode(service.merge(a, b, { reason: 'again', actor: supervisor }), 'CONFLICT');
    const reverted = await service.unmerge(record.id, { actor: supervisor, reason: 'different people' });
    expect(reverted).toMatchObject({ status: 'reverted', revertReason: 'different people' });
    expect((await store.get(IDENTITY_COLLECTIONS.conversations, 'conv-b'))?.customerId).toBe(b);
    expect((await store.get(IDENTITY_COLLECTIONS.customers, b))?.mergedInto).toBeUndefined();
    expect((await store.get(IDENTITY_COLLECTIONS.customers, a))?.profile).toEqual({ name: 'Ana' });
    expect(events.slice(-2).map((e) => e.type)).toEqual(['customer.merged', 'customer.unmerged']);
    expect(audit.slice(-2).map((e) => [e.action, e.actor.id, e.outcome])).toEqual([
      ['customer.merged', 'sup-1', 'allowed'],
      ['customer.unmerged', 'sup-1', 'allowed'],
    ]);
    await expectCode(service.unmerge(record.id), 'CONFLICT');
  });

  it('keeps identities attached after the merge with the survivor, and keeps later profile edits', async () => {
    const { service, store, a, b } = await twoCustomers();
    const record = await service.merge(a, b, { reason: 'dup', actor: supervisor });
    const later = await service.resolve([
      { kind: 'email', value: 'ana@x.com', verified: true },
      { kind: 'channel_handle', namespace: 'twitter', value: 'ana' },
    ]);
    expect(later.customerId).toBe(a);
    const cur = await store.get(IDENTITY_COLLECTIONS.customers, a);
    await store.put(IDENTITY_COLLECTIONS.customers, {
      ...(cur as StoredDocument),
      profile: { name: 'Ana', locale: 'pt' },
    });
    await service.unmerge(record.id);
    const keysA = (await service.identitiesOf(a)).map((i) => i.key).sort();
    expect(keysA).toEqual(['channel_handle:twitter:ana', 'email:ana@x.com']);
    expect((await service.identitiesOf(b)).map((i) => i.key)).toEqual(['phone:+14155552671']);
    // The edited locale differs from what the merge filled, so it stays.
    expect((await store.get(IDENTITY_COLLECTIONS.customers, a))?.profile).toEqual({
      name: 'Ana',
      locale: 'pt',
    });
  });

  it('refuses merges that break limits, self-merges, unknown ids, and out-of-order unmerges', async () => {
    const { service, store, a, b } = await twoCustomers();
    const c = (await service.resolve([{ kind: 'external_id', value: 'C' }])).customerId;
    const d = (await service.resolve([{ kind: 'external_id', value: 'D' }])).customerId;
    const preview = await service.previewMerge(c, d);
    expect(preview.allowed).toBe(false);
    expect(preview.conflicts[0]?.limit).toBe('external_id');
    await expectCode(service.merge(c, d, { reason: 'x', actor: supervisor }), 'CONFLICT');
    await expectCode(service.merge(a, a, { reason: 'x', actor: supervisor }), 'VALIDATION', 'mergedId');
    await expectCode(service.merge(a, 'nope', { reason: 'x', actor: supervisor }), 'NOT_FOUND');
    await expectCode(service.merge(a, b, { reason: '', actor: supervisor }), 'VALIDATION', 'reason');
    await expectCode(service.merge(a, b, { reason: 'x' } as never), 'VALIDATION', 'actor');
    await expectCode(service.unmerge('nope'), 'NOT_FOUND');
    const first = await service.merge(a, b, { reason: 'x', actor: supervisor });
    const second = await service.merge(c, a, { reason: 'y', actor: supervisor });
    await expectCode(service.unmerge(first.id), 'CONFLICT');
    await service.unmerge(second.id);
    await service.unmerge(first.id);
    // An erased customer is never resurrected by an unmerge.
    const third = await service.merge(a, b, { reason: 'z', actor: supervisor });
    const erased = (await store.get(IDENTITY_COLLECTIONS.customers, b)) as StoredDocument;
    await store.put(IDENTITY_COLLECTIONS.customers, { ...erased, erasedAt: T0, profile: {} });
    await expectCode(service.unmerge(third.id), 'CONFLICT');
  });

  it('unmerge(merge(a, b)) restores customers, identities and conversation ownership exactly (property)', async () => {
    const strip = (docs: StoredDocument[]) =>
      docs.map(({ version: _v, updatedAt: _u, ...rest }) => rest).sort((x, y) => (x.id < y.id ? -1 : 1));
    const emails = ['a@x.com', 'b@x.com', 'c@x.com', 'd@x.com'];
    const phones = ['+14155550001', '+14155550002', '+14155550003'];
    const customerArb = fc.record({
      emails: fc.subarray(emails, { maxLength: 2 }),
      phones: fc.subarray(phones, { maxLength: 2 }),
      name: fc.option(fc.constantFrom('Ana', 'Bo', 'Cy'), { nil: undefined }),
      locale: fc.option(fc.constantFrom('en', 'es'), { nil: undefined }),
      attrs: fc.dictionary(fc.constantFrom('tier', 'region', 'plan'), fc.constantFrom('x', 'y', 1, true)),
      conversations: fc.integer({ min: 0, max: 3 }),
    });
    await fc.assert(
      fc.asyncProperty(customerArb, customerArb, fc.boolean(), async (ca, cb, chain) => {
        const { service, store } = setup();
        const make = async (c: typeof ca, tag: string, taken: Set<string>) => {
          const identities = [
            ...c.emails.filter((e) => !taken.has(e)).map((value) => ({ kind: 'email' as const, value })),
            ...c.phones.filter((p) => !taken.has(p)).map((value) => ({ kind: 'phone' as const, value })),
            { kind: 'device' as const, value: tag },
          ];
          for (const i of identities) taken.add(i.value);
          const profile: Record<string, string> = {};
          if (c.name) profile.name = c.name;
          if (c.locale) profile.locale = c.locale;
          const { customerId } = await service.resolve(identities, { profile, attributes: c.attrs });
          for (let i = 0; i < c.conversations; i++) {
            await store.put(IDENTITY_COLLECTIONS.conversations, {
              id: `conv-${tag}-${i}`,
              customerId,
              channel: 'email',
              status: 'open',
            });
          }
          return customerId;
        };
        const taken = new Set<string>();
        const a = await make(ca, 'a', taken);
        const b = await make(cb, 'b', taken);
        const snapshot = async () => ({
          customers: strip((await store.find(IDENTITY_COLLECTIONS.customers, { limit: 1000 })).items),
          identities: strip((await store.find(IDENTITY_COLLECTIONS.identities, { limit: 1000 })).items),
          conversations: strip((await store.find(IDENTITY_COLLECTIONS.conversations, { limit: 1000 })).items),
        });
        const before = await snapshot();
        const [survivor, merged] = chain ? [b, a] : [a, b];
        const record = await service.merge(survivor, merged, { reason: 'test', actor: supervisor });
        const during = await snapshot();
        expect(during).not.toEqual(before);
        await service.unmerge(record.id, { actor: supervisor });
        expect(await snapshot()).toEqual(before);
      }),
      { seed: 11, numRuns: 60 },
    );
  });

  it('rolls back a merge whose writes fail half-way on a store without transactions', async () => {
    const inner = createMemoryDocumentStore();
    let failOn = -1;
    let puts = 0;
    const flaky: DocumentStore = {
      name: 'flaky',
      capabilities: { transactions: false, ordering: true, durable: false },
      defineCollection: (c, d) => inner.defineCollection(c, d),
      get: (c, id, o) => inner.get(c, id, o),
      getMany: (c, ids, o) => inner.getMany(c, ids, o),
      delete: (c, id, o) => inner.delete(c, id, o),
      find: (c, q) => inner.find(c, q),
      put: async (c, doc, o) => {
        puts++;
        if (puts === failOn) throw new Error('disk full');
        return inner.put(c, doc, o);
      },
    };
    const { service } = setup(undefined, flaky);
    const a = (await service.resolve([{ kind: 'email', value: 'a@x.com', verified: true }])).customerId;
    const b = (await service.resolve([{ kind: 'email', value: 'b@x.com', verified: true }])).customerId;
    const state = async () => ({
      customers: (await inner.find(IDENTITY_COLLECTIONS.customers)).items.map(({ version: _v, ...r }) => r),
      identities: (await inner.find(IDENTITY_COLLECTIONS.identities)).items.map(({ version: _v, ...r }) => r),
      merges: (await inner.find(IDENTITY_COLLECTIONS.merges)).items.length,
    });
    const before = await state();
    failOn = puts + 4; // merge record, survivor, merged customer, then the moved identity fails
    await expect(service.merge(a, b, { reason: 'x', actor: supervisor })).rejects.toThrow('disk full');
    expect(await state()).toEqual(before);
  });
});
