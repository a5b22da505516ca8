import {
  type Clock,
  type EventBus,
  type EventEnvelope,
  type EventHandler,
  type IdGenerator,
  parseInput,
  type ThreadlineStorage,
  type Unsubscribe,
} from '@threadline/core';
import { z } from 'zod';
import type { WorkerLogger } from './logger.js';
import type { WorkerCasesOptions, WorkerRoutingOptions } from './partitionRunner.js';

/**
 * A bus whose subscriptions can be durable and shared (NATS JetStream, Redis Streams): the node
 * subscribes to a partition's commands with `{ durable: '<prefix>_p<i>', startFrom: 'all' }`, so
 * whichever node holds the partition consumes them and unacknowledged ones go to the next holder.
 */
export interface DurableEventBus {
  publish: EventBus['publish'];
  subscribe(
    pattern: string,
    handler: EventHandler<EventEnvelope>,
    options?: { durable?: string; startFrom?: 'new' | 'all' },
  ): Unsubscribe;
}

/** Options of {@link createWorkerNode}. */
export interface WorkerNodeOptions {
  /** Storage with `leases`, transactions and fencing (the PostgreSQL or memory bundle). */
  storage: ThreadlineStorage;
  /** Where commands arrive (one durable subscription per held partition); optional: `submit` works without. */
  bus?: DurableEventBus;
  /** Number of partitions (1–4096); every node and every submitter must use the same number. */
  partitions: number;
  /** Tenants whose routing and cases the nodes run (default `['default']`). */
  tenants?: string[];
  /** Routing engine options per tenant (workflow, strategy, …). */
  routing: (tenantId: string) => WorkerRoutingOptions;
  /** Case engine options (policies, calendars, escalations, …). */
  cases: WorkerCasesOptions;
  /** This node's id, the owner named on its leases (default: `ids.next('node')`). */
  nodeId?: string;
  /** Lease names are `<prefix>:<i>`, command types `<prefix>_p<i>.command_submitted` (default `worker`). */
  prefix?: string;
  /** Lease TTL (default 10 s): a node that stops renewing loses its partitions after this long. */
  leaseTtlMs?: number;
  /** How often `start()` runs `tick()` (default TTL / 3). */
  tickMs?: number;
  /** At most this many partitions (default: all). The node also keeps to a fair share, see `tick`. */
  maxPartitions?: number;
  /** Routing snapshot every this many journaled commands (default 1000): bounds recovery time. */
  snapshotEvery?: number;
  /**
   * At most this many commands per block (default 500). A block is one group commit: one fenced
   * transaction holds every engine's writes, their outbox rows and the progress markers.
   */
  maxBlock?: number;
  /**
   * How long a partition that was idle waits for more commands before it starts a block (needs a
   * clock with `setTimer`; default 0: at once). While a block commits, the commands arriving
   * meanwhile wait anyway and form the next block; this only lets the first block after a pause
   * collect a burst (fewer, larger commits) at the price of this much latency. At most 1,000 ms.
   */
  blockDelayMs?: number;
  /**
   * Bus deliveries only (needs a clock with `setTimer`): how long a command may wait for an
   * earlier command of its partition that has not arrived before its handler call fails with
   * `TIMEOUT`, so the bus redelivers it later and its consumer reads on (default TTL / 4, within
   * 50 ms – 2 s). The command stays queued and is applied once the gap fills.
   */
  gapWaitMs?: number;
  /** Time for leases' bookkeeping and the node's timers (`start()` needs `setTimer`). */
  clock: Clock;
  /** Ids (the default node id). */
  ids?: IdGenerator;
  /** Structured logger (pino-compatible); silent by default. */
  logger?: WorkerLogger;
}

const PREFIX = /^[a-z][a-z0-9_]*$/;
const fn = <T>(what: string) => z.custom<T>((v) => typeof v === 'function', `expected ${what}`);

/** Zod schema of {@link WorkerNodeOptions} (functions and ports are checked for shape only). */
export const WorkerNodeOptionsSchema = z
  .object({
    storage: z.custom<ThreadlineStorage>(
      (v) => typeof v === 'object' && v !== null && 'documents' in v && 'leases' in v,
      'expected a storage bundle with leases',
    ),
    bus: z
      .custom<DurableEventBus>(
        (v) => typeof v === 'object' && v !== null && 'subscribe' in v && 'publish' in v,
        'expected an event bus',
      )
      .optional(),
    partitions: z.number().int().min(1).max(4096),
    tenants: z.array(z.string().min(1).max(200)).min(1).default(['default']),
    routing: fn<(tenantId: string) => WorkerRoutingOptions>('a function'),
    cases: z.custom<WorkerCasesOptions>(
      (v) => typeof v === 'object' && v !== null,
      'expected case engine options',
    ),
    nodeId: z.string().min(1).max(200).optional(),
    prefix: z.string().max(60).regex(PREFIX, 'lower-case letters, digits and _').default('worker'),
    leaseTtlMs: z.number().int().min(100).max(600_000).default(10_000),
    tickMs: z.number().int().min(10).optional(),
    maxPartitions: z.number().int().min(0).optional(),
    snapshotEvery: z.number().int().min(1).default(1000),
    maxBlock: z.number().int().min(1).max(10_000).default(500),
    blockDelayMs: z.number().int().min(0).max(1_000).default(0),
    gapWaitMs: z.number().int().min(10).max(600_000).optional(),
    clock: z.custom<Clock>((v) => typeof (v as Clock | undefined)?.now === 'function', 'expected a clock'),
    ids: z.custom<IdGenerator>((v) => typeof (v as IdGenerator | undefined)?.next === 'function').optional(),
    logger: z.custom<WorkerLogger>((v) => typeof v === 'object' && v !== null).optional(),
  })
  .strict();

/** Validated options. */
export type ParsedWorkerNodeOptions = z.output<typeof WorkerNodeOptionsSchema>;

/** Validates node options (`CONFIG` naming every bad field). */
export function parseWorkerNodeOptions(options: WorkerNodeOptions): ParsedWorkerNodeOptions {
  return parseInput(WorkerNodeOptionsSchema, options, 'worker node options', 'CONFIG');
}
