// Erasure reaches a routing engine in another process: one that shares the storage but not the
// in-process hook (its document store is another object, as in another process). It hears of the
// erasure only through the `customer.erased` event the erasure commits to the outbox, delivered by
// the relay; until then its journal stream is fenced, so nothing it holds is written back. After
// delivery neither the store nor its memory hold the customer's e-mail, phone or name, and it ends
// in the same state as an engine that heard in-process.
import { createMemoryStorage, type MemoryStorage } from '@threadline/adapter-memory';
import { createCaseEngine, type SlaPolicyInput } from '@threadline/cases';
import {
  createErasureService,
  createIdentityService,
  createIdGenerator,
  createInProcessEventBus,
  createOutboxRelay,
  type EventBus,
  ManualClock,
  onCustomerErased,
  STREAM_FENCED_EVENT_TYPE,
  type ThreadlineStorage,
} from '@threadline/core';
import { createRoutingEngine, type RoutingEngine } from '@threadline/routing';
import { describe, expect, it } from 'vitest';

const EMAIL = 'lena.vogt@example.com';
const PHONE = '+49 151 2345 6789';
const NAME = 'Lena Vogt';
const PII = [EMAIL, '15123456789', '151 2345 6789', NAME.toLowerCase(), 'vogt'];
const admin = { id: 'dpo', roles: ['admin'] };
const WORKFLOW = { queues: [{ id: 'q' }], defaultFilter: { targets: [{ queue: 'q' }] } };

function pii(value: unknown): string[] {
  const text = JSON.stringify(value).toLowerCase();
  return PII.filter((p) => text.includes(p));
}

/** The same storage as another process sees it: the same data, other objects (no shared hook). */
function elsewhere(storage: MemoryStorage): ThreadlineStorage {
  const target = storage.documents;
  const documents = new Proxy(target, {
    get(t, key) {
      const value = Reflect.get(t, key, t);
      return typeof value === 'function' ? value.bind(t) : value;
    },
  });
  return { ...storage, documents };
}

/** Every document, stream event and outbox row of the memory store holding personal data. */
async function hits(storage: MemoryStorage): Promise<string[]> {
  const out: string[] = [];
  for (const collection of Object.keys(storage.snapshot().documents.collections)) {
    let cursor: string | undefined;
    do {
      const page = await storage.documents.find(collection, {
        limit: 1000,
        ...(cursor === undefined ? {} : { cursor }),
      });
      for (const d of page.items) if (pii(d).length > 0) out.push(`${collection}/${d.id}`);
      cursor = page.nextCursor;
    } while (cursor !== undefined);
  }
  for (const e of await storage.events.readAll({ after: 0, limit: 100_000 }))
    if (pii(e).length > 0) out.push(`stream ${e.streamId}#${e.streamVersion}`);
  for (const row of await storage.outbox.pending(100_000))
    if (pii(row).length > 0) out.push(`outbox #${row.seq} (${row.event.type})`);
  return out;
}

function routing(storage: ThreadlineStorage, clock: ManualClock, bus?: EventBus): RoutingEngine {
  return createRoutingEngine({
    clock,
    ids: createIdGenerator({ clock, seed: 9 }),
    workflow: WORKFLOW,
    storage,
    ...(bus === undefined ? {} : { bus }),
    journal: { engineId: 'b', snapshotEvery: 3, flushIntervalMs: 0 },
  });
}

async function world() {
  const clock = new ManualClock(Date.UTC(2026, 2, 2, 9));
  const storage = createMemoryStorage();
  const ids = createIdGenerator({ clock, seed: 1 });
  const identity = createIdentityService({ storage, clock, ids });
  const { customerId } = await identity.resolve(
    [
      { kind: 'email', value: EMAIL, verified: true },
      { kind: 'phone', value: PHONE, verified: true },
    ],
    { profile: { name: NAME } },
  );
  const bus = createInProcessEventBus();
  const relay = createOutboxRelay({ storage, bus, clock });
  const erasure = createErasureService({ storage, clock, ids });
  return { clock, storage, customerId, bus, relay, erasure };
}

/** The commands both runs apply: the customer's tasks with personal data, and another one's. */
function load(engine: RoutingEngine, customerId: string): void {
  engine.upsertWorker({ id: 'agent-1', status: 'available', capacity: { chat: 1 } });
  engine.submitTask({
    id: 't1',
    channel: 'chat',
    attributes: { customerId, name: NAME, email: EMAIL, language: 'de' },
  });
  engine.submitTask({
    id: 'other',
    channel: 'chat',
    attributes: { customerId: 'someone-else', tier: 'gold' },
  });
  engine.updateTask('t1', { attributes: { contact: `${NAME} <${EMAIL}>`, phone: PHONE } });
}

describe('erasure reaches a routing engine in another process', () => {
  it('fences its journal until it hears customer.erased, then it recovers with none of the personal data', async () => {
    const { clock, storage, customerId, bus, relay, erasure } = await world();
    const b = routing(elsewhere(storage), clock, bus);
    load(b, customerId);
    await b.flush();
    // A command still waiting in B when the erasure runs: B has not heard yet.
    b.submitTask({ id: 't2', channel: 'chat', attributes: { customerId, note: `call ${PHONE}` } });
    expect(pii(b.snapshot())).not.toEqual([]);

    const { tombstone } = await erasure.eraseCustomer(customerId, { actor: admin });
    expect(tombstone.fencedStreams).toBe(1);
    const journal = await storage.events.readStream('routing-journal:default:b');
    expect(journal.at(-1)).toMatchObject({
      type: STREAM_FENCED_EVENT_TYPE,
      payload: { customerIds: [customerId] },
    });

    // The window: B writes before it heard. Its batch (and the snapshot with it) is refused.
    await expect(b.flush()).rejects.toMatchObject({ code: 'ADAPTER' });
    expect(b.stats().journal?.failed).toBe(true);
    expect(await hits(storage)).toEqual([]);

    // Delivery: the relay publishes customer.erased (ids only); B recovers from the erased store.
    const heard: string[] = [];
    onCustomerErased(bus, (n) => {
      heard.push([...n.customerIds].join(','));
    });
    let delivered: unknown;
    bus.subscribe('customer.erased', (e) => {
      delivered = e;
    });
    await relay.drain();
    expect(heard).toEqual([customerId]);
    expect(delivered).toMatchObject({ id: tombstone.eventId, payload: { customerIds: [customerId] } });
    expect(pii(delivered)).toEqual([]);
    expect(b.stats().journal?.failed).toBe(false);
    expect(pii(b.snapshot())).toEqual([]);
    expect(b.getTask('t1')?.attributes).toMatchObject({ customerId, language: 'de' });
    expect(b.getTask('other')?.attributes).toEqual({ customerId: 'someone-else', tier: 'gold' });
    // The refused command is lost, as with any failed commit (it was never visible).
    expect(b.getTask('t2')).toBeUndefined();

    // B's next writes (batches and a snapshot) carry none of it.
    const snapshots = b.stats().journal?.snapshots ?? 0;
    b.cancelTask('other', 'resolved');
    b.upsertWorker({ id: 'agent-2', status: 'available', capacity: { chat: 2 } });
    b.setWorkerStatus('agent-2', 'away');
    b.updateTask('t1', { priority: 3 });
    await b.flush();
    expect(b.stats().journal?.snapshots).toBeGreaterThan(snapshots);
    expect(await hits(storage)).toEqual([]);

    // A redelivery (at least once) is dropped by event id: a command waiting in B survives it
    // (a second recover() would drop it).
    b.submitTask({ id: 't9', channel: 'chat', attributes: { customerId: 'someone-else' } });
    await bus.publish(delivered as never);
    expect(b.getTask('t9')).toBeDefined();
    await b.flush();
    expect(b.getTask('t9')).toBeDefined();
  });

  it('ends in the same state as an engine that heard in-process', async () => {
    const near = await world();
    const a = routing(near.storage, near.clock);
    load(a, near.customerId);
    await a.flush();
    const nearTombstone = (await near.erasure.eraseCustomer(near.customerId, { actor: admin })).tombstone;
    // The in-process engine claimed its stream: it is not fenced and keeps committing.
    expect(nearTombstone.fencedStreams).toBeUndefined();
    await a.flush();

    const far = await world();
    const b = routing(elsewhere(far.storage), far.clock, far.bus);
    load(b, far.customerId);
    await b.flush();
    await far.erasure.eraseCustomer(far.customerId, { actor: admin });
    await far.relay.drain();

    const { takenAt: _a, ...inProcess } = a.snapshot();
    const { takenAt: _b, ...byEvent } = b.snapshot();
    expect(pii(inProcess)).toEqual([]);
    expect(byEvent).toEqual(inProcess);
    expect(await hits(near.storage)).toEqual([]);
    expect(await hits(far.storage)).toEqual([]);
  });

  it('reaches a case engine in another process: its cases adopt the erased documents', async () => {
    const { clock, storage, customerId, bus, relay, erasure } = await world();
    const policies: SlaPolicyInput[] = [
      { id: 'default', targets: { first_reply: { normal: { minutes: 30 } } } },
    ];
    const cases = createCaseEngine({ clock, calendars: {}, policies, storage: elsewhere(storage), bus });
    cases.openCase({
      id: 'k1',
      customerId,
      subject: `Refund for ${NAME} (${EMAIL})`,
      priority: 'normal',
      channel: 'email',
    });
    cases.update('k1', { subject: `Still waiting, ${NAME}, call ${PHONE}` }, { actor: 'agent-1' });
    await cases.flush();
    expect(pii(cases.getCase('k1'))).not.toEqual([]);

    await erasure.eraseCustomer(customerId, { actor: admin });
    expect(pii(cases.getCase('k1'))).not.toEqual([]); // not heard yet
    await relay.drain();
    expect(pii(cases.getCase('k1'))).toEqual([]);
    expect(pii(cases.getAudit('k1'))).toEqual([]);
    expect(cases.getCase('k1')).toMatchObject({ customerId, status: 'new' });

    // Its next writes carry none of it.
    cases.transition('k1', 'open', { actor: 'agent-1' });
    await cases.flush();
    expect(await hits(storage)).toEqual([]);
  });
});
