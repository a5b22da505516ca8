// Where failover time goes (not a bench of its own: `node --conditions=@threadline/source --import
// tsx bench/src/failover-probe.ts [runs]`, with THREADLINE_PG_URL and THREADLINE_NATS_URL). Like
// the 3-node runs of `pnpm bench scale`: 3 node processes share 12 partitions, a short stream is
// applied, the node holding the most partitions is SIGKILLed. Then the lease rows are polled every
// 10 ms, so each of the dead node's partitions gets a timeline read from the database and the
// survivors' stats: its old lease expiring, the dead node's heartbeat ageing out of the fair
// share, the new grant (its `expires_at` − TTL, database clock), and the partition serving again
// (recovery included). Everything is on one machine, so the database clock and `Date.now()` agree.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { partitionLease } from '@threadline/worker';
import pg from 'pg';
import { sleep } from '../../tests/test/scale/harness.js';
import { commandStream } from '../../tests/test/scale/stream.js';
import { applyStream, awaitServing, busiestNode, startCluster, stopCluster } from './scaleCluster.js';
import { loadAverage, median } from './util.js';

const PG_URL = process.env.THREADLINE_PG_URL;
const NATS_URL = process.env.THREADLINE_NATS_URL;
if (PG_URL === undefined || NATS_URL === undefined) {
  console.error('the failover probe needs THREADLINE_PG_URL and THREADLINE_NATS_URL');
  process.exit(1);
}
const RUNS = Number(process.argv[2] ?? 3);
const TTL = 2_000;
const NODES = 3;

interface Timeline {
  partition: number;
  /** Milliseconds after the SIGKILL. */
  leaseExpired: number;
  heartbeatAged: number;
  granted: number;
  serving: number;
  recoveryMs: number;
}

const work = mkdtempSync(join(tmpdir(), 'threadline-failover-probe-'));
const admin = new pg.Client({ connectionString: PG_URL });
await admin.connect();

async function run(round: number): Promise<Timeline[]> {
  const cluster = await startCluster({
    nodes: NODES,
    tag: 'failover_probe',
    pgUrl: PG_URL as string,
    natsUrl: NATS_URL as string,
    leaseTtlMs: TTL,
    work,
  });
  const { schema, prefix } = cluster;
  try {
    await applyStream(cluster, commandStream(2000 + round, 400));
    const victim = busiestNode(cluster);
    const lost = victim.stats()?.held ?? [];
    const names = lost.map((p) => partitionLease(prefix, p));
    const leases = async () =>
      (
        await admin.query<{ name: string; token: string; expires_at: string }>(
          `SELECT name, token, expires_at FROM "${schema}".leases WHERE name = ANY($1)`,
          [names],
        )
      ).rows;
    const killedAt = Date.now();
    victim.child.kill('SIGKILL');
    const before = new Map((await leases()).map((r) => [r.name, r]));
    const beat = await admin.query<{ body: { seenAt: number } }>(
      `SELECT body FROM "${schema}".documents WHERE collection = 'worker_nodes' AND id = $1`,
      [victim.config.nodeId],
    );
    const heartbeatAged = Number(beat.rows[0]?.body.seenAt ?? 0) + TTL - killedAt;
    const granted = new Map<string, number>();
    const deadline = Date.now() + 10 * TTL;
    while (granted.size < names.length && Date.now() < deadline) {
      for (const r of await leases()) {
        const old = before.get(r.name);
        if (old !== undefined && r.token !== old.token && !granted.has(r.name))
          granted.set(r.name, Number(r.expires_at) - TTL - killedAt);
      }
      await sleep(10);
    }
    const serving = await awaitServing(cluster, victim, lost, killedAt);
    return lost.map((p, i) => ({
      partition: p,
      leaseExpired: Number(before.get(names[i] as string)?.expires_at ?? 0) - killedAt,
      heartbeatAged,
      granted: granted.get(names[i] as string) ?? Number.NaN,
      serving: serving.get(p)?.at ?? Number.NaN,
      recoveryMs: serving.get(p)?.recoveryMs ?? Number.NaN,
    }));
  } finally {
    await stopCluster(cluster, admin);
  }
}

const slowest: Timeline[] = [];
for (let r = 0; r < RUNS; r++) {
  const lines = await run(r);
  console.log(`run ${r + 1} (load ${loadAverage()}), ms after SIGKILL:`);
  for (const t of lines)
    console.log(
      `  partition ${t.partition}: lease expired ${t.leaseExpired}, heartbeat aged ${t.heartbeatAged}, granted ${t.granted}, serving ${t.serving} (recovery ${t.recoveryMs})`,
    );
  const worst = lines.reduce<Timeline | undefined>(
    (w, t) => (w === undefined || t.serving > w.serving ? t : w),
    undefined,
  );
  if (worst !== undefined) slowest.push(worst);
}
const col = (f: (t: Timeline) => number) => Math.round(median(slowest.map(f)));
console.log(
  `\nslowest partition per run, medians over ${slowest.length} runs (ms after SIGKILL): lease expired ${col((t) => t.leaseExpired)}, heartbeat aged ${col((t) => t.heartbeatAged)}, granted ${col((t) => t.granted)} (expiry → grant ${col((t) => t.granted - Math.max(t.leaseExpired, t.heartbeatAged))}), serving ${col((t) => t.serving)} (grant → serving ${col((t) => t.serving - t.granted)}, of which recovery ${col((t) => t.recoveryMs)})`,
);
await admin.end();
rmSync(work, { recursive: true, force: true });
