// Erasure reaches a worker node (scale-out: routing and cases run in other processes on the same
// storage). Process A erases; the node hears of it only through the `customer.erased` event the
// erasure commits to the outbox (relayed to a bus both share). A block the node commits before
// it heard is refused by the fence on its routing journal and the partition recovers under the
// lease it holds; on delivery the node restarts the partitions that may hold the customer. Then
// the whole store and the node's engines (snapshotted) hold none of the personal data, and the
// node's next writes carry none. On the memory adapter, and on the PostgreSQL server (two
// storages on two pools: as two processes) when THREADLINE_PG_URL is set (a CI run without it
// fails).
import { createMemoryStorage } from '@threadline/adapter-memory';
import { createPostgresStorage } from '@threadline/adapter-postgres';
import {
  createErasureService,
  createIdentityService,
  createIdGenerator,
  createInProcessEventBus,
  createOutboxRelay,
  ManualClock,
  type ThreadlineStorage,
} from '@threadline/core';
import {
  createCommandSequencer,
  createWorkerNode,
  partitionOf,
  type SequencedCommand,
  type WorkerNode,
} from '@threadline/worker';
import pg from 'pg';
import { describe, expect, it } from 'vitest';

const PG_URL = process.env.THREADLINE_PG_URL;
const IN_CI = Boolean(process.env.CI);
const T0 = Date.UTC(2026, 2, 3, 9);
const EMAIL = 'noor.haddad@example.com';
const PHONE = '+31 6 1234 5678';
const NAME = 'Noor Haddad';
const PII = [EMAIL, '612345678', '6 1234 5678', NAME.toLowerCase(), 'haddad'];
const admin = { id: 'dpo', roles: ['admin'] };
const workflow = { queues: [{ id: 'support' }], defaultFilter: { targets: [{ queue: 'support' }] } };
const policies = [{ id: 'default', targets: { first_reply: { normal: { minutes: 30 } } } }];
const PARTITIONS = 4;

function pii(value: unknown): string[] {
  const text = JSON.stringify(value).toLowerCase();
  return PII.filter((p) => text.includes(p));
}

/** Where the personal data still is: every row of every table, or every memory record. */
type Search = () => Promise<string[]>;

interface Backend {
  /** The node's storage and the erasing process's storage (the same data). */
  node: ThreadlineStorage;
  eraser: ThreadlineStorage;
  search: Search;
  dispose: () => Promise<void>;
}

function memoryBackend(clock: ManualClock): Backend {
  const storage = createMemoryStorage({ clock });
  const search: Search = async () => {
    const out: string[] = [];
    const snap = storage.snapshot();
    for (const [collection, docs] of Object.entries(snap.documents.collections))
      if (pii(docs).length > 0) out.push(`documents ${collection}`);
    for (const e of await storage.events.readAll({ after: 0, limit: 1_000_000 }))
      if (pii(e).length > 0) out.push(`stream ${e.streamId}#${e.streamVersion}`);
    for (const row of await storage.outbox.pending(1_000_000))
      if (pii(row).length > 0) out.push(`outbox #${row.seq}`);
    return out;
  };
  return { node: storage, eraser: storage, search, dispose: async () => undefined };
}

async function serverBackend(clock: ManualClock): Promise<Backend> {
  const schema = `tl_erasure_${process.pid}_${Date.now().toString(36)}`;
  const pools = [
    new pg.Pool({ connectionString: PG_URL, max: 4 }),
    new pg.Pool({ connectionString: PG_URL, max: 4 }),
  ];
  for (const p of pools) p.on('error', () => undefined);
  const [node, eraser] = pools.map((client) =>
    createPostgresStorage({ client, schema, leaseClock: clock }),
  ) as [ReturnType<typeof createPostgresStorage>, ReturnType<typeof createPostgresStorage>];
  await node.migrate();
  await eraser.migrate();
  const search: Search = async () => {
    const pool = pools[1] as pg.Pool;
    const { rows: tables } = await pool.query<{ table_name: string }>(
      'SELECT table_name FROM information_schema.tables WHERE table_schema = $1',
      [schema],
    );
    const out: string[] = [];
    for (const { table_name } of tables) {
      const { rows } = await pool.query<{ row: string }>(
        `SELECT t::text AS row FROM "${schema}"."${table_name}" t`,
      );
      for (const r of rows) if (pii(r.row).length > 0) out.push(`${table_name}: ${r.row.slice(0, 120)}`);
    }
    return out;
  };
  return {
    node,
    eraser,
    search,
    dispose: async () => {
      await (pools[1] as pg.Pool).query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await Promise.all(pools.map((p) => p.end()));
    },
  };
}

/** Everything a node's engines hold, as JSON: each held partition's routing snapshot and cases. */
function engineState(node: WorkerNode, caseId: string): unknown[] {
  const out: unknown[] = [];
  for (const p of node.held()) {
    const runner = node.partition(p);
    const routing = runner?.routingEngine('acme');
    if (routing !== undefined) out.push(routing.snapshot());
    const cases = runner?.casesEngine();
    const c = cases?.getCase(caseId, { tenantId: 'acme' });
    if (c !== undefined) out.push(c, cases?.getAudit(caseId, { tenantId: 'acme' }));
  }
  return out;
}

/** Submits; a command caught by a partition restart (`NOT_OWNER`) is delivered again, as a bus would. */
async function deliver(node: WorkerNode, command: SequencedCommand): Promise<string> {
  for (let attempt = 0; attempt < 200; attempt++) {
    try {
      return (await node.submit(command)).status;
    } catch (error) {
      if ((error as { code?: string }).code !== 'NOT_OWNER') throw error;
      // The partition is recovering: a bus would deliver again a little later.
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
  throw new Error(`command ${command.seq} was not applied`);
}

async function scenario(open: (clock: ManualClock) => Promise<Backend> | Backend): Promise<void> {
  const clock = new ManualClock(T0);
  const backend = await open(clock);
  try {
    const ids = createIdGenerator({ clock, seed: 3 });
    const identity = createIdentityService({ storage: backend.eraser, clock, ids });
    const { customerId } = await identity.resolve(
      [
        { kind: 'email', value: EMAIL, verified: true },
        { kind: 'phone', value: PHONE, verified: true },
      ],
      { profile: { name: NAME }, tenantId: 'acme' },
    );
    const bus = createInProcessEventBus();
    const node = createWorkerNode({
      storage: backend.node,
      bus,
      partitions: PARTITIONS,
      tenants: ['acme'],
      routing: () => ({ workflow, reservationTimeoutMs: 60 * 60_000 }),
      cases: { calendars: {}, policies },
      nodeId: 'node-b',
      leaseTtlMs: 60_000,
      snapshotEvery: 2,
      clock,
    });
    await node.tick();
    expect(node.held()).toEqual([0, 1, 2, 3]);

    const seq = createCommandSequencer({ partitions: PARTITIONS, idPrefix: 'gw' });
    const caseId = 'case-noor';
    let at = T0;
    const send = (command: Parameters<typeof seq.next>[0]) => deliver(node, seq.next(command, (at += 1000)));
    expect(
      await send({
        kind: 'routing',
        tenantId: 'acme',
        op: 'upsertWorker',
        args: [{ id: 'w1', status: 'available', capacity: { chat: 1 } }],
      }),
    ).toBe('applied');
    await send({
      kind: 'routing',
      tenantId: 'acme',
      op: 'submitTask',
      args: [
        { id: 't1', channel: 'chat', attributes: { customerId, name: NAME, email: EMAIL, phone: PHONE } },
      ],
    });
    await send({
      kind: 'routing',
      tenantId: 'acme',
      op: 'submitTask',
      args: [{ id: 't-other', channel: 'chat', attributes: { customerId: 'someone-else' } }],
    });
    await send({
      kind: 'cases',
      caseId,
      tenantId: 'acme',
      op: 'openCase',
      args: [
        {
          id: caseId,
          tenantId: 'acme',
          customerId,
          subject: `Refund for ${NAME} (${EMAIL})`,
          priority: 'normal',
          channel: 'chat',
        },
      ],
    });
    expect(pii(engineState(node, caseId))).not.toEqual([]);
    // The search finds it before the erasure (so the empty results below mean something).
    expect(await backend.search()).not.toEqual([]);

    // Process A erases. The node has not heard yet.
    const relay = createOutboxRelay({ storage: backend.eraser, bus, clock });
    const erasure = createErasureService({ storage: backend.eraser, clock, ids });
    const { tombstone } = await erasure.eraseCustomer(customerId, { actor: admin, tenantId: 'acme' });
    expect(tombstone.fencedStreams).toBe(1);
    expect(await backend.search()).toEqual([]);

    // The window: the node commits a block before it heard; the routing journal's fence refuses
    // it (its snapshot with it), the partition recovers under its lease and the command is
    // delivered again. Nothing of the customer is written back.
    const routingP = partitionOf('acme', PARTITIONS);
    await send({ kind: 'routing', tenantId: 'acme', op: 'setWorkerStatus', args: ['w1', 'away'] });
    expect(node.stats().erasureRestarts).toBe(1);
    expect(node.held()).toContain(routingP);
    expect(await backend.search()).toEqual([]);

    // Delivery: the node restarts the partitions that may hold the customer (the case's).
    await relay.drain();
    expect(node.stats().erasureRestarts).toBeGreaterThanOrEqual(2);
    expect(node.held()).toEqual([0, 1, 2, 3]);
    const state = engineState(node, caseId);
    expect(state.length).toBeGreaterThanOrEqual(2);
    expect(pii(state)).toEqual([]);
    const t1 = node.partition(routingP)?.routingEngine('acme')?.getTask('t1');
    expect(t1?.attributes).toMatchObject({ customerId });
    expect(
      node.partition(partitionOf(caseId, PARTITIONS))?.casesEngine().getCase(caseId, { tenantId: 'acme' })
        ?.customerId,
    ).toBe(customerId);

    // The node's next writes carry none of it (journal batches, snapshots, the case's document and audit).
    await send({ kind: 'routing', tenantId: 'acme', op: 'updateTask', args: ['t1', { priority: 4 }] });
    await send({ kind: 'routing', tenantId: 'acme', op: 'setWorkerStatus', args: ['w1', 'available'] });
    await send({
      kind: 'cases',
      caseId,
      tenantId: 'acme',
      op: 'setPriority',
      args: ['high', { actor: { id: 'agent', roles: [] } }],
    });
    await send({ kind: 'advance', partition: routingP });
    expect(pii(engineState(node, caseId))).toEqual([]);
    expect(await backend.search()).toEqual([]);
    await node.stop();
  } finally {
    await backend.dispose();
  }
}

describe('erasure reaches a worker node in another process', () => {
  it('on the memory adapter', { timeout: 60_000 }, async () => {
    await scenario(memoryBackend);
  });

  if (PG_URL !== undefined) {
    it('on the PostgreSQL server', { timeout: 120_000 }, async () => {
      await scenario(serverBackend);
    });
  } else if (IN_CI) {
    it('on the PostgreSQL server', () => {
      throw new Error('THREADLINE_PG_URL is not set but CI is: this suite needs the server');
    });
  }
});
