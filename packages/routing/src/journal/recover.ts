import { ThreadlineError, type ThreadlineStorage } from '@threadline/core';
import type { RoutingEngine } from '../engine.js';
import { parseSnapshot, type RoutingSnapshot, restoreSnapshot } from '../snapshot.js';
import type { RoutingState } from '../state.js';
import type { JournalEntry } from './entry.js';
import { type RoutingJournal, SNAPSHOT_COLLECTION } from './journal.js';

/** The journal's snapshot document: the state after the first `position` journaled commands. */
export interface JournalSnapshotDocument {
  position: number;
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
  const d = doc as unknown as JournalSnapshotDocument;
  return { position: d.position, lastAdvance: d.lastAdvance ?? null, snapshot: d.snapshot };
}

const PAGE = 5_000;

/** Reads a journal stream after `afterVersion`, page by page, in order. */
export async function* readJournal(
  storage: ThreadlineStorage,
  streamId: string,
  tenantId: string,
  afterVersion: number,
): AsyncGenerator<Array<{ version: number; entry: JournalEntry }>> {
  let from = afterVersion + 1;
  for (;;) {
    const page = await storage.events.readStream(streamId, { tenantId, fromVersion: from, limit: PAGE });
    if (page.length === 0) return;
    yield page.map((e) => ({ version: e.streamVersion, entry: e.payload as JournalEntry }));
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
    }
    host.install(fresh);
    const base = position;
    j.replaying = true;
    for await (const page of readJournal(j.storage, j.streamId, j.tenantId, position)) {
      for (const { version, entry } of page) {
        host.current().timeOverride = entry.at;
        j.ids?.replay(entry.ids ?? []);
        try {
          applyEntry(engine, entry);
        } catch (error) {
          throw new ThreadlineError(
            'INTERNAL',
            `Routing journal replay failed at entry ${version} (${entry.op})`,
            {
              cause: error,
              details: { stream: j.streamId, version },
            },
          );
        } finally {
          host.current().timeOverride = undefined;
        }
        position = version;
      }
    }
    j.resume(position, position - base);
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
