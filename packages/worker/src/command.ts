import { type EventEnvelope, parseEvent, parseInput, ThreadlineError } from '@threadline/core';
import { z } from 'zod';
import { commandType, partitionOf } from './partition.js';

/** Routing engine methods a command may call (plus `acceptTask`, see {@link RoutingCommand}). */
export const ROUTING_OPS = [
  'upsertWorker',
  'setWorkerStatus',
  'removeWorker',
  'submitTask',
  'updateTask',
  'cancelTask',
  'completeTask',
  'acceptReservation',
  'rejectReservation',
  'acceptTask',
] as const;

/** Case engine methods a command may call; every one but `openCase` takes the case id first. */
export const CASES_OPS = [
  'openCase',
  'transition',
  'reopen',
  'assign',
  'setPriority',
  'update',
  'recordMessage',
  'acknowledgeEscalation',
] as const;

/**
 * A command for the routing engine of `tenantId`: `engine[op](...args)`. `acceptTask` (args
 * `[taskId]`) accepts the task's pending reservation — what a submitter that cannot know
 * reservation ids asks for — and is refused (`NOT_FOUND`) when the task has none.
 */
export interface RoutingCommand {
  kind: 'routing';
  tenantId: string;
  op: (typeof ROUTING_OPS)[number];
  args: unknown[];
}

/**
 * A command for case `caseId`: `engine.openCase(args[0])` (whose `id` must be `caseId`), or
 * `engine[op](caseId, ...args)` for the others.
 */
export interface CasesCommand {
  kind: 'cases';
  caseId: string;
  /** The case's tenant (default `'default'`), used to load a case that left memory. */
  tenantId?: string;
  op: (typeof CASES_OPS)[number];
  args: unknown[];
}

/** Moves the clock of every engine of `partition` to the command's `at` (`advanceTo`). */
export interface AdvanceCommand {
  kind: 'advance';
  partition: number;
}

/** What a worker node runs: one engine call, addressed so that any node can find its partition. */
export type WorkerCommand = RoutingCommand | CasesCommand | AdvanceCommand;

/**
 * A command as it travels: the command, the partition it belongs to, and `seq`, its position in
 * that partition's command sequence. A partition's sequence starts at 1 and has no gaps; the
 * node applies it in order and uses it to apply each command **once in effect** however often the
 * bus delivers it. `at` is the instant the engines run the command at (their clock is pinned to
 * it, never moved back), so every replay decides the same.
 */
export interface SequencedCommand {
  /** Unique id (the bus event id, its dedupe key). */
  id: string;
  partition: number;
  seq: number;
  at: number;
  command: WorkerCommand;
}

const Key = z.string().min(1).max(200);
const Args = z.array(z.unknown()).max(16);

/** Zod schema of a {@link WorkerCommand}. */
export const WorkerCommandSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('routing'), tenantId: Key, op: z.enum(ROUTING_OPS), args: Args }).strict(),
  z
    .object({
      kind: z.literal('cases'),
      caseId: Key,
      tenantId: Key.optional(),
      op: z.enum(CASES_OPS),
      args: Args,
    })
    .strict(),
  z.object({ kind: z.literal('advance'), partition: z.number().int().min(0) }).strict(),
]);

/** Zod schema of a {@link SequencedCommand}. */
export const SequencedCommandSchema = z
  .object({
    id: Key,
    partition: z.number().int().min(0),
    seq: z.number().int().min(1),
    at: z.number().int().min(0),
    command: WorkerCommandSchema,
  })
  .strict();

/** The partition a command belongs to (see `partitionOf`). */
export function commandPartition(command: WorkerCommand, partitions: number): number {
  if (command.kind === 'routing') return partitionOf(command.tenantId, partitions);
  if (command.kind === 'cases') return partitionOf(command.caseId, partitions);
  return command.partition;
}

/**
 * Validates a sequenced command against the partition count (`VALIDATION` naming the field:
 * `command.op`, `partition` when it is not the command's partition, `command.args.0.id` when an
 * `openCase` input's id is not `caseId`).
 */
export function parseSequencedCommand(input: unknown, partitions: number): SequencedCommand {
  const parsed = parseInput(SequencedCommandSchema, input, 'worker command') as SequencedCommand;
  const expected = commandPartition(parsed.command, partitions);
  if (parsed.partition !== expected || expected >= partitions) {
    throw invalid(['partition'], `expected partition ${expected} of ${partitions}`);
  }
  const c = parsed.command;
  if (c.kind === 'cases' && c.op === 'openCase') {
    const id = (c.args[0] as { id?: unknown } | undefined)?.id;
    if (id !== c.caseId) throw invalid(['command', 'args', 0, 'id'], `expected the case id ${c.caseId}`);
  }
  return parsed;
}

function invalid(path: (string | number)[], message: string): ThreadlineError {
  return new ThreadlineError('VALIDATION', `Invalid worker command: ${path.join('.')}: ${message}`, {
    issues: [{ path, message, code: 'custom' }],
  });
}

/**
 * The bus event that carries a sequenced command: type `<prefix>_p<partition>.command_submitted`,
 * aggregate `worker_command` / the command id, tenant the command's tenant (`'default'` for
 * `advance`), payload the command. Publish it with any `EventBus`; the node that holds the
 * partition consumes it.
 *
 * @example
 * ```ts
 * await bus.publish(commandEvent('worker', { id: 'c-1', partition: 3, seq: 1, at: Date.now(), command }));
 * ```
 */
export function commandEvent(prefix: string, sequenced: SequencedCommand): EventEnvelope {
  const c = sequenced.command;
  const tenantId = c.kind === 'advance' ? 'default' : (c.tenantId ?? 'default');
  return parseEvent({
    id: sequenced.id,
    type: commandType(prefix, sequenced.partition),
    tenantId,
    aggregateType: 'worker_command',
    aggregateId: sequenced.id,
    version: 1,
    occurredAt: sequenced.at,
    payload: sequenced,
  });
}
