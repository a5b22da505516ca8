import { type Clock, ThreadlineError, type ThreadlineStorage, type TimerClock } from '@threadline/core';
import type { RoutingEvent } from '../events.js';
import { deliverToSubscribers } from '../notifications.js';
import { declareRoutingPersonalData, snapshotCustomerIds } from '../personalData.js';
import { takeSnapshot } from '../snapshot.js';
import { currentTime, type RoutingState } from '../state.js';
import { encodeJournalBatch } from './codec.js';
import {
  JOURNAL_BATCH_EVENT_TYPE,
  JOURNAL_EVENT_TYPE,
  type JournalBatchEvent,
  type JournalEntry,
  type JournalOp,
  journalSnapshotId,
  journalStream,
  jsonArgs,
  type RecordingIds,
} from './entry.js';
import type { ParsedJournalOptions } from './options.js';

/** Collection of routing snapshots (`save()` and the journal's own). */
export const SNAPSHOT_COLLECTION = 'routing_snapshots';

/** The journal's figures in `stats().journal`. */
export interface RoutingJournalStats {
  /** Commands committed (the journal stream's version counts batches: one event per commit). */
  committed: number;
  /** Commands applied in memory, waiting for their batch to commit (batches on their way included). */
  pending: number;
  /** Batches committed by this engine. */
  commits: number;
  /** Snapshots written with a batch. */
  snapshots: number;
  /** True after a commit failed, until `recover()`: the engine refuses commands meanwhile. */
  failed: boolean;
}

/** A batch cut and on its way, as the batch cut after it sees it. */
interface BatchInFlight {
  /** Settles when the batch has committed (and delivered its events) or failed. */
  done: Promise<void>;
  /** True once the batch's transaction has started (or the batch failed before it could). */
  entered: boolean;
  /** Resolves when `entered` becomes true; never rejects. */
  entering: Promise<void>;
}

/** What the journal needs from its engine: the current state (replaced by `restore`). */
export interface JournalHost {
  state(): RoutingState;
}

/**
 * Batches on their way at once: one committing and the next one cut and serialised behind it
 * (its transaction waits for the one before to commit before it sends its statement).
 */
const PIPELINE_DEPTH = 2;

/**
 * A routing engine's command journal: commands applied in memory are queued with the events
 * they produced; a batch commits in one transaction (the batch's entries appended to the
 * engine's stream as **one** event with `expectedVersion`, so a commit costs the same few
 * statements whatever its size; events added to the outbox in one call; every `snapshotEvery`
 * commands a snapshot document); only then are its events delivered to subscribers and the bus.
 *
 * Commits are pipelined: while a batch commits, the next one may be cut and its events
 * serialised (the outbox `add`), so that work overlaps the database's; it sends its statement
 * only once the batch before it has committed, and fails without sending anything when that
 * one failed. Batches commit, and deliver their events, strictly in order.
 */
export class RoutingJournal {
  readonly streamId: string;
  readonly snapshotId: string;
  readonly storage: ThreadlineStorage;
  readonly tenantId: string;
  readonly #storage: ThreadlineStorage;
  readonly #opts: ParsedJournalOptions;
  readonly #tenantId: string;
  readonly #host: JournalHost;
  readonly #clock: Clock;
  readonly ids: RecordingIds | undefined;
  /** True while `recover()` replays: nothing is recorded and events are dropped (already committed). */
  replaying = false;
  /** Set when a commit failed (or while recovering): every command throws it. */
  refusal: ThreadlineError | null = null;
  #entries: JournalEntry[] = [];
  /** Customers the pending entries touched (the batch event's `customerIds`). */
  #customers = new Set<string>();
  #events: RoutingEvent[] = [];
  /** Stream version committed (batches). */
  #version = 0;
  /** Commands committed (every batch's entries, and the entries of older one-command events). */
  #position = 0;
  /** Stream version of the last batch cut (committed or on its way): what the next batch expects. */
  #cutVersion = 0;
  /** Commands in the batches cut so far (committed or on their way). */
  #cutPosition = 0;
  /** Commands cut since the last snapshot was cut. */
  #sinceSnapshot = 0;
  #recorded = 0;
  #committed = 0;
  #commits = 0;
  #snapshots = 0;
  /** The last batch cut and not settled yet (it waits for the ones before it), or `null`. */
  #inFlight: BatchInFlight | null = null;
  /** Batches cut and not settled: at most {@link PIPELINE_DEPTH}. */
  #outstanding = 0;
  #cancelTimer: (() => void) | null = null;
  #collectionReady = false;

  constructor(args: {
    storage: ThreadlineStorage;
    options: ParsedJournalOptions;
    tenantId: string;
    host: JournalHost;
    clock: Clock;
    ids: RecordingIds | undefined;
  }) {
    this.#storage = args.storage;
    this.storage = args.storage;
    this.tenantId = args.tenantId;
    this.#opts = args.options;
    this.#tenantId = args.tenantId;
    this.#host = args.host;
    this.#clock = args.clock;
    this.ids = args.ids;
    this.streamId = journalStream(args.tenantId, args.options.engineId);
    this.snapshotId = journalSnapshotId(args.options.engineId);
  }

  /** Throws when the engine refuses commands (a failed commit, or `recover()` running). */
  guard(): void {
    if (this.refusal !== null && !this.replaying) throw this.refusal;
  }

  /** Takes the events a command produced (they wait for their batch to commit). */
  capture(events: RoutingEvent[]): void {
    if (this.replaying) return;
    for (const e of events) this.#events.push(e);
  }

  /** Records a command that has been applied; `args` are copied as JSON. */
  record(op: JournalOp, args: unknown[], customerId?: unknown): void {
    if (this.replaying) return;
    const s = this.#host.state();
    const entry: JournalEntry = { op, args: jsonArgs(args), at: currentTime(s) };
    const ids = this.ids?.take();
    if (ids !== undefined) entry.ids = ids;
    if (typeof customerId === 'string') {
      entry.customerId = customerId;
      this.#customers.add(customerId);
    }
    this.#entries.push(entry);
    this.#recorded++;
    if (this.#entries.length >= this.#opts.maxBatch) this.#kick();
    else if (this.#cancelTimer === null && this.#opts.flushIntervalMs > 0) this.#arm();
  }

  /** Forgets ids a command used before it failed (nothing of it is journaled). */
  discardIds(): void {
    this.ids?.take();
  }

  /**
   * Commits every command applied so far (several batches if needed) and delivers their events.
   * Rejects with the commit's `ADAPTER` error when a batch fails (and from then on, until
   * `recover()`).
   */
  async flush(): Promise<void> {
    const target = this.#recorded;
    while (this.#committed < target) {
      if (this.refusal !== null) throw this.refusal;
      // Dropped by `recover()` meanwhile: nothing of ours is left to commit.
      if (this.#inFlight === null && this.#entries.length === 0) return;
      await this.#drive().catch(() => undefined);
    }
    // Another caller's batch may still be in flight even when ours is done.
    if (this.#inFlight !== null) await this.#inFlight.done.catch(() => undefined);
  }

  /** Figures for `stats()`. */
  stats(): RoutingJournalStats {
    return {
      committed: this.#position,
      pending: this.#cutPosition - this.#position + this.#entries.length,
      commits: this.#commits,
      snapshots: this.#snapshots,
      failed: this.refusal !== null && !this.replaying,
    };
  }

  /** Waits for the commits on their way, then drops everything not committed (recovery starts over). */
  async settle(): Promise<void> {
    if (this.#inFlight !== null) await this.#inFlight.done.catch(() => undefined);
    this.#disarm();
    this.#entries = [];
    this.#customers = new Set();
    this.#events = [];
    this.ids?.take();
  }

  /** Waits for the commits on their way, if any (their outcome is the journal's own business). */
  async landed(): Promise<void> {
    if (this.#inFlight !== null) await this.#inFlight.done.catch(() => undefined);
  }

  /**
   * Rewrites what waits to commit (journal entries and events) as erasure rewrites committed
   * ones: `rewrite` returns the new payload of a matching entry or event, `undefined` for the rest.
   * A pending entry is offered in the one-command event shape (`payload` = the entry, matched at
   * `payload.customerId`). Returns how many were rewritten.
   */
  rewritePending(
    rewrite: (event: { type: string; aggregateId: string; payload: unknown; streamId?: string }) => unknown,
  ): number {
    let n = 0;
    this.#entries = this.#entries.map((entry) => {
      const payload = rewrite({
        type: JOURNAL_EVENT_TYPE,
        aggregateId: this.streamId,
        payload: entry,
        streamId: this.streamId,
      });
      if (payload === undefined) return entry;
      n++;
      return payload as JournalEntry;
    });
    this.#events = this.#events.map((e) => {
      const payload = rewrite(e);
      if (payload === undefined) return e;
      n++;
      return { ...e, payload } as RoutingEvent;
    });
    return n;
  }

  /**
   * Sets the committed position after recovery: the stream `version` (the next append expects
   * it), the commands it holds, and the commands since the snapshot recovery started from.
   */
  resume(version: number, position: number, sinceSnapshot: number): void {
    this.#version = version;
    this.#position = position;
    this.#cutVersion = version;
    this.#cutPosition = position;
    this.#sinceSnapshot = sinceSnapshot;
    this.#recorded = this.#committed;
    this.refusal = null;
  }

  /** Defines the snapshot collection and declares routing's personal data, once. */
  async ensureCollection(): Promise<void> {
    if (this.#collectionReady) return;
    await this.#storage.documents.defineCollection(SNAPSHOT_COLLECTION, { indexes: ['customerIds'] });
    await declareRoutingPersonalData(this.#storage.documents);
    this.#collectionReady = true;
  }

  #arm(): void {
    const clock = this.#clock as Partial<TimerClock>;
    if (typeof clock.setTimer !== 'function') return;
    this.#cancelTimer = clock.setTimer(() => {
      this.#cancelTimer = null;
      this.#kick();
    }, this.#opts.flushIntervalMs);
  }

  #disarm(): void {
    if (this.#cancelTimer !== null) this.#cancelTimer();
    this.#cancelTimer = null;
  }

  /** Starts a commit in the background; its failure is kept in `refusal`, never thrown here. */
  #kick(): void {
    this.#drive().catch(() => undefined);
  }

  /**
   * Cuts a batch of everything pending and starts its commit (behind the batch on its way, if
   * any); resolves when the last batch cut has settled. Cuts nothing while
   * {@link PIPELINE_DEPTH} batches are on their way: the first to settle cuts the next.
   */
  #drive(): Promise<void> {
    if (this.#entries.length === 0 || this.refusal !== null || this.#outstanding >= PIPELINE_DEPTH)
      return this.#inFlight?.done ?? Promise.resolve();
    let enter: () => void = () => undefined;
    const batch: BatchInFlight = {
      done: Promise.resolve(),
      entered: false,
      entering: new Promise<void>((resolve) => (enter = resolve)),
    };
    const onEnter = () => {
      batch.entered = true;
      enter();
    };
    const done: Promise<void> = this.#commit(this.#inFlight, onEnter).finally(() => {
      onEnter();
      this.#outstanding--;
      if (this.#inFlight === batch) this.#inFlight = null;
      // Commands recorded meanwhile form the next batch.
      if (this.#entries.length >= this.#opts.maxBatch) this.#kick();
      else if (this.#entries.length > 0 && this.#cancelTimer === null && this.#opts.flushIntervalMs > 0)
        this.#arm();
    });
    batch.done = done;
    this.#outstanding++;
    this.#inFlight = batch;
    return done;
  }

  /**
   * Cuts everything pending into one batch and commits it after `before` (the batch cut before
   * it, still on its way, or `null`). Rejects with the journal's refusal when it or a batch
   * before it did not commit.
   */
  async #commit(before: BatchInFlight | null, onEnter: () => void): Promise<void> {
    this.#disarm();
    // Cut synchronously: the state now is exactly the state after the batch's last command.
    const entries = this.#entries;
    const customers = this.#customers;
    const events = this.#events;
    this.#entries = [];
    this.#customers = new Set();
    this.#events = [];
    const s = this.#host.state();
    const expectedVersion = this.#cutVersion;
    const version = expectedVersion + 1;
    const first = this.#cutPosition + 1;
    const position = this.#cutPosition + entries.length;
    this.#cutVersion = version;
    this.#cutPosition = position;
    let previous = before?.done ?? null;
    let snapshotted = false;
    // Set when the batch before this one did not commit (its failure is the refusal already).
    let beforeFailed = false;
    const settled = async (p: Promise<void> | null) => {
      try {
        await p;
      } catch (error) {
        beforeFailed = true;
        throw error;
      }
    };
    try {
      const batch: JournalBatchEvent = {
        id: `${this.streamId}:${version}`,
        type: JOURNAL_BATCH_EVENT_TYPE,
        tenantId: this.#tenantId,
        aggregateId: this.#opts.engineId,
        aggregateType: 'routing_journal',
        version,
        occurredAt: (entries[entries.length - 1] as JournalEntry).at,
        payload: encodeJournalBatch(first, entries, [...customers].sort()),
      };
      const snapshot =
        this.#sinceSnapshot + entries.length >= this.#opts.snapshotEvery
          ? {
              id: this.snapshotId,
              tenantId: this.#tenantId,
              position,
              streamVersion: version,
              lastAdvance: Number.isFinite(s.lastAdvance) ? s.lastAdvance : null,
              snapshot: takeSnapshot(s),
            }
          : null;
      this.#sinceSnapshot = snapshot === null ? this.#sinceSnapshot + entries.length : 0;
      snapshotted = snapshot !== null;
      // Erasure finds (and deletes) the snapshots naming a customer by this index.
      if (snapshot !== null)
        (snapshot as Record<string, unknown>).customerIds = snapshotCustomerIds(snapshot.snapshot.tasks);
      if (!this.#collectionReady) {
        // The first commits define the collection first, one after the other: a batch's
        // transaction must never start before the one of the batch before it.
        await settled(previous);
        previous = null;
        await this.ensureCollection();
      } else if (before !== null && !before.entered) {
        // A transaction may hold the store (PGlite: one at a time) from its start: entered out of
        // order, this one would wait for its predecessor inside, and its predecessor for it.
        await before.entering;
      }
      const transaction = this.#storage.documents.transaction?.bind(this.#storage.documents);
      if (transaction === undefined) throw new Error('the document store has no transaction()');
      await transaction(async (tx) => {
        onEnter();
        if (tx.events === undefined) throw new Error('the transaction has no event log (tx.events)');
        // The outbox first: an adapter may send its row with the append (PostgreSQL: one
        // statement), and serialises the events now, while the batch before still commits.
        const added = events.length > 0 ? tx.outbox.add(events) : undefined;
        added?.catch(() => undefined);
        // Nothing of this batch is sent before the one before it has committed.
        await settled(previous);
        await added;
        await tx.events.append(this.streamId, [batch], { tenantId: this.#tenantId, expectedVersion });
        if (snapshot !== null) await tx.documents.put(SNAPSHOT_COLLECTION, snapshot as never);
      });
    } catch (error) {
      if (!beforeFailed) this.#fail(error, entries.length);
      throw this.refusal ?? error;
    }
    this.#version = version;
    this.#position = position;
    this.#committed += entries.length;
    this.#commits++;
    if (snapshotted) this.#snapshots++;
    if (events.length > 0) deliverToSubscribers(this.#host.state(), events);
  }

  /**
   * A batch did not commit: its commands (applied in memory, never visible) and everything
   * after them are dropped, and the engine refuses commands until `recover()` rebuilds the
   * committed state.
   */
  #fail(error: unknown, lost: number): void {
    // This batch, those cut after it (they fail when they see the refusal) and those not cut.
    const dropped = this.#cutPosition - this.#position + this.#entries.length;
    this.#cutVersion = this.#version;
    this.#cutPosition = this.#position;
    this.#entries = [];
    this.#customers = new Set();
    this.#events = [];
    this.#disarm();
    this.refusal = new ThreadlineError(
      'ADAPTER',
      `Routing journal: a batch of ${lost} command(s) did not commit; ${dropped} command(s) since the last commit are lost and the engine refuses commands until recover()`,
      { cause: error, details: { stream: this.streamId, committed: this.#position, lost: dropped } },
    );
  }
}

/**
 * The engine's journal, after checking that it accepts commands (it throws the refusal after a
 * failed commit or during `recover()`); `null` without a journal.
 */
export function openJournal(s: RoutingState): RoutingJournal | null {
  const j = s.journal;
  if (j !== null) j.guard();
  return j;
}
