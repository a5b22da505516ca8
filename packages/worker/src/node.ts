import {
  type CustomerErasedNotice,
  createIdGenerator,
  type EventEnvelope,
  isThreadlineError,
  type Lease,
  type LeaseStore,
  onCustomerErased,
  ThreadlineError,
  type TimerClock,
  type Unsubscribe,
} from '@threadline/core';
import { parseSequencedCommand, type SequencedCommand } from './command.js';
import { isStreamConflict, partitionsHoldingCustomer } from './erasure.js';
import { silentLogger, type WorkerLogger } from './logger.js';
import { type ParsedWorkerNodeOptions, parseWorkerNodeOptions, type WorkerNodeOptions } from './options.js';
import { commandType, fnv1a, partitionLease } from './partition.js';
import { type CommandOutcome, type GapWait, PartitionRunner } from './partitionRunner.js';

/** Default `gapWaitMs`: a quarter of the lease TTL, at least 50 ms, at most 2 s. */
export function gapWaitDefault(leaseTtlMs: number): number {
  return Math.min(2_000, Math.max(50, Math.floor(leaseTtlMs / 4)));
}

/** The runner's `blockDelay`: `blockDelayMs` on the clock's timer (none without one, or at 0). */
function blockDelay(o: ParsedWorkerNodeOptions): GapWait | undefined {
  const clock = o.clock as Partial<TimerClock>;
  if (o.blockDelayMs === 0 || typeof clock.setTimer !== 'function') return undefined;
  return { waitMs: o.blockDelayMs, setTimer: clock.setTimer.bind(clock) };
}

/** Collection of node heartbeats (`{ id: nodeId, seenAt }`), from which nodes derive their fair share. */
export const NODES_COLLECTION = 'worker_nodes';

/** What a node reports to `on` listeners. */
export type WorkerNodeEvent =
  | { type: 'partition.acquired'; partition: number; token: number; recoveryMs: number }
  | { type: 'partition.released'; partition: number; token: number }
  /** The lease was lost (a renewal or a fenced commit refused with `CONFLICT`): the partition stopped. */
  | { type: 'partition.lost'; partition: number; token: number; error: unknown };

/** Counters of a node. */
export interface WorkerNodeStats {
  nodeId: string;
  /** Partitions this node holds now. */
  held: number[];
  /** Commands applied (not duplicates), over every partition this node has held. */
  applied: number;
  /** Commands answered as duplicates (already in the store). */
  duplicates: number;
  /** Commands the engines refused (deterministic refusals, recorded as the outcome). */
  refused: number;
  /** Leases acquired / lost / released. */
  acquired: number;
  lost: number;
  released: number;
  /** Writes refused by fencing (`CONFLICT` naming a lease this node had held). */
  fencingRejections: number;
  /** Blocks committed by the partitions held now (commands per block = the batching achieved). */
  blocks: number;
  /**
   * Bus deliveries answered `TIMEOUT` because an earlier command of their partition had not
   * arrived within `gapWaitMs` (it was with a dead or paused node); the bus delivers them again.
   */
  gapReleases: number;
  /**
   * Partitions restarted (recovered under the lease they hold) because of an erasure: a
   * `customer.erased` event for a customer they may hold, or a commit refused by an erasure's
   * fence on their routing journal.
   */
  erasureRestarts: number;
}

/** A worker node: see {@link createWorkerNode}. */
export interface WorkerNode {
  readonly nodeId: string;
  /**
   * Runs a command on this node. Resolves its outcome once its effect is stored (`applied`,
   * `refused`, or `duplicate` when an earlier delivery already stored it). Throws `NOT_OWNER`
   * (`details.partition`, `details.owner`: the node holding it, if any) when this node does not
   * hold the command's partition, and `VALIDATION` for a malformed command.
   */
  submit(command: SequencedCommand): Promise<CommandOutcome>;
  /**
   * One round of lease work: heartbeat, renew held leases (a lost one stops its partition),
   * give up partitions above the fair share, acquire free ones up to it (recovering each).
   */
  tick(): Promise<void>;
  /** Runs `tick()` every `tickMs` on the clock's timer (needs a `TimerClock`). */
  start(): void;
  /** Stops ticking, stops every partition and releases its lease, so others take over at once. */
  stop(): Promise<void>;
  /** Partitions held now, ascending. */
  held(): number[];
  /** The runner of a held partition (its engines, for reads), if held. */
  partition(index: number): PartitionRunner | undefined;
  stats(): WorkerNodeStats;
  /** Listens to partition changes; returns the unsubscribe function. */
  on(listener: (event: WorkerNodeEvent) => void): Unsubscribe;
}

/**
 * Creates a worker node: it holds leases on some of `partitions` partitions (each partition one
 * lease `<prefix>:<i>` in `storage.leases`), runs the routing engines (one per tenant whose
 * `partitionOf(tenantId)` is the partition) and a case engine (the cases whose
 * `partitionOf(caseId)` is the partition) of each, with every write fenced by the lease, and
 * consumes the partition's commands from the bus. A node that loses a lease stops that partition
 * at once; the next holder recovers it (routing: snapshot + journal; cases: open cases) and
 * continues from the last stored command.
 *
 * @example
 * ```ts
 * const node = createWorkerNode({
 *   storage: createPostgresStorage({ client: pool }),
 *   bus: createNatsEventBus({ servers, maxInFlight: 200, ackWaitMs: 10_000 }),
 *   partitions: 12,
 *   tenants: ['acme', 'globex'],
 *   routing: () => ({ workflow }),
 *   cases: { calendars: {}, policies },
 *   clock: new SystemClock(),
 * });
 * node.start(); // acquires its share of the partitions, renews, fails over
 * ```
 */
export function createWorkerNode(options: WorkerNodeOptions): WorkerNode {
  return new Node(parseWorkerNodeOptions(options));
}

class Node implements WorkerNode {
  readonly nodeId: string;
  readonly #o: ParsedWorkerNodeOptions;
  readonly #leases: LeaseStore;
  readonly #log: WorkerLogger;
  readonly #runners = new Map<number, PartitionRunner>();
  /** Leases granted whose partition is still recovering: renewed too (a recovery may outlast the TTL). */
  readonly #recovering = new Map<number, Lease>();
  readonly #subscriptions = new Map<number, Unsubscribe>();
  readonly #listeners = new Set<(e: WorkerNodeEvent) => void>();
  #ticking: Promise<Share> | null = null;
  #acquiring: Promise<void> | null = null;
  #cancelTimer: (() => void) | null = null;
  /** One extra round, set for when the lease of a partition a dead node held lapses. */
  #cancelEarly: (() => void) | null = null;
  #stopped = false;
  #ready = false;
  readonly #stats = {
    applied: 0,
    duplicates: 0,
    refused: 0,
    acquired: 0,
    lost: 0,
    released: 0,
    fencing: 0,
    gapReleases: 0,
    erasureRestarts: 0,
  };
  #stopErasures: Unsubscribe | null = null;

  constructor(o: ParsedWorkerNodeOptions) {
    this.#o = o;
    if (o.storage.leases === undefined) {
      throw new ThreadlineError('CONFIG', 'A worker node needs storage with leases (`storage.leases`)', {
        issues: [{ path: ['storage', 'leases'], message: 'required', code: 'invalid_type' }],
      });
    }
    this.#leases = o.storage.leases;
    this.nodeId = o.nodeId ?? (o.ids ?? createIdGenerator({ clock: o.clock })).next('node');
    this.#log = o.logger ?? silentLogger;
    // Every node hears every erasure (its own consumer), and restarts the partitions that may
    // hold the customer: they recover from the erased store.
    if (o.bus !== undefined) {
      this.#stopErasures = onCustomerErased(o.bus, (notice) => this.#erased(notice), {
        subscribeOptions: {
          durable: `${o.prefix}_erasures_${this.nodeId.replace(/[^A-Za-z0-9_-]/g, '-')}`,
          startFrom: 'new',
        },
      });
    }
  }

  /** A customer was erased (in any process): partitions that may hold it recover from the store. */
  async #erased(notice: CustomerErasedNotice): Promise<void> {
    const partitions = await partitionsHoldingCustomer(this.#o.storage.documents, notice, {
      partitions: this.#o.partitions,
      tenants: this.#o.tenants,
      held: this.held(),
    });
    await Promise.all(
      partitions.map((p) => {
        const runner = this.#runners.get(p);
        return runner === undefined ? undefined : this.#restart(p, runner, 'customer.erased');
      }),
    );
  }

  /**
   * Stops a partition and recovers it at once under the lease it still holds: waiting callers
   * are answered `NOT_OWNER` (the bus delivers again, to this node), nothing it held in memory is
   * written, and the engines are rebuilt from the store.
   */
  async #restart(p: number, runner: PartitionRunner, reason: unknown): Promise<void> {
    if (this.#runners.get(p) !== runner) return;
    this.#unsubscribe(p);
    this.#runners.delete(p);
    this.#stats.erasureRestarts++;
    this.#log.info({ partition: p, reason: String(reason) }, 'partition restarts after an erasure');
    await runner.stop(
      new ThreadlineError('NOT_OWNER', `partition ${p} restarts after an erasure; deliver again`, {
        details: { partition: p, node: this.nodeId },
        ...(reason instanceof Error ? { cause: reason } : {}),
      }),
    );
    if (this.#stopped) {
      await runner.lease.release().catch(() => false);
      return;
    }
    await this.#recover(p, runner.lease);
  }

  submit(input: SequencedCommand): Promise<CommandOutcome> {
    return this.#submit(input, undefined);
  }

  /** The bus path: like `submit`, but a delivery stuck behind a missing command is released (`TIMEOUT`). */
  #fromBus(input: unknown): Promise<CommandOutcome> {
    const clock = this.#o.clock as Partial<TimerClock>;
    const gap =
      typeof clock.setTimer === 'function'
        ? {
            waitMs: this.#o.gapWaitMs ?? gapWaitDefault(this.#o.leaseTtlMs),
            setTimer: clock.setTimer.bind(clock),
          }
        : undefined;
    return this.#submit(input as SequencedCommand, gap);
  }

  async #submit(input: SequencedCommand, gap: GapWait | undefined): Promise<CommandOutcome> {
    const command = parseSequencedCommand(input, this.#o.partitions);
    const runner = this.#runners.get(command.partition);
    if (runner === undefined) throw await this.#notOwner(command.partition);
    let outcome: CommandOutcome;
    try {
      outcome = await runner.submit(command, gap);
    } catch (error) {
      if (isThreadlineError(error, 'TIMEOUT')) this.#stats.gapReleases++;
      // The partition stopped while the command waited: the caller retries at the new owner.
      if (!this.#runners.has(command.partition) || this.#runners.get(command.partition) !== runner)
        throw await this.#notOwner(command.partition, error);
      throw error;
    }
    if (outcome.status === 'applied') this.#stats.applied++;
    else if (outcome.status === 'duplicate') this.#stats.duplicates++;
    else this.#stats.refused++;
    return outcome;
  }

  async #notOwner(partition: number, cause?: unknown): Promise<ThreadlineError> {
    const lease = partitionLease(this.#o.prefix, partition);
    const info = await this.#leases.inspect(lease).catch(() => undefined);
    const owner = info?.state === 'held' && info.owner !== this.nodeId ? info.owner : undefined;
    return new ThreadlineError(
      'NOT_OWNER',
      `partition ${partition} is not held by node ${this.nodeId}${owner === undefined ? '' : `; node ${owner} holds it`}`,
      {
        details: { partition, lease, node: this.nodeId, ...(owner === undefined ? {} : { owner }) },
        issues: [{ path: ['partition'], message: 'not held by this node', code: 'not_owner' }],
        ...(cause === undefined ? {} : { cause }),
      },
    );
  }

  tick(): Promise<void> {
    return this.#round(true);
  }

  /**
   * Heartbeat and renewals run every round and never wait behind an acquisition (a recovery can
   * take seconds; held leases must not expire meanwhile). With `awaitAcquire` false (the timer),
   * acquisitions run in the background, one batch at a time.
   */
  #round(awaitAcquire: boolean): Promise<void> {
    if (this.#stopped) return Promise.resolve();
    this.#ticking ??= this.#renewAll().finally(() => {
      this.#ticking = null;
    });
    return this.#ticking.then(async (share) => {
      if (this.#stopped) return;
      this.#acquiring ??= this.#acquireUpTo(share).finally(() => {
        this.#acquiring = null;
      });
      if (awaitAcquire) await this.#acquiring;
    });
  }

  /** Heartbeat, renew every held lease (at once), hand over what is above the fair share; resolves the share. */
  async #renewAll(): Promise<Share> {
    const o = this.#o;
    const docs = o.storage.documents;
    if (!this.#ready) {
      await docs.defineCollection(NODES_COLLECTION, { indexes: [] });
      this.#ready = true;
    }
    const now = o.clock.now();
    await docs.put(NODES_COLLECTION, { id: this.nodeId, seenAt: now });
    // A lease that is lost stops its partition before anything else happens. Leases of
    // partitions still recovering are renewed too (a loss there fails the recovery's fenced writes).
    await Promise.all(
      [...this.#recovering.values()].map((lease) => lease.renew(o.leaseTtlMs).catch(() => undefined)),
    );
    await Promise.all(
      [...this.#runners].map(async ([p, runner]) => {
        try {
          await runner.lease.renew(o.leaseTtlMs);
        } catch (error) {
          if (isThreadlineError(error, 'CONFLICT')) await this.#lose(p, runner, error, false);
          else
            this.#log.warn(
              { partition: p, error: String(error) },
              'lease renewal failed; retrying next tick',
            );
        }
      }),
    );
    const share = await this.#fairShare(now);
    // Above the fair share (a node joined): hand the newest partitions over.
    while (this.#runners.size > share.fair && this.#acquiring === null) {
      const p = Math.max(...this.#runners.keys());
      await this.#release(p);
    }
    return share;
  }

  /**
   * Takes free partitions up to the fair share. Free partitions are tried from this node's own
   * starting point, a batch of leases at a time; each granted one recovers in the background
   * while the next batch is tried (a batch used to wait for its slowest recovery, which delayed
   * the next grants by seconds under load), and the call resolves once every recovery it started
   * has ended. A lease still held by a node whose heartbeat aged out is about to lapse: one extra
   * round is set for that instant instead of waiting for the next tick.
   */
  async #acquireUpTo(share: Share): Promise<void> {
    const o = this.#o;
    const start = fnv1a(this.nodeId) % o.partitions;
    const order = Array.from({ length: o.partitions }, (_, n) => (start + n) % o.partitions);
    const taken = () => this.#runners.size + this.#recovering.size;
    const recoveries: Promise<void>[] = [];
    const refused: string[] = [];
    let next = 0;
    while (next < order.length && taken() < share.fair && !this.#stopped) {
      const batch: number[] = [];
      while (next < order.length && batch.length < share.fair - taken()) {
        const p = order[next++] as number;
        if (!this.#runners.has(p) && !this.#recovering.has(p)) batch.push(p);
      }
      const leases = await Promise.all(
        batch.map((p) =>
          this.#leases.acquire(partitionLease(o.prefix, p), o.leaseTtlMs, { owner: this.nodeId }),
        ),
      );
      leases.forEach((lease, i) => {
        const p = batch[i] as number;
        if (lease === undefined) refused.push(partitionLease(o.prefix, p));
        else recoveries.push(this.#recover(p, lease));
      });
    }
    if (taken() < share.fair && refused.length > 0 && share.dying.size > 0)
      await this.#retryAtLapse(refused, share.dying);
    await Promise.all(recoveries);
  }

  /**
   * Sets one extra round for when the first of `names` held by a node of `dying` lapses (its
   * `expiresAt`, by the store's clock; at most one TTL away).
   */
  async #retryAtLapse(names: readonly string[], dying: ReadonlySet<string>): Promise<void> {
    const clock = this.#o.clock as Partial<TimerClock>;
    if (this.#cancelTimer === null || this.#cancelEarly !== null || typeof clock.setTimer !== 'function')
      return;
    const infos = await Promise.all(names.map((n) => this.#leases.inspect(n).catch(() => undefined)));
    const now = this.#o.clock.now();
    let lapse = Number.POSITIVE_INFINITY;
    for (const info of infos)
      if (info?.state === 'held' && info.owner !== undefined && dying.has(info.owner))
        lapse = Math.min(lapse, info.expiresAt);
    if (!Number.isFinite(lapse) || this.#stopped) return;
    const delay = Math.min(this.#o.leaseTtlMs, Math.max(0, lapse - now)) + 10;
    this.#cancelEarly = clock.setTimer.call(
      clock,
      () => {
        this.#cancelEarly = null;
        this.#round(false).catch((error: unknown) =>
          this.#log.error({ error: String(error) }, 'tick failed'),
        );
      },
      delay,
    );
  }

  /** `ceil(partitions / live nodes)`, capped by `maxPartitions`; live = heartbeat within one TTL. */
  async #fairShare(now: number): Promise<Share> {
    const o = this.#o;
    const live = new Set<string>([this.nodeId]);
    const dying = new Set<string>();
    let cursor: string | undefined;
    do {
      const page = await o.storage.documents.find(NODES_COLLECTION, {
        limit: 500,
        ...(cursor === undefined ? {} : { cursor }),
      });
      for (const d of page.items) {
        const seenAt = Number(d.seenAt);
        if (seenAt >= now - o.leaseTtlMs) live.add(d.id);
        else if (seenAt >= now - 3 * o.leaseTtlMs && d.id !== this.nodeId) dying.add(d.id);
      }
      cursor = page.nextCursor;
    } while (cursor !== undefined);
    const fair = Math.ceil(o.partitions / live.size);
    return { fair: Math.min(fair, o.maxPartitions ?? o.partitions), dying };
  }

  /** Recovers a partition whose lease was just granted, then serves it. */
  async #recover(p: number, lease: Lease): Promise<void> {
    const o = this.#o;
    this.#recovering.set(p, lease);
    const started = o.clock.now();
    const runner: PartitionRunner = new PartitionRunner({
      storage: o.storage,
      lease,
      partition: p,
      partitions: o.partitions,
      tenants: o.tenants,
      routing: o.routing,
      cases: o.cases,
      snapshotEvery: o.snapshotEvery,
      maxBlock: o.maxBlock,
      blockDelay: blockDelay(o),
      onFailure: (error) => {
        if (this.#runners.get(p) !== runner) return;
        // A journal stream fenced by an erasure: recover under the same lease, do not wait a TTL.
        if (isStreamConflict(error)) void this.#restart(p, runner, error);
        else void this.#lose(p, runner, error, true);
      },
    });
    try {
      await runner.recover();
    } catch (error) {
      this.#recovering.delete(p);
      this.#log.error({ partition: p, error: String(error) }, 'partition recovery failed; releasing it');
      if (isFencing(error)) this.#stats.fencing++;
      await lease.release().catch(() => false);
      return;
    }
    this.#recovering.delete(p);
    if (this.#stopped) {
      await runner.stop(new ThreadlineError('NOT_OWNER', `node ${this.nodeId} is stopping`));
      await lease.release().catch(() => false);
      return;
    }
    this.#runners.set(p, runner);
    this.#stats.acquired++;
    const recoveryMs = o.clock.now() - started;
    this.#log.info({ partition: p, token: lease.token, recoveryMs }, 'partition acquired');
    this.#emit({ type: 'partition.acquired', partition: p, token: lease.token, recoveryMs });
    const bus = o.bus;
    if (bus !== undefined) {
      const stop = bus.subscribe(
        `${commandType(o.prefix, p).split('.')[0]}.*`,
        (event: EventEnvelope) => this.#fromBus(event.payload),
        { durable: `${o.prefix}_p${p}`, startFrom: 'all' },
      );
      this.#subscriptions.set(p, stop);
    }
  }

  /** Lost: stop at once, write nothing more (the next holder recovers what is stored). */
  async #lose(p: number, runner: PartitionRunner, error: unknown, write: boolean): Promise<void> {
    if (this.#runners.get(p) !== runner) return;
    this.#unsubscribe(p);
    this.#runners.delete(p);
    if (write && isFencing(error)) this.#stats.fencing++;
    this.#stats.lost++;
    this.#log.warn({ partition: p, token: runner.lease.token, error: String(error) }, 'partition lost');
    await runner.stop(error);
    this.#emit({ type: 'partition.lost', partition: p, token: runner.lease.token, error });
  }

  /** Given up on purpose: finish the block in progress, then release so another node takes over at once. */
  async #release(p: number): Promise<void> {
    const runner = this.#runners.get(p);
    if (runner === undefined) return;
    this.#unsubscribe(p);
    this.#runners.delete(p);
    await runner.stop(new ThreadlineError('NOT_OWNER', `node ${this.nodeId} released partition ${p}`));
    await runner.lease.release().catch(() => false);
    this.#stats.released++;
    this.#emit({ type: 'partition.released', partition: p, token: runner.lease.token });
  }

  #unsubscribe(p: number): void {
    this.#subscriptions.get(p)?.();
    this.#subscriptions.delete(p);
  }

  start(): void {
    const clock = this.#o.clock as Partial<TimerClock>;
    if (typeof clock.setTimer !== 'function') {
      throw new ThreadlineError('CONFIG', 'start() needs a clock with setTimer (SystemClock)', {
        issues: [{ path: ['clock'], message: 'expected a TimerClock', code: 'invalid_type' }],
      });
    }
    if (this.#cancelTimer !== null || this.#stopped) return;
    const every = this.#o.tickMs ?? Math.max(10, Math.floor(this.#o.leaseTtlMs / 3));
    const loop = () => {
      this.#cancelTimer = (clock.setTimer as TimerClock['setTimer'])(() => {
        this.#round(false)
          .catch((error: unknown) => this.#log.error({ error: String(error) }, 'tick failed'))
          .finally(() => {
            if (this.#cancelTimer !== null) loop();
          });
      }, every);
    };
    loop();
    this.tick().catch((error: unknown) => this.#log.error({ error: String(error) }, 'tick failed'));
  }

  async stop(): Promise<void> {
    this.#cancelTimer?.();
    this.#cancelTimer = null;
    this.#cancelEarly?.();
    this.#cancelEarly = null;
    this.#stopped = true;
    this.#stopErasures?.();
    this.#stopErasures = null;
    await this.#ticking?.catch(() => undefined);
    await this.#acquiring?.catch(() => undefined);
    for (const p of [...this.#runners.keys()]) await this.#release(p);
  }

  held(): number[] {
    return [...this.#runners.keys()].sort((a, b) => a - b);
  }

  partition(index: number): PartitionRunner | undefined {
    return this.#runners.get(index);
  }

  stats(): WorkerNodeStats {
    const s = this.#stats;
    return {
      nodeId: this.nodeId,
      held: this.held(),
      applied: s.applied,
      duplicates: s.duplicates,
      refused: s.refused,
      acquired: s.acquired,
      lost: s.lost,
      released: s.released,
      fencingRejections: s.fencing,
      gapReleases: s.gapReleases,
      erasureRestarts: s.erasureRestarts,
      blocks: [...this.#runners.values()].reduce((n, r) => n + r.blocks, 0),
    };
  }

  on(listener: (event: WorkerNodeEvent) => void): Unsubscribe {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  #emit(event: WorkerNodeEvent): void {
    for (const l of this.#listeners) {
      try {
        l(event);
      } catch (error) {
        this.#log.error({ error: String(error), event: event.type }, 'a node listener threw');
      }
    }
  }
}

/**
 * What a round works to: the fair share, and the nodes last seen one to three TTLs ago (dead or
 * paused lately: leases they still hold lapse soon, so a lease of theirs is worth retrying at its
 * lapse; a node dead for longer holds nothing that has not lapsed already).
 */
interface Share {
  fair: number;
  dying: ReadonlySet<string>;
}

/** A write refused because the lease moved on: `CONFLICT` naming a lease (possibly as a cause). */
export function isFencing(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e !== undefined && depth < 5; depth++) {
    if (isThreadlineError(e, 'CONFLICT') && typeof e.details?.lease === 'string') return true;
    e = (e as { cause?: unknown } | null)?.cause;
  }
  return false;
}
