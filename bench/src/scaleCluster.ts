// The worker-node cluster that `scale.bench.ts` and `failover-probe.ts` both drive: node processes
// (the reliability test's child) on a fresh PostgreSQL schema and NATS stream names, sharing
// 12 partitions; a stream of commands published and applied; a node killed and its partitions
// followed until they serve again elsewhere.
import { join } from 'node:path';
import { createPostgresStorage, type PostgresStorage } from '@threadline/adapter-postgres';
import type { SequencedCommand } from '@threadline/worker';
import pg from 'pg';
import { busFor } from '../../tests/test/scale/bus.js';
import {
  type NodeProcess,
  publishStream,
  resolvedSeqs,
  startNode,
  waitFor,
} from '../../tests/test/scale/harness.js';
import { lastSeqs, PARTITIONS } from '../../tests/test/scale/stream.js';

/** What {@link startCluster} needs. */
export interface ClusterOptions {
  nodes: number;
  /** Schema and run names start with it (`tl_<tag>_…`). */
  tag: string;
  pgUrl: string;
  natsUrl: string;
  leaseTtlMs: number;
  /** Folder for the nodes' stats files. */
  work: string;
}

/** A running cluster: its schema, store, stream prefix and node processes. */
export interface Cluster {
  schema: string;
  prefix: string;
  storage: PostgresStorage;
  procs: NodeProcess[];
  options: ClusterOptions;
  pool: pg.Pool;
  busConfig: { bus: 'nats'; run: string; natsUrl: string };
}

/** Starts the nodes on a fresh schema and waits until they hold every partition, fairly shared. */
export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  const runId = `${options.tag[0]}${process.pid}${Date.now().toString(36)}`;
  const schema = `tl_${options.tag}_${runId}`;
  const pool = new pg.Pool({ connectionString: options.pgUrl, max: 2 });
  const storage = createPostgresStorage({ client: pool, schema });
  await storage.migrate();
  const busConfig = { bus: 'nats' as const, run: runId, natsUrl: options.natsUrl };
  const procs: NodeProcess[] = Array.from({ length: options.nodes }, (_, i) =>
    startNode({
      ...busConfig,
      nodeId: `node-${i}`,
      pgUrl: options.pgUrl,
      schema,
      partitions: PARTITIONS,
      leaseTtlMs: options.leaseTtlMs,
      statsFile: join(options.work, `${runId}-${i}.json`),
    }),
  );
  const cluster = { schema, prefix: `w${runId}`, storage, procs, options, pool, busConfig };
  const share = Math.ceil(PARTITIONS / options.nodes);
  await waitFor(
    'the nodes to share the partitions',
    () =>
      procs.reduce((n, p) => n + (p.stats()?.held.length ?? 0), 0) === PARTITIONS &&
      procs.every((p) => (p.stats()?.held.length ?? 0) <= share),
    300_000,
    100,
  );
  return cluster;
}

/** Publishes `stream` over NATS and waits until every partition's stored progress reaches its end; returns the milliseconds from the first publish. */
export async function applyStream(cluster: Cluster, stream: SequencedCommand[]): Promise<number> {
  const last = lastSeqs(stream);
  const bus = busFor(cluster.busConfig, cluster.options.leaseTtlMs);
  const t0 = performance.now();
  await publishStream(bus, cluster.prefix, stream);
  await waitFor(
    'the stream to be applied',
    async () =>
      (await resolvedSeqs(cluster.storage, cluster.prefix, PARTITIONS)).every((s, p) => s === last[p]),
    600_000,
    20,
  );
  const ms = performance.now() - t0;
  await bus.close();
  return ms;
}

/** The node holding the most partitions now (under load a node may hold none). */
export function busiestNode(cluster: Cluster): NodeProcess {
  return [...cluster.procs].sort(
    (x, y) => (y.stats()?.held.length ?? 0) - (x.stats()?.held.length ?? 0),
  )[0] as NodeProcess;
}

/**
 * Waits until every partition in `lost` was acquired again by a node other than `victim` after
 * `killedAt` (epoch ms); returns, per partition, when (ms after the kill) and its recovery time.
 */
export async function awaitServing(
  cluster: Cluster,
  victim: NodeProcess,
  lost: readonly number[],
  killedAt: number,
): Promise<Map<number, { at: number; recoveryMs: number }>> {
  const serving = new Map<number, { at: number; recoveryMs: number }>();
  await waitFor(
    'the dead node’s partitions to serve again',
    () => {
      for (const p of cluster.procs.filter((x) => x !== victim))
        for (const e of p.stats()?.events ?? [])
          if (e.type === 'partition.acquired' && e.at >= killedAt && lost.includes(e.partition))
            serving.set(e.partition, { at: e.at - killedAt, recoveryMs: e.recoveryMs ?? 0 });
      return serving.size === lost.length;
    },
    10 * cluster.options.leaseTtlMs,
    20,
  );
  return serving;
}

/** Stops every node still running, closes the pool and drops the schema (through `admin`). */
export async function stopCluster(cluster: Cluster, admin: pg.Client): Promise<void> {
  for (const p of cluster.procs)
    if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGTERM');
  await Promise.all(cluster.procs.map((p) => p.exited));
  await cluster.pool.end();
  await admin.query(`DROP SCHEMA IF EXISTS "${cluster.schema}" CASCADE`);
}
