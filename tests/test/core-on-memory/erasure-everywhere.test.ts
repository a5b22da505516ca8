// Proof that erasure reaches every copy: a customer with identities on two channels, a merge, a
// conflict, consent, audit entries and events both in the log and still in the outbox is erased
// by an erasure service given only the storage (no registry), and then every collection, every
// stream and every outbox row of the memory store is searched for the customer's e-mail, phone and
// name.
//
// Collections are enumerated from the memory storage's own introspection (`storage.snapshot()`,
// the public JSON image the adapter already has) and then read through `find`, page by page, as
// any caller would; streams through `readAll`, outbox rows through `pending`.
//
// To extend the proof to another engine, add an entry to `ENGINES` (seed the engine's data for the
// customer) and its PII strings to `PII`: the search below covers whatever the store holds.
import { createMemoryStorage, type MemoryStorage } from '@threadline/adapter-memory';
import { createCaseEngine } from '@threadline/cases';
import {
  createAccessControl,
  createAuditTrail,
  createConsentService,
  createErasureService,
  createIdentityService,
  createIdGenerator,
  createInProcessEventBus,
  createOutboxRelay,
  type EventEnvelope,
  type IdentityService,
  isThreadlineError,
  ManualClock,
} from '@threadline/core';
import { createRoutingEngine } from '@threadline/routing';
import { describe, expect, it } from 'vitest';

const EMAIL = 'ana.lopez@example.com';
const WORK_EMAIL = 'ana.work@example.org';
const PHONE = '+34 600 111 222';
const NAME = 'Ana Lopez';
// What must not be found anywhere afterwards (lower-case; phones in every form they are stored in).
const PII = [EMAIL, WORK_EMAIL, '600111222', '600 111 222', NAME.toLowerCase(), 'lopez'];

const admin = { id: 'dpo', roles: ['admin'] };
const supervisor = { id: 'sup-1', roles: ['supervisor'] };

interface World {
  storage: MemoryStorage;
  clock: ManualClock;
  identity: IdentityService;
  /** Delivers committed outbox rows to the bus; the host's subscriber copies them into the log. */
  deliver(): Promise<number>;
}

/** One engine's contribution: seeds its data about the customer (returns the customer id it used). */
interface EngineFixture {
  name: string;
  seed(world: World, customerId: string): Promise<void>;
}

const ENGINES: EngineFixture[] = [
  {
    name: 'consent',
    async seed({ storage, clock }, customerId) {
      const ids = createIdGenerator({ clock, seed: 7 });
      const audit = createAuditTrail({ store: storage.documents, clock, ids });
      const consent = createConsentService({ store: storage.documents, clock, ids, audit });
      await consent.record(
        {
          customerId,
          channel: 'email',
          purpose: 'marketing',
          granted: true,
          source: 'web_form',
          evidence: `form signed by ${NAME} <${EMAIL}>`,
        },
        { actor: supervisor },
      );
    },
  },
  {
    // A durable case engine on the same storage declares its own data (case documents, deadline
    // rows, the audit stream per case): one open case and one closed (evicted) case name the customer.
    name: 'cases',
    async seed({ storage, clock }, customerId) {
      const cases = createCaseEngine({
        clock,
        ids: createIdGenerator({ clock, seed: 11 }),
        calendars: {},
        policies: [{ id: 'default', targets: { first_reply: { normal: { minutes: 30 } } } }],
        storage,
      });
      cases.openCase({
        id: 'case-1',
        customerId,
        subject: `Refund for ${NAME} <${EMAIL}>`,
        priority: 'normal',
        channel: 'email',
      });
      cases.update('case-1', { subject: `${NAME} called from ${PHONE}` }, { actor: 'agent-1' });
      cases.transition('case-1', 'solved', { actor: 'agent-1' });
      cases.transition('case-1', 'closed', { actor: 'agent-1' });
      cases.openCase({
        id: 'case-2',
        customerId,
        subject: `Invoice for ${EMAIL}`,
        priority: 'normal',
        channel: 'email',
      });
      await cases.flush();
    },
  },
  {
    // A journaled routing engine on the same storage declares its journal stream and snapshot
    // documents: tasks whose attributes carry the customer's name and e-mail are journaled, one
    // snapshot document holds the whole state, a handoff packet quotes the customer, and after
    // the erasure a fresh engine still recovers (from the erased journal: the snapshot is deleted).
    name: 'routing',
    async seed({ storage, clock }, customerId) {
      const routing = createRoutingEngine({
        clock,
        ids: createIdGenerator({ clock, seed: 13 }),
        workflow: ROUTING_WORKFLOW,
        storage,
        journal: { engineId: 'erasure-proof', snapshotEvery: 3, flushIntervalMs: 0 },
      });
      routing.upsertWorker({ id: 'agent-1', status: 'available', capacity: { chat: 1 } });
      routing.submitTask({
        id: 'task-1',
        channel: 'chat',
        attributes: { customerId, name: NAME, email: EMAIL, language: 'es' },
      });
      routing.submitTask({
        id: 'task-2',
        channel: 'chat',
        attributes: { customerId, note: `${NAME} asked to call ${PHONE}` },
      });
      routing.submitTask({ id: 'task-other', channel: 'chat', attributes: { customerId: 'someone-else' } });
      routing.requestHandoff('task-2', {
        reason: 'customer_request',
        transcript: [{ author: 'customer', text: `I am ${NAME}, write to ${EMAIL}` }],
        context: { customerId },
      });
      await routing.flush();
      expect(routing.stats().journal?.snapshots).toBeGreaterThan(0);
    },
  },
];

const ROUTING_WORKFLOW = { queues: [{ id: 'q' }], defaultFilter: { targets: [{ queue: 'q' }] } };

async function world(): Promise<World> {
  const clock = new ManualClock(Date.UTC(2026, 0, 5, 9));
  const ids = createIdGenerator({ clock, seed: 42 });
  const storage = createMemoryStorage();
  const audit = createAuditTrail({ store: storage.documents, clock, ids });
  const access = createAccessControl({ clock, ids, audit });
  const identity = createIdentityService({
    storage,
    clock,
    ids,
    audit,
    access,
    config: { autoMerge: false },
  });
  const bus = createInProcessEventBus();
  // A host that keeps every delivered event in its own stream per aggregate.
  bus.subscribe('*', async (event: EventEnvelope) => {
    await storage.events.append(`${event.aggregateType}-${event.aggregateId}`, [event]);
  });
  const relay = createOutboxRelay({ storage, bus, clock });
  return { storage, clock, identity, deliver: () => relay.tick() };
}

/** Every stored string, by where it was found. */
async function everything(storage: MemoryStorage): Promise<{ where: string; text: string }[]> {
  const out: { where: string; text: string }[] = [];
  const tenants = new Set<string>(['default']);
  const image = storage.snapshot();
  for (const coll of Object.values(image.documents.collections)) {
    for (const d of coll.documents) tenants.add(d.tenantId);
  }
  for (const collection of Object.keys(image.documents.collections)) {
    for (const tenantId of tenants) {
      let cursor: string | undefined;
      do {
        const page = await storage.documents.find(collection, {
          tenantId,
          limit: 1000,
          ...(cursor === undefined ? {} : { cursor }),
        });
        for (const d of page.items) out.push({ where: `${collection}/${d.id}`, text: JSON.stringify(d) });
        cursor = page.nextCursor;
      } while (cursor !== undefined);
    }
  }
  for (let after = 0; ; ) {
    const batch = await storage.events.readAll({ after, limit: 1000 });
    for (const e of batch)
      out.push({ where: `stream ${e.streamId}#${e.streamVersion} (${e.type})`, text: JSON.stringify(e) });
    if (batch.length < 1000) break;
    after = batch[batch.length - 1]?.position ?? after;
  }
  for (const row of await storage.outbox.pending(100_000)) {
    out.push({ where: `outbox #${row.seq} (${row.event.type})`, text: JSON.stringify(row) });
  }
  return out;
}

function hits(found: { where: string; text: string }[]): string[] {
  return found.filter((f) => PII.some((p) => f.text.toLowerCase().includes(p))).map((f) => f.where);
}

describe('erasure reaches every copy', () => {
  it('leaves no e-mail, phone or name anywhere in the store, the log or the outbox', async () => {
    const w = await world();
    const { identity, clock } = w;
    // Customer A: e-mail and a WhatsApp handle; customer B: a work e-mail and the phone.
    const a = await identity.resolve(
      [
        { kind: 'email', value: EMAIL, verified: true },
        { kind: 'channel_handle', namespace: 'whatsapp', value: PHONE, channel: 'whatsapp' },
      ],
      { profile: { name: NAME } },
    );
    const b = await identity.resolve(
      [
        { kind: 'email', value: WORK_EMAIL, verified: true },
        { kind: 'phone', value: PHONE, verified: true, channel: 'sms' },
      ],
      { profile: { name: NAME } },
    );
    expect(b.customerId).not.toBe(a.customerId);
    // A contact linking both: automatic merging is off, so a conflict is queued with both keys.
    const linked = await identity.resolve([
      { kind: 'email', value: EMAIL, verified: true },
      { kind: 'email', value: WORK_EMAIL, verified: true },
    ]);
    expect(linked.conflicts).toHaveLength(1);
    // A refused resolve (bots may not update customers) is audited.
    const refused = await identity
      .resolve([{ kind: 'email', value: EMAIL }], { actor: { id: 'bot-1', roles: ['bot'] } })
      .catch((e: unknown) => e);
    expect(isThreadlineError(refused, 'FORBIDDEN')).toBe(true);
    // Part of the events reach the log now; the merge's stay in the outbox for the erasure.
    expect(await w.deliver()).toBeGreaterThan(0);
    for (const engine of ENGINES) await engine.seed(w, a.customerId);
    clock.advance(60_000);
    await identity.merge(a.customerId, b.customerId, {
      reason: `same person: ${NAME} confirmed ${WORK_EMAIL} by phone`,
      actor: supervisor,
      evidence: [{ key: `email:${WORK_EMAIL}` }, { note: `called ${PHONE}` }],
    });

    // A reviewer closes the conflict with a note naming the customer (free text in the event too).
    await identity.resolveConflict(linked.conflicts[0] as string, {
      status: 'resolved',
      resolution: `merged by hand: both are ${NAME}`,
      actor: admin,
    });

    // The search finds the data everywhere it should look before the erasure (so it can fail).
    const before = hits(await everything(w.storage));
    for (const place of [
      'customers/',
      'identities/',
      'customer_merges/',
      'identity_conflicts/',
      'consents/',
      'cases/',
      'routing_snapshots/',
      'stream routing-journal:',
      'audit_entries/',
      'stream ',
      'outbox #',
    ]) {
      expect(
        before.some((h) => h.startsWith(place)),
        `expected PII in ${place} before erasure`,
      ).toBe(true);
    }
    expect(
      (await identity.listConflicts({ customerId: a.customerId })).items.some((c) =>
        c.keys.includes(`email:${EMAIL}`),
      ),
    ).toBe(true);

    // The erasure service gets the storage and nothing else about where the data lives.
    const ids = createIdGenerator({ clock, seed: 99 });
    const erasure = createErasureService({
      storage: w.storage,
      clock,
      ids,
      audit: createAuditTrail({ store: w.storage.documents, clock, ids }),
    });
    const { tombstone } = await erasure.eraseCustomer(a.customerId, { actor: admin, reason: 'art. 17' });
    expect(tombstone.aliases).toEqual([b.customerId]);
    expect(tombstone.outbox).toMatchObject({ status: 'redacted' });
    expect(hits(await everything(w.storage))).toEqual([]);

    // What was still in the outbox is delivered afterwards, erased, and still deduplicable by id.
    expect(await w.deliver()).toBeGreaterThan(0);
    expect(hits(await everything(w.storage))).toEqual([]);
    // Routing: the erasure deleted the snapshots naming the customer; a fresh engine replays the
    // erased journal and still holds every task, without the personal data.
    const routing = createRoutingEngine({
      clock,
      ids: createIdGenerator({ clock, seed: 13 }),
      workflow: ROUTING_WORKFLOW,
      storage: w.storage,
      journal: { engineId: 'erasure-proof', flushIntervalMs: 0, snapshotEvery: 1 },
    });
    await routing.recover();
    const recovered = routing.snapshot();
    expect(recovered.tasks.map((t) => t.id).sort()).toEqual(['task-1', 'task-2', 'task-other']);
    expect(recovered.tasks.find((t) => t.id === 'task-1')?.attributes).toMatchObject({
      customerId: a.customerId,
      language: 'es',
    });
    expect(hits([{ where: 'routing state', text: JSON.stringify(recovered) }])).toEqual([]);
    // It keeps working on the erased state (and its next snapshot names the customer only by id).
    routing.cancelTask('task-other', 'resolved');
    await routing.flush();
    expect(routing.stats().journal?.snapshots).toBe(1);
    expect(hits(await everything(w.storage))).toEqual([]);
    const conflicts = await identity.listConflicts({ customerId: a.customerId });
    expect(conflicts.items).toHaveLength(1);
    expect(JSON.stringify(conflicts.items)).not.toContain(EMAIL);
    // The same contact now resolves to a new customer.
    expect((await identity.resolve([{ kind: 'email', value: EMAIL, verified: true }])).status).toBe(
      'created',
    );
  });

  it('never writes an identity key into the audit trail, even for a refused resolve', async () => {
    const w = await world();
    await w.identity
      .resolve([{ kind: 'email', value: EMAIL }], { actor: { id: 'bot-1', roles: ['bot'] } })
      .catch(() => undefined);
    await w.identity.resolve([{ kind: 'email', value: EMAIL, verified: true }]);
    const audit = (await everything(w.storage)).filter((f) => f.where.startsWith('audit_entries/'));
    expect(audit).toHaveLength(2);
    expect(hits(audit)).toEqual([]);
  });
});
