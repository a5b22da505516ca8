import { createMemoryStorage } from '@threadline/adapter-memory';
import {
  type Actor,
  createAccessControl,
  createAuditTrail,
  createConsentService,
  createErasureService,
  createEvent,
  createIdGenerator,
  type EventLog,
  isThreadlineError,
  ManualClock,
  type PiiRegistry,
  ThreadlineError,
} from '@threadline/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const T0 = Date.UTC(2026, 0, 5, 9);
const system: Actor = { id: 'system', roles: ['system'] };
const agent: Actor = { id: 'u-agent', roles: ['agent'] };
const admin: Actor = { id: 'u-admin', roles: ['admin'] };

function world() {
  const clock = new ManualClock(T0);
  const ids = createIdGenerator({ clock, seed: 9 });
  const storage = createMemoryStorage();
  const store = storage.documents;
  const audit = createAuditTrail({ store, clock, ids });
  const access = createAccessControl({ clock, ids, audit });
  return { clock, ids, storage, store, audit, access };
}

describe('consent', () => {
  it('records grants and withdrawals with history and answers the outbound check', async () => {
    const { clock, ids, store, audit, access } = world();
    const consent = createConsentService({ store, clock, ids, audit, access, optOutPurposes: ['service'] });
    const q = { customerId: 'c1', channel: 'sms', purpose: 'marketing' } as const;

    expect(await consent.checkConsent(q)).toEqual({ allowed: false, reason: 'no_record' });
    expect(await consent.checkConsent({ ...q, purpose: 'service' })).toEqual({
      allowed: true,
      reason: 'not_required',
    });

    await consent.record({ ...q, granted: true, source: 'web_form', evidence: 'form-77' }, { actor: agent });
    expect((await consent.checkConsent(q)).reason).toBe('granted');
    expect((await consent.checkConsent({ ...q, channel: 'email' })).allowed).toBe(false);

    clock.advance(60_000);
    const rec = await consent.record({ ...q, granted: false, source: 'sms_stop' }, { actor: system });
    expect(rec.history.map((h) => [h.granted, h.at, h.source, h.actorId])).toEqual([
      [true, T0, 'web_form', 'u-agent'],
      [false, T0 + 60_000, 'sms_stop', 'system'],
    ]);
    expect(rec.history[0]?.evidence).toBe('form-77');
    expect(await consent.checkConsent(q)).toMatchObject({ allowed: false, reason: 'withdrawn' });
    await expect(consent.requireConsent(q)).rejects.toSatisfy((e) => isThreadlineError(e, 'FORBIDDEN'));

    // A withdrawal blocks opt-out purposes too.
    await consent.record({ ...q, purpose: 'service', granted: false }, { actor: system });
    expect((await consent.checkConsent({ ...q, purpose: 'service' })).reason).toBe('withdrawn');

    const entries = (await audit.byAction('consent.withdrawn')).items;
    expect(entries).toHaveLength(2);
    expect(entries[0]).toMatchObject({
      before: { version: 1, granted: true },
      after: { version: 2, granted: false },
    });
    expect((await consent.list('c1', { actor: agent })).map((r) => r.purpose).sort()).toEqual([
      'marketing',
      'service',
    ]);
  });

  it('lets grants expire', async () => {
    const { clock, ids, store } = world();
    const consent = createConsentService({ store, clock, ids });
    const q = { customerId: 'c1', channel: 'whatsapp', purpose: 'surveys' } as const;
    await consent.record({ ...q, granted: true, expiresAt: T0 + 1000 }, { actor: system });
    expect((await consent.checkConsent(q)).allowed).toBe(true);
    expect((await consent.checkConsent({ ...q, at: new Date(T0 + 1000) })).reason).toBe('expired');
    clock.advance(5000);
    expect((await consent.requireConsent({ ...q, at: T0 }))?.granted).toBe(true);
    await expect(consent.requireConsent(q)).rejects.toThrow(/expired/);
  });

  it('keeps tenants apart and checks access', async () => {
    const { clock, ids, store, access } = world();
    const consent = createConsentService({ store, clock, ids, access });
    await consent.record(
      { customerId: 'c1', channel: 'email', purpose: 'marketing', granted: true, tenantId: 't1' },
      { actor: { id: 'a', roles: ['admin'], tenantId: 't1' } },
    );
    expect(
      (await consent.checkConsent({ customerId: 'c1', channel: 'email', purpose: 'marketing' })).allowed,
    ).toBe(false);
    expect(
      (
        await consent.checkConsent({
          customerId: 'c1',
          channel: 'email',
          purpose: 'marketing',
          tenantId: 't1',
        })
      ).allowed,
    ).toBe(true);
    await expect(
      consent.record(
        { customerId: 'c1', channel: 'email', purpose: 'marketing', granted: false, tenantId: 't1' },
        { actor: { id: 'a', roles: ['admin'], tenantId: 't2' } },
      ),
    ).rejects.toSatisfy((e) => isThreadlineError(e, 'FORBIDDEN'));
    await expect(
      consent.record(
        { customerId: 'c1', channel: 'email', purpose: 'marketing', granted: true },
        { actor: { id: 'b', roles: ['bot'] } },
      ),
    ).rejects.toSatisfy((e) => isThreadlineError(e, 'FORBIDDEN'));
  });

  it('rejects bad input with VALIDATION and paths', async () => {
    const { clock, ids, store } = world();
    const consent = createConsentService({ store, clock, ids });
    for (const [input, path] of [
      [{ customerId: 'c1', channel: 'fax', purpose: 'marketing', granted: true }, ['channel']],
      [{ customerId: 'c1', channel: 'sms', purpose: 'Marketing!', granted: true }, ['purpose']],
      [{ customerId: 'c1', channel: 'sms', purpose: 'marketing', granted: 'yes' }, ['granted']],
      [{ customerId: 'c1', channel: 'sms', purpose: 'marketing', granted: true, extra: 1 }, []],
    ] as const) {
      const err = await consent.record(input as never, { actor: system }).catch((e: unknown) => e);
      expect(isThreadlineError(err, 'VALIDATION'), JSON.stringify(input)).toBe(true);
      expect((err as ThreadlineError).path).toEqual(path);
    }
    await expect(consent.checkConsent({ customerId: '', channel: 'sms', purpose: 'x' })).rejects.toThrow(
      ThreadlineError,
    );
    await expect(
      consent.record(
        { customerId: 'c1', channel: 'sms', purpose: 'x', granted: true },
        { actor: undefined as never },
      ),
    ).rejects.toThrow(ThreadlineError);
  });

  it('keeps every change when two are recorded concurrently', async () => {
    const { clock, ids, store } = world();
    const consent = createConsentService({ store, clock, ids });
    const q = { customerId: 'c1', channel: 'email', purpose: 'marketing' } as const;
    await Promise.all([
      consent.record({ ...q, granted: true, source: 'a' }, { actor: system }),
      consent.record({ ...q, granted: false, source: 'b' }, { actor: system }),
    ]);
    const rec = await consent.get('c1', 'email', 'marketing');
    expect(rec?.history.map((h) => h.source).sort()).toEqual(['a', 'b']);
    expect(rec?.version).toBe(2);
  });

  it('the latest change always decides (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.boolean(), { minLength: 1, maxLength: 12 }), async (changes) => {
        const { clock, ids, store } = world();
        const consent = createConsentService({ store, clock, ids });
        const q = { customerId: 'c1', channel: 'chat', purpose: 'marketing' } as const;
        let rec: Awaited<ReturnType<typeof consent.record>> | undefined;
        for (const granted of changes) {
          clock.advance(1);
          rec = await consent.record({ ...q, granted }, { actor: system });
        }
        expect(rec?.history.map((h) => h.granted)).toEqual(changes);
        expect((await consent.checkConsent(q)).allowed).toBe(changes[changes.length - 1]);
      }),
      { seed: 13, numRuns: 40 },
    );
  });
});

const REGISTRY: PiiRegistry = [
  {
    collection: 'customers',
    match: 'id',
    mode: 'anonymize',
    fields: ['profile.name', 'profile.company', 'attributes'],
    stamp: 'erasedAt',
  },
  { collection: 'identities', match: { field: 'customerId' }, mode: 'delete' },
  {
    collection: 'messages',
    match: { field: 'customerId' },
    mode: 'anonymize',
    fields: ['attachments'],
    redactFields: ['body'],
  },
  { collection: 'consents', match: { field: 'customerId' }, mode: 'delete' },
];

async function seed(w: ReturnType<typeof world>) {
  const { store, clock, ids, storage } = w;
  for (const c of ['identities', 'messages']) await store.defineCollection(c, { indexes: ['customerId'] });
  await store.defineCollection('customers', { indexes: [] });
  await store.put('customers', {
    id: 'c1',
    profile: { name: 'Jane Doe', company: 'Acme', locale: 'en-GB' },
    attributes: { tier: 'gold' },
  });
  await store.put('customers', { id: 'c2', profile: { name: 'Other Person' }, attributes: {} });
  await store.put('identities', { id: 'i1', customerId: 'c1', kind: 'email', value: 'jane@example.com' });
  await store.put('identities', { id: 'i2', customerId: 'c1', kind: 'phone', value: '+44 20 7946 0958' });
  await store.put('identities', { id: 'i3', customerId: 'c2', kind: 'email', value: 'other@example.com' });
  await store.put('messages', {
    id: 'm1',
    customerId: 'c1',
    body: 'Hi, mail me at jane@example.com or call +44 20 7946 0958 about order 4412',
    attachments: [{ name: 'passport.jpg' }],
  });
  await store.put('messages', {
    id: 'm2',
    customerId: 'c2',
    body: 'other@example.com here',
    attachments: [],
  });
  const consent = createConsentService({ store, clock, ids });
  await consent.record(
    { customerId: 'c1', channel: 'email', purpose: 'marketing', granted: true },
    { actor: system },
  );
  const ev = (aggregateId: string, payload: unknown) =>
    createEvent(
      { clock, ids },
      { type: 'customer.updated', aggregateType: 'customer', aggregateId, version: 1, payload },
    );
  await storage.events.append('customer-c1', [
    ev('c1', { email: 'jane@example.com', note: 'call +44 20 7946 0958' }),
  ]);
  await storage.events.append('conv-9', [
    createEvent(
      { clock, ids },
      {
        type: 'message.received',
        aggregateType: 'conversation',
        version: 1,
        aggregateId: 'conv-9',
        payload: { customerId: 'c1', text: 'jane@example.com', name: 'Jane' },
      },
    ),
  ]);
  await storage.events.append('customer-c2', [ev('c2', { email: 'other@example.com' })]);
}

// Addresses with the characters real addresses use (the detector does not accept exotic RFC 5322
// local-part characters such as `!` or `{`; see the README).
const email = fc
  .tuple(
    fc.stringMatching(/^[a-z][a-z0-9._+-]{0,10}[a-z0-9]$/).filter((l) => !l.includes('..')),
    fc.constantFrom('example.com', 'mail.example.org', 'example.co.uk'),
  )
  .map(([l, d]) => `${l}@${d}`);

describe('erasure', () => {
  it('anonymises and deletes across registered collections and event payloads, then leaves a tombstone', async () => {
    const w = world();
    await seed(w);
    const { store, clock, ids, audit, access, storage } = w;
    const erasure = createErasureService({
      store,
      clock,
      ids,
      audit,
      access,
      events: storage.events,
      registry: REGISTRY,
      eventErasure: { fields: ['name'] },
    });
    clock.advance(1000);
    const { tombstone, alreadyErased } = await erasure.eraseCustomer('c1', {
      actor: admin,
      reason: 'GDPR art. 17',
    });
    expect(alreadyErased).toBe(false);
    expect(tombstone).toMatchObject({
      id: 'c1',
      customerId: 'c1',
      erasedAt: T0 + 1000,
      actorId: 'u-admin',
      reason: 'GDPR art. 17',
      collections: [
        { collection: 'customers', mode: 'anonymize', documents: 1 },
        { collection: 'identities', mode: 'delete', documents: 2 },
        { collection: 'messages', mode: 'anonymize', documents: 1 },
        { collection: 'consents', mode: 'delete', documents: 1 },
      ],
      events: { status: 'redacted', events: 2 },
    });

    const c1 = await store.get('customers', 'c1');
    expect(c1).toMatchObject({
      profile: { name: '[erased]', company: '[erased]', locale: 'en-GB' },
      attributes: {},
      erasedAt: T0 + 1000,
    });
    expect(await store.get('identities', 'i1')).toBeUndefined();
    expect(await store.get('identities', 'i3')).toBeDefined();
    const m1 = await store.get('messages', 'm1');
    expect(m1?.body).toBe('Hi, mail me at [EMAIL] or call [PHONE] about order 4412');
    expect(m1?.attachments).toEqual([]);
    expect((await store.get('messages', 'm2'))?.body).toBe('other@example.com here');
    expect((await store.get('customers', 'c2'))?.profile).toEqual({ name: 'Other Person' });

    const all = await storage.events.readAll();
    expect(all.map((e) => e.payload)).toEqual([
      { email: '[EMAIL]', note: 'call [PHONE]' },
      { customerId: 'c1', text: '[EMAIL]', name: '[erased]' },
      { email: 'other@example.com' },
    ]);
    // Nothing about the customer survives in the tombstone.
    expect(JSON.stringify(tombstone)).not.toMatch(/jane|Jane|7946/);

    const trail = await audit.byResource({ type: 'customer', id: 'c1' });
    expect(trail.items.map((e) => e.action)).toEqual(['customer.erased']);
    expect(trail.items[0]).toMatchObject({ actor: { id: 'u-admin' }, after: { tombstone: { id: 'c1' } } });
  });

  it('is idempotent: a second call changes nothing and returns the tombstone', async () => {
    const w = world();
    await seed(w);
    const erasure = createErasureService({ ...w, events: w.storage.events, registry: REGISTRY });
    const first = await erasure.eraseCustomer('c1', { actor: admin });
    const snapshot = JSON.stringify(w.storage.snapshot());
    w.clock.advance(10_000);
    const second = await erasure.eraseCustomer('c1', { actor: admin });
    expect(second.alreadyErased).toBe(true);
    expect(second.tombstone).toEqual(first.tombstone);
    expect(JSON.stringify(w.storage.snapshot())).toBe(snapshot);
    expect(await erasure.getTombstone('c1')).toEqual(first.tombstone);
    expect((await w.audit.byAction('customer.erased')).items).toHaveLength(1);
  });

  it('reports an event log without redactEvents instead of pretending', async () => {
    const w = world();
    await seed(w);
    const log = w.storage.events;
    const limited: EventLog = {
      name: 'append-only',
      capabilities: log.capabilities,
      append: (...a) => log.append(...a),
      readStream: (...a) => log.readStream(...a),
      readAll: (...a) => log.readAll(...a),
      streamVersion: (...a) => log.streamVersion(...a),
    };
    const erasure = createErasureService({ ...w, events: limited, registry: REGISTRY });
    const { tombstone } = await erasure.eraseCustomer('c1', { actor: admin });
    expect(tombstone.events).toEqual({
      status: 'unsupported',
      reason: expect.stringContaining('no redactEvents'),
    });
    expect((await log.readAll())[0]?.payload).toMatchObject({ email: 'jane@example.com' });
    // A document store alone: no event log to erase (the storage bundle brings its own by default).
    const { clock, ids } = w;
    const without = createErasureService({
      store: w.store,
      clock,
      ids,
      registry: REGISTRY,
      tombstones: 'other_tombstones',
    });
    const bare = (await without.eraseCustomer('c2', { actor: admin })).tombstone;
    expect(bare.events).toEqual({ status: 'not_configured' });
    expect(bare.outbox).toEqual({ status: 'not_configured' });
    const bundled = createErasureService({
      storage: w.storage,
      clock,
      ids,
      registry: REGISTRY,
      tombstones: 'third',
    });
    expect((await bundled.eraseCustomer('c2', { actor: admin })).tombstone.events).toEqual({
      status: 'redacted',
      events: 1,
    });
  });

  it('needs customer.erase permission and a matching tenant; the denial is audited', async () => {
    const w = world();
    await seed(w);
    const erasure = createErasureService({ ...w, events: w.storage.events, registry: REGISTRY });
    await expect(erasure.eraseCustomer('c1', { actor: agent })).rejects.toSatisfy((e) =>
      isThreadlineError(e, 'FORBIDDEN'),
    );
    await expect(erasure.eraseCustomer('c1', { actor: { ...admin, tenantId: 'other' } })).rejects.toSatisfy(
      (e) => isThreadlineError(e, 'FORBIDDEN'),
    );
    expect((await w.store.get('customers', 'c1'))?.profile).toMatchObject({ name: 'Jane Doe' });
    expect(await erasure.getTombstone('c1')).toBeUndefined();
    const denials = await w.audit.byAction('customer.erase');
    expect(denials.items.map((e) => [e.actor.id, e.outcome, e.reason])).toEqual([
      ['u-agent', 'denied', 'no_permission'],
      ['u-admin', 'denied', 'tenant_mismatch'],
    ]);
  });

  it('never crosses tenants', async () => {
    const w = world();
    await seed(w);
    await w.store.put('customers', {
      id: 'c1',
      tenantId: 't2',
      profile: { name: 'Jane T2' },
      attributes: {},
    });
    await w.store.put('identities', {
      id: 'i1',
      tenantId: 't2',
      customerId: 'c1',
      value: 'jane@t2.example.com',
    });
    const erasure = createErasureService({ ...w, events: w.storage.events, registry: REGISTRY });
    await erasure.eraseCustomer('c1', { actor: { ...admin, tenantId: 't2' }, tenantId: 't2' });
    expect((await w.store.get('customers', 'c1', { tenantId: 't2' }))?.profile).toEqual({ name: '[erased]' });
    expect(await w.store.get('identities', 'i1', { tenantId: 't2' })).toBeUndefined();
    expect((await w.store.get('customers', 'c1'))?.profile).toMatchObject({ name: 'Jane Doe' });
    expect(await w.store.get('identities', 'i1')).toBeDefined();
    expect((await w.storage.events.readAll())[0]?.payload).toMatchObject({ email: 'jane@example.com' });
    expect(await erasure.getTombstone('c1')).toBeUndefined();
  });

  it('erases exactly the target customer and is a no-op the second time (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ owner: fc.integer({ min: 0, max: 3 }), email: email }), { maxLength: 12 }),
        fc.integer({ min: 0, max: 3 }),
        async (rows, target) => {
          const w = world();
          await w.store.defineCollection('identities', { indexes: ['customerId'] });
          await w.store.defineCollection('messages', { indexes: ['customerId'] });
          for (let c = 0; c < 4; c++) {
            await w.store.put('customers', { id: `c${c}`, profile: { name: `N${c}` }, attributes: {} });
          }
          for (const [i, r] of rows.entries()) {
            await w.store.put('identities', { id: `i${i}`, customerId: `c${r.owner}`, value: r.email });
            await w.store.put('messages', {
              id: `m${i}`,
              customerId: `c${r.owner}`,
              body: `mail ${r.email} ok`,
              attachments: [],
            });
          }
          const erasure = createErasureService({ ...w, registry: REGISTRY });
          const first = await erasure.eraseCustomer(`c${target}`, { actor: admin });
          const mine = rows.filter((r) => r.owner === target).length;
          expect(first.tombstone.collections.find((c) => c.collection === 'identities')?.documents).toBe(
            mine,
          );
          for (const [i, r] of rows.entries()) {
            const ident = await w.store.get('identities', `i${i}`);
            const msg = await w.store.get('messages', `m${i}`);
            if (r.owner === target) {
              expect(ident).toBeUndefined();
              expect(msg?.body).toBe('mail [EMAIL] ok');
            } else {
              expect(ident?.value).toBe(r.email);
              expect(msg?.body).toBe(`mail ${r.email} ok`);
            }
          }
          for (let c = 0; c < 4; c++) {
            const doc = await w.store.get('customers', `c${c}`);
            expect(doc?.profile).toEqual({ name: c === target ? '[erased]' : `N${c}` });
            expect(doc?.version).toBe(c === target ? 2 : 1);
          }
          const after = JSON.stringify(w.storage.snapshot());
          expect((await erasure.eraseCustomer(`c${target}`, { actor: admin })).alreadyErased).toBe(true);
          expect(JSON.stringify(w.storage.snapshot())).toBe(after);
        },
      ),
      { seed: 17, numRuns: 30 },
    );
  });

  it('validates the registry (CONFIG) and the call (VALIDATION)', async () => {
    const w = world();
    const bad = [
      [[{ collection: 'x', match: { field: 'a b' }, mode: 'delete' }], [0, 'match', 'field']],
      [[{ collection: 'x', match: 'id', mode: 'anonymize' }], [0, 'fields']],
      [[{ collection: 'x', match: 'id', mode: 'shred' }], [0, 'mode']],
    ] as const;
    for (const [registry, path] of bad) {
      try {
        createErasureService({ ...w, registry: registry as never });
        expect.unreachable();
      } catch (e) {
        expect(isThreadlineError(e, 'CONFIG'), JSON.stringify(registry)).toBe(true);
        expect((e as ThreadlineError).path).toEqual(path);
      }
    }
    const erasure = createErasureService({ ...w, registry: REGISTRY });
    await expect(erasure.eraseCustomer('', { actor: admin })).rejects.toSatisfy((e) =>
      isThreadlineError(e, 'VALIDATION'),
    );
    await expect(erasure.eraseCustomer('c1', { actor: { id: 'x' } as never })).rejects.toSatisfy((e) =>
      isThreadlineError(e, 'VALIDATION'),
    );
  });
});
