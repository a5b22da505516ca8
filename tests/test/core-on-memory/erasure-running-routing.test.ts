// Erasure reaches a routing engine that keeps running: its tasks in memory, the journal entries
// and events waiting for their batch, a batch already in flight, and every snapshot it writes
// afterwards. The running engine then holds exactly what a fresh engine recovers from the erased
// store, and the whole store (every collection, stream and outbox row) holds none of the
// customer's e-mail, phone or name.
import { createMemoryStorage, type MemoryStorage } from '@threadline/adapter-memory';
import {
  createErasureService,
  createIdentityService,
  createIdGenerator,
  ManualClock,
  onCustomerErasure,
} from '@threadline/core';
import { createRoutingEngine, type RoutingEngine } from '@threadline/routing';
import { describe, expect, it } from 'vitest';

const EMAIL = 'marta.ruiz@example.com';
const PHONE = '+34 611 222 333';
const NAME = 'Marta Ruiz';
const PII = [EMAIL, '611222333', '611 222 333', NAME.toLowerCase(), 'ruiz'];
const admin = { id: 'dpo', roles: ['admin'] };
const WORKFLOW = { queues: [{ id: 'q' }], defaultFilter: { targets: [{ queue: 'q' }] } };

function pii(value: unknown): string[] {
  const text = JSON.stringify(value).toLowerCase();
  return PII.filter((p) => text.includes(p));
}

/** Every document, stream event and outbox row of the memory store, as text by where it is. */
async function everything(storage: MemoryStorage): Promise<Array<{ where: string; text: string }>> {
  const out: Array<{ where: string; text: string }> = [];
  for (const collection of Object.keys(storage.snapshot().documents.collections)) {
    let cursor: string | undefined;
    do {
      const page = await storage.documents.find(collection, {
        limit: 1000,
        ...(cursor === undefined ? {} : { cursor }),
      });
      for (const d of page.items) out.push({ where: `${collection}/${d.id}`, text: JSON.stringify(d) });
      cursor = page.nextCursor;
    } while (cursor !== undefined);
  }
  for (const e of await storage.events.readAll({ after: 0, limit: 100_000 }))
    out.push({ where: `stream ${e.streamId}#${e.streamVersion}`, text: JSON.stringify(e) });
  for (const row of await storage.outbox.pending(100_000))
    out.push({ where: `outbox #${row.seq} (${row.event.type})`, text: JSON.stringify(row) });
  return out;
}

const hits = async (storage: MemoryStorage) =>
  (await everything(storage)).filter((f) => pii(f.text).length > 0).map((f) => f.where);

function engine(storage: MemoryStorage, clock: ManualClock): RoutingEngine {
  return createRoutingEngine({
    clock,
    ids: createIdGenerator({ clock, seed: 5 }),
    workflow: WORKFLOW,
    storage,
    journal: { engineId: 'running', snapshotEvery: 4, flushIntervalMs: 0 },
  });
}

describe('erasure reaches a running routing engine', () => {
  it('rewrites its tasks, its pending and in-flight journal batches and every later snapshot', async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 5, 9));
    const storage = createMemoryStorage();
    const ids = createIdGenerator({ clock, seed: 1 });
    const identity = createIdentityService({ storage, clock, ids });
    const { customerId } = await identity.resolve([{ kind: 'email', value: EMAIL, verified: true }], {
      profile: { name: NAME },
    });

    const routing = engine(storage, clock);
    routing.upsertWorker({ id: 'agent-1', status: 'available', capacity: { chat: 1 } });
    routing.submitTask({
      id: 't1',
      channel: 'chat',
      attributes: { customerId, name: NAME, email: EMAIL, language: 'es' },
    });
    routing.submitTask({ id: 'other', channel: 'chat', attributes: { customerId: 'someone-else' } });
    await routing.flush();
    // A batch in flight when the erasure starts, and commands still waiting behind it.
    routing.submitTask({ id: 't2', channel: 'chat', attributes: { customerId, note: `call ${PHONE}` } });
    const inFlight = routing.flush();
    routing.updateTask('t1', { attributes: { contact: `${NAME} <${EMAIL}>` } });
    expect(pii(routing.getTask('t1'))).not.toEqual([]);

    const erasure = createErasureService({ storage, clock, ids });
    await erasure.eraseCustomer(customerId, { actor: admin });
    await inFlight;

    // Memory: the tasks keep their structure and the customer's id, not the personal data.
    expect(pii(routing.getTask('t1'))).toEqual([]);
    expect(pii(routing.getTask('t2'))).toEqual([]);
    expect(routing.getTask('t1')?.attributes).toMatchObject({ customerId, language: 'es' });
    expect(routing.getTask('other')?.attributes).toEqual({ customerId: 'someone-else' });
    expect(pii(routing.snapshot())).toEqual([]);

    // What was waiting commits erased; later batches and snapshots hold nothing either.
    await routing.flush();
    expect(await hits(storage)).toEqual([]);
    routing.cancelTask('other', 'resolved');
    routing.upsertWorker({ id: 'agent-2', status: 'available', capacity: { chat: 1 } });
    routing.setWorkerStatus('agent-2', 'away');
    const before = routing.stats().journal?.snapshots ?? 0;
    await routing.flush();
    expect(routing.stats().journal?.snapshots).toBe(before + 1);
    expect(await hits(storage)).toEqual([]);

    // The running engine holds exactly what a fresh process recovers from the erased store.
    const fresh = engine(storage, clock);
    await fresh.recover();
    const { takenAt: _a, ...running } = routing.snapshot();
    const { takenAt: _b, ...recovered } = fresh.snapshot();
    expect(recovered).toEqual(running);
  });

  it('lets a commit in flight land before the store is scanned, and reaches only the erased tenant', async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 5, 9));
    const storage = createMemoryStorage();
    const ids = createIdGenerator({ clock, seed: 2 });
    const seen: string[] = [];
    const stop = onCustomerErasure(storage.documents, (notice) => {
      seen.push(`${notice.tenantId}:${[...notice.customerIds].join(',')}`);
    });
    const other = createRoutingEngine({
      clock,
      workflow: WORKFLOW,
      storage,
      tenantId: 'acme',
      journal: { engineId: 'acme', flushIntervalMs: 0 },
    });
    other.submitTask({ id: 'a1', channel: 'chat', attributes: { customerId: 'c-1', email: EMAIL } });
    await other.flush();
    const routing = engine(storage, clock);
    routing.submitTask({ id: 't1', channel: 'chat', attributes: { customerId: 'c-1', email: EMAIL } });
    const inFlight = routing.flush();
    const erasure = createErasureService({ storage, clock, ids });
    await erasure.eraseCustomer('c-1', { actor: admin });
    await inFlight;
    expect(seen).toEqual(['default:c-1']);
    // The default tenant's journal (committed while the erasure waited) is erased ...
    expect(pii(routing.getTask('t1'))).toEqual([]);
    const journal = await storage.events.readStream('routing-journal:default:running');
    expect(journal.length).toBeGreaterThan(0);
    expect(pii(journal)).toEqual([]);
    // ... and tenant `acme`'s engine keeps its own customer c-1 (another person).
    expect(other.getTask('a1')?.attributes).toMatchObject({ email: EMAIL });
    stop();
    await erasure.eraseCustomer('c-2', { actor: admin });
    expect(seen).toHaveLength(1);
  });
});
