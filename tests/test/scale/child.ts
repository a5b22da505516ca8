// One worker node of the reliability test, in its own process: PostgreSQL storage (a schema of
// the run), NATS JetStream or Redis Streams as the bus (names unique to the run), a system clock.
// Started by scale.test.ts (and bench/src/scale.bench.ts) as
// `node --conditions=@threadline/source --import tsx child.ts <config json>`. Every 100 ms it
// writes its stats (held partitions, applied commands, fencing rejections) to `statsFile`, so the
// parent sees what a node that it later kills or pauses did. SIGTERM stops it cleanly.
import { renameSync, writeFileSync } from 'node:fs';
import { createPostgresStorage } from '@threadline/adapter-postgres';
import { SystemClock } from '@threadline/core';
import { createWorkerNode, isFencing, type WorkerLogger } from '@threadline/worker';
import pg from 'pg';
import { type BusConfig, busFor } from './bus.js';
import { engineOptions, tenantsFor } from './stream.js';

/** What the parent passes (one JSON argument). */
export interface NodeConfig extends BusConfig {
  nodeId: string;
  pgUrl: string;
  schema: string;
  partitions: number;
  leaseTtlMs: number;
  statsFile: string;
}

/** Warnings and errors as JSON lines on stderr (the test prints a node's stderr when it fails). */
function stderrLogger(nodeId: string): WorkerLogger {
  const line = (level: string) => (fields: Record<string, unknown>, message: string) =>
    process.stderr.write(`${JSON.stringify({ level, nodeId, at: Date.now(), message, ...fields })}\n`);
  return { debug: () => undefined, info: () => undefined, warn: line('warn'), error: line('error') };
}

async function main(config: NodeConfig): Promise<void> {
  // A node paused inside a fenced transaction holds its lease row (FOR SHARE) and would block the
  // takeover until it resumes: the server ends such a transaction after one TTL.
  const pool = new pg.Pool({
    connectionString: config.pgUrl,
    max: 6,
    idle_in_transaction_session_timeout: config.leaseTtlMs,
  });
  // An idle connection the server ends (the session timeout above) is an 'error' on the pool.
  pool.on('error', () => undefined);
  const storage = createPostgresStorage({ client: pool, schema: config.schema });
  await storage.migrate();
  const bus = busFor(config, config.leaseTtlMs);
  const node = createWorkerNode({
    storage,
    bus,
    partitions: config.partitions,
    tenants: tenantsFor(config.partitions),
    ...engineOptions,
    nodeId: config.nodeId,
    prefix: `w${config.run}`,
    leaseTtlMs: config.leaseTtlMs,
    snapshotEvery: 500,
    maxBlock: 200,
    clock: new SystemClock(),
    logger: stderrLogger(config.nodeId),
  });
  const events: Array<{ type: string; partition: number; at: number; recoveryMs?: number }> = [];
  node.on((e) =>
    events.push({
      type: e.type,
      partition: e.partition,
      at: Date.now(),
      ...(e.type === 'partition.acquired' ? { recoveryMs: e.recoveryMs } : {}),
    }),
  );
  // The fences this node writes under, as of the last 100 ms: after a SIGSTOP, the process
  // writes once under each of them on SIGCONT (a write that was due when it was paused) and
  // counts the store's refusals — the proof that fencing, not timing, stops a late writer.
  let fences: Array<{ lease: string; token: number }> = [];
  const late = { attempted: 0, rejected: 0 };
  process.on('SIGCONT', () => {
    const stale = fences;
    void Promise.all(
      stale.map(async (fence) => {
        late.attempted++;
        try {
          await storage.documents.put(
            'worker_late_writes',
            { id: `${config.nodeId}-${fence.lease}` },
            { fence },
          );
        } catch (error) {
          if (isFencing(error)) late.rejected++;
        }
      }),
    );
  });
  const write = () => {
    fences = node.held().flatMap((p) => {
      const f = node.partition(p)?.lease.fence;
      return f === undefined ? [] : [f];
    });
    writeFileSync(
      `${config.statsFile}.tmp`,
      JSON.stringify({ ...node.stats(), late, events, bus: bus.stats() }),
    );
    renameSync(`${config.statsFile}.tmp`, config.statsFile);
  };
  const timer = setInterval(write, 100);
  node.start();
  process.on('SIGTERM', () => {
    void (async () => {
      clearInterval(timer);
      await node.stop();
      write();
      await bus.close();
      await pool.end();
      process.exit(0);
    })();
  });
}

if (process.argv[2] !== undefined) {
  main(JSON.parse(process.argv[2]) as NodeConfig).catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
