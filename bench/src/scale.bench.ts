// Scale-out (pnpm bench scale): routed commands per second with 1, 2 and 3 worker-node processes
// on PostgreSQL + NATS JetStream (12 partitions, one tenant each), and failover time from SIGKILL
// of a node to each of its partitions serving again at another node. Runs are interleaved
// (1, 2, 3 nodes, then again) so the machine's load hits every size alike. Needs
// THREADLINE_PG_URL and THREADLINE_NATS_URL (it fails without them).
//
// Each run: a fresh schema and stream names; the nodes start and share the partitions; the bench
// publishes a stream of routing commands (agents, then tasks submitted, accepted, completed) and
// measures from the first publish to every partition's stored progress reaching the end. In the
// 3-node runs it then kills one node and reads, from the survivors' stats, when each of the dead
// node's partitions was acquired again (recovery included).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SequencedCommand } from '@threadline/worker';
import pg from 'pg';
import { commandStream, PARTITIONS } from '../../tests/test/scale/stream.js';
import { applyStream, awaitServing, busiestNode, startCluster, stopCluster } from './scaleCluster.js';
import { fmt, loadAverage, median, QUICK, spread, table } from './util.js';

const PG_URL = process.env.THREADLINE_PG_URL;
const NATS_URL = process.env.THREADLINE_NATS_URL;
if (PG_URL === undefined || NATS_URL === undefined) {
  console.error('pnpm bench scale needs THREADLINE_PG_URL and THREADLINE_NATS_URL');
  process.exit(1);
}
const RUNS = QUICK ? 1 : 5;
const COMMANDS = QUICK ? 1_000 : 2_000;
const TTL = 2_000;
const SIZES = [1, 2, 3];

/** Routing only: the stream of the reliability test without its case commands. */
function routingStream(seed: number, count: number): SequencedCommand[] {
  const picked = commandStream(seed, count * 2).filter((c) => c.command.kind === 'routing');
  // Renumber per partition (sequences must have no gaps).
  const next = Array.from({ length: PARTITIONS }, () => 0);
  return picked.slice(0, count).map((c) => {
    next[c.partition] = (next[c.partition] as number) + 1;
    return { ...c, id: `${c.id}-r`, seq: next[c.partition] as number };
  });
}

const work = mkdtempSync(join(tmpdir(), 'threadline-scale-bench-'));
const admin = new pg.Client({ connectionString: PG_URL });
await admin.connect();

interface Result {
  nodes: number;
  perSecond: number;
  failoverMs?: number;
  recoveryMs?: number;
}

async function run(nodes: number, round: number): Promise<Result> {
  const cluster = await startCluster({
    nodes,
    tag: 'scale_bench',
    pgUrl: PG_URL as string,
    natsUrl: NATS_URL as string,
    leaseTtlMs: TTL,
    work,
  });
  try {
    const ms = await applyStream(cluster, routingStream(1000 + round, COMMANDS));
    const result: Result = { nodes, perSecond: COMMANDS / (ms / 1000) };
    if (nodes === 3) {
      const victim = busiestNode(cluster);
      const lost = victim.stats()?.held ?? [];
      if (lost.length === 0) return result; // nothing to fail over (no sample)
      const killedAt = Date.now();
      victim.child.kill('SIGKILL');
      await victim.exited;
      const serving = [...(await awaitServing(cluster, victim, lost, killedAt)).values()];
      result.failoverMs = Math.max(...serving.map((v) => v.at));
      result.recoveryMs = Math.max(...serving.map((v) => v.recoveryMs));
    }
    return result;
  } finally {
    await stopCluster(cluster, admin);
  }
}

console.log(
  `${COMMANDS.toLocaleString('en')} routing commands (tasks submitted, accepted, completed) per run over ${PARTITIONS} partitions; lease TTL ${TTL} ms; ${RUNS} interleaved run(s) per size`,
);
const results: Result[] = [];
for (let r = 0; r < RUNS; r++) {
  for (const n of SIZES) {
    const res = await run(n, r);
    results.push(res);
    console.log(
      `  run ${r + 1}, ${n} node(s): ${fmt(res.perSecond)} commands/s${res.failoverMs === undefined ? '' : `; failover ${res.failoverMs} ms (recovery ${res.recoveryMs} ms)`}; load ${loadAverage()}`,
    );
  }
}
const rows = SIZES.map((n) => {
  const xs = results.filter((r) => r.nodes === n).map((r) => r.perSecond);
  return [`${n}`, spread(xs)];
});
table(['nodes', 'commands/s: median [min–max]'], rows);
const failovers = results.flatMap((r) => (r.failoverMs === undefined ? [] : [r.failoverMs]));
const recoveries = results.flatMap((r) => (r.recoveryMs === undefined ? [] : [r.recoveryMs]));
console.log(
  `\nfailover, SIGKILL → every partition of the dead node acquired and recovered at another node: ${spread(failovers)} ms (target < 2 × TTL = ${2 * TTL} ms); recovery alone: median ${fmt(median(recoveries))} ms`,
);
await admin.end();
rmSync(work, { recursive: true, force: true });
