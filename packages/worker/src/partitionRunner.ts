import {
  CASES_COLLECTION,
  type CaseEngine,
  type CaseEngineOptions,
  createCaseEngine,
} from '@threadline/cases';
import {
  type IdGenerator,
  isThreadlineError,
  type Lease,
  ManualClock,
  ThreadlineError,
  type ThreadlineStorage,
} from '@threadline/core';
import { createRoutingEngine, type RoutingEngine, type RoutingEngineOptions } from '@threadline/routing';
import { BlockCommit } from './blockCommit.js';
import type { SequencedCommand } from './command.js';
import { fencedStorage, PROGRESS_COLLECTION, type ProgressMarker } from './fencedStorage.js';
import { partitionOf } from './partition.js';

/** Routing engine options a node passes through (the node supplies clock, ids, storage, journal, tenant). */
export type WorkerRoutingOptions = Omit<
  RoutingEngineOptions,
  'clock' | 'ids' | 'storage' | 'store' | 'journal' | 'tenantId' | 'bus'
>;
/** Case engine options a node passes through (the node supplies clock, ids, storage, engine id). */
export type WorkerCasesOptions = Omit<
  CaseEngineOptions,
  'clock' | 'ids' | 'storage' | 'store' | 'bus' | 'engineId'
>;

/** What happened to one command. */
export type CommandOutcome =
  | { status: 'applied' }
  /** The engine refused it (an illegal move, an unknown task…): deterministic, so it is final. */
  | { status: 'refused'; code: string; message: string }
  /** Its effect was already in the store (a redelivery, a retry): nothing was done again. */
  | { status: 'duplicate' };

/** Engine refusals that are part of the command's deterministic outcome, not a failure. */
const REFUSALS = new Set([
  'VALIDATION',
  'NOT_FOUND',
  'CONFLICT',
  'ILLEGAL_TRANSITION',
  'CAPACITY',
  'FORBIDDEN',
]);

/** Settings a runner takes from its node. */
export interface RunnerConfig {
  storage: ThreadlineStorage;
  lease: Lease;
  partition: number;
  partitions: number;
  tenants: readonly string[];
  routing: (tenantId: string) => WorkerRoutingOptions;
  cases: WorkerCasesOptions;
  snapshotEvery: number;
  maxBlock: number;
  /** How long an idle partition waits for more commands before its first block (none: at once). */
  blockDelay?: GapWait | undefined;
  /** Called once when the runner fails (a commit refused by fencing, a storage error). */
  onFailure: (error: unknown) => void;
}

interface Engine {
  key: string;
  /** Last command applied to this engine (what its next commit's marker says). */
  seq: number;
  /** Last command whose effect on this engine is committed, as recovered. */
  committed: number;
  ids: { cmd: number; k: number };
}

interface Waiter {
  resolve: (o: CommandOutcome) => void;
  reject: (e: unknown) => void;
}

interface Waiting {
  command: SequencedCommand;
  waiters: Waiter[];
}

/** How long a bus delivery may wait for a missing earlier command (see `PartitionRunner.submit`). */
export interface GapWait {
  waitMs: number;
  setTimer: (fn: () => void, ms: number) => unknown;
}

/**
 * Runs one held partition: its routing engines (one per tenant of the partition) and its case
 * engine, on storage fenced by the partition's lease. Commands are applied in `seq` order, in
 * blocks: a block is applied synchronously, then committed as one group commit — every engine's
 * transaction joins one fenced transaction with the engines' and the partition's progress
 * markers — and only then are the block's callers answered, so a bus acknowledges a command only
 * once its effect is stored, and a redelivered command is recognised by its `seq` and not applied
 * again.
 */
export class PartitionRunner {
  readonly partition: number;
  readonly #c: RunnerConfig;
  readonly #clock = new ManualClock(0);
  readonly #routing = new Map<string, { engine: RoutingEngine; state: Engine }>();
  #cases!: { engine: CaseEngine; state: Engine };
  #resolved = 0;
  readonly #waiting = new Map<number, Waiting>();
  #draining: Promise<void> | null = null;
  #stopped: unknown = null;
  #applied = 0;
  #blocks = 0;
  #gapReleases = 0;
  /** Engines a block changed (filled by `#apply`). */
  readonly #touched = new Set<Engine>();
  /** The group commit of the block in progress (every engine's transaction joins it). */
  readonly #block = new BlockCommit();

  constructor(config: RunnerConfig) {
    this.#c = config;
    this.partition = config.partition;
  }

  /** The lease this runner writes under. */
  get lease(): Lease {
    return this.#c.lease;
  }

  /** The last command of the partition whose effect is stored. */
  get resolved(): number {
    return this.#resolved;
  }

  /** Commands applied (not duplicates) since this runner started. */
  get applied(): number {
    return this.#applied;
  }

  /** Blocks committed (each: one commit per changed engine). */
  get blocks(): number {
    return this.#blocks;
  }

  /** Commands waiting (out of order, or for the block in progress). */
  get backlog(): number {
    return this.#waiting.size;
  }

  /** The routing engine of a tenant of this partition (for reads). */
  routingEngine(tenantId: string): RoutingEngine | undefined {
    return this.#routing.get(tenantId)?.engine;
  }

  /** The partition's case engine (for reads). */
  casesEngine(): CaseEngine {
    return this.#cases.engine;
  }

  /** Builds the engines and recovers the committed state: snapshot + journal, open cases, markers. */
  async recover(): Promise<void> {
    const c = this.#c;
    const lease = c.lease.name;
    const storageOf = (state: Engine) =>
      fencedStorage(c.storage, c.lease.fence, { key: state.key, commit: this.#block }, () => ({
        id: `${lease}:${state.key}`,
        partition: c.partition,
        seq: state.seq,
      }));
    await c.storage.documents.defineCollection(PROGRESS_COLLECTION, { indexes: ['partition'] });
    for (const tenantId of c.tenants) {
      if (partitionOf(tenantId, c.partitions) !== c.partition) continue;
      const state: Engine = { key: `routing:${tenantId}`, seq: 0, committed: 0, ids: { cmd: 0, k: 0 } };
      const engine = createRoutingEngine({
        ...c.routing(tenantId),
        tenantId,
        clock: this.#clock,
        ids: this.#ids(state),
        storage: storageOf(state),
        journal: {
          engineId: safe(lease),
          maxBatch: 100_000,
          flushIntervalMs: 0,
          snapshotEvery: c.snapshotEvery,
        },
      });
      this.#routing.set(tenantId, { engine, state });
    }
    const casesState: Engine = { key: 'cases', seq: 0, committed: 0, ids: { cmd: 0, k: 0 } };
    this.#cases = {
      state: casesState,
      engine: createCaseEngine({
        ...c.cases,
        // One case engine per partition, all sharing the tenants: each keeps its own counters.
        engineId: safe(lease),
        clock: this.#clock,
        ids: this.#ids(casesState),
        storage: storageOf(casesState),
      }),
    };
    const engines = [...this.#routing.values(), this.#cases];
    const docs = await c.storage.documents.getMany(PROGRESS_COLLECTION, [
      lease,
      ...engines.map((e) => `${lease}:${e.state.key}`),
    ]);
    this.#resolved = Number(docs[0]?.seq ?? 0);
    engines.forEach((e, i) => {
      e.state.committed = e.state.seq = Number(docs[i + 1]?.seq ?? 0);
    });
    for (const { engine } of this.#routing.values()) await engine.recover();
    const include = (caseId: string) => partitionOf(caseId, c.partitions) === c.partition;
    for (const tenantId of c.tenants) await this.#cases.engine.recover({ tenantId, include });
    // The engines' clocks resume where the journal left them; commands never move them back.
  }

  /**
   * Queues a command and resolves its outcome once its effect is stored (or it was a duplicate).
   * Rejects when the runner stops before that (the command may be retried at the new owner).
   *
   * With `gap` (the bus path), the caller is not kept waiting behind a missing command: when,
   * after `gap.waitMs`, the command still cannot run because an earlier `seq` has not arrived, the
   * call rejects with `TIMEOUT` (the bus redelivers it later) while the command stays queued, so
   * it is applied as soon as the gap fills. A bus consumer holds a bounded number of handler
   * calls: were they all to wait for a command that sits behind them (redelivered after a failover),
   * the consumer would never read it.
   */
  submit(command: SequencedCommand, gap?: GapWait): Promise<CommandOutcome> {
    if (this.#stopped !== null) return Promise.reject(this.#stopped);
    if (command.seq <= this.#resolved) return Promise.resolve({ status: 'duplicate' });
    return new Promise((resolve, reject) => {
      let held = this.#waiting.get(command.seq);
      if (held !== undefined && held.command.id !== command.id) {
        reject(
          new ThreadlineError('CONFLICT', `partition ${this.partition} already has command ${command.seq}`, {
            details: {
              partition: this.partition,
              seq: command.seq,
              id: held.command.id,
              other: command.id,
            },
          }),
        );
        return;
      }
      const waiter: Waiter = { resolve, reject };
      if (held === undefined) {
        held = { command, waiters: [waiter] };
        this.#waiting.set(command.seq, held);
      } else held.waiters.push(waiter);
      if (gap !== undefined) this.#watchGap(held, waiter, gap);
      this.#kick();
    });
  }

  /** The first `seq` before `seq` that has not arrived (`undefined` when nothing is missing). */
  missingBefore(seq: number): number | undefined {
    for (let s = this.#resolved + 1; s < seq; s++) if (!this.#waiting.has(s)) return s;
    return undefined;
  }

  #watchGap(held: Waiting, waiter: Waiter, gap: GapWait): void {
    const check = () => {
      if (this.#stopped !== null || !held.waiters.includes(waiter)) return;
      const missing = this.missingBefore(held.command.seq);
      if (missing === undefined) {
        gap.setTimer(check, gap.waitMs); // runs behind a block in progress: keep waiting
        return;
      }
      held.waiters.splice(held.waiters.indexOf(waiter), 1);
      this.#gapReleases++;
      waiter.reject(
        new ThreadlineError(
          'TIMEOUT',
          `partition ${this.partition}: command ${held.command.seq} waits for command ${missing}, not delivered yet; deliver it again later`,
          { details: { partition: this.partition, seq: held.command.seq, missing } },
        ),
      );
    };
    gap.setTimer(check, gap.waitMs);
  }

  /** Bus deliveries released because an earlier command had not arrived (see `submit`). */
  get gapReleases(): number {
    return this.#gapReleases;
  }

  /**
   * Stops the partition: no command is applied and nothing is written after this (a commit in
   * flight finishes or is refused by fencing); waiting callers are rejected with `reason`.
   * Resolves when the block in progress, if any, has ended.
   */
  async stop(reason: unknown): Promise<void> {
    if (this.#stopped === null) this.#stopped = reason;
    for (const w of this.#waiting.values()) for (const x of w.waiters) x.reject(reason);
    this.#waiting.clear();
    await this.#draining?.catch(() => undefined);
  }

  #kick(): void {
    if (this.#draining !== null || this.#stopped !== null) return;
    if (!this.#waiting.has(this.#resolved + 1)) return;
    this.#draining = this.#drain()
      .catch((error: unknown) => {
        if (this.#stopped === null) {
          this.#stopped = error;
          this.#c.onFailure(error);
        }
      })
      .finally(() => {
        this.#draining = null;
        this.#kick();
      });
  }

  async #drain(): Promise<void> {
    const delay = this.#c.blockDelay;
    // From idle: let a burst arrive (later blocks collect what arrives while one commits).
    if (delay !== undefined && this.#ready() < this.#c.maxBlock)
      await new Promise<void>((resolve) => delay.setTimer(resolve, delay.waitMs));
    while (this.#stopped === null) {
      const block: Waiting[] = [];
      for (let s = this.#resolved + 1; block.length < this.#c.maxBlock; s++) {
        const w = this.#waiting.get(s);
        if (w === undefined) break;
        block.push(w);
      }
      if (block.length === 0) return;
      await this.#preload(block);
      if (this.#stopped !== null) return;
      const outcomes = await this.#commitBlock(block);
      const last = (block[block.length - 1] as Waiting).command.seq;
      this.#resolved = last;
      this.#blocks++;
      block.forEach((w, i) => {
        this.#waiting.delete(w.command.seq);
        for (const x of w.waiters) x.resolve(outcomes[i] as CommandOutcome);
      });
    }
  }

  /** Commands ready to run now (contiguous from the last resolved one), up to `maxBlock`. */
  #ready(): number {
    let n = 0;
    while (n < this.#c.maxBlock && this.#waiting.has(this.#resolved + 1 + n)) n++;
    return n;
  }

  /**
   * Applies a block synchronously and commits it as one group commit: the block's engines flush,
   * each engine's transaction joins the block (see {@link BlockCommit}), and one fenced
   * transaction writes the markers of the engines the block touched and the partition's marker
   * (`<lease>` = the block's last `seq`) with every engine's writes. Resolves the block's
   * outcomes once that transaction committed and every engine took note of it.
   */
  async #commitBlock(block: Waiting[]): Promise<CommandOutcome[]> {
    const c = this.#c;
    // Engine commits from here on join the block (the case engine's starts right after the run).
    this.#block.open();
    this.#touched.clear();
    let outcomes: CommandOutcome[];
    try {
      // Applied in one synchronous run: the engines' batches are cut only after it.
      outcomes = block.map((w) => this.#apply(w.command));
    } catch (error) {
      this.#block.abort(error);
      throw error;
    }
    const last = (block[block.length - 1] as Waiting).command.seq;
    const touched = [...this.#routing.values(), this.#cases].filter((e) => this.#touched.has(e.state));
    const settled = touched.map(() => ({ failed: false as boolean, error: undefined as unknown }));
    const flushes = touched.map((e, i) =>
      e.engine.flush().catch((error: unknown) => {
        (settled[i] as { failed: boolean; error: unknown }).failed = true;
        (settled[i] as { failed: boolean; error: unknown }).error = error;
        throw error;
      }),
    );
    // Each engine either joins the block (it has writes) or its flush settles (nothing to write).
    await Promise.all(
      touched.map((e, i) =>
        Promise.race([
          this.#block.joinedBy(e.state.key),
          (flushes[i] as Promise<void>).catch(() => undefined),
        ]),
      ),
    );
    const failed = settled.find((x) => x.failed);
    if (failed !== undefined) {
      this.#block.abort(failed.error);
      await Promise.allSettled(flushes);
      throw failed.error;
    }
    const lease = c.lease.name;
    const markers: ProgressMarker[] = [
      ...touched.map((e) => ({ id: `${lease}:${e.state.key}`, partition: this.partition, seq: e.state.seq })),
      { id: lease, partition: this.partition, seq: last },
    ];
    try {
      // The case engine first: its appends come last in its own transaction function, and a
      // routing journal's commit is one append; the append lock is taken as late as possible.
      await this.#block.commit(c.storage, c.lease.fence, markers, (key) => (key === 'cases' ? 0 : 1));
    } catch (error) {
      await Promise.allSettled(flushes);
      throw error;
    }
    // The engines deliver their events and settle their bookkeeping once their commit resolved.
    await Promise.all(flushes);
    return outcomes;
  }

  /**
   * Loads cases that left memory (closed, evicted) before the block runs synchronously: one
   * `getMany` per tenant finds which of the block's unknown case ids are stored at all (new
   * cases are not), and only those are loaded.
   */
  async #preload(block: Waiting[]): Promise<void> {
    const cases = this.#cases.engine;
    const unknown = new Map<string, Set<string>>();
    for (const { command } of block) {
      const c = command.command;
      if (c.kind !== 'cases') continue;
      const tenantId = c.tenantId ?? 'default';
      if (cases.getCase(c.caseId, { tenantId }) !== undefined) continue;
      let ids = unknown.get(tenantId);
      if (ids === undefined) unknown.set(tenantId, (ids = new Set()));
      ids.add(c.caseId);
    }
    for (const [tenantId, set] of unknown) {
      const ids = [...set];
      const stored = await this.#c.storage.documents.getMany(CASES_COLLECTION, ids, { tenantId });
      for (let i = 0; i < ids.length; i++)
        if (stored[i] !== undefined) await cases.loadCase(ids[i] as string, { tenantId });
    }
  }

  #apply(sc: SequencedCommand): CommandOutcome {
    if (sc.at > this.#clock.now()) this.#clock.set(sc.at);
    const c = sc.command;
    const targets: Engine[] = [];
    if (c.kind === 'routing') {
      const r = this.#routing.get(c.tenantId);
      if (r === undefined) {
        return refused(
          new ThreadlineError('NOT_FOUND', `tenant ${c.tenantId} is not among this node's tenants`, {
            details: { tenantId: c.tenantId },
          }),
        );
      }
      targets.push(r.state);
    } else if (c.kind === 'cases') targets.push(this.#cases.state);
    else targets.push(...[...this.#routing.values()].map((r) => r.state), this.#cases.state);
    // Engines whose committed marker covers this command already hold its effect.
    const fresh = targets.filter((t) => sc.seq > t.committed);
    if (fresh.length === 0) return { status: 'duplicate' };
    for (const t of fresh) {
      this.#touched.add(t);
      t.seq = sc.seq;
      t.ids.cmd = sc.seq;
      t.ids.k = 0;
    }
    try {
      if (c.kind === 'routing') this.#routingOp(c.tenantId, c.op, c.args);
      else if (c.kind === 'cases') this.#casesOp(c.caseId, c.op, c.args);
      else {
        for (const [tenantId, r] of this.#routing)
          if (fresh.includes(r.state)) this.#routingOp(tenantId, 'advanceTo', [sc.at]);
        if (fresh.includes(this.#cases.state)) this.#cases.engine.advanceTo(sc.at);
      }
    } catch (error) {
      if (isThreadlineError(error) && REFUSALS.has(error.code)) return refused(error);
      throw error;
    }
    this.#applied++;
    return { status: 'applied' };
  }

  #routingOp(tenantId: string, op: string, args: unknown[]): void {
    const engine = (this.#routing.get(tenantId) as { engine: RoutingEngine }).engine;
    if (op === 'acceptTask') {
      const taskId = String(args[0]);
      const task = engine.getTask(taskId);
      const pending = task?.reservations.find((id) => engine.getReservation(id)?.status === 'pending');
      if (pending === undefined) {
        throw new ThreadlineError('NOT_FOUND', `task ${taskId} has no pending reservation`, {
          details: { taskId },
        });
      }
      engine.acceptReservation(pending);
      return;
    }
    (engine as unknown as Record<string, (...a: unknown[]) => unknown>)[op]?.(...args);
  }

  #casesOp(caseId: string, op: string, args: unknown[]): void {
    const engine = this.#cases.engine as unknown as Record<string, (...a: unknown[]) => unknown>;
    if (op === 'openCase') engine.openCase?.(...args);
    else engine[op]?.(caseId, ...args);
  }

  /** Ids keyed by the command: a replay after failover hands out exactly the ids the first run did. */
  #ids(state: Engine): IdGenerator {
    const key = `${safe(this.#c.lease.name)}-${safe(state.key)}`;
    return {
      next: (prefix) => `${prefix ?? 'id'}_${key}_${state.ids.cmd}_${state.ids.k++}`,
    };
  }
}

function refused(error: ThreadlineError): CommandOutcome {
  return { status: 'refused', code: error.code, message: error.message };
}

/** A lease name or engine key as an id part (letters, digits, `_`, `.`, `-`). */
function safe(text: string): string {
  return text.replace(/[^A-Za-z0-9_.-]/g, '-');
}
