// One worker node of the reliability test, in its own process: PostgreSQL storage (a schema of
// the run), NATS JetStream or Redis Streams as the bus (names unique to the run), a system clock.
// Started by scale.test.ts (and bench/src/scale.bench.ts) as
// `node --conditions=@threadline/source --import tsx child.ts <config json>`. Every 100 ms it
// writes its stats (held partitions, applied commands, fencing rejections) to `statsFile`, so the
// parent sees what a node that it later kills or pauses did. SIGTERM stops it cleanly.
import { renameSync, writeFileSync } from 'node:fs';
import { createPostgresStorage } from '@threadline/adapter-postgres';
import { SystemClock } from '@threadline/core';
import { createWorkerNode } from '@threadline/worker';
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

async function main(config: NodeConfig): Promise<void> {
  const pool = new pg.Pool({ connectionString: config.pgUrl, max: 6 });
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
  const write = () => {
    writeFileSync(`${config.statsFile}.tmp`, JSON.stringify({ ...node.stats(), events }));
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
