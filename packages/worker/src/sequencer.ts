import type { SequencedCommand, WorkerCommand } from './command.js';
import { commandPartition } from './command.js';

/** Numbers commands per partition for one submitter (see {@link createCommandSequencer}). */
export interface CommandSequencer {
  /** The command with its partition, the partition's next `seq`, `at` and an id `<prefix>-<partition>-<seq>`. */
  next(command: WorkerCommand, at: number): SequencedCommand;
  /** The last `seq` handed out per partition. */
  positions(): number[];
}

/**
 * A partition's command sequence starts at 1 and has no gaps, so it has one submitter at a
 * time: this numbers that submitter's commands. Start it from the positions it reached before
 * (`from`) when the submitter restarts; a command given the same `seq` twice is one command.
 *
 * @example
 * ```ts
 * const seq = createCommandSequencer({ partitions: 12, idPrefix: 'gen-1' });
 * await bus.publish(commandEvent('worker', seq.next({ kind: 'routing', tenantId: 'acme', op: 'submitTask', args: [task] }, Date.now())));
 * ```
 */
export function createCommandSequencer(options: {
  partitions: number;
  idPrefix: string;
  from?: readonly number[];
}): CommandSequencer {
  const last = Array.from({ length: options.partitions }, (_, i) => options.from?.[i] ?? 0);
  return {
    next(command, at) {
      const partition = commandPartition(command, options.partitions);
      const seq = (last[partition] as number) + 1;
      last[partition] = seq;
      return { id: `${options.idPrefix}-${partition}-${seq}`, partition, seq, at, command };
    },
    positions: () => [...last],
  };
}
