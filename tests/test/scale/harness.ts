// What the reliability test and the scale bench share: starting node processes, reading their
// stats, reading how far each partition got, publishing a stream over the bus.
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ThreadlineStorage } from '@threadline/core';
import type { DurableEventBus } from '@threadline/worker';
import {
  commandEvent,
  PROGRESS_COLLECTION,
  partitionLease,
  type SequencedCommand,
  type WorkerNodeEvent,
  type WorkerNodeStats,
} from '@threadline/worker';
import type { NodeConfig } from './child.js';

const here = dirname(fileURLToPath(import.meta.url));
const testsDir = join(here, '..', '..');

/** Stats a node process writes every 100 ms. */
export type NodeStats = WorkerNodeStats & {
  /** Writes under the fences held before a SIGSTOP, made on SIGCONT, and how many the store refused. */
  late: { attempted: number; rejected: number };
  events: Array<{ type: WorkerNodeEvent['type']; partition: number; at: number; recoveryMs?: number }>;
};

export interface NodeProcess {
  config: NodeConfig;
  child: ChildProcess;
  exited: Promise<number | string>;
  stats(): NodeStats | undefined;
  stderr(): string;
}

/** Starts one node process (see child.ts). */
export function startNode(config: NodeConfig): NodeProcess {
  const child = spawn(
    process.execPath,
    ['--conditions=@threadline/source', '--import', 'tsx', join(here, 'child.ts'), JSON.stringify(config)],
    { cwd: testsDir, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let err = '';
  child.stderr?.on('data', (b: Buffer) => {
    err += b.toString();
  });
  const exited = new Promise<number | string>((resolve) => {
    child.on('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'));
  });
  return {
    config,
    child,
    exited,
    stats() {
      try {
        return JSON.parse(readFileSync(config.statsFile, 'utf8')) as NodeStats;
      } catch {
        return undefined;
      }
    },
    stderr: () => err,
  };
}

/** The last stored `seq` of every partition (its `resolved` marker). */
export async function resolvedSeqs(
  storage: ThreadlineStorage,
  prefix: string,
  partitions: number,
): Promise<number[]> {
  await storage.documents.defineCollection(PROGRESS_COLLECTION, { indexes: ['partition'] });
  const ids = Array.from({ length: partitions }, (_, p) => partitionLease(prefix, p));
  const docs = await storage.documents.getMany(PROGRESS_COLLECTION, ids);
  return docs.map((d) => Number(d?.seq ?? 0));
}

/** Publishes a stream over the bus in chunks. */
export async function publishStream(
  bus: DurableEventBus,
  prefix: string,
  stream: readonly SequencedCommand[],
  chunk = 500,
): Promise<void> {
  for (let i = 0; i < stream.length; i += chunk)
    await bus.publish(stream.slice(i, i + chunk).map((c) => commandEvent(prefix, c)));
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls `check` every `every` ms until it returns true or `timeoutMs` passes (then throws `what`). */
export async function waitFor(
  what: string,
  check: () => Promise<boolean> | boolean,
  timeoutMs: number,
  every = 50,
): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(every);
  }
}
