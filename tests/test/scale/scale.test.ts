// Proof (issue 13): three worker-node processes share PostgreSQL and a bus (NATS JetStream, then
// Redis Streams) with 12 partitions. The test publishes a stream of commands (tasks submitted,
// accepted and completed; cases opened, messaged, solved and closed; clock advances) over the
// bus; mid-stream one node is killed with SIGKILL, and another is paused with SIGSTOP for longer
// than its lease TTL and then resumed. Afterwards:
// - every partition's stored progress reached the stream's end (every command resolved);
// - the paused node's late writes were refused by fencing (`fencingRejections > 0` in its stats);
// - the final state equals a single-process run of the same commands: every routing engine's
//   state (workers, tasks, reservations, counters), every case document and deadline row;
// - every event of the reference run is in the outbox once, with the same id and content, and
//   there is no other: nothing was lost or produced twice, although the bus delivered commands
//   more than once (redeliveries after the kill and the pause, and a producer's retry of the
//   first 600 commands, are answered as duplicates).
//
// Servers: THREADLINE_PG_URL, THREADLINE_NATS_URL, THREADLINE_REDIS_URL. A missing one fails the
// suite (it does not skip). Names (schemas, streams, key prefixes, lease prefixes) are unique per run.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPostgresStorage } from '@threadline/adapter-postgres';
import { SystemClock, type ThreadlineStorage } from '@threadline/core';
import { commandEvent, createWorkerNode, partitionOf, type WorkerNode } from '@threadline/worker';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { busFor } from './bus.js';
import { type NodeProcess, publishStream, resolvedSeqs, sleep, startNode, waitFor } from './harness.js';
import { commandStream, engineOptions, lastSeqs, PARTITIONS, tenantsFor } from './stream.js';

const PG_URL = process.env.THREADLINE_PG_URL;
const NATS_URL = process.env.THREADLINE_NATS_URL;
const REDIS_URL = process.env.THREADLINE_REDIS_URL;
// The issue's 20,000 commands by default: with one group commit per block the whole file took
// 4 min 19 s on the loaded 2-core machine (load 20 → 10; 6 min 50 s before the group commit at
// load 20–27; BENCHMARKS.md, Scale-out). THREADLINE_SCALE_COMMANDS sets another count (2000 runs
// in about 2 min 20 s), with the same checks.
const COMMANDS = Number(process.env.THREADLINE_SCALE_COMMANDS ?? 20_000);
const SEED = 13_013;
const TTL = 3_000;

const work = mkdtempSync(join(tmpdir(), 'threadline-scale-'));
const schemas: string[] = [];
const pools: pg.Pool[] = [];
const stream = commandStream(SEED, COMMANDS);
const last = lastSeqs(stream);
const tenants = tenantsFor(PARTITIONS);

function storageOn(schema: string) {
  const pool = new pg.Pool({ connectionString: PG_URL, max: 8 });
  pools.push(pool);
  schemas.push(schema);
  return createPostgresStorage({ client: pool, schema });
}

function nodeOn(storage: ThreadlineStorage, nodeId: string, prefix: string): WorkerNode {
  return createWorkerNode({
    storage,
    partitions: PARTITIONS,
    tenants,
    ...engineOptions,
    nodeId,
    prefix,
    leaseTtlMs: TTL,
    snapshotEvery: 500,
    clock: new SystemClock(),
  });
}

/** Everything the comparison reads: routing state per tenant, case documents, deadline rows, events. */
async function finalState(storage: ThreadlineStorage, prefix: string) {
  const reader = nodeOn(storage, `reader-${prefix}`, prefix);
  // Every lease is free or expired by now (the nodes stopped or died more than a TTL ago).
  await waitFor(
    'the reader to hold every partition',
    async () => {
      await reader.tick();
      return reader.held().length === PARTITIONS;
    },
    6 * TTL,
    200,
  );
  const routing: Record<string, unknown> = {};
  for (const t of tenants) {
    const engine = reader.partition(partitionOf(t, PARTITIONS))?.routingEngine(t);
    if (engine === undefined) throw new Error(`no routing engine for ${t}`);
    const { takenAt: _t, ...snap } = engine.snapshot();
    routing[t] = snap;
  }
  await reader.stop();
  const all = async (collection: string) => {
    const out: Record<string, unknown>[] = [];
    for (const tenantId of tenants) {
      let cursor: string | undefined;
      do {
        const page = await storage.documents.find(collection, {
          tenantId,
          limit: 500,
          ...(cursor === undefined ? {} : { cursor }),
        });
        out.push(...page.items.map(({ version: _v, ...d }) => d as Record<string, unknown>));
        cursor = page.nextCursor;
      } while (cursor !== undefined);
    }
    return out.sort((x, y) => (String(x.id) < String(y.id) ? -1 : 1));
  };
  const events = (await storage.outbox.pending(10_000_000)).map((r) => r.event);
  const state = { routing, cases: await all('cases'), deadlines: await all('case_deadlines'), events };
  // Ids carry the lease prefix (unique per run): the comparison reads them without it.
  return JSON.parse(JSON.stringify(state).replaceAll(prefix, 'P')) as typeof state;
}

let reference: Awaited<ReturnType<typeof finalState>>;

describe('worker nodes: failover under load (3 processes, 12 partitions)', () => {
  beforeAll(async () => {
    if (PG_URL === undefined)
      throw new Error('THREADLINE_PG_URL is not set: the reliability test needs PostgreSQL');
    // The reference: one process, every partition, the same commands submitted directly.
    const prefix = `ref${process.pid}${Date.now().toString(36)}`;
    const storage = storageOn(`tl_scale_${prefix}`);
    await storage.migrate();
    const node = nodeOn(storage, 'reference', prefix);
    await node.tick();
    expect(node.held()).toHaveLength(PARTITIONS);
    const started = Date.now();
    const outcomes = await Promise.all(stream.map((c) => node.submit(c)));
    expect(outcomes.filter((o) => o.status === 'duplicate')).toEqual([]);
    process.stderr.write(`[scale] reference applied in ${Date.now() - started} ms\n`);
    await node.stop();
    reference = await finalState(storage, prefix);
  }, 900_000);

  afterAll(async () => {
    if (PG_URL !== undefined) {
      const admin = new pg.Client({ connectionString: PG_URL });
      await admin.connect();
      for (const s of schemas) await admin.query(`DROP SCHEMA IF EXISTS "${s}" CASCADE`);
      await admin.end();
    }
    await Promise.all(pools.map((p) => p.end()));
    rmSync(work, { recursive: true, force: true });
  });

  for (const kind of ['nats', 'redis'] as const) {
    it(`applies ${COMMANDS.toLocaleString('en')} commands exactly once in effect through SIGKILL and SIGSTOP (${kind})`, async () => {
      const url = kind === 'nats' ? NATS_URL : REDIS_URL;
      if (url === undefined) throw new Error(`THREADLINE_${kind.toUpperCase()}_URL is not set`);
      const run = `${kind}${process.pid}${Date.now().toString(36)}`;
      const prefix = `w${run}`;
      const schema = `tl_scale_${run}`;
      const storage = storageOn(schema);
      await storage.migrate();
      const busConfig = { bus: kind, run, ...(kind === 'nats' ? { natsUrl: url } : { redisUrl: url }) };
      const nodes: NodeProcess[] = ['a', 'b', 'c'].map((n) =>
        startNode({
          ...busConfig,
          nodeId: `node-${n}`,
          pgUrl: PG_URL as string,
          schema,
          partitions: PARTITIONS,
          leaseTtlMs: TTL,
          statsFile: join(work, `${run}-${n}.json`),
        }),
      );
      /**
       * The node of `candidates` holding the most partitions (waiting until one holds any: on a
       * loaded machine a node may have lost all of its leases for a while).
       */
      const busiest = async (candidates: NodeProcess[]): Promise<NodeProcess> => {
        const held = (n: NodeProcess) => n.stats()?.held.length ?? 0;
        await waitFor('a node holding partitions', () => candidates.some((n) => held(n) > 0), 120_000, 100);
        return [...candidates].sort((x, y) => held(y) - held(x))[0] as NodeProcess;
      };
      const t0 = Date.now();
      const mark = (what: string) =>
        process.stderr.write(`[scale ${kind}] ${what} at ${Date.now() - t0} ms\n`);
      try {
        // Start when the three share the partitions (4 each).
        await waitFor(
          'the nodes to share the partitions',
          () => nodes.every((n) => n.stats()?.held.length === 4),
          180_000,
          100,
        );
        mark('shared');
        const bus = busFor(busConfig, TTL);
        await publishStream(bus, prefix, stream);
        // Whether the kill and the pause leave committed but unacknowledged commands to redeliver
        // depends on where they land; a producer's retry is certain: the first 600 commands go out
        // again (new envelope ids, so the bus's own dedupe window keeps them) and must be answered
        // as duplicates, without effect.
        await bus.publish(
          stream.slice(0, 600).map((c) => ({ ...commandEvent(prefix, c), id: `${c.id}:retry` })),
        );
        await bus.close();
        mark('published');

        const done = async () => (await resolvedSeqs(storage, prefix, PARTITIONS)).reduce((a, b) => a + b, 0);
        // Generous: a loaded 2-core machine applied as few as ~50 commands/s (see BENCHMARKS.md).
        const budget = 60_000 + 20 * COMMANDS;
        await waitFor('30% of the stream', async () => (await done()) >= 0.3 * COMMANDS, budget, 100);
        const killed = await busiest(nodes);
        mark(`30%, SIGKILL ${killed.config.nodeId}`);
        killed.child.kill('SIGKILL');
        await killed.exited;
        await waitFor('55% of the stream', async () => (await done()) >= 0.55 * COMMANDS, budget, 100);
        const paused = await busiest(nodes.filter((n) => n !== killed));
        const steady = nodes.find((n) => n !== killed && n !== paused) as NodeProcess;
        const beforePause = paused.stats() as NonNullable<ReturnType<NodeProcess['stats']>>;
        expect(beforePause.held.length).toBeGreaterThan(0);
        mark('55%');
        paused.child.kill('SIGSTOP');
        mark(`SIGSTOP ${paused.config.nodeId}`);
        await sleep(4 * TTL);
        // Past its TTL the paused node's leases are free; it wakes once another node holds every
        // one of them (on a loaded machine the takeover, recovery included, can take longer than
        // the pause), so each write it makes on waking meets a newer fence.
        await waitFor(
          'the paused node’s partitions to be taken over',
          () => beforePause.held.every((p) => steady.stats()?.held.includes(p) === true),
          budget,
          100,
        );
        paused.child.kill('SIGCONT');
        mark('SIGCONT');

        await waitFor(
          'every partition to reach the end of the stream',
          async () => (await resolvedSeqs(storage, prefix, PARTITIONS)).every((s, p) => s === last[p]),
          budget,
          200,
        ).catch(async (error: unknown) => {
          const at = await resolvedSeqs(storage, prefix, PARTITIONS);
          const stats = nodes.map((n) => JSON.stringify({ ...n.stats(), events: undefined }));
          throw new Error(
            `${String(error)}: resolved ${at.join(',')} of ${last.join(',')}; ${stats.join(' ')}`,
          );
        });
        mark('done');
        // When each node acquired what (relative to the start), for the log.
        for (const n of nodes) {
          const acquired = (n.stats()?.events ?? [])
            .filter((e) => e.type !== 'partition.released')
            .map(
              (e) =>
                `${e.type === 'partition.lost' ? 'lost' : 'got'} p${e.partition} @${e.at - t0}${e.recoveryMs === undefined ? '' : ` (${e.recoveryMs} ms)`}`,
            );
          process.stderr.write(`[scale ${kind}] ${n.config.nodeId}: ${acquired.join(', ')}\n`);
        }
        // Let the resumed node notice what it lost, then stop the survivors.
        await sleep(TTL);
        for (const n of [paused, steady]) n.child.kill('SIGTERM');
        await Promise.all([paused.exited, steady.exited]);

        const pausedStats = paused.stats() as NonNullable<ReturnType<NodeProcess['stats']>>;
        // The paused node's partitions were taken over, and its late writes refused by fencing.
        expect(pausedStats.lost).toBeGreaterThan(0);
        // Writes it made on waking under the fences it held before the pause were refused, every one
        // (and any engine commit it still attempted was refused too: `fencingRejections`).
        expect(pausedStats.late.attempted).toBeGreaterThan(0);
        expect(pausedStats.late.rejected).toBe(pausedStats.late.attempted);
        const survivors = [paused, steady].map(
          (n) => n.stats() as NonNullable<ReturnType<NodeProcess['stats']>>,
        );
        expect(survivors.reduce((n, s) => n + s.duplicates, 0)).toBeGreaterThan(0); // the retried commands at least

        mark('stopped');
        const state = await finalState(storage, prefix);
        mark('read');
        expect(state.routing).toEqual(reference.routing);
        expect(state.cases).toEqual(reference.cases);
        expect(state.deadlines).toEqual(reference.deadlines);
        const ids = state.events.map((e) => e.id);
        expect(new Set(ids).size).toBe(ids.length); // no event twice
        const byId = new Map(state.events.map((e) => [e.id, e]));
        expect(state.events.length).toBe(reference.events.length);
        for (const e of reference.events) expect(byId.get(e.id)).toEqual(e); // none lost, same content
      } finally {
        for (const n of nodes)
          if (n.child.exitCode === null && n.child.signalCode === null) n.child.kill('SIGKILL');
        const stderr = nodes.map((n) => n.stderr()).join('');
        if (stderr.trim() !== '') console.error(stderr);
      }
    }, 1_800_000);
  }
});
