// @threadline/worker — worker nodes: partitions of the routing and case engines held under
// leases, fenced writes, failover, commands over the bus.
export {
  type AdvanceCommand,
  CASES_OPS,
  type CasesCommand,
  commandEvent,
  commandPartition,
  parseSequencedCommand,
  ROUTING_OPS,
  type RoutingCommand,
  type SequencedCommand,
  SequencedCommandSchema,
  type WorkerCommand,
  WorkerCommandSchema,
} from './command.js';
export { PROGRESS_COLLECTION, type ProgressMarker } from './fencedStorage.js';
export { silentLogger, type WorkerLogger } from './logger.js';
export {
  createWorkerNode,
  isFencing,
  NODES_COLLECTION,
  type WorkerNode,
  type WorkerNodeEvent,
  type WorkerNodeStats,
} from './node.js';
export { type DurableEventBus, type WorkerNodeOptions, WorkerNodeOptionsSchema } from './options.js';
export { commandType, fnv1a, partitionLease, partitionOf } from './partition.js';
export {
  type CommandOutcome,
  type GapWait,
  PartitionRunner,
  type WorkerCasesOptions,
  type WorkerRoutingOptions,
} from './partitionRunner.js';
export { type CommandSequencer, createCommandSequencer } from './sequencer.js';
