import { STREAM_FENCED_EVENT_TYPE, ThreadlineError, type ThreadlineStorage } from '@threadline/core';
import type { RoutingEngine } from '../engine.js';
import { parseSnapshot, type RoutingSnapshot, restoreSnapshot } from '../snapshot.js';
import type { RoutingState } from '../state.js';
import { decodeJournalBatch, type JournalBatchPayload } from './codec.js';
import { JOURNAL_BATCH_EVENT_TYPE, type JournalEntry } from './entry.js';
import { type RoutingJournal, SNAPSHOT_COLLECTION } from './journal.js';

/**
 * The journal's snapshot document: the state after the first `position` journaled commands,
 * which end with the stream's event `streamVersion` (absent in documents written when every
 * command was one event: then it equals `position`).
 */
export interface JournalSnapshotDocument {
  position: number;
  streamVersion: number;
  lastAdvance: number | null;
  snapshot: RoutingSnapshot;
}

/** Reads the journal's latest snapshot document, or `undefined` when none was written yet. */
export async function readJournalSnapshot(
  storage: ThreadlineStorage,
  snapshotId: string,
  tenantId: string,
): Promise<JournalSnapshotDocument | undefined> {
  const doc = await storage.documents.get(SNAPSHOT_COLLECTION, snapshotId, { tenantId });
  if (doc === undefined) return undefined;
  const d = doc as unknown as Partial<JournalSnapshotDocument> & {
    position: number;
    snapshot: RoutingSnapshot;
  };
  return {
    position: d.position,
    streamVersion: d.streamVersion ?? d.position,
    lastAdvance: d.lastAdvance ?? null,
    snapshot: d.snapshot,
  };
}

/** Events per read: a batch event holds up to `maxBatch` commands, so pages stay small. */
const PAGE = 64;

/** One command read back from the journal: its number among all commands, and its stream event. */
export interface JournaledCommand {
  /** 1-based number of the command in the journal. */
  number: number;
  /** Stream version of the event holding it. */
  version: number;
  entry: JournalEntry;
}

/**
 * Reads a journal stream after the event `afterVersion` (which ends with command
 * `afterPosition`), page by page, in order, one item per command: a batch event
 * (`routing_journal.batch_recorded`) yields its entries, an event of the one-command format
 * (`routing_journal.command_recorded`) its payload.
 */
export async function* readJournal(
  storage: ThreadlineStorage,
  streamId: string,
  tenantId: string,
  afterVersion: number,
  afterPosition: number,
  read: { version: number } = { version: afterVersion },
): AsyncGenerator<JournaledCommand[]> {
  let from = afterVersion + 1;
  let number = afterPosition;
  for (;;) {
    const page = await storage.events.readStream(streamId, { tenantId, fromVersion: from, limit: PAGE });
    if (page.length === 0) return;
    const out: JournaledCommand[] = [];
    for (const e of page) {
      read.version = e.streamVersion;
      // An erasure's fence holds no command; only its version counts (the next append expects it).
      if (e.type === STREAM_FENCED_EVENT_TYPE) continue;
      if (e.type === JOURNAL_BATCH_EVENT_TYPE) {
        const batch = e.payload as JournalBatchPayload;
        if (batch.first !== number + 1) {
          throw new ThreadlineError(
            'INTERNAL',
            `Routing journal: batch ${e.streamVersion} starts at command ${batch.first}, expected ${number + 1}`,
            { details: { stream: streamId, version: e.streamVersion } },
          );
        }
        for (const entry of decodeJournalBatch(batch))
          out.push({ number: ++number, version: e.streamVersion, entry });
      } else out.push({ number: ++number, version: e.streamVersion, entry: e.payload as JournalEntry });
    }
    yield out;
    if (page.length < PAGE) return;
    from = (page[page.length - 1]?.streamVersion ?? from) + 1;
  }
}

type Args<K extends keyof RoutingEngine> = RoutingEngine[K] extends (...a: infer A) => unknown ? A : never;

/** Applies one journaled command to the engine (which is replaying: nothing is recorded again). */
export function applyEntry(engine: RoutingEngine, entry: JournalEntry): void {
  const a = entry.args as never;
  switch (entry.op) {
    case 'upsertWorker':
      engine.upsertWorker(...(a as Args<'upsertWorker'>));
      return;
    case 'setWorkerStatus':
      engine.setWorkerStatus(...(a as Args<'setWorkerStatus'>));
      return;
    case 'removeWorker':
      engine.removeWorker(...(a as Args<'removeWorker'>));
      return;
    case 'submitTask':
      engine.submitTask(...(a as Args<'submitTask'>));
      return;
    case 'updateTask':
      engine.updateTask(...(a as Args<'updateTask'>));
      return;
    case 'cancelTask':
      engine.cancelTask(...(a as Args<'cancelTask'>));
      return;
    case 'completeTask':
      engine.completeTask(...(a as Args<'completeTask'>));
      return;
    case 'acceptReservation':
      engine.acceptReservation(...(a as Args<'acceptReservation'>));
      return;
    case 'rejectReservation':
      engine.rejectReservation(...(a as Args<'rejectReservation'>));
      return;
    case 'advanceTo':
      engine.advanceTo(...(a as Args<'advanceTo'>));
      return;
    case 'requestHandoff':
      engine.requestHandoff(...(a as Args<'requestHandoff'>));
      return;
    case 'restore':
      engine.restore(...(a as Args<'restore'>));
      return;
  }
}

/** How `recoverJournal` swaps the engine's state. */
export interface RecoverHost {
  /** A fresh, empty state (subscriptions and the journal carried over). */
  fresh(): RoutingState;
  /** Makes `s` the engine's state. */
  install(s: RoutingState): void;
  /** The engine's state now (a replayed `restore` replaces it). */
  current(): RoutingState;
}

/**
 * Rebuilds an engine from its journal: the latest snapshot into a fresh state, then every entry
 * after it applied through the engine's own methods with the journal replaying (nothing is
 * recorded, no event is delivered: they are in the outbox already). Commands refused meanwhile;
 * a replay that fails leaves the engine refusing commands with `ADAPTER`.
 */
export async function recoverJournal(
  engine: RoutingEngine,
  j: RoutingJournal,
  host: RecoverHost,
): Promise<void> {
  j.refusal = new ThreadlineError(
    'CONFLICT',
    'The routing engine is recovering: wait for recover() to finish',
  );
  await j.settle();
  let position = 0;
  let version = 0;
  try {
    const stored = await readJournalSnapshot(j.storage, j.snapshotId, j.tenantId);
    const fresh = host.fresh();
    if (stored !== undefined) {
      const snap = parseSnapshot(fresh, stored.snapshot);
      fresh.timeOverride = snap.takenAt;
      restoreSnapshot(fresh, snap);
      fresh.timeOverride = undefined;
      fresh.lastAdvance = stored.lastAdvance ?? Number.NEGATIVE_INFINITY;
      position = stored.position;
      version = stored.streamVersion;
    }
    host.install(fresh);
    const base = position;
    j.replaying = true;
    const read = { version };
    for await (const page of readJournal(j.storage, j.streamId, j.tenantId, version, position, read)) {
      for (const { number, version: at, entry } of page) {
        host.current().timeOverride = entry.at;
        j.ids?.replay(entry.ids ?? []);
        try {
          applyEntry(engine, entry);
        } catch (error) {
          throw new ThreadlineError(
            'INTERNAL',
            `Routing journal replay failed at command ${number} (${entry.op})`,
            {
              cause: error,
              details: { stream: j.streamId, version: at, command: number },
            },
          );
        } finally {
          host.current().timeOverride = undefined;
        }
        position = number;
        version = at;
      }
    }
    j.resume(Math.max(version, read.version), position, position - base);
  } catch (error) {
    j.refusal = new ThreadlineError(
      'ADAPTER',
      'Routing journal: recover() failed; the engine refuses commands until recover() succeeds',
      { cause: error, details: { stream: j.streamId, position } },
    );
    throw j.refusal;
  } finally {
    j.replaying = false;
    j.ids?.replay(null);
  }
}
