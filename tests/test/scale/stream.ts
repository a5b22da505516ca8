// The reliability test's command stream: a pure function of (seed, count, partitions), so the
// distributed run and the single-process reference see exactly the same commands, numbered the
// same way per partition.
import type { SlaPolicyInput } from '@threadline/cases';
import {
  createCommandSequencer,
  partitionOf,
  type SequencedCommand,
  type WorkerCommand,
  type WorkerNodeOptions,
} from '@threadline/worker';
import { prng } from '../crash/stream.js';

/** Start of the stream's clock (a Monday, 09:00 UTC). */
export const T0 = Date.UTC(2026, 0, 5, 9);
export const PARTITIONS = 12;
const WORKERS_PER_TENANT = 6;

/** One tenant per partition: `tenant-<p>-<k>`, the first k whose name hashes to partition p. */
export function tenantsFor(partitions: number): string[] {
  const out: string[] = [];
  for (let p = 0; p < partitions; p++) {
    let k = 0;
    while (partitionOf(`tenant-${p}-${k}`, partitions) !== p) k++;
    out.push(`tenant-${p}-${k}`);
  }
  return out;
}

const policies: SlaPolicyInput[] = [
  {
    id: 'default',
    warn: { percent: 50 },
    targets: {
      first_reply: { normal: { minutes: 30 } },
      next_reply: { normal: { minutes: 20 } },
      resolution: { normal: { hours: 8 } },
    },
  },
];
const workflow = { queues: [{ id: 'support' }], defaultFilter: { targets: [{ queue: 'support' }] } };

/** The engine options every node (and the reference) runs with. */
export const engineOptions: Pick<WorkerNodeOptions, 'routing' | 'cases'> = {
  routing: () => ({ workflow, reservationTimeoutMs: 20 * 60_000 }),
  cases: { calendars: {}, policies },
};

/** `count` commands over `partitions` partitions (the first ones set up each tenant's agents). */
export function commandStream(seed: number, count: number, partitions = PARTITIONS): SequencedCommand[] {
  const rnd = prng(seed);
  const pick = (n: number) => Math.floor(rnd() * n);
  const tenants = tenantsFor(partitions);
  const seq = createCommandSequencer({ partitions, idPrefix: `s${seed}` });
  const out: SequencedCommand[] = [];
  let at = T0;
  const push = (c: WorkerCommand) => out.push(seq.next(c, at));
  for (const tenantId of tenants)
    for (let w = 0; w < WORKERS_PER_TENANT; w++)
      push({
        kind: 'routing',
        tenantId,
        op: 'upsertWorker',
        args: [{ id: `agent-${w}`, status: 'available', capacity: { chat: 2 } }],
      });
  const tasks = tenants.map(() => [] as string[]);
  const cases: string[] = [];
  const caseTenant = new Map<string, string>();
  const tenantOf = (caseId: string) => caseTenant.get(caseId) as string;
  const recent = <T>(xs: T[]) => xs[Math.max(0, xs.length - 1 - pick(30))] as T;
  for (let i = out.length; out.length < count; i++) {
    at += pick(20) * 1000;
    const roll = pick(100);
    const t = pick(tenants.length);
    const tenantId = tenants[t] as string;
    if (roll < 25 || (roll < 60 && (tasks[t] as string[]).length === 0)) {
      const id = `task-${i}`;
      (tasks[t] as string[]).push(id);
      push({
        kind: 'routing',
        tenantId,
        op: 'submitTask',
        args: [{ id, channel: 'chat', attributes: { n: i } }],
      });
    } else if (roll < 45) {
      push({ kind: 'routing', tenantId, op: 'acceptTask', args: [recent(tasks[t] as string[])] });
    } else if (roll < 60) {
      push({ kind: 'routing', tenantId, op: 'completeTask', args: [recent(tasks[t] as string[])] });
    } else if (roll < 72 || cases.length === 0) {
      const id = `case-${i}`;
      cases.push(id);
      caseTenant.set(id, tenantId);
      push({
        kind: 'cases',
        caseId: id,
        tenantId,
        op: 'openCase',
        args: [
          {
            id,
            tenantId,
            customerId: `customer-${pick(500)}`,
            subject: `Question ${i}`,
            priority: 'normal',
            channel: 'email',
          },
        ],
      });
    } else if (roll < 88) {
      const caseId = recent(cases);
      const author = pick(2) === 0 ? 'agent' : 'customer';
      push({
        kind: 'cases',
        caseId,
        tenantId: tenantOf(caseId),
        op: 'recordMessage',
        args: [{ author, public: true }, { tenantId: tenantOf(caseId) }],
      });
    } else if (roll < 95) {
      const caseId = recent(cases);
      const status = pick(3) === 0 ? 'closed' : 'solved';
      push({
        kind: 'cases',
        caseId,
        tenantId: tenantOf(caseId),
        op: 'transition',
        args: [status, { actor: 'agent', tenantId: tenantOf(caseId) }],
      });
    } else {
      push({ kind: 'advance', partition: pick(partitions) });
    }
  }
  return out;
}

/** The last `seq` of every partition in a stream. */
export function lastSeqs(stream: readonly SequencedCommand[], partitions = PARTITIONS): number[] {
  const last = Array.from({ length: partitions }, () => 0);
  for (const c of stream) last[c.partition] = Math.max(last[c.partition] as number, c.seq);
  return last;
}
